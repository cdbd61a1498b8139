import type { Box, RgbImage } from './types.js';

/**
 * Pre-processing on typed arrays: letterbox/resize (bilinear or nearest),
 * colour order, normalisation and HWC→CHW in one pass, into buffers that are
 * allocated once per input size and reused for every frame.
 */

export type Layout = 'nchw' | 'nhwc';
export type ColorOrder = 'rgb' | 'bgr';

export interface TensorSpec {
  layout: Layout;
  color: ColorOrder;
  /** Per-channel mean in the model's colour order (0..255 scale). */
  mean: readonly [number, number, number];
  /** Per-channel std in the model's colour order. */
  std: readonly [number, number, number];
  dtype: 'float32' | 'int32';
  /** Where the resized image sits in the input: top-left (YOLOX) or centred. */
  align: 'topleft' | 'center';
  /** Value of padded pixels, before normalisation (0..255). */
  pad: number;
  /** Interpolation (default bilinear). */
  resize?: Resize;
}

/** How input pixels map back to image pixels: image = roi.xy + (input − pad) / scale. */
export interface Letterbox {
  scale: number;
  padX: number;
  padY: number;
  roiX: number;
  roiY: number;
  /** Size of the model input this was made for. */
  inW: number;
  inH: number;
}

export function toImage(lb: Letterbox, x: number, y: number): [number, number] {
  return [lb.roiX + (x - lb.padX) / lb.scale, lb.roiY + (y - lb.padY) / lb.scale];
}

/**
 * How a rw × rh region fits an inW × inH input, aspect kept: the scale, the
 * content size and its offset (top-left or centred). The JS tensorizer and the
 * in-graph pre-processing place regions with this one function.
 */
export function fitRegion(
  rw: number,
  rh: number,
  inW: number,
  inH: number,
  align: 'topleft' | 'center',
): { scale: number; contentW: number; contentH: number; padX: number; padY: number } {
  const scale = Math.min(inW / rw, inH / rh);
  const contentW = Math.min(inW, Math.round(rw * scale));
  const contentH = Math.min(inH, Math.round(rh * scale));
  const padX = align === 'center' ? Math.floor((inW - contentW) / 2) : 0;
  const padY = align === 'center' ? Math.floor((inH - contentH) / 2) : 0;
  return { scale, contentW, contentH, padX, padY };
}

/** Resize of the region to the input: bilinear (default) or nearest; a frame region already at the input size is copied either way. */
export type Resize = 'bilinear' | 'nearest';

/**
 * One geometry (source size, region, input size): where the image lands in the
 * input and, per output column and row, which source samples feed it.
 */
interface Plan {
  srcW: number;
  srcH: number;
  inW: number;
  inH: number;
  rx: number;
  ry: number;
  rw: number;
  rh: number;
  lb: Letterbox;
  /** Output rectangle fed from the image, [x0, x1) × [y0, y1); every other input pixel is padding. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** Per content column (index x − x0): byte offset within a source row of the left and right sample, weight of the right one. */
  col0: Int32Array;
  col1: Int32Array;
  colW: Float32Array;
  /** Per content row (index y − y0): byte offset of the upper and lower source row, weight of the lower one. */
  row0: Int32Array;
  row1: Int32Array;
  rowW: Float32Array;
  /** One sample per output pixel (nearest, or the region is at the input size on whole pixels): no interpolation. */
  oneTap: boolean;
  /** One tap and consecutive columns read consecutive source pixels (a plain copy per row). */
  contiguous: boolean;
}

/** Geometries kept per tensorizer (a camera's frames, a few crop sizes). */
const PLANS = 4;

function emptyPlan(): Plan {
  const none = new Int32Array(0);
  const noW = new Float32Array(0);
  return {
    srcW: -1,
    srcH: -1,
    inW: -1,
    inH: -1,
    rx: NaN,
    ry: NaN,
    rw: NaN,
    rh: NaN,
    lb: { scale: 1, padX: 0, padY: 0, roiX: 0, roiY: 0, inW: 0, inH: 0 },
    x0: 0,
    x1: 0,
    y0: 0,
    y1: 0,
    col0: none,
    col1: none,
    colW: noW,
    row0: none,
    row1: none,
    rowW: noW,
    oneTap: true,
    contiguous: false,
  };
}

/**
 * Fills one axis of a plan: for output positions [contentStart, contentStart + contentLen)
 * the source samples (pixel centres aligned: s = roi + (i − start + ½) / scale − ½),
 * as offsets (index × step) and the weight of the second. Positions whose sample
 * lies outside the source are padding; those that remain are contiguous.
 * Returns [first, end, exact] (exact: no position needs interpolation).
 */
function fillAxis(
  o0: Int32Array,
  o1: Int32Array,
  w: Float32Array,
  outLen: number,
  contentStart: number,
  contentLen: number,
  roiStart: number,
  scale: number,
  srcLen: number,
  step: number,
  nearest: boolean,
): [number, number, boolean] {
  let first = -1;
  let n = 0;
  let exact = true;
  const end = Math.min(contentStart + contentLen, outLen);
  for (let i = Math.max(0, contentStart); i < end; i++) {
    const s = roiStart + (i - contentStart + 0.5) / scale - 0.5;
    if (s < -0.5 || s > srcLen - 0.5) {
      if (first >= 0) break; // past the far edge: the rest is padding too
      continue;
    }
    if (first < 0) first = i;
    const c = Math.min(Math.max(s, 0), srcLen - 1);
    const i0 = Math.floor(c);
    const i1 = Math.min(i0 + 1, srcLen - 1);
    let f = c - i0;
    if (nearest) {
      o0[n] = (f < 0.5 ? i0 : i1) * step;
      o1[n] = o0[n]!;
      f = 0;
    } else {
      o0[n] = i0 * step;
      o1[n] = i1 * step;
    }
    w[n] = f;
    if (f !== 0) exact = false;
    n++;
  }
  return first < 0 ? [0, 0, true] : [first, first + n, exact];
}

/** Where each source channel (R, G, B) goes and how it is normalised: out = v·s + f. */
interface Channels {
  oR: number;
  oG: number;
  oB: number;
  sR: number;
  sG: number;
  sB: number;
  fR: number;
  fG: number;
  fB: number;
  /** Output index step per pixel and per row. */
  px: number;
  rowStep: number;
}

/**
 * Int outputs round with `(v + ½ + BIAS | 0) − BIAS`: `| 0` truncates, which is
 * floor for the positive biased value, and is several times faster in V8 than
 * Math.round here. Needs |v| < BIAS (checked when the tensorizer is built).
 */
const BIAS = 1 << 24;

// The kernels are separate functions on purpose: each sees one output array
// type, so V8 keeps its element accesses monomorphic. The bilinear ones fold the
// R scale into the weights (w·s summed once) and scale G and B by their ratio to it.

/** Bilinear, 4 taps per pixel, float output. */
function bilinearF32(src: Uint8Array, out: Float32Array, p: Plan, k: Channels): void {
  const { x0, x1, y0, y1, col0, col1, colW, row0, row1, rowW } = p;
  const { oR, oG, oB, sR, sG, sB, fR, fG, fB, px, rowStep } = k;
  const gG = sG / sR,
    gB = sB / sR;
  const n = x1 - x0;
  for (let y = y0, j = 0; y < y1; y++, j++) {
    const r0 = row0[j]!;
    const r1 = row1[j]!;
    // Row weights times the R scale: lower (wy) and upper (iy).
    const wy = rowW[j]! * sR;
    const iy = sR - wy;
    let o = y * rowStep + x0 * px;
    for (let i = 0; i < n; i++, o += px) {
      const a = r0 + col0[i]!,
        c = r1 + col0[i]!;
      const b = r0 + col1[i]!,
        d = r1 + col1[i]!;
      const wx = colW[i]!;
      const w01 = wx * iy,
        w11 = wx * wy;
      const w00 = iy - w01,
        w10 = wy - w11;
      out[o + oR] = src[a]! * w00 + src[b]! * w01 + src[c]! * w10 + src[d]! * w11 + fR;
      out[o + oG] = (src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[d + 1]! * w11) * gG + fG;
      out[o + oB] = (src[a + 2]! * w00 + src[b + 2]! * w01 + src[c + 2]! * w10 + src[d + 2]! * w11) * gB + fB;
    }
  }
}

/** Bilinear, int output (rounded half up). */
function bilinearI32(src: Uint8Array, out: Int32Array, p: Plan, k: Channels): void {
  const { x0, x1, y0, y1, col0, col1, colW, row0, row1, rowW } = p;
  const { oR, oG, oB, sR, sG, sB, px, rowStep } = k;
  const gG = sG / sR,
    gB = sB / sR;
  const fR = k.fR + 0.5 + BIAS,
    fG = k.fG + 0.5 + BIAS,
    fB = k.fB + 0.5 + BIAS;
  const n = x1 - x0;
  for (let y = y0, j = 0; y < y1; y++, j++) {
    const r0 = row0[j]!;
    const r1 = row1[j]!;
    const wy = rowW[j]! * sR;
    const iy = sR - wy;
    let o = y * rowStep + x0 * px;
    for (let i = 0; i < n; i++, o += px) {
      const a = r0 + col0[i]!,
        c = r1 + col0[i]!;
      const b = r0 + col1[i]!,
        d = r1 + col1[i]!;
      const wx = colW[i]!;
      const w01 = wx * iy,
        w11 = wx * wy;
      const w00 = iy - w01,
        w10 = wy - w11;
      out[o + oR] = ((src[a]! * w00 + src[b]! * w01 + src[c]! * w10 + src[d]! * w11 + fR) | 0) - BIAS;
      out[o + oG] = (((src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[d + 1]! * w11) * gG + fG) | 0) - BIAS;
      out[o + oB] = (((src[a + 2]! * w00 + src[b + 2]! * w01 + src[c + 2]! * w10 + src[d + 2]! * w11) * gB + fB) | 0) - BIAS;
    }
  }
}

/** One tap per pixel (copy or nearest), float output; consecutive source pixels when `p.contiguous`. */
function oneTapF32(src: Uint8Array, out: Float32Array, p: Plan, k: Channels): void {
  const { x0, x1, y0, y1, col0, row0, contiguous } = p;
  const { oR, oG, oB, sR, sG, sB, fR, fG, fB, px, rowStep } = k;
  const n = x1 - x0;
  for (let y = y0, j = 0; y < y1; y++, j++) {
    const r = row0[j]!;
    let o = y * rowStep + x0 * px;
    if (contiguous) {
      const e = o + n * px;
      for (let a = r + col0[0]!; o < e; o += px, a += 3) {
        out[o + oR] = src[a]! * sR + fR;
        out[o + oG] = src[a + 1]! * sG + fG;
        out[o + oB] = src[a + 2]! * sB + fB;
      }
      continue;
    }
    for (let i = 0; i < n; i++, o += px) {
      const a = r + col0[i]!;
      out[o + oR] = src[a]! * sR + fR;
      out[o + oG] = src[a + 1]! * sG + fG;
      out[o + oB] = src[a + 2]! * sB + fB;
    }
  }
}

/** One tap per pixel, int output (rounded half up). */
function oneTapI32(src: Uint8Array, out: Int32Array, p: Plan, k: Channels): void {
  const { x0, x1, y0, y1, col0, row0 } = p;
  const { oR, oG, oB, sR, sG, sB, px, rowStep } = k;
  const fR = k.fR + 0.5 + BIAS,
    fG = k.fG + 0.5 + BIAS,
    fB = k.fB + 0.5 + BIAS;
  const n = x1 - x0;
  for (let y = y0, j = 0; y < y1; y++, j++) {
    const r = row0[j]!;
    let o = y * rowStep + x0 * px;
    for (let i = 0; i < n; i++, o += px) {
      const a = r + col0[i]!;
      out[o + oR] = ((src[a]! * sR + fR) | 0) - BIAS;
      out[o + oG] = ((src[a + 1]! * sG + fG) | 0) - BIAS;
      out[o + oB] = ((src[a + 2]! * sB + fB) | 0) - BIAS;
    }
  }
}

/** A reused input buffer and the content rectangle its padding was last laid out for. */
interface Slot {
  inW: number;
  inH: number;
  data: Float32Array | Int32Array;
  /** The rectangle outside which the buffer holds padding; x0 = -1: not laid out yet. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Fills a model input tensor from an RGB image (or a region of it):
 * letterbox/resize, colour order, normalisation and HWC→CHW (or NHWC) in one
 * pass. One instance per model. Per geometry (source size, region, input
 * size) the sample tables are computed once and the last few are kept; per
 * input size one buffer is allocated and reused, its padding written only when
 * the content rectangle changes, so a frame rewrites the content pixels only.
 */
export class ImageTensorizer {
  private readonly slots = new Map<string, Slot>();
  private lastSlot: Slot | null = null;
  /** Most recently used first. */
  private readonly plans: Plan[] = [];
  private readonly srcScale: [number, number, number];
  private readonly srcOffset: [number, number, number];
  /** Output channel of source R, G, B. */
  private readonly dst: [number, number, number];
  private readonly padValues: [number, number, number];
  private readonly nearest: boolean;
  private readonly channels: Channels = { oR: 0, oG: 0, oB: 0, sR: 1, sG: 1, sB: 1, fR: 0, fG: 0, fB: 0, px: 1, rowStep: 0 };

  constructor(readonly spec: TensorSpec) {
    const bgr = spec.color === 'bgr';
    this.dst = bgr ? [2, 1, 0] : [0, 1, 2];
    // The spec's mean/std are in model order; the kernels read source R, G, B.
    this.srcScale = this.dst.map((c) => 1 / spec.std[c]!) as [number, number, number];
    this.srcOffset = this.dst.map((c) => -spec.mean[c]! / spec.std[c]!) as [number, number, number];
    // Padding per model channel.
    this.padValues = [0, 1, 2].map((c) => (spec.pad - spec.mean[c]!) / spec.std[c]!) as [number, number, number];
    if (spec.dtype === 'int32') {
      this.padValues = this.padValues.map((v) => Math.round(v)) as [number, number, number];
      const most = Math.max(
        ...[0, 1, 2].map((c) => Math.max(Math.abs(spec.mean[c]! / spec.std[c]!), Math.abs((255 - spec.mean[c]!) / spec.std[c]!))),
      );
      if (!(most < BIAS / 2))
        throw new Error(
          `int32 input values reach ${most} with mean ${spec.mean.join('/')} and std ${spec.std.join('/')}; ` +
            `at most ${BIAS / 2} are supported`,
        );
    }
    this.nearest = spec.resize === 'nearest';
    const ch = this.channels;
    [ch.sR, ch.sG, ch.sB] = this.srcScale;
    [ch.fR, ch.fG, ch.fB] = this.srcOffset;
  }

  /** The reused buffer for an input of inW × inH (allocated on first use). */
  buffer(inW: number, inH: number): Float32Array | Int32Array {
    return this.slot(inW, inH).data;
  }

  private slot(inW: number, inH: number): Slot {
    const last = this.lastSlot;
    if (last !== null && last.inW === inW && last.inH === inH) return last;
    const key = `${inW}x${inH}`;
    let s = this.slots.get(key);
    if (s === undefined) {
      const n = inW * inH * 3;
      s = { inW, inH, data: this.spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n), x0: -1, x1: 0, y0: 0, y1: 0 };
      this.slots.set(key, s);
    }
    this.lastSlot = s;
    return s;
  }

  /** The plan for this geometry: a cached one, or the least recently used one rebuilt. */
  private plan(srcW: number, srcH: number, inW: number, inH: number, rx: number, ry: number, rw: number, rh: number): Plan {
    const plans = this.plans;
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!;
      if (
        p.srcW === srcW &&
        p.srcH === srcH &&
        p.inW === inW &&
        p.inH === inH &&
        p.rx === rx &&
        p.ry === ry &&
        p.rw === rw &&
        p.rh === rh
      ) {
        if (i > 0) {
          plans.splice(i, 1);
          plans.unshift(p);
        }
        return p;
      }
    }
    const p = plans.length < PLANS ? emptyPlan() : plans.pop()!;
    plans.unshift(p);
    const { scale, contentW: cw, contentH: ch, padX, padY } = fitRegion(rw, rh, inW, inH, this.spec.align);
    if (p.col0.length < inW) {
      p.col0 = new Int32Array(inW);
      p.col1 = new Int32Array(inW);
      p.colW = new Float32Array(inW);
    }
    if (p.row0.length < inH) {
      p.row0 = new Int32Array(inH);
      p.row1 = new Int32Array(inH);
      p.rowW = new Float32Array(inH);
    }
    const [x0, x1, xExact] = fillAxis(p.col0, p.col1, p.colW, inW, padX, cw, rx, scale, srcW, 3, this.nearest);
    const [y0, y1, yExact] = fillAxis(p.row0, p.row1, p.rowW, inH, padY, ch, ry, scale, srcH, srcW * 3, this.nearest);
    const oneTap = this.nearest || (xExact && yExact);
    let contiguous = oneTap;
    for (let i = 1; contiguous && i < x1 - x0; i++) contiguous = p.col0[i] === p.col0[0]! + 3 * i;
    Object.assign(p, { srcW, srcH, inW, inH, rx, ry, rw, rh, x0, x1, y0, y1, oneTap, contiguous });
    // A new object: a caller may still hold the letterbox of the geometry this plan replaced.
    p.lb = { scale, padX, padY, roiX: rx, roiY: ry, inW, inH };
    return p;
  }

  /** Writes the padding value over the whole buffer (the content is written after it). */
  private layOutPadding(s: Slot, p: Plan): void {
    const [q0, q1, q2] = this.padValues;
    const d = s.data;
    if (this.spec.layout === 'nchw') {
      const plane = s.inW * s.inH;
      d.fill(q0, 0, plane);
      d.fill(q1, plane, 2 * plane);
      d.fill(q2, 2 * plane, 3 * plane);
    } else if (q0 === q1 && q1 === q2) {
      d.fill(q0);
    } else {
      for (let i = 0; i < d.length; i += 3) {
        d[i] = q0;
        d[i + 1] = q1;
        d[i + 2] = q2;
      }
    }
    s.x0 = p.x0;
    s.x1 = p.x1;
    s.y0 = p.y0;
    s.y1 = p.y1;
  }

  /**
   * Letterboxes `roi` of `img` (default: the whole image; it may reach past the
   * edges, which are then padded) into an inW × inH input and returns the
   * buffer and the mapping back to image pixels.
   */
  fill(img: RgbImage, inW: number, inH: number, roi?: Box): { data: Float32Array | Int32Array; lb: Letterbox } {
    const rx = roi === undefined ? 0 : roi[0];
    const ry = roi === undefined ? 0 : roi[1];
    const rw = roi === undefined ? img.width : roi[2];
    const rh = roi === undefined ? img.height : roi[3];
    const p = this.plan(img.width, img.height, inW, inH, rx, ry, rw, rh);
    const s = this.slot(inW, inH);
    if (s.x0 !== p.x0 || s.x1 !== p.x1 || s.y0 !== p.y0 || s.y1 !== p.y1) this.layOutPadding(s, p);
    const k = this.channels;
    if (this.spec.layout === 'nchw') {
      const plane = inW * inH;
      k.oR = this.dst[0] * plane;
      k.oG = plane;
      k.oB = this.dst[2] * plane;
      k.px = 1;
      k.rowStep = inW;
    } else {
      k.oR = this.dst[0];
      k.oG = 1;
      k.oB = this.dst[2];
      k.px = 3;
      k.rowStep = inW * 3;
    }
    // Buffer, FastBuffer and Uint8Array element loads are not the same to V8: read one kind only.
    const d = img.data;
    const src = d.constructor === Uint8Array ? d : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    const out = s.data;
    if (out instanceof Int32Array) {
      if (p.oneTap) oneTapI32(src, out, p, k);
      else bilinearI32(src, out, p, k);
    } else if (p.oneTap) oneTapF32(src, out, p, k);
    else bilinearF32(src, out, p, k);
    return { data: out, lb: p.lb };
  }
}

/** 2×3 affine matrix [a, b, tx, c, d, ty]: x' = a·x + b·y + tx, y' = c·x + d·y + ty. */
export type Affine = [number, number, number, number, number, number];

/**
 * Least-squares similarity transform (rotation, uniform scale, translation;
 * no reflection) mapping `src` points onto `dst` points.
 */
export function similarityTransform(src: ReadonlyArray<readonly [number, number]>, dst: ReadonlyArray<readonly [number, number]>): Affine {
  const n = Math.min(src.length, dst.length);
  if (n < 2) throw new Error('similarityTransform needs at least 2 point pairs');
  let msx = 0,
    msy = 0,
    mdx = 0,
    mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i]![0];
    msy += src[i]![1];
    mdx += dst[i]![0];
    mdy += dst[i]![1];
  }
  msx /= n;
  msy /= n;
  mdx /= n;
  mdy /= n;
  let num1 = 0,
    num2 = 0,
    den = 0;
  for (let i = 0; i < n; i++) {
    const sx = src[i]![0] - msx,
      sy = src[i]![1] - msy;
    const dx = dst[i]![0] - mdx,
      dy = dst[i]![1] - mdy;
    num1 += sx * dx + sy * dy;
    num2 += sx * dy - sy * dx;
    den += sx * sx + sy * sy;
  }
  if (den === 0) throw new Error('similarityTransform: source points coincide');
  const a = num1 / den;
  const b = num2 / den;
  return [a, -b, mdx - (a * msx - b * msy), b, a, mdy - (b * msx + a * msy)];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (det === 0) throw new Error('affine matrix is singular');
  const ia = d / det,
    ib = -b / det,
    ic = -c / det,
    id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/**
 * Warps the image with `m` (image → output coordinates) into an outW × outH
 * NCHW float tensor, bilinear, with (v − mean) / std per channel; samples
 * within a pixel of the image repeat its edge, those further out are 0 before
 * normalisation. The inverse map is stepped along each row; samples whose four
 * taps lie inside the image (nearly all) take a branch-free path.
 */
export function warpAffineNchw(
  img: RgbImage,
  m: Affine,
  outW: number,
  outH: number,
  out: Float32Array,
  opts: { color: ColorOrder; mean: readonly [number, number, number]; std: readonly [number, number, number] },
): void {
  const [i0, i1, i2, i3, i4, i5] = invertAffine(m);
  const plane = outW * outH;
  const { width: W, height: H } = img;
  const d = img.data;
  const src = d.constructor === Uint8Array ? d : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const stride = W * 3;
  const bgr = opts.color === 'bgr';
  const pR = bgr ? 2 * plane : 0,
    pG = plane,
    pB = bgr ? 0 : 2 * plane;
  // Model channel of source R, G, B: out = v·s + f.
  const cR = bgr ? 2 : 0,
    cB = bgr ? 0 : 2;
  const sR = 1 / opts.std[cR]!,
    sG = 1 / opts.std[1],
    sB = 1 / opts.std[cB]!;
  const fR = -opts.mean[cR]! * sR,
    fG = -opts.mean[1] * sG,
    fB = -opts.mean[cB]! * sB;
  for (let y = 0; y < outH; y++) {
    const bx = i1 * y + i2;
    const by = i4 * y + i5;
    let o = y * outW;
    for (let x = 0; x < outW; x++, o++) {
      const sx = i0 * x + bx;
      const sy = i3 * x + by;
      let r: number, g: number, b: number;
      if (sx >= 0 && sy >= 0 && sx < W - 1 && sy < H - 1) {
        const x0 = sx | 0,
          y0 = sy | 0;
        const wx = sx - x0,
          wy = sy - y0;
        const w01 = wx * (1 - wy),
          w11 = wx * wy;
        const w00 = 1 - wy - w01,
          w10 = wy - w11;
        const a = y0 * stride + x0 * 3;
        const c = a + stride;
        r = src[a]! * w00 + src[a + 3]! * w01 + src[c]! * w10 + src[c + 3]! * w11;
        g = src[a + 1]! * w00 + src[a + 4]! * w01 + src[c + 1]! * w10 + src[c + 4]! * w11;
        b = src[a + 2]! * w00 + src[a + 5]! * w01 + src[c + 2]! * w10 + src[c + 5]! * w11;
      } else if (sx > -1 && sy > -1 && sx < W && sy < H) {
        // At the edge: clamp the taps.
        const x0 = Math.floor(sx),
          y0 = Math.floor(sy);
        const wx = sx - x0,
          wy = sy - y0;
        const xa = Math.max(0, x0) * 3,
          xb = Math.min(W - 1, x0 + 1) * 3;
        const ya = Math.max(0, y0) * stride,
          yb = Math.min(H - 1, y0 + 1) * stride;
        const w00 = (1 - wx) * (1 - wy),
          w01 = wx * (1 - wy),
          w10 = (1 - wx) * wy,
          w11 = wx * wy;
        r = src[ya + xa]! * w00 + src[ya + xb]! * w01 + src[yb + xa]! * w10 + src[yb + xb]! * w11;
        g = src[ya + xa + 1]! * w00 + src[ya + xb + 1]! * w01 + src[yb + xa + 1]! * w10 + src[yb + xb + 1]! * w11;
        b = src[ya + xa + 2]! * w00 + src[ya + xb + 2]! * w01 + src[yb + xa + 2]! * w10 + src[yb + xb + 2]! * w11;
      } else {
        r = 0;
        g = 0;
        b = 0;
      }
      out[pR + o] = r * sR + fR;
      out[pG + o] = g * sG + fG;
      out[pB + o] = b * sB + fB;
    }
  }
}

/** Smallest square around a box (grown by `margin` of its larger side), centred on it. */
export function squareAround(b: Box, margin: number): Box {
  const side = Math.max(b[2], b[3]) * (1 + margin);
  const cx = b[0] + b[2] / 2;
  const cy = b[1] + b[3] / 2;
  return [cx - side / 2, cy - side / 2, side, side];
}
