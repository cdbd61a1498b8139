import t from 'tap';
import * as ort from 'onnxruntime-node';
import { GRAPH_INPUTS, placeRegion, withImageInput, type GraphInputSpec } from '../../daemon/vision/graph/image-input.js';
import { encodeModel, prependToGraph, readModel, type GraphSpec } from '../../daemon/vision/graph/onnx.js';
import { ProtoWriter, fieldInt, fieldString, readFields } from '../../daemon/vision/graph/protobuf.js';
import { ImageTensorizer, fitRegion } from '../../daemon/vision/preprocess.js';
import type { Box, RgbImage } from '../../daemon/vision/types.js';

t.test('protobuf: fields written are read back (varints up to 64 bits, negatives, floats, strings, nested messages)', async (t) => {
  const inner = new ProtoWriter().string(1, 'héllo').int(2, -5);
  const big = new Uint8Array(300).map((_, i) => i & 255);
  const buf = new ProtoWriter()
    .int(1, 0)
    .int(2, 2 ** 40)
    .int(3, -1n)
    .float(4, 1.5)
    .message(5, inner)
    .bytes(6, big)
    .finish();
  const f = [...readFields(buf)];
  t.same(
    f.map((x) => [x.field, x.wire]),
    [
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 5],
      [5, 2],
      [6, 2],
    ],
  );
  t.equal(fieldInt(f[1]!), 2 ** 40);
  t.equal(fieldInt(f[2]!), -1, 'int64 −1 is ten bytes of two’s complement');
  t.equal(f[2]!.end - f[2]!.valueStart, 10);
  t.equal(new DataView(buf.buffer, f[3]!.valueStart, 4).getFloat32(0, true), 1.5);
  const nested = [...readFields(buf, f[4]!.valueStart, f[4]!.valueEnd)];
  t.equal(fieldString(buf, nested[0]!), 'héllo');
  t.equal(fieldInt(nested[1]!), -5);
  t.same(buf.subarray(f[5]!.valueStart, f[5]!.valueEnd), big);
  t.throws(() => [...readFields(Uint8Array.of(0x0a, 0x05, 1, 2))], /runs past the end/, 'a truncated field is refused');
});

/** output = Identity(input): what the prefix computes is what comes out. */
function identityModel(input: GraphSpec['inputs'][number], opset = 11): Uint8Array {
  return encodeModel({
    inputs: [input],
    outputs: [{ ...input, name: 'out' }],
    nodes: [{ op: 'Identity', inputs: [input.name], outputs: ['out'] }],
    opset,
    irVersion: 6,
  });
}

t.test('onnx: a model is read back, and prependToGraph replaces an input with nodes in front of the graph', async (t) => {
  const m = identityModel({ name: 'x', type: 'float32', dims: [1, 'n'] }, 13);
  const s = readModel(m);
  t.equal(s.irVersion, 6);
  t.same(s.opsets, [{ domain: '', version: 13 }]);
  t.same(s.inputs, [{ name: 'x', type: 'float32', dims: [1, 'n'] }]);
  t.same(s.outputs, [{ name: 'out', type: 'float32', dims: [1, 'n'] }]);
  const doubled = prependToGraph(m, {
    nodes: [{ op: 'Add', inputs: ['y', 'y'], outputs: ['x'] }],
    namePrefix: 'pre/',
    replaces: 'x',
    inputs: [{ name: 'y', type: 'float32', dims: [1, 'n'] }],
    metadata: { note: 'doubled' },
  });
  t.same(
    readModel(doubled).inputs.map((i) => i.name),
    ['y'],
  );
  const session = await ort.InferenceSession.create(doubled);
  const out = await session.run({ y: new ort.Tensor('float32', Float32Array.of(1, 2, 3), [1, 3]) });
  t.same(Array.from(out.out!.data as Float32Array), [2, 4, 6]);
  await session.release();
  t.throws(() => prependToGraph(m, { nodes: [], namePrefix: 'p/', replaces: 'nope', inputs: [] }), { name: 'OnnxFormatError' });
  t.throws(() => readModel(Uint8Array.of(1, 2, 3)), { name: 'OnnxFormatError' });
});

t.test('withImageInput refuses what it cannot rewrite, so the expert keeps the JS path', async (t) => {
  const spec: GraphInputSpec = { layout: 'nchw', color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], pad: 0 };
  t.throws(() => withImageInput(identityModel({ name: 'x', type: 'float32', dims: [1, 3, 8, 8] }, 10), spec), {
    code: 'E_MODEL_GRAPH_INPUT',
  });
  t.throws(() => withImageInput(identityModel({ name: 'x', type: 'float32', dims: [1, 8, 8, 3] }), spec), /3 channels in nchw/);
  t.throws(() => withImageInput(identityModel({ name: 'x', type: 'int64', dims: [1, 3, 8, 8] }), spec), /float32 or int32/);
  t.throws(() => withImageInput(Uint8Array.of(9, 9, 9), spec), { code: 'E_MODEL_GRAPH_INPUT' });
  const once = withImageInput(identityModel({ name: 'x', type: 'float32', dims: [1, 3, 8, 8] }), spec).bytes;
  t.throws(() => withImageInput(once, spec), /already takes a frame/);
});

/** A frame with gradients and noise, so resampling errors show. */
function testFrame(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  let seed = 7;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const i = (y * w + x) * 3;
      data[i] = (x * 3) & 255;
      data[i + 1] = (y * 5 + (seed >>> 28)) & 255;
      data[i + 2] = ((x + y) * 2) & 255;
    }
  return { width: w, height: h, data };
}

interface Case {
  name: string;
  spec: GraphInputSpec & { align: 'topleft' | 'center' };
  dtype: 'float32' | 'int32';
  frame: [number, number];
  input: [number, number];
  roi?: Box;
}

const cases: Case[] = [
  {
    name: 'YOLOX-like: NCHW BGR, top-left letterbox, pad 114, downscale',
    spec: { layout: 'nchw', color: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], pad: 114, align: 'topleft' },
    dtype: 'float32',
    frame: [160, 120],
    input: [64, 64],
  },
  {
    name: 'ArcFace-like normalisation, centred, region inside the frame, upscale',
    spec: { layout: 'nchw', color: 'rgb', mean: [127.5, 127.5, 127.5], std: [128, 128, 128], pad: 0, align: 'center' },
    dtype: 'float32',
    frame: [96, 80],
    input: [48, 64],
    roi: [20.4, 10.7, 30.2, 33.9],
  },
  {
    name: 'MoveNet-like: NHWC int32 RGB, square crop reaching past the frame',
    spec: { layout: 'nhwc', color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], pad: 0, align: 'center' },
    dtype: 'int32',
    frame: [120, 90],
    input: [48, 48],
    roi: [-10.5, 40.25, 60, 60],
  },
  {
    name: 'ImageNet-like per-channel mean/std, NCHW BGR, frame already at the input size',
    spec: { layout: 'nchw', color: 'bgr', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], pad: 0, align: 'center' },
    dtype: 'float32',
    frame: [64, 48],
    input: [64, 48],
  },
];

t.test('in-graph pre-processing matches the JS tensorizer (tolerance: 1.5 grey levels inside the frame)', async (t) => {
  for (const c of cases) {
    const [fw, fh] = c.frame;
    const [inW, inH] = c.input;
    const dims = c.spec.layout === 'nchw' ? [1, 3, inH, inW] : [1, inH, inW, 3];
    const g = withImageInput(identityModel({ name: 'image', type: c.dtype, dims }), c.spec);
    t.equal(g.original.name, 'image');
    const session = await ort.InferenceSession.create(g.bytes);
    t.same(session.inputNames, [GRAPH_INPUTS.frame, GRAPH_INPUTS.region, GRAPH_INPUTS.size, GRAPH_INPUTS.pads]);
    const img = testFrame(fw, fh);
    const roi: Box = c.roi ?? [0, 0, fw, fh];
    const fit = fitRegion(roi[2], roi[3], inW, inH, c.spec.align);
    const region = new Float32Array(8);
    const size = new BigInt64Array(4);
    const pads = new BigInt64Array(8);
    placeRegion({ roiX: roi[0], roiY: roi[1], ...fit, inW, inH }, fw, fh, region, size, pads);
    const out = await session.run({
      [GRAPH_INPUTS.frame]: new ort.Tensor('uint8', img.data, [1, fh, fw, 3]),
      [GRAPH_INPUTS.region]: new ort.Tensor('float32', region, [8]),
      [GRAPH_INPUTS.size]: new ort.Tensor('int64', size, [4]),
      [GRAPH_INPUTS.pads]: new ort.Tensor('int64', pads, [8]),
    });
    await session.release();
    const got = out.out!;
    t.same(got.dims, dims, `${c.name}: the model input's shape`);
    t.equal(got.type, c.dtype);
    const js = new ImageTensorizer({ ...c.spec, dtype: c.dtype }).fill(img, inW, inH, c.roi);
    const gotData = got.data as Float32Array | Int32Array;
    // Compare pixels whose sample lies inside the frame; within half a pixel of its edge the JS path clamps and
    // the graph pads, so those may differ (there are at most two rows and two columns of them).
    let worst = 0;
    let edge = 0;
    for (let y = 0; y < inH; y++)
      for (let x = 0; x < inW; x++) {
        const sx = roi[0] + (x - fit.padX + 0.5) / fit.scale - 0.5;
        const sy = roi[1] + (y - fit.padY + 0.5) / fit.scale - 0.5;
        const inContent = x >= fit.padX && x < fit.padX + fit.contentW && y >= fit.padY && y < fit.padY + fit.contentH;
        const inside = sx >= 0 && sx <= fw - 1 && sy >= 0 && sy <= fh - 1;
        for (let ch = 0; ch < 3; ch++) {
          const i = c.spec.layout === 'nchw' ? ch * inW * inH + y * inW + x : (y * inW + x) * 3 + ch;
          const d = Math.abs(gotData[i]! - js.data[i]!) * c.spec.std[ch]!;
          if (inContent && inside) worst = Math.max(worst, d);
          else if (d > 1.5) edge++;
        }
      }
    t.ok(worst <= 1.5, `${c.name}: largest difference inside the frame ${worst.toFixed(2)} grey levels`);
    t.ok(edge <= 3 * 2 * (inW + inH), `${c.name}: ${edge} values differ at the frame's edge`);
  }
});
