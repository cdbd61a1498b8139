import type { Box } from '../types.js';

/**
 * Decoders for single-stage detector outputs. They work in model-input pixels
 * (the letterboxed image); callers map boxes back with the letterbox.
 * Each checks the output shape first and throws a plain Error naming what it
 * found, which the expert turns into E_MODEL_OUTPUT.
 */

export interface RawDetection {
  /** [x, y, w, h] in model-input pixels. */
  box: Box;
  score: number;
  classId: number;
}

/** Anchor count of a grid model with these strides (YOLOX, YuNet). */
export function gridAnchors(inW: number, inH: number, strides: readonly number[]): number {
  let n = 0;
  for (const s of strides) n += Math.ceil(inW / s) * Math.ceil(inH / s);
  return n;
}

/**
 * YOLOX (Megvii export without decode-in-graph): output [1, N, 5 + C], rows per
 * stride (8, 16, 32), row-major per grid; row = [dx, dy, dw, dh, obj, cls…],
 * obj/cls already sigmoided. cx = (dx + gx)·s, w = exp(dw)·s, score = obj·cls.
 */
export function decodeYolox(
  out: Float32Array,
  dims: readonly number[],
  inW: number,
  inH: number,
  scoreThreshold: number,
  strides: readonly number[] = [8, 16, 32],
): RawDetection[] {
  if (dims.length !== 3 || dims[0] !== 1) throw new Error(`YOLOX output must be [1, N, 5+C]; got [${dims.join(', ')}]`);
  const n = dims[1]!;
  const stride = dims[2]!;
  const expected = gridAnchors(inW, inH, strides);
  if (n !== expected)
    throw new Error(`YOLOX output has ${n} rows; a ${inW}×${inH} input with strides ${strides.join('/')} gives ${expected}`);
  if (stride < 6) throw new Error(`YOLOX rows have ${stride} values; need 5 + at least one class`);
  const numClasses = stride - 5;
  const dets: RawDetection[] = [];
  let row = 0;
  for (const s of strides) {
    const gw = Math.ceil(inW / s);
    const gh = Math.ceil(inH / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, row++) {
        const o = row * stride;
        const obj = out[o + 4]!;
        if (obj < scoreThreshold) continue; // score = obj·cls ≤ obj
        let best = 0;
        let bestC = 0;
        for (let c = 0; c < numClasses; c++) {
          const v = out[o + 5 + c]!;
          if (v > best) {
            best = v;
            bestC = c;
          }
        }
        const score = obj * best;
        if (score < scoreThreshold) continue;
        const cx = (out[o]! + gx) * s;
        const cy = (out[o + 1]! + gy) * s;
        const w = Math.exp(out[o + 2]!) * s;
        const h = Math.exp(out[o + 3]!) * s;
        dets.push({ box: [cx - w / 2, cy - h / 2, w, h], score, classId: bestC });
      }
    }
  }
  return dets;
}

/**
 * Whether a [1, a, b] YOLOv8-family output is channels-first ([1, 4+C, N], the
 * Ultralytics export) given the number of values per candidate.
 */
function channelsFirst(dims: readonly number[], perCandidate: number | null): boolean {
  const a = dims[1]!;
  const b = dims[2]!;
  if (perCandidate !== null) {
    if (a === perCandidate && b !== perCandidate) return true;
    if (b === perCandidate && a !== perCandidate) return false;
  }
  return a < b;
}

/**
 * YOLOv8/v11 detection head (Ultralytics ONNX export): [1, 4 + C, N] (or the
 * transposed [1, N, 4 + C]); per candidate [cx, cy, w, h, cls…] in input
 * pixels, class scores already sigmoided, no objectness.
 */
export function decodeYolov8(
  out: Float32Array,
  dims: readonly number[],
  scoreThreshold: number,
  numClasses: number | null = null,
): RawDetection[] {
  if (dims.length !== 3 || dims[0] !== 1) throw new Error(`YOLOv8 output must be [1, 4+C, N]; got [${dims.join(', ')}]`);
  if (numClasses !== null && dims[1] !== 4 + numClasses && dims[2] !== 4 + numClasses) {
    throw new Error(
      `YOLOv8 output [${dims.join(', ')}] has no axis of 4 + ${numClasses} classes = ${4 + numClasses} ` +
        `values (the config lists ${numClasses} labels)`,
    );
  }
  const cf = channelsFirst(dims, numClasses === null ? null : 4 + numClasses);
  const values = cf ? dims[1]! : dims[2]!;
  const n = cf ? dims[2]! : dims[1]!;
  const nc = values - 4;
  if (nc < 1) throw new Error(`YOLOv8 output has ${values} values per candidate; need 4 + at least one class`);
  if (numClasses !== null && nc !== numClasses) throw new Error(`YOLOv8 output has ${nc} classes; the config lists ${numClasses} labels`);
  const at = cf ? (c: number, i: number): number => out[c * n + i]! : (c: number, i: number): number => out[i * values + c]!;
  const dets: RawDetection[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestC = 0;
    for (let c = 0; c < nc; c++) {
      const v = at(4 + c, i);
      if (v > best) {
        best = v;
        bestC = c;
      }
    }
    if (best < scoreThreshold) continue;
    const cx = at(0, i);
    const cy = at(1, i);
    const w = at(2, i);
    const h = at(3, i);
    dets.push({ box: [cx - w / 2, cy - h / 2, w, h], score: best, classId: bestC });
  }
  return dets;
}

export interface RawFace {
  box: Box;
  score: number;
  landmarks: Array<[number, number]>;
}

/** A named output of a session run: data and dims. */
export interface OutputView {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * YuNet (opencv_zoo 2023mar layout): per stride s ∈ {8, 16, 32} outputs
 * cls_s, obj_s [1, A, 1], bbox_s [1, A, 4], kps_s [1, A, 10], A = (H/s)·(W/s).
 * score = sqrt(clamp(cls)·clamp(obj)); cx = (gx + b0)·s, w = exp(b2)·s;
 * landmark k = ((kps[2k] + gx)·s, (kps[2k+1] + gy)·s).
 */
export function decodeYunet(
  outputs: Record<string, OutputView | undefined>,
  inW: number,
  inH: number,
  scoreThreshold: number,
  strides: readonly number[] = [8, 16, 32],
): RawFace[] {
  const faces: RawFace[] = [];
  const clamp = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
  // score = sqrt(cls·obj) < t when cls·obj < t²: a cheap pre-filter (kept a hair under t² so float
  // rounding never drops an anchor the square root would keep); the square root only for the rest.
  const t2 = scoreThreshold > 0 ? scoreThreshold * scoreThreshold * (1 - 1e-9) : -1;
  for (const s of strides) {
    const cls = outputs[`cls_${s}`];
    const obj = outputs[`obj_${s}`];
    const bbox = outputs[`bbox_${s}`];
    const kps = outputs[`kps_${s}`];
    if (cls === undefined || obj === undefined || bbox === undefined || kps === undefined) {
      throw new Error(`YuNet outputs cls_${s}, obj_${s}, bbox_${s}, kps_${s} expected; got ${Object.keys(outputs).join(', ')}`);
    }
    const gw = Math.ceil(inW / s);
    const gh = Math.ceil(inH / s);
    const a = gw * gh;
    if (cls.data.length !== a || obj.data.length !== a || bbox.data.length !== a * 4 || kps.data.length !== a * 10) {
      throw new Error(
        `YuNet stride ${s}: expected ${a} anchors for a ${inW}×${inH} input; got cls ${cls.data.length}, ` +
          `obj ${obj.data.length}, bbox ${bbox.data.length / 4}, kps ${kps.data.length / 10}`,
      );
    }
    const cd = cls.data;
    const od = obj.data;
    for (let i = 0; i < a; i++) {
      const p = clamp(cd[i]!) * clamp(od[i]!);
      if (p < t2) continue;
      const score = Math.sqrt(p);
      if (score < scoreThreshold) continue;
      const gx = i % gw;
      const gy = Math.floor(i / gw);
      const cx = (gx + bbox.data[i * 4]!) * s;
      const cy = (gy + bbox.data[i * 4 + 1]!) * s;
      const w = Math.exp(bbox.data[i * 4 + 2]!) * s;
      const h = Math.exp(bbox.data[i * 4 + 3]!) * s;
      const landmarks: Array<[number, number]> = [];
      for (let k = 0; k < 5; k++) landmarks.push([(kps.data[i * 10 + 2 * k]! + gx) * s, (kps.data[i * 10 + 2 * k + 1]! + gy) * s]);
      faces.push({ box: [cx - w / 2, cy - h / 2, w, h], score, landmarks });
    }
  }
  return faces;
}
