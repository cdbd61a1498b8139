import type * as ort from 'onnxruntime-node';
import { decodeHeatmaps, decodeMovenet, decodeMovenetMultipose, decodeSimcc, decodeYolov8Pose, type RawPose } from '../decoders/pose.js';
import { iou, nms } from '../geometry.js';
import type { ModelSpec } from '../models.js';
import { squareAround, toImage, type Letterbox } from '../preprocess.js';
import { expectInput, type LoadedModel } from '../runtime.js';
import type { Box, Keypoint, PoseEstimator, RgbImage } from '../types.js';
import { Lock, floatOutput, greyImage, imageInputFor, inputSize, warmUp, type ImageInput, type PreparedInput } from './common.js';

/** Grows a box to the aspect ratio w/h = `aspect`, then by `margin` on each side. */
export function cropFor(b: Box, aspect: number, margin: number): Box {
  let w = b[2];
  let h = b[3];
  if (w / h < aspect) w = h * aspect;
  else h = w / aspect;
  w *= 1 + margin;
  h *= 1 + margin;
  const cx = b[0] + b[2] / 2;
  const cy = b[1] + b[3] / 2;
  return [cx - w / 2, cy - h / 2, w, h];
}

function mapBack(kps: Keypoint[], lb: Letterbox): Keypoint[] {
  return kps.map(([x, y, s]) => [lb.roiX + (x - lb.padX) / lb.scale, lb.roiY + (y - lb.padY) / lb.scale, s]);
}

/** Greedy IoU assignment of whole-image poses to the given person boxes. */
export function assignPoses(poses: RawPose[], boxes: Box[], minIou = 0.3): Keypoint[][] {
  const out: Keypoint[][] = boxes.map(() => []);
  const pairs: Array<[number, number, number]> = [];
  for (let p = 0; p < poses.length; p++)
    for (let b = 0; b < boxes.length; b++) {
      const v = iou(poses[p]!.box, boxes[b]!);
      if (v >= minIou) pairs.push([v, p, b]);
    }
  pairs.sort((a, b) => b[0] - a[0]);
  const usedP = new Set<number>();
  const usedB = new Set<number>();
  for (const [, p, b] of pairs) {
    if (usedP.has(p) || usedB.has(b)) continue;
    usedP.add(p);
    usedB.add(b);
    out[b] = poses[p]!.keypoints;
  }
  return out;
}

/**
 * Pose on person boxes. Top-down formats (movenet, heatmap, simcc) run once
 * per box on a crop around it; bottom-up formats (movenet-multipose,
 * yolov8-pose) run once per image and their poses are matched to the boxes.
 */
export class OnnxPoseEstimator implements PoseEstimator {
  private readonly input: ImageInput;
  private readonly inW: number;
  private readonly inH: number;
  private readonly fixed: boolean;
  private readonly lock = new Lock();

  private constructor(
    readonly model: LoadedModel,
    readonly spec: ModelSpec,
  ) {
    const f = spec.format;
    if (f === 'movenet' || f === 'movenet-multipose') {
      expectInput(model, { rank: 4, type: 'int32', fixed: { 0: 1, 3: 3 }, describe: 'int32 [1, H, W, 3] (NHWC, RGB 0..255)' });
      this.input = imageInputFor(model, spec, 'int32');
    } else {
      expectInput(model, { rank: 4, type: 'float32', fixed: { 0: 1, 1: 3 }, describe: 'float32 [1, 3, H, W]' });
      this.input = imageInputFor(model, spec);
    }
    const size = inputSize(model, spec);
    this.inW = size.width;
    this.inH = size.height;
    this.fixed = size.fixed;
  }

  static async create(model: LoadedModel, spec: ModelSpec): Promise<OnnxPoseEstimator> {
    const p = new OnnxPoseEstimator(model, spec);
    const img = greyImage(Math.max(64, p.inW), Math.max(64, p.inH));
    await warmUp(model, () => p.estimate(img, [[8, 8, img.width - 16, img.height - 16]]));
    return p;
  }

  get modelName(): string {
    return this.spec.name;
  }

  get inputWidth(): number {
    return this.inW;
  }

  get inputHeight(): number {
    return this.inH;
  }

  get topDown(): boolean {
    return this.spec.format === 'movenet' || this.spec.format === 'heatmap' || this.spec.format === 'simcc';
  }

  /** Where pre-processing runs: in the model's graph or in JS. */
  get preprocessing(): 'graph' | 'js' {
    return this.input.where;
  }

  /** The session run. */
  run(feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.ReturnType> {
    return this.model.run(feeds);
  }

  /** Step 1 of a top-down estimate (public for benchmarks): the session's feeds for the crop around `box`. */
  prepareCrop(img: RgbImage, box: Box): PreparedInput {
    const region = this.spec.format === 'movenet' ? squareAround(box, 0.2) : cropFor(box, this.inW / this.inH, 0.25);
    return this.input.prepare(img, this.inW, this.inH, region);
  }

  /** Keypoints of one top-down run's output, mapped back to the image through the crop's letterbox. */
  decodeOne(out: ort.InferenceSession.ReturnType, lb: Letterbox): Keypoint[] {
    const f = this.spec.format;
    const names = this.model.session.outputNames;
    let kps: Keypoint[];
    if (f === 'movenet') {
      const o = floatOutput(out, names[0]!);
      kps = decodeMovenet(o.data, o.dims, this.inW, this.inH);
    } else if (f === 'heatmap') {
      const o = floatOutput(out, names[0]!);
      kps = decodeHeatmaps(o.data, o.dims, this.inW, this.inH);
    } else {
      const xName = names.find((n) => /x/i.test(n)) ?? names[0]!;
      const yName = names.find((n) => n !== xName) ?? names[1]!;
      const x = floatOutput(out, xName);
      const y = floatOutput(out, yName);
      kps = decodeSimcc(x.data, x.dims, y.data, y.dims, this.inW, this.inH);
    }
    return mapBack(kps, lb);
  }

  /** Keypoints for one crop region (top-down formats). */
  async estimateOne(img: RgbImage, box: Box): Promise<Keypoint[]> {
    const { feeds, lb } = this.prepareCrop(img, box);
    return this.decodeOne(await this.run(feeds), lb);
  }

  /** All poses in the image (bottom-up formats), image pixels. */
  async estimateAll(img: RgbImage): Promise<RawPose[]> {
    let inW = this.inW;
    let inH = this.inH;
    if (!this.fixed) {
      const s = this.spec.input.width / Math.max(img.width, img.height);
      inW = Math.max(32, Math.round((img.width * s) / 32) * 32);
      inH = Math.max(32, Math.round((img.height * s) / 32) * 32);
    }
    const { feeds, lb } = this.input.prepare(img, inW, inH);
    const out = await this.run(feeds);
    const o = floatOutput(out, this.model.session.outputNames[0]!);
    let raw: RawPose[];
    if (this.spec.format === 'movenet-multipose') raw = decodeMovenetMultipose(o.data, o.dims, inW, inH, this.spec.scoreThreshold);
    else
      raw = nms(
        decodeYolov8Pose(o.data, o.dims, this.spec.scoreThreshold).map((p) => ({ ...p, classId: 0 })),
        this.spec.nmsIou,
      );
    return raw.map((p) => {
      const [x1, y1] = toImage(lb, p.box[0], p.box[1]);
      return { box: [x1, y1, p.box[2] / lb.scale, p.box[3] / lb.scale] as Box, score: p.score, keypoints: mapBack(p.keypoints, lb) };
    });
  }

  estimate(img: RgbImage, boxes: Box[]): Promise<Keypoint[][]> {
    if (boxes.length === 0) return Promise.resolve([]);
    return this.lock.run(async () => {
      if (this.topDown) {
        const out: Keypoint[][] = [];
        for (const b of boxes) out.push(await this.estimateOne(img, b));
        return out;
      }
      return assignPoses(await this.estimateAll(img), boxes);
    });
  }
}
