import * as ort from 'onnxruntime-node';
import { decodeYunet, type OutputView } from '../decoders/detection.js';
import { clipBox, nms } from '../geometry.js';
import type { ModelSpec } from '../models.js';
import { similarityTransform, warpAffineNchw, type Affine, type Letterbox } from '../preprocess.js';
import { expectInput, type LoadedModel } from '../runtime.js';
import type { Box, FaceDetection, FaceDetector, FaceEmbedder, RgbImage } from '../types.js';
import { Lock, floatOutput, greyImage, imageInputFor, inputSize, warmUp, type ImageInput, type PreparedInput } from './common.js';

/**
 * YuNet face detector. The input is dynamic: the searched region is scaled so
 * its longer side is `input.width` pixels and padded up to multiples of 32.
 */
export class YunetFaceDetector implements FaceDetector {
  private readonly input: ImageInput;
  private readonly fixed: { width: number; height: number } | null;
  private readonly lock = new Lock();

  private constructor(
    readonly model: LoadedModel,
    readonly spec: ModelSpec,
  ) {
    expectInput(model, { rank: 4, type: 'float32', fixed: { 0: 1, 1: 3 }, describe: 'float32 [1, 3, H, W]' });
    const size = inputSize(model, spec);
    this.fixed = size.fixed ? { width: size.width, height: size.height } : null;
    this.input = imageInputFor(model, spec);
  }

  static async create(model: LoadedModel, spec: ModelSpec): Promise<YunetFaceDetector> {
    const d = new YunetFaceDetector(model, spec);
    await warmUp(model, () => d.detect(greyImage(spec.input.width, spec.input.height)));
    return d;
  }

  get modelName(): string {
    return this.spec.name;
  }

  /** Input size for a region: longer side → input.width, both rounded up to multiples of 32. */
  private sizeFor(rw: number, rh: number): [number, number] {
    if (this.fixed !== null) return [this.fixed.width, this.fixed.height];
    const maxSide = this.spec.input.width;
    const s = maxSide / Math.max(rw, rh);
    // (the epsilon keeps 1137 · 320/1137 = 320.00000000000006 at 320)
    const up = (v: number): number => Math.max(32, Math.ceil((v * s) / 32 - 1e-6) * 32);
    return [up(rw), up(rh)];
  }

  detect(img: RgbImage, roi?: Box): Promise<FaceDetection[]> {
    return this.lock.run(() => this.detectUnlocked(img, roi));
  }

  /** Where pre-processing runs: in the model's graph or in JS. */
  get preprocessing(): 'graph' | 'js' {
    return this.input.where;
  }

  /** Step 1 (public for benchmarks): the session's feeds for `roi` of `img` (default: the whole image). */
  prepare(img: RgbImage, roi?: Box): PreparedInput & { inW: number; inH: number } {
    const region: Box = roi ?? [0, 0, img.width, img.height];
    const [inW, inH] = this.sizeFor(region[2], region[3]);
    return { ...this.input.prepare(img, inW, inH, region), inW, inH };
  }

  /** Step 2: the session run. */
  infer(feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.ReturnType> {
    return this.model.run(feeds);
  }

  /** Step 3: decode, map back to the image, clip and NMS. */
  decode(out: ort.InferenceSession.ReturnType, lb: Letterbox, inW: number, inH: number, width: number, height: number): FaceDetection[] {
    const views: Record<string, OutputView> = {};
    for (const name of this.model.session.outputNames) views[name] = floatOutput(out, name);
    const raw = decodeYunet(views, inW, inH, this.spec.scoreThreshold);
    const faces: Array<FaceDetection & { classId: number }> = [];
    for (const r of raw) {
      const box = clipBox(
        [lb.roiX + (r.box[0] - lb.padX) / lb.scale, lb.roiY + (r.box[1] - lb.padY) / lb.scale, r.box[2] / lb.scale, r.box[3] / lb.scale],
        width,
        height,
      );
      if (box === null) continue;
      const landmarks = r.landmarks.map(
        ([x, y]) => [lb.roiX + (x - lb.padX) / lb.scale, lb.roiY + (y - lb.padY) / lb.scale] as [number, number],
      );
      faces.push({ box, score: r.score, landmarks, classId: 0 });
    }
    return nms(faces, this.spec.nmsIou).map(({ box, score, landmarks }) => ({ box, score, landmarks }));
  }

  private async detectUnlocked(img: RgbImage, roi?: Box): Promise<FaceDetection[]> {
    const { feeds, lb, inW, inH } = this.prepare(img, roi);
    const out = await this.infer(feeds);
    return this.decode(out, lb, inW, inH, img.width, img.height);
  }
}

/** ArcFace 112×112 template: right eye, left eye (as seen: image-left first), nose, mouth corners. */
export const ARCFACE_TEMPLATE: ReadonlyArray<readonly [number, number]> = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** The similarity transform that maps a face's landmarks onto the 112×112 template. */
export function alignmentFor(face: FaceDetection, mode: 'five-point' | 'eyes', size = 112): Affine {
  const k = size / 112;
  const tpl = ARCFACE_TEMPLATE.map(([x, y]) => [x * k, y * k] as [number, number]);
  const n = mode === 'eyes' ? 2 : 5;
  return similarityTransform(face.landmarks.slice(0, n), tpl.slice(0, n));
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

/**
 * ArcFace-style face embedder (MobileFaceNet, SFace-like models): aligns the
 * face to the 112×112 template with a similarity transform, normalises, and
 * returns the L2-normalised embedding.
 */
export class OnnxFaceEmbedder implements FaceEmbedder {
  private readonly buf: Float32Array;
  private readonly tensor: ort.Tensor;
  private readonly size: number;
  private readonly lock = new Lock();
  readonly dimension: number;

  private constructor(
    readonly model: LoadedModel,
    readonly spec: ModelSpec,
    readonly align: 'five-point' | 'eyes',
  ) {
    expectInput(model, { rank: 4, type: 'float32', fixed: { 1: 3 }, describe: 'float32 [N, 3, S, S]' });
    const size = inputSize(model, spec);
    this.size = size.width;
    this.buf = new Float32Array(3 * size.width * size.height);
    this.tensor = new ort.Tensor('float32', this.buf, [1, 3, size.height, size.width]);
    const outShape = model.info.outputs[0]?.shape ?? [];
    const d = outShape[outShape.length - 1];
    this.dimension = typeof d === 'number' ? d : 0;
  }

  static async create(model: LoadedModel, spec: ModelSpec, align: 'five-point' | 'eyes'): Promise<OnnxFaceEmbedder> {
    const e = new OnnxFaceEmbedder(model, spec, align);
    const s = e.size;
    const probe: FaceDetection = {
      box: [0, 0, s, s],
      score: 1,
      landmarks: ARCFACE_TEMPLATE.map(([x, y]) => [(x * s) / 112, (y * s) / 112] as [number, number]),
    };
    await warmUp(model, async () => {
      const v = await e.embed(greyImage(s, s), probe);
      if (v.length < 2) throw new Error(`embedding has ${v.length} values`);
    });
    return e;
  }

  get modelName(): string {
    return this.spec.name;
  }

  /** Step 1 (public for benchmarks): the aligned, normalised face in the reused input tensor. */
  prepare(image: RgbImage, face: FaceDetection): ort.Tensor {
    const m = alignmentFor(face, this.align, this.size);
    warpAffineNchw(image, m, this.size, this.size, this.buf, {
      color: this.spec.input.color,
      mean: this.spec.input.mean,
      std: this.spec.input.std,
    });
    return this.tensor;
  }

  /** Step 2: the session run. */
  infer(tensor: ort.Tensor): Promise<ort.InferenceSession.ReturnType> {
    return this.model.run({ [this.model.inputName]: tensor });
  }

  /** Step 3: the L2-normalised embedding (a new array: callers keep it). */
  decode(out: ort.InferenceSession.ReturnType): Float32Array {
    return l2normalize(floatOutput(out, this.model.session.outputNames[0]!).data);
  }

  embed(image: RgbImage, face: FaceDetection): Promise<Float32Array> {
    return this.lock.run(async () => this.decode(await this.infer(this.prepare(image, face))));
  }
}
