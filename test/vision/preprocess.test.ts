import t from 'tap';
import { ImageTensorizer, type Box } from '../../daemon/vision/index.js';
import { warpAffineNchw, type Affine, type TensorSpec } from '../../daemon/vision/preprocess.js';

/**
 * The fused, table-driven tensorizer and the affine warp against plain
 * per-pixel implementations written from the definitions: pixel-centre
 * aligned sampling s = roi + (i − pad + ½) / scale − ½, samples more than half a
 * pixel outside the image are padding, bilinear taps clamped at the edges,
 * out = (v − mean) / std per model channel.
 */

type Img = { width: number; height: number; data: Uint8Array };

/** Deterministic pseudo-random image (xorshift). */
function noise(width: number, height: number, seed: number): Img {
  const data = new Uint8Array(width * height * 3);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 255;
  }
  return { width, height, data };
}

function reference(img: Img, inW: number, inH: number, roi: Box | undefined, spec: TensorSpec): Float64Array {
  const [rx, ry, rw, rh] = roi ?? [0, 0, img.width, img.height];
  const scale = Math.min(inW / rw, inH / rh);
  const cw = Math.min(inW, Math.round(rw * scale));
  const ch = Math.min(inH, Math.round(rh * scale));
  const padX = spec.align === 'center' ? Math.floor((inW - cw) / 2) : 0;
  const padY = spec.align === 'center' ? Math.floor((inH - ch) / 2) : 0;
  const out = new Float64Array(inW * inH * 3);
  const at = (m: number, x: number, y: number): number => (spec.layout === 'nchw' ? m * inW * inH + y * inW + x : (y * inW + x) * 3 + m);
  const px = (x: number, y: number, c: number): number => img.data[(y * img.width + x) * 3 + c]!;
  for (let y = 0; y < inH; y++) {
    for (let x = 0; x < inW; x++) {
      const sx = rx + (x - padX + 0.5) / scale - 0.5;
      const sy = ry + (y - padY + 0.5) / scale - 0.5;
      const content =
        x >= padX &&
        x < padX + cw &&
        y >= padY &&
        y < padY + ch &&
        sx >= -0.5 &&
        sx <= img.width - 0.5 &&
        sy >= -0.5 &&
        sy <= img.height - 0.5;
      for (let c = 0; c < 3; c++) {
        const m = spec.color === 'bgr' ? 2 - c : c;
        let v = spec.pad;
        if (content) {
          const cx = Math.min(Math.max(sx, 0), img.width - 1);
          const cy = Math.min(Math.max(sy, 0), img.height - 1);
          let x0 = Math.floor(cx),
            y0 = Math.floor(cy);
          let wx = cx - x0,
            wy = cy - y0;
          if (spec.resize === 'nearest') {
            x0 = wx < 0.5 ? x0 : Math.min(x0 + 1, img.width - 1);
            y0 = wy < 0.5 ? y0 : Math.min(y0 + 1, img.height - 1);
            wx = 0;
            wy = 0;
          }
          const x1 = Math.min(x0 + 1, img.width - 1),
            y1 = Math.min(y0 + 1, img.height - 1);
          v = px(x0, y0, c) * (1 - wx) * (1 - wy) + px(x1, y0, c) * wx * (1 - wy) + px(x0, y1, c) * (1 - wx) * wy + px(x1, y1, c) * wx * wy;
        }
        out[at(m, x, y)] = (v - spec.mean[m]!) / spec.std[m]!;
      }
    }
  }
  return out;
}

/** Largest |a − b| (int outputs are compared after rounding the reference). */
function maxDiff(a: Float32Array | Int32Array, b: Float64Array): number {
  let d = 0;
  const int = a instanceof Int32Array;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - (int ? Math.round(b[i]!) : b[i]!)));
  return d;
}

const specs: Array<[string, TensorSpec]> = [
  [
    'YOLOX-like NCHW BGR, top-left, pad 114',
    { layout: 'nchw', color: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], dtype: 'float32', align: 'topleft', pad: 114 },
  ],
  [
    'ImageNet NCHW RGB, unequal mean/std, centred',
    {
      layout: 'nchw',
      color: 'rgb',
      mean: [123.675, 116.28, 103.53],
      std: [58.395, 57.12, 57.375],
      dtype: 'float32',
      align: 'center',
      pad: 0,
    },
  ],
  [
    'NHWC float BGR, centred, pad 50',
    { layout: 'nhwc', color: 'bgr', mean: [10, 20, 30], std: [2, 4, 5], dtype: 'float32', align: 'center', pad: 50 },
  ],
  [
    'MoveNet-like NHWC int32 RGB',
    { layout: 'nhwc', color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], dtype: 'int32', align: 'center', pad: 0 },
  ],
  [
    'NHWC int32 with a negative range',
    { layout: 'nhwc', color: 'bgr', mean: [128, 100, 90], std: [2, 3, 0.5], dtype: 'int32', align: 'topleft', pad: 7 },
  ],
  [
    'nearest, NCHW float',
    { layout: 'nchw', color: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], dtype: 'float32', align: 'topleft', pad: 114, resize: 'nearest' },
  ],
  [
    'nearest, NHWC int32',
    { layout: 'nhwc', color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], dtype: 'int32', align: 'center', pad: 0, resize: 'nearest' },
  ],
];

// Geometries one tensorizer goes through in turn: more than it caches (so plans
// are evicted and rebuilt), content rectangles that grow, shrink and move (so
// the padding laid out for one must be redone for the next), and repeats.
const img = noise(37, 23, 7);
const other = noise(23, 37, 11);
const geometries: Array<[string, Img, number, number, Box | undefined]> = [
  ['downscale, whole image', img, 16, 16, undefined],
  ['upscale, whole image', img, 64, 48, undefined],
  ['region inside', img, 16, 16, [5.5, 3.25, 20, 12]],
  ['region past the left/top edges', img, 16, 16, [-6, -4, 18, 18]],
  ['region past the right/bottom edges', img, 16, 16, [25, 10, 20, 20]],
  ['portrait image', other, 16, 16, undefined],
  ['downscale again (evicted plan, other pad layout)', img, 16, 16, undefined],
  ['region bigger than the image on all sides', img, 20, 20, [-10, -10, 57, 43]],
  ['same as before', img, 20, 20, [-10, -10, 57, 43]],
];

t.test('fused tensorizer = per-pixel reference across layouts, colour orders, dtypes and geometries', async (t) => {
  for (const [name, spec] of specs) {
    const tz = new ImageTensorizer(spec);
    for (const [g, im, w, h, roi] of geometries) {
      const { data } = tz.fill(im, w, h, roi);
      const d = maxDiff(data, reference(im, w, h, roi, spec));
      // float32 storage of weights and values; ±1 on an int rounding tie.
      t.ok(d <= (spec.dtype === 'int32' ? 1 : 2e-3), `${name} / ${g}: max diff ${d}`);
    }
  }
});

t.test('padding is laid out once per geometry; a frame rewrites only the content', async (t) => {
  const spec: TensorSpec = { layout: 'nchw', color: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], dtype: 'float32', align: 'topleft', pad: 114 };
  const tz = new ImageTensorizer(spec);
  const a = tz.fill(img, 32, 32);
  const pad = a.data[31 * 32 + 31];
  t.equal(pad, 114, 'corner is padding');
  // Scribble on the padding: the next frame of the same geometry leaves it alone...
  a.data[31 * 32 + 31] = -1;
  const b = tz.fill(noise(37, 23, 99), 32, 32);
  t.equal(b.data, a.data, 'same buffer');
  t.equal(b.data[31 * 32 + 31], -1, 'padding not rewritten for a repeated geometry');
  // ...and a new content rectangle lays it out again.
  tz.fill(other, 32, 32);
  t.equal(b.data[31 * 32 + 31], 114, 'padding laid out again when the geometry changes');
  t.ok(maxDiff(tz.fill(img, 32, 32).data, reference(img, 32, 32, undefined, spec)) < 1e-3, 'and back');
});

t.test('buffers and letterboxes: one buffer per input size, letterbox per geometry', async (t) => {
  const tz = new ImageTensorizer({
    layout: 'nhwc',
    color: 'rgb',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    dtype: 'int32',
    align: 'center',
    pad: 0,
  });
  const r1 = tz.fill(img, 16, 16, [0, 0, 10, 10]);
  const r2 = tz.fill(img, 16, 16, [5, 5, 10, 20]);
  t.equal(r1.data, r2.data, 'the same buffer for another region at the same size');
  t.not(tz.fill(img, 8, 8).data, r1.data, 'another size has its own buffer');
  t.same([r1.lb.scale, r1.lb.padX, r1.lb.padY], [1.6, 0, 0]);
  t.same([r2.lb.scale, r2.lb.padX, r2.lb.padY, r2.lb.roiX, r2.lb.roiY], [0.8, 4, 0, 5, 5]);
  // A letterbox handed out stays valid after its plan is evicted.
  const held = tz.fill(img, 16, 16, [1, 2, 3, 4]).lb;
  for (let i = 0; i < 6; i++) tz.fill(img, 16, 16, [i, i, 9, 9]);
  t.same([held.roiX, held.roiY, held.scale], [1, 2, 4]);
});

t.test('a frame at the input size is copied; Buffer and Uint8Array frames give the same tensor', async (t) => {
  const spec: TensorSpec = { layout: 'nchw', color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], dtype: 'float32', align: 'topleft', pad: 114 };
  const frame = noise(32, 24, 5);
  const tz = new ImageTensorizer(spec);
  const a = Float32Array.from(tz.fill(frame, 32, 32).data);
  for (let y = 0; y < 24; y++)
    for (let x = 0; x < 32; x++)
      for (let c = 0; c < 3; c++) {
        if (a[c * 1024 + y * 32 + x] !== frame.data[(y * 32 + x) * 3 + c]) return t.fail(`pixel ${x},${y} channel ${c}`);
      }
  t.pass('content copied pixel for pixel');
  const buf = Buffer.from(frame.data);
  const b = tz.fill({ width: 32, height: 24, data: buf }, 32, 32).data;
  t.same(Array.from(b), Array.from(a));
});

t.test('int32 inputs whose normalised range does not fit are refused', async (t) => {
  t.throws(
    () =>
      new ImageTensorizer({ layout: 'nhwc', color: 'rgb', mean: [0, 0, 0], std: [1e-6, 1, 1], dtype: 'int32', align: 'center', pad: 0 }),
    /int32 input values reach/,
  );
});

/** The affine warp from its definition. */
function warpReference(
  im: Img,
  m: Affine,
  outW: number,
  outH: number,
  mean: readonly number[],
  std: readonly number[],
  bgr: boolean,
): Float64Array {
  const det = m[0] * m[4] - m[1] * m[3];
  const inv = [m[4] / det, -m[1] / det, 0, -m[3] / det, m[0] / det, 0];
  inv[2] = -(inv[0]! * m[2] + inv[1]! * m[5]);
  inv[5] = -(inv[3]! * m[2] + inv[4]! * m[5]);
  const out = new Float64Array(outW * outH * 3);
  const { width: W, height: H } = im;
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++) {
      const sx = inv[0]! * x + inv[1]! * y + inv[2]!;
      const sy = inv[3]! * x + inv[4]! * y + inv[5]!;
      for (let c = 0; c < 3; c++) {
        let v = 0;
        if (sx > -1 && sy > -1 && sx < W && sy < H) {
          const x0 = Math.floor(sx),
            y0 = Math.floor(sy);
          const wx = sx - x0,
            wy = sy - y0;
          const xa = Math.max(0, x0),
            xb = Math.min(W - 1, x0 + 1),
            ya = Math.max(0, y0),
            yb = Math.min(H - 1, y0 + 1);
          const p = (xx: number, yy: number): number => im.data[(yy * W + xx) * 3 + c]!;
          v = p(xa, ya) * (1 - wx) * (1 - wy) + p(xb, ya) * wx * (1 - wy) + p(xa, yb) * (1 - wx) * wy + p(xb, yb) * wx * wy;
        }
        const mc = bgr ? 2 - c : c;
        out[mc * outW * outH + y * outW + x] = (v - mean[mc]!) / std[mc]!;
      }
    }
  return out;
}

t.test('affine warp = reference inside, at the edges and outside the image', async (t) => {
  const im = noise(40, 30, 3);
  const a = Math.PI / 7;
  const cases: Array<[string, Affine]> = [
    ['rotation + scale, partly outside', [1.3 * Math.cos(a), -1.3 * Math.sin(a), 4, 1.3 * Math.sin(a), 1.3 * Math.cos(a), -6]],
    ['downscale inside', [0.5, 0, 0, 0, 0.5, 0]],
    ['shift by a fraction', [1, 0, -0.25, 0, 1, -0.75]],
    ['mostly outside', [1, 0, 30, 0, 1, 25]],
  ];
  for (const bgr of [false, true]) {
    for (const [name, m] of cases) {
      const out = new Float32Array(3 * 24 * 24);
      const mean = [127.5, 120, 110] as const,
        std = [128, 64, 32] as const;
      warpAffineNchw(im, m, 24, 24, out, { color: bgr ? 'bgr' : 'rgb', mean, std });
      const d = maxDiff(out, warpReference(im, m, 24, 24, mean, std, bgr));
      t.ok(d < 1e-4, `${name} (${bgr ? 'bgr' : 'rgb'}): max diff ${d}`);
    }
  }
});
