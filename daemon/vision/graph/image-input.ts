import { HomeSightError } from '../../system/index.js';
import { OnnxFormatError, defaultOpset, prependToGraph, readModel, type NodeSpec, type ValueInfo } from './onnx.js';

/**
 * Puts an image model's pre-processing into its graph: the model then takes
 * the camera frame as it is (uint8 [1, H, W, 3], RGB) plus three small
 * tensors that place a region of it, and one session.run does crop/letterbox
 * and resize (one Resize in tf_crop_and_resize mode, its extrapolation value
 * being the letterbox padding), padding (Pad), layout (Transpose), colour
 * order (Slice with step −1 over the channels), the element type (Cast) and
 * normalisation (Mul/Add). Only operators of ai.onnx opset 11 are used, in
 * the form the model's own opset defines them, so no opset import changes.
 */

/** Names of the inputs the prefix adds (a model with inputs of these names is not rewritten). */
export const GRAPH_INPUTS = {
  /** uint8 [1, H, W, 3], packed RGB as ingest delivers it. */
  frame: 'homesight_frame',
  /** float32 [8]: tf_crop_and_resize region, starts then ends over N, H, W, C (see cropRegion). */
  region: 'homesight_region',
  /** int64 [4]: size of the resized content, [1, contentH, contentW, 3]. */
  size: 'homesight_content_size',
  /** int64 [8]: Pad's pads around the content, [0, top, left, 0, 0, bottom, right, 0]. */
  pads: 'homesight_pads',
} as const;

const PREFIX = 'homesight/pre/';

export interface GraphInputSpec {
  layout: 'nchw' | 'nhwc';
  color: 'rgb' | 'bgr';
  /** Per channel, model colour order, 0..255 scale. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Value of padded pixels before normalisation (0..255). */
  pad: number;
}

export interface ImageInputModel {
  /** The rewritten model. */
  bytes: Uint8Array;
  /** The model's own image input, which the prefix now computes. */
  original: ValueInfo;
  opset: number;
}

/** Why a model cannot take its pre-processing into the graph (the JS path is used instead). */
function unsupported(message: string, context: Record<string, unknown> = {}): HomeSightError {
  return new HomeSightError('E_MODEL_GRAPH_INPUT', message, {
    context,
    hint: 'nothing to do: the expert fills this model input in JS (vision.preprocessing: js does so for every model)',
  });
}

const ELEM_TO: Record<string, number> = { float32: 1, int32: 6 };

function constant(name: string, type: 'int64' | 'float32' | 'uint8', dims: number[], data: number[]): NodeSpec {
  return { op: 'Constant', inputs: [], outputs: [name], attrs: [{ name: 'value', tensor: { name, type, dims, data } }] };
}

/**
 * Rewrites `model` so that its first input is computed from a camera frame;
 * throws HomeSightError E_MODEL_GRAPH_INPUT when it cannot.
 */
export function withImageInput(model: Uint8Array, spec: GraphInputSpec): ImageInputModel {
  try {
    return rewrite(model, spec);
  } catch (err) {
    if (err instanceof OnnxFormatError) throw unsupported(err.message);
    throw err;
  }
}

function rewrite(model: Uint8Array, spec: GraphInputSpec): ImageInputModel {
  const summary = readModel(model);
  const opset = defaultOpset(summary);
  if (opset < 11) throw unsupported(`opset ${opset}: Resize with a crop region needs ai.onnx opset 11 or later`);
  const input = summary.inputs[0];
  if (input === undefined) throw unsupported('the model has no input');
  if (summary.inputs.some((i) => (Object.values(GRAPH_INPUTS) as string[]).includes(i.name))) {
    throw unsupported('the model already takes a frame input (pre-processing is in its graph)');
  }
  const to = ELEM_TO[input.type];
  if (to === undefined) throw unsupported(`input "${input.name}" is ${input.type}; float32 or int32 expected`);
  const channelAxis = spec.layout === 'nchw' ? 1 : 3;
  if (input.dims.length !== 4 || input.dims[channelAxis] !== 3) {
    throw unsupported(`input "${input.name}" has dims [${input.dims.join(', ')}]; 3 channels in ${spec.layout} expected`);
  }
  const p = (s: string): string => `${PREFIX}${s}`;
  const nodes: NodeSpec[] = [];
  // Resize-11/12 take scales as a tensor (empty when sizes are given); from 13 on an absent input is ''.
  let scales = '';
  if (opset < 13) {
    nodes.push(constant(p('no_scales'), 'float32', [0], []));
    scales = p('no_scales');
  }
  nodes.push({
    op: 'Resize',
    inputs: [GRAPH_INPUTS.frame, GRAPH_INPUTS.region, scales, GRAPH_INPUTS.size],
    outputs: [p('resized')],
    attrs: [
      { name: 'mode', string: 'linear' },
      { name: 'coordinate_transformation_mode', string: 'tf_crop_and_resize' },
      { name: 'extrapolation_value', float: spec.pad },
    ],
  });
  nodes.push(constant(p('pad_value'), 'uint8', [], [Math.round(spec.pad)]));
  nodes.push({
    op: 'Pad',
    inputs: [p('resized'), GRAPH_INPUTS.pads, p('pad_value')],
    outputs: [p('padded')],
    attrs: [{ name: 'mode', string: 'constant' }],
  });
  let cur = p('padded');
  // Layout and colour order on bytes, before the Cast makes the tensor four times larger.
  if (spec.layout === 'nchw') {
    nodes.push({ op: 'Transpose', inputs: [cur], outputs: [p('nchw')], attrs: [{ name: 'perm', ints: [0, 3, 1, 2] }] });
    cur = p('nchw');
  }
  if (spec.color === 'bgr') {
    nodes.push(constant(p('rev_start'), 'int64', [1], [-1]));
    // INT64_MIN + 1: "before the first element" for a negative step, whatever the length.
    nodes.push({
      op: 'Constant',
      inputs: [],
      outputs: [p('rev_end')],
      attrs: [{ name: 'value', tensor: { name: p('rev_end'), type: 'int64', dims: [1], data: BigInt64Array.of(-(2n ** 63n) + 1n) } }],
    });
    nodes.push(constant(p('rev_axis'), 'int64', [1], [channelAxis]));
    nodes.push(constant(p('rev_step'), 'int64', [1], [-1]));
    nodes.push({ op: 'Slice', inputs: [cur, p('rev_start'), p('rev_end'), p('rev_axis'), p('rev_step')], outputs: [p('bgr')] });
    cur = p('bgr');
  }
  const identity = spec.mean.every((m) => m === 0) && spec.std.every((s) => s === 1);
  if (identity) {
    nodes.push({ op: 'Cast', inputs: [cur], outputs: [input.name], attrs: [{ name: 'to', int: to }] });
  } else {
    // (v − mean) / std as v·(1/std) + (−mean/std), per channel of the model's order.
    const shape = spec.layout === 'nchw' ? [1, 3, 1, 1] : [3];
    nodes.push({ op: 'Cast', inputs: [cur], outputs: [p('float')], attrs: [{ name: 'to', int: 1 }] });
    nodes.push(
      constant(
        p('scale'),
        'float32',
        shape,
        [0, 1, 2].map((c) => 1 / spec.std[c]!),
      ),
    );
    nodes.push(
      constant(
        p('shift'),
        'float32',
        shape,
        [0, 1, 2].map((c) => -spec.mean[c]! / spec.std[c]!),
      ),
    );
    nodes.push({ op: 'Mul', inputs: [p('float'), p('scale')], outputs: [p('scaled')] });
    if (to === 1) nodes.push({ op: 'Add', inputs: [p('scaled'), p('shift')], outputs: [input.name] });
    else {
      // Integer inputs: rounded half up, as the JS path rounds.
      nodes.push(constant(p('half'), 'float32', [], [0.5]));
      nodes.push({ op: 'Add', inputs: [p('scaled'), p('shift')], outputs: [p('normalised')] });
      nodes.push({ op: 'Add', inputs: [p('normalised'), p('half')], outputs: [p('biased')] });
      nodes.push({ op: 'Floor', inputs: [p('biased')], outputs: [p('rounded')] });
      nodes.push({ op: 'Cast', inputs: [p('rounded')], outputs: [input.name], attrs: [{ name: 'to', int: to }] });
    }
  }
  const bytes = prependToGraph(model, {
    nodes,
    namePrefix: PREFIX,
    replaces: input.name,
    inputs: [
      { name: GRAPH_INPUTS.frame, type: 'uint8', dims: [1, 'frame_height', 'frame_width', 3] },
      { name: GRAPH_INPUTS.region, type: 'float32', dims: [8] },
      { name: GRAPH_INPUTS.size, type: 'int64', dims: [4] },
      { name: GRAPH_INPUTS.pads, type: 'int64', dims: [8] },
    ],
    metadata: { 'homesight.preprocessing': JSON.stringify({ ...spec, input: input.name }) },
  });
  return { bytes, original: input, opset };
}

/** Where a region of the frame lands in the model input (the letterbox of preprocess.ts). */
export interface Placement {
  /** Source region (may reach past the frame, whose outside is padding). */
  roiX: number;
  roiY: number;
  scale: number;
  padX: number;
  padY: number;
  /** Content size in input pixels. */
  contentW: number;
  contentH: number;
  inW: number;
  inH: number;
}

/**
 * Fills the region, size and pads inputs for one placement. The content's
 * pixel i samples the frame at roi + (i + ½) / scale − ½ (pixel centres
 * aligned, as the JS tensorizer does); tf_crop_and_resize samples at
 * start·(L − 1) + i·(end − start)·(L − 1)/(n − 1), so start and end are
 * chosen to make the two equal. Samples outside the frame take the padding
 * value (the JS path clamps those within half a pixel of the edge instead).
 */
export function placeRegion(
  p: Placement,
  frameW: number,
  frameH: number,
  region: Float32Array,
  size: BigInt64Array,
  pads: BigInt64Array,
): void {
  const axis = (roi: number, len: number, n: number): [number, number] => {
    const span = Math.max(len - 1, 1);
    const start = (roi + 0.5 / p.scale - 0.5) / span;
    return [start, start + Math.max(n - 1, 0) / (p.scale * span)];
  };
  const [y0, y1] = axis(p.roiY, frameH, p.contentH);
  const [x0, x1] = axis(p.roiX, frameW, p.contentW);
  region[0] = 0;
  region[1] = y0;
  region[2] = x0;
  region[3] = 0;
  region[4] = 1;
  region[5] = y1;
  region[6] = x1;
  region[7] = 1;
  size[0] = 1n;
  size[1] = BigInt(p.contentH);
  size[2] = BigInt(p.contentW);
  size[3] = 3n;
  pads.fill(0n);
  pads[1] = BigInt(p.padY);
  pads[2] = BigInt(p.padX);
  pads[5] = BigInt(p.inH - p.contentH - p.padY);
  pads[6] = BigInt(p.inW - p.contentW - p.padX);
}
