import type { Box, RgbImage } from './types.js';

/**
 * Pre-processing on typed arrays: letterbox/resize (bilinear), colour order,
 * normalisation and HWC→CHW in one pass, into buffers that are allocated once
 * per input size and reused for every frame.
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

interface AxisTable {
  key: string;
  /** For each output index: byte offset (src index × stride) of the two samples, weight of the second; -1 = pad. */
  o0: Int32Array;
  o1: Int32Array;
  w: Float32Array;
  /** Every sample lands on a source pixel (scale 1, whole-pixel offset): no interpolation needed. */
  exact: boolean;
}

function axisTable(key: string, outLen: number, contentStart: number, contentLen: number, roiStart: number, scale: number, srcLen: number, stride: number): AxisTable {
  const o0 = new Int32Array(outLen).fill(-1);
  const o1 = new Int32Array(outLen).fill(-1);
  const w = new Float32Array(outLen);
  for (let i = contentStart; i < contentStart + contentLen && i < outLen; i++) {
    const s = roiStart + (i - contentStart + 0.5) / scale - 0.5;
    if (s < -0.5 || s > srcLen - 0.5) continue; // outside the image: padding
    const c = Math.min(Math.max(s, 0), srcLen - 1);
    const i0 = Math.floor(c);
    const i1 = Math.min(i0 + 1, srcLen - 1);
    o0[i] = i0 * stride;
    o1[i] = i1 * stride;
    w[i] = c - i0;
  }
  return { key, o0, o1, w, exact: w.every((v) => v === 0) };
}

/**
 * Fills a model input tensor from an RGB image (or a region of it). One
 * instance per model; buffers are keyed by input size and reused.
 */
export class ImageTensorizer {
  private readonly buffers = new Map<string, Float32Array | Int32Array>();
  private xTable: AxisTable | null = null;
  private yTable: AxisTable | null = null;
  private readonly scale: [number, number, number];
  private readonly offset: [number, number, number];
  private readonly padValues: [number, number, number];

  constructor(readonly spec: TensorSpec) {
    this.scale = [1 / spec.std[0], 1 / spec.std[1], 1 / spec.std[2]];
    this.offset = [-spec.mean[0] / spec.std[0], -spec.mean[1] / spec.std[1], -spec.mean[2] / spec.std[2]];
    this.padValues = [0, 1, 2].map((c) => spec.pad * this.scale[c]! + this.offset[c]!) as [number, number, number];
  }

  /** The reused buffer for an input of inW × inH (allocated on first use). */
  buffer(inW: number, inH: number): Float32Array | Int32Array {
    const key = `${inW}x${inH}`;
    let b = this.buffers.get(key);
    if (b === undefined) {
      const n = inW * inH * 3;
      b = this.spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
      this.buffers.set(key, b);
    }
    return b;
  }

  /**
   * Letterboxes `roi` of `img` (default: the whole image; it may reach past the
   * edges, which are then padded) into an inW × inH input and returns the
   * buffer and the mapping back to image pixels.
   */
  fill(img: RgbImage, inW: number, inH: number, roi?: Box): { data: Float32Array | Int32Array; lb: Letterbox } {
    const rx = roi?.[0] ?? 0;
    const ry = roi?.[1] ?? 0;
    const rw = roi?.[2] ?? img.width;
    const rh = roi?.[3] ?? img.height;
    const scale = Math.min(inW / rw, inH / rh);
    const cw = Math.min(inW, Math.round(rw * scale));
    const ch = Math.min(inH, Math.round(rh * scale));
    const padX = this.spec.align === 'center' ? Math.floor((inW - cw) / 2) : 0;
    const padY = this.spec.align === 'center' ? Math.floor((inH - ch) / 2) : 0;
    const stride = img.width * 3;
    const xKey = `${img.width}:${inW}:${rx}:${rw}:${padX}:${cw}`;
    if (this.xTable?.key !== xKey) this.xTable = axisTable(xKey, inW, padX, cw, rx, scale, img.width, 3);
    const yKey = `${img.height}:${stride}:${inH}:${ry}:${rh}:${padY}:${ch}`;
    if (this.yTable?.key !== yKey) this.yTable = axisTable(yKey, inH, padY, ch, ry, scale, img.height, stride);
    const data = this.buffer(inW, inH);
    if (this.spec.layout === 'nchw') this.fillNchw(img.data, data, inW, inH, this.xTable, this.yTable);
    else if (data instanceof Int32Array) this.fillNhwcInt(img.data, data, inW, inH, this.xTable, this.yTable);
    else this.fillNhwc(img.data, data, inW, inH, this.xTable, this.yTable);
    return { data, lb: { scale, padX, padY, roiX: rx, roiY: ry, inW, inH } };
  }

  private fillNchw(src: Uint8Array, out: Float32Array | Int32Array, W: number, H: number, xt: AxisTable, yt: AxisTable): void {
    const plane = W * H;
    const bgr = this.spec.color === 'bgr';
    // Output plane of each source channel (R, G, B).
    const pR = bgr ? 2 * plane : 0;
    const pG = plane;
    const pB = bgr ? 0 : 2 * plane;
    const [s0, s1, s2] = this.scale;
    const [f0, f1, f2] = this.offset;
    // Scale/offset per source channel (the spec's are in model order).
    const sR = bgr ? s2 : s0, fR = bgr ? f2 : f0;
    const sB = bgr ? s0 : s2, fB = bgr ? f0 : f2;
    const [q0, q1, q2] = this.padValues;
    const padR = bgr ? q2 : q0, padG = q1, padB = bgr ? q0 : q2;
    const xo0 = xt.o0, xo1 = xt.o1, xw = xt.w;
    if (xt.exact && yt.exact) {
      // Frame already at the model's size (ingest scaled it): convert only.
      for (let y = 0; y < H; y++) {
        let o = y * W;
        const r0 = yt.o0[y]!;
        for (let x = 0; x < W; x++, o++) {
          const c0 = xo0[x]!;
          if (r0 < 0 || c0 < 0) {
            out[pR + o] = padR;
            out[pG + o] = padG;
            out[pB + o] = padB;
            continue;
          }
          const a = r0 + c0;
          out[pR + o] = src[a]! * sR + fR;
          out[pG + o] = src[a + 1]! * s1 + f1;
          out[pB + o] = src[a + 2]! * sB + fB;
        }
      }
      return;
    }
    for (let y = 0; y < H; y++) {
      let o = y * W;
      const r0 = yt.o0[y]!;
      if (r0 < 0) {
        for (let x = 0; x < W; x++, o++) {
          out[pR + o] = padR;
          out[pG + o] = padG;
          out[pB + o] = padB;
        }
        continue;
      }
      const r1 = yt.o1[y]!;
      const wy = yt.w[y]!;
      const iy = 1 - wy;
      for (let x = 0; x < W; x++, o++) {
        const c0 = xo0[x]!;
        if (c0 < 0) {
          out[pR + o] = padR;
          out[pG + o] = padG;
          out[pB + o] = padB;
          continue;
        }
        const c1 = xo1[x]!;
        const wx = xw[x]!;
        const ix = 1 - wx;
        const w00 = ix * iy, w01 = wx * iy, w10 = ix * wy, w11 = wx * wy;
        const a = r0 + c0, b = r0 + c1, c = r1 + c0, d = r1 + c1;
        out[pR + o] = (src[a]! * w00 + src[b]! * w01 + src[c]! * w10 + src[d]! * w11) * sR + fR;
        out[pG + o] = (src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[d + 1]! * w11) * s1 + f1;
        out[pB + o] = (src[a + 2]! * w00 + src[b + 2]! * w01 + src[c + 2]! * w10 + src[d + 2]! * w11) * sB + fB;
      }
    }
  }

  private fillNhwc(src: Uint8Array, out: Float32Array, W: number, H: number, xt: AxisTable, yt: AxisTable): void {
    const bgr = this.spec.color === 'bgr';
    const iR = bgr ? 2 : 0;
    const iB = bgr ? 0 : 2;
    const [s0, s1, s2] = this.scale;
    const [f0, f1, f2] = this.offset;
    const sR = bgr ? s2 : s0, fR = bgr ? f2 : f0;
    const sB = bgr ? s0 : s2, fB = bgr ? f0 : f2;
    const [q0, q1, q2] = this.padValues;
    const padR = bgr ? q2 : q0, padG = q1, padB = bgr ? q0 : q2;
    const xo0 = xt.o0, xo1 = xt.o1, xw = xt.w;
    for (let y = 0; y < H; y++) {
      let o = y * W * 3;
      const r0 = yt.o0[y]!;
      const r1 = yt.o1[y]!;
      const wy = yt.w[y]!;
      const iy = 1 - wy;
      for (let x = 0; x < W; x++, o += 3) {
        const c0 = xo0[x]!;
        let vr: number, vg: number, vb: number;
        if (r0 < 0 || c0 < 0) {
          vr = padR;
          vg = padG;
          vb = padB;
        } else {
          const c1 = xo1[x]!;
          const wx = xw[x]!;
          const ix = 1 - wx;
          const w00 = ix * iy, w01 = wx * iy, w10 = ix * wy, w11 = wx * wy;
          const a = r0 + c0, b = r0 + c1, c = r1 + c0, d = r1 + c1;
          vr = (src[a]! * w00 + src[b]! * w01 + src[c]! * w10 + src[d]! * w11) * sR + fR;
          vg = (src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[d + 1]! * w11) * s1 + f1;
          vb = (src[a + 2]! * w00 + src[b + 2]! * w01 + src[c + 2]! * w10 + src[d + 2]! * w11) * sB + fB;
        }
        out[o + iR] = vr;
        out[o + 1] = vg;
        out[o + iB] = vb;
      }
    }
  }

  /** As fillNhwc, rounding into an Int32Array (kept apart so each stays monomorphic and fast). */
  private fillNhwcInt(src: Uint8Array, out: Int32Array, W: number, H: number, xt: AxisTable, yt: AxisTable): void {
    const bgr = this.spec.color === 'bgr';
    const iR = bgr ? 2 : 0;
    const iB = bgr ? 0 : 2;
    const [s0, s1, s2] = this.scale;
    const [f0, f1, f2] = this.offset;
    const sR = bgr ? s2 : s0, fR = bgr ? f2 : f0;
    const sB = bgr ? s0 : s2, fB = bgr ? f0 : f2;
    const [q0, q1, q2] = this.padValues;
    const padR = bgr ? q2 : q0, padG = q1, padB = bgr ? q0 : q2;
    const xo0 = xt.o0, xo1 = xt.o1, xw = xt.w;
    for (let y = 0; y < H; y++) {
      let o = y * W * 3;
      const r0 = yt.o0[y]!;
      const r1 = yt.o1[y]!;
      const wy = yt.w[y]!;
      const iy = 1 - wy;
      for (let x = 0; x < W; x++, o += 3) {
        const c0 = xo0[x]!;
        let vr: number, vg: number, vb: number;
        if (r0 < 0 || c0 < 0) {
          vr = padR;
          vg = padG;
          vb = padB;
        } else {
          const c1 = xo1[x]!;
          const wx = xw[x]!;
          const ix = 1 - wx;
          const w00 = ix * iy, w01 = wx * iy, w10 = ix * wy, w11 = wx * wy;
          const a = r0 + c0, b = r0 + c1, c = r1 + c0, d = r1 + c1;
          vr = (src[a]! * w00 + src[b]! * w01 + src[c]! * w10 + src[d]! * w11) * sR + fR;
          vg = (src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[d + 1]! * w11) * s1 + f1;
          vb = (src[a + 2]! * w00 + src[b + 2]! * w01 + src[c + 2]! * w10 + src[d + 2]! * w11) * sB + fB;
        }
        out[o + iR] = Math.floor(vr + 0.5);
        out[o + 1] = Math.floor(vg + 0.5);
        out[o + iB] = Math.floor(vb + 0.5);
      }
    }
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
  let msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i]![0];
    msy += src[i]![1];
    mdx += dst[i]![0];
    mdy += dst[i]![1];
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const sx = src[i]![0] - msx, sy = src[i]![1] - msy;
    const dx = dst[i]![0] - mdx, dy = dst[i]![1] - mdy;
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
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/**
 * Warps the image with `m` (image → output coordinates) into an outW × outH
 * NCHW float tensor, bilinear, with (v − mean) / std per channel; pixels from
 * outside the image become 0 before normalisation.
 */
export function warpAffineNchw(
  img: RgbImage,
  m: Affine,
  outW: number,
  outH: number,
  out: Float32Array,
  opts: { color: ColorOrder; mean: readonly [number, number, number]; std: readonly [number, number, number] },
): void {
  const inv = invertAffine(m);
  const plane = outW * outH;
  const { width: W, height: H, data: src } = img;
  const bgr = opts.color === 'bgr';
  const pR = bgr ? 2 * plane : 0, pB = bgr ? 0 : 2 * plane;
  const mR = bgr ? opts.mean[2] : opts.mean[0], sR = bgr ? opts.std[2] : opts.std[0];
  const mB = bgr ? opts.mean[0] : opts.mean[2], sB = bgr ? opts.std[0] : opts.std[2];
  const mG = opts.mean[1], sG = opts.std[1];
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const sx = inv[0] * x + inv[1] * y + inv[2];
      const sy = inv[3] * x + inv[4] * y + inv[5];
      const o = y * outW + x;
      let r = 0, g = 0, b = 0;
      if (sx > -1 && sy > -1 && sx < W && sy < H) {
        const x0 = Math.floor(sx), y0 = Math.floor(sy);
        const wx = sx - x0, wy = sy - y0;
        const xa = Math.max(0, x0), xb = Math.min(W - 1, x0 + 1);
        const ya = Math.max(0, y0), yb = Math.min(H - 1, y0 + 1);
        const i00 = (ya * W + xa) * 3, i01 = (ya * W + xb) * 3, i10 = (yb * W + xa) * 3, i11 = (yb * W + xb) * 3;
        const w00 = (1 - wx) * (1 - wy), w01 = wx * (1 - wy), w10 = (1 - wx) * wy, w11 = wx * wy;
        r = src[i00]! * w00 + src[i01]! * w01 + src[i10]! * w10 + src[i11]! * w11;
        g = src[i00 + 1]! * w00 + src[i01 + 1]! * w01 + src[i10 + 1]! * w10 + src[i11 + 1]! * w11;
        b = src[i00 + 2]! * w00 + src[i01 + 2]! * w01 + src[i10 + 2]! * w10 + src[i11 + 2]! * w11;
      }
      out[pR + o] = (r - mR) / sR;
      out[plane + o] = (g - mG) / sG;
      out[pB + o] = (b - mB) / sB;
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
