import * as ort from 'onnxruntime-node';
import { GRAPH_INPUTS, placeRegion, type GraphInputSpec } from '../graph/image-input.js';
import { ImageTensorizer, fitRegion, type Letterbox, type TensorSpec } from '../preprocess.js';
import type { ModelKind, ModelSpec } from '../models.js';
import type { Box, RgbImage } from '../types.js';
import { outputError, type LoadedModel } from '../runtime.js';

/** The input layout (and placement) each image format is fed with; the config does not override these. */
export function inputOf(spec: ModelSpec): ModelSpec['input'] {
  switch (spec.format) {
    case 'yunet':
      return { ...spec.input, layout: 'nchw', align: 'topleft' };
    case 'movenet':
    case 'movenet-multipose':
      return { ...spec.input, layout: 'nhwc' };
    default:
      return { ...spec.input, layout: 'nchw' };
  }
}

/** The pre-processing a model of this kind can take into its graph (null: its expert prepares the input itself). */
export function graphInputOf(kind: ModelKind, spec: ModelSpec): GraphInputSpec | null {
  // The face embedder's alignment warp rotates: no Resize can do it (docs/vision.md, "Pre-processing").
  if (kind === 'face-embedder' || kind === 'activity') return null;
  const { layout, color, mean, std, pad } = inputOf(spec);
  return { layout, color, mean, std, pad };
}

/** What an image expert hands to session.run for a region of a frame, and how input pixels map back to it. */
export interface PreparedInput {
  feeds: ort.InferenceSession.FeedsType;
  lb: Letterbox;
}

/** Fills a model's input from a region of a frame, in JS or in the model's graph. */
export interface ImageInput {
  readonly where: 'graph' | 'js';
  /** The input for `roi` of `img` (default: the whole image) at inW × inH. */
  prepare(img: RgbImage, inW: number, inH: number, roi?: Box): PreparedInput;
}

/** The input of a model whose graph starts with the pre-processing: the frame as it is, and where its region goes. */
class GraphImageInput implements ImageInput {
  readonly where = 'graph';
  private readonly region = new Float32Array(8);
  private readonly size = new BigInt64Array(4);
  private readonly pads = new BigInt64Array(8);
  private readonly small: Record<string, ort.Tensor>;

  constructor(private readonly align: 'topleft' | 'center') {
    this.small = {
      [GRAPH_INPUTS.region]: new ort.Tensor('float32', this.region, [8]),
      [GRAPH_INPUTS.size]: new ort.Tensor('int64', this.size, [4]),
      [GRAPH_INPUTS.pads]: new ort.Tensor('int64', this.pads, [8]),
    };
  }

  prepare(img: RgbImage, inW: number, inH: number, roi?: Box): PreparedInput {
    const [roiX, roiY, rw, rh] = roi ?? [0, 0, img.width, img.height];
    const fit = fitRegion(rw, rh, inW, inH, this.align);
    placeRegion({ roiX, roiY, ...fit, inW, inH }, img.width, img.height, this.region, this.size, this.pads);
    const d = img.data;
    const bytes = d.constructor === Uint8Array ? d : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    return {
      feeds: { ...this.small, [GRAPH_INPUTS.frame]: new ort.Tensor('uint8', bytes, [1, img.height, img.width, 3]) },
      lb: { scale: fit.scale, padX: fit.padX, padY: fit.padY, roiX, roiY, inW, inH },
    };
  }
}

/**
 * The JS path: a tensorizer with its reused buffers and one ort.Tensor per
 * input size wrapping them (created once).
 */
class TensorizedInput implements ImageInput {
  readonly where = 'js';
  readonly tensorizer: ImageTensorizer;
  private readonly tensors = new Map<string, ort.Tensor>();
  /** The tensor of the last input size (the usual case: every call has the same size). */
  private last: { inW: number; inH: number; tensor: ort.Tensor } | null = null;

  constructor(
    private readonly inputName: string,
    private readonly layout: 'nchw' | 'nhwc',
    private readonly dtype: 'float32' | 'int32',
    spec: TensorSpec,
  ) {
    this.tensorizer = new ImageTensorizer(spec);
  }

  prepare(img: RgbImage, inW: number, inH: number, roi?: Box): PreparedInput {
    const { data, lb } = this.tensorizer.fill(img, inW, inH, roi);
    const last = this.last;
    if (last !== null && last.inW === inW && last.inH === inH) return { feeds: { [this.inputName]: last.tensor }, lb };
    const key = `${inW}x${inH}`;
    let t = this.tensors.get(key);
    if (t === undefined) {
      const dims = this.layout === 'nchw' ? [1, 3, inH, inW] : [1, inH, inW, 3];
      t =
        this.dtype === 'int32' ? new ort.Tensor('int32', data as Int32Array, dims) : new ort.Tensor('float32', data as Float32Array, dims);
      this.tensors.set(key, t);
    }
    this.last = { inW, inH, tensor: t };
    return { feeds: { [this.inputName]: t }, lb };
  }
}

/**
 * The input of an image expert: in the graph when the model was loaded with
 * its pre-processing there, else the JS tensorizer writing the model's own
 * input (`dtype`, in the layout of inputOf(spec)).
 */
export function imageInputFor(model: LoadedModel, spec: ModelSpec, dtype: 'float32' | 'int32' = 'float32'): ImageInput {
  const input = inputOf(spec);
  if (model.info.preprocessing.where === 'graph') return new GraphImageInput(input.align);
  const { layout, color, mean, std, align, pad } = input;
  return new TensorizedInput(model.inputName, layout, dtype, { layout, color, mean, std, align, pad, dtype });
}

/** A mid-grey image for warm-up runs. */
export function greyImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(128) };
}

/** The float data and dims of a named output, checked to be float32. */
export function floatOutput(out: ort.InferenceSession.ReturnType, name: string): { data: Float32Array; dims: readonly number[] } {
  const t = out[name] as ort.Tensor | undefined;
  if (t === undefined) throw new Error(`output "${name}" missing; the model returned ${Object.keys(out).join(', ')}`);
  if (t.type !== 'float32') throw new Error(`output "${name}" is ${t.type}; float32 expected`);
  return { data: t.data as Float32Array, dims: t.dims };
}

/**
 * Runs the expert's own path once on a grey image (pre-processing, session,
 * decoder), so the first real frame does not pay for lazy initialisation and
 * a decoder that cannot read the model's output is caught at load.
 */
export async function warmUp(model: LoadedModel, run: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  try {
    await run();
  } catch (err) {
    throw outputError(model, err);
  }
  model.markWarm(performance.now() - t0);
}

/** Input width/height: the model's fixed dims when it has them, else the spec's. */
export function inputSize(model: LoadedModel, spec: ModelSpec): { width: number; height: number; fixed: boolean } {
  const shape = model.info.inputs[0]?.shape ?? [];
  const [hIdx, wIdx] = inputOf(spec).layout === 'nchw' ? [2, 3] : [1, 2];
  const h = shape[hIdx];
  const w = shape[wIdx];
  const fixed = typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0;
  return fixed ? { width: w, height: h, fixed } : { width: spec.input.width, height: spec.input.height, fixed: false };
}

/**
 * Serialises calls into one expert: its input buffers are reused, so a second
 * caller (analyzeFrames from the agent while a camera runs) must not refill
 * them between another call's pre-processing and its session run.
 */
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
