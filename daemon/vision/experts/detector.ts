import type * as ort from 'onnxruntime-node';
import { decodeYolov8, decodeYolox, type RawDetection } from '../decoders/detection.js';
import { clipBox, nms } from '../geometry.js';
import type { ModelSpec } from '../models.js';
import type { Letterbox } from '../preprocess.js';
import { expectInput, type LoadedModel } from '../runtime.js';
import type { Detection, Detector, RgbImage } from '../types.js';
import { Lock, floatOutput, greyImage, imageInputFor, inputSize, warmUp, type ImageInput, type PreparedInput } from './common.js';

/**
 * Person/object detector on a YOLOX or YOLOv8-family ONNX model: letterbox →
 * session → decoder → back to image pixels → class-aware NMS.
 */
export class OnnxDetector implements Detector {
  private readonly input: ImageInput;
  private readonly inW: number;
  private readonly inH: number;
  private readonly outputName: string;
  private readonly lock = new Lock();

  private constructor(
    readonly model: LoadedModel,
    readonly spec: ModelSpec,
  ) {
    expectInput(model, { rank: 4, type: 'float32', fixed: { 0: 1, 1: 3 }, describe: 'float32 [1, 3, H, W]' });
    const size = inputSize(model, spec);
    this.inW = size.width;
    this.inH = size.height;
    this.input = imageInputFor(model, spec);
    this.outputName = model.session.outputNames[0]!;
  }

  static async create(model: LoadedModel, spec: ModelSpec): Promise<OnnxDetector> {
    const d = new OnnxDetector(model, spec);
    await warmUp(model, () => d.detect(greyImage(d.inW, d.inH)));
    return d;
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

  /** Where pre-processing runs: in the model's graph or in JS. */
  get preprocessing(): 'graph' | 'js' {
    return this.input.where;
  }

  /** Step 1: the session's feeds for the letterboxed frame (reused buffers). */
  prepare(img: RgbImage): PreparedInput {
    return this.input.prepare(img, this.inW, this.inH);
  }

  /** Step 2: the session run. */
  infer(feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.ReturnType> {
    return this.model.run(feeds);
  }

  /** Step 3: decode, map back to the image, clip and NMS. */
  decode(out: ort.InferenceSession.ReturnType, lb: Letterbox, width: number, height: number): Detection[] {
    const { data, dims } = floatOutput(out, this.outputName);
    let raw: RawDetection[];
    if (this.spec.format === 'yolox') raw = decodeYolox(data, dims, this.inW, this.inH, this.spec.scoreThreshold);
    else raw = decodeYolov8(data, dims, this.spec.scoreThreshold, this.spec.labels.length > 0 ? this.spec.labels.length : null);
    const dets: Detection[] = [];
    for (const r of raw) {
      const box = clipBox(
        [lb.roiX + (r.box[0] - lb.padX) / lb.scale, lb.roiY + (r.box[1] - lb.padY) / lb.scale, r.box[2] / lb.scale, r.box[3] / lb.scale],
        width,
        height,
      );
      if (box === null) continue;
      dets.push({ box, score: r.score, classId: r.classId, label: this.spec.labels[r.classId] ?? `class${r.classId}` });
    }
    return nms(dets, this.spec.nmsIou);
  }

  detect(img: RgbImage): Promise<Detection[]> {
    return this.lock.run(async () => {
      const { feeds, lb } = this.prepare(img);
      const out = await this.infer(feeds);
      return this.decode(out, lb, img.width, img.height);
    });
  }
}
