import type { Box, Keypoint } from '../types.js';

/**
 * Pose decoders. Coordinates come out in model-input pixels; callers map them
 * back to the image with the letterbox of the crop they fed.
 */

export const COCO_KEYPOINTS = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

export const KP = Object.fromEntries(COCO_KEYPOINTS.map((n, i) => [n, i])) as Record<(typeof COCO_KEYPOINTS)[number], number>;

export interface RawPose {
  /** Input pixels. */
  box: Box;
  score: number;
  keypoints: Keypoint[];
}

/**
 * MoveNet SinglePose: [1, 1, K, 3] of (y, x, score), y and x normalised to
 * the input. Returns K keypoints in input pixels.
 */
export function decodeMovenet(out: Float32Array, dims: readonly number[], inW: number, inH: number): Keypoint[] {
  if (dims.length !== 4 || dims[0] !== 1 || dims[1] !== 1 || dims[3] !== 3) {
    throw new Error(`MoveNet output must be [1, 1, K, 3]; got [${dims.join(', ')}]`);
  }
  const k = dims[2]!;
  const kps: Keypoint[] = [];
  for (let i = 0; i < k; i++) kps.push([out[i * 3 + 1]! * inW, out[i * 3]! * inH, out[i * 3 + 2]!]);
  return kps;
}

/**
 * MoveNet MultiPose: [1, P, 56]; per row 17 × (y, x, score), then
 * [ymin, xmin, ymax, xmax] and the person score, all normalised to the input.
 * Rows are unsorted; those under `minScore` are dropped.
 */
export function decodeMovenetMultipose(out: Float32Array, dims: readonly number[], inW: number, inH: number, minScore: number): RawPose[] {
  if (dims.length !== 3 || dims[0] !== 1 || dims[2] !== 56)
    throw new Error(`MoveNet MultiPose output must be [1, P, 56]; got [${dims.join(', ')}]`);
  const poses: RawPose[] = [];
  for (let p = 0; p < dims[1]!; p++) {
    const o = p * 56;
    const score = out[o + 55]!;
    if (score < minScore) continue;
    const kps: Keypoint[] = [];
    for (let i = 0; i < 17; i++) kps.push([out[o + i * 3 + 1]! * inW, out[o + i * 3]! * inH, out[o + i * 3 + 2]!]);
    const y1 = out[o + 51]! * inH;
    const x1 = out[o + 52]! * inW;
    const y2 = out[o + 53]! * inH;
    const x2 = out[o + 54]! * inW;
    poses.push({ box: [x1, y1, x2 - x1, y2 - y1], score, keypoints: kps });
  }
  return poses;
}

/**
 * YOLOv8-pose (Ultralytics export): [1, 5 + 3K, N] (or transposed); per
 * candidate [cx, cy, w, h, person score, K × (x, y, visibility)] in input
 * pixels. NMS is left to the caller.
 */
export function decodeYolov8Pose(out: Float32Array, dims: readonly number[], scoreThreshold: number, numKeypoints = 17): RawPose[] {
  const per = 5 + 3 * numKeypoints;
  if (dims.length !== 3 || dims[0] !== 1 || (dims[1] !== per && dims[2] !== per)) {
    throw new Error(`YOLOv8-pose output must be [1, ${per}, N] for ${numKeypoints} keypoints; got [${dims.join(', ')}]`);
  }
  const cf = dims[1] === per;
  const n = cf ? dims[2]! : dims[1]!;
  const at = cf ? (c: number, i: number): number => out[c * n + i]! : (c: number, i: number): number => out[i * per + c]!;
  const poses: RawPose[] = [];
  for (let i = 0; i < n; i++) {
    const score = at(4, i);
    if (score < scoreThreshold) continue;
    const cx = at(0, i),
      cy = at(1, i),
      w = at(2, i),
      h = at(3, i);
    const kps: Keypoint[] = [];
    for (let k = 0; k < numKeypoints; k++) kps.push([at(5 + 3 * k, i), at(6 + 3 * k, i), at(7 + 3 * k, i)]);
    poses.push({ box: [cx - w / 2, cy - h / 2, w, h], score, keypoints: kps });
  }
  return poses;
}

/**
 * Top-down heatmap head (SimpleBaseline/HRNet/RTMPose-heatmap style):
 * [1, K, h, w] heatmaps over an inW × inH crop. Keypoint = argmax cell,
 * refined a quarter cell towards the higher neighbour, mapped to input
 * pixels; score = the peak value.
 */
export function decodeHeatmaps(out: Float32Array, dims: readonly number[], inW: number, inH: number): Keypoint[] {
  if (dims.length !== 4 || dims[0] !== 1) throw new Error(`heatmap output must be [1, K, h, w]; got [${dims.join(', ')}]`);
  const [, k, h, w] = dims as [number, number, number, number];
  const kps: Keypoint[] = [];
  for (let j = 0; j < k; j++) {
    const base = j * h * w;
    let best = -Infinity;
    let bi = 0;
    for (let i = 0; i < h * w; i++) {
      const v = out[base + i]!;
      if (v > best) {
        best = v;
        bi = i;
      }
    }
    const x = bi % w;
    const y = Math.floor(bi / w);
    let fx = x;
    let fy = y;
    if (x > 0 && x < w - 1) fx += 0.25 * Math.sign(out[base + bi + 1]! - out[base + bi - 1]!);
    if (y > 0 && y < h - 1) fy += 0.25 * Math.sign(out[base + bi + w]! - out[base + bi - w]!);
    kps.push([((fx + 0.5) * inW) / w, ((fy + 0.5) * inH) / h, best]);
  }
  return kps;
}

/**
 * SimCC head (RTMPose): two outputs [1, K, Wx] and [1, K, Hy] of 1-D
 * classification bins, Wx = inW·ratio, Hy = inH·ratio. Keypoint = argmax bin
 * / ratio; score = min of the two peak values.
 */
export function decodeSimcc(
  x: Float32Array,
  xDims: readonly number[],
  y: Float32Array,
  yDims: readonly number[],
  inW: number,
  inH: number,
): Keypoint[] {
  if (xDims.length !== 3 || yDims.length !== 3 || xDims[1] !== yDims[1]) {
    throw new Error(`SimCC outputs must be [1, K, Wx] and [1, K, Hy]; got [${xDims.join(', ')}] and [${yDims.join(', ')}]`);
  }
  const k = xDims[1]!;
  const wx = xDims[2]!;
  const hy = yDims[2]!;
  const ratio = wx / inW;
  if (Math.abs(hy / inH - ratio) > 1e-6) throw new Error(`SimCC split ratios differ: x ${wx}/${inW}, y ${hy}/${inH}`);
  const argmax = (a: Float32Array, off: number, len: number): [number, number] => {
    let best = -Infinity;
    let bi = 0;
    for (let i = 0; i < len; i++) {
      const v = a[off + i]!;
      if (v > best) {
        best = v;
        bi = i;
      }
    }
    return [bi, best];
  };
  const kps: Keypoint[] = [];
  for (let j = 0; j < k; j++) {
    const [bx, vx] = argmax(x, j * wx, wx);
    const [by, vy] = argmax(y, j * hy, hy);
    kps.push([bx / ratio, by / ratio, Math.min(vx, vy)]);
  }
  return kps;
}
