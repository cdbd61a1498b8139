import * as ort from 'onnxruntime-node';
import { ImageTensorizer, type Letterbox } from '../preprocess.js';
import type { ModelSpec } from '../models.js';
import type { Box, RgbImage } from '../types.js';
import { outputError, type LoadedModel } from '../runtime.js';

/**
 * The model input of an image expert: a tensorizer with its reused buffers
 * and one ort.Tensor per input size wrapping them (created once).
 */
export class ImageInput {
  readonly tensorizer: ImageTensorizer;
  private readonly tensors = new Map<string, ort.Tensor>();
  /** The tensor of the last input size (the usual case: every call has the same size). */
  private last: { inW: number; inH: number; tensor: ort.Tensor } | null = null;

  constructor(
    readonly spec: ModelSpec,
    readonly dtype: 'float32' | 'int32' = 'float32',
  ) {
    this.tensorizer = new ImageTensorizer({
      layout: spec.input.layout,
      color: spec.input.color,
      mean: spec.input.mean,
      std: spec.input.std,
      dtype,
      align: spec.input.align,
      pad: spec.input.pad,
    });
  }

  /** Fills the input for `roi` of `img` at inW × inH; returns the tensor and the letterbox. */
  prepare(img: RgbImage, inW: number, inH: number, roi?: Box): { tensor: ort.Tensor; lb: Letterbox } {
    const { data, lb } = this.tensorizer.fill(img, inW, inH, roi);
    const last = this.last;
    if (last !== null && last.inW === inW && last.inH === inH) return { tensor: last.tensor, lb };
    const key = `${inW}x${inH}`;
    let t = this.tensors.get(key);
    if (t === undefined) {
      const dims = this.spec.input.layout === 'nchw' ? [1, 3, inH, inW] : [1, inH, inW, 3];
      t =
        this.dtype === 'int32' ? new ort.Tensor('int32', data as Int32Array, dims) : new ort.Tensor('float32', data as Float32Array, dims);
      this.tensors.set(key, t);
    }
    this.last = { inW, inH, tensor: t };
    return { tensor: t, lb };
  }
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
  const [hIdx, wIdx] = spec.input.layout === 'nchw' ? [2, 3] : [1, 2];
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
