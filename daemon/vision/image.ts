import sharp from 'sharp';
import { HomeSightError, errorMessage } from '../system/index.js';
import type { Box, Frame, RgbImage } from './types.js';

/**
 * Decodes an encoded image (JPEG, PNG, WebP, …; grayscale and alpha included)
 * to packed RGB24, honouring EXIF orientation.
 */
export async function decodeImage(input: Buffer | string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(input).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels === 3) return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
    // Single channel (some grayscale inputs): expand to RGB.
    const rgb = new Uint8Array(info.width * info.height * 3);
    for (let i = 0, j = 0; i < info.width * info.height; i++, j += 3) {
      const v = data[i * info.channels]!;
      rgb[j] = v;
      rgb[j + 1] = v;
      rgb[j + 2] = v;
    }
    return { width: info.width, height: info.height, data: rgb };
  } catch (err) {
    throw new HomeSightError('E_IMAGE_DECODE', `cannot decode image${typeof input === 'string' ? ` ${input}` : ''}: ${errorMessage(err)}`, {
      context: typeof input === 'string' ? { path: input } : { bytes: input.length },
      hint: 'give a JPEG, PNG or WebP file',
      cause: err,
    });
  }
}

/** Wraps an RGB image as a Frame of `camera` at `ts`. */
export function imageFrame(img: RgbImage, camera: string, ts: number, seq = 0): Frame {
  return {
    camera,
    ts,
    seq,
    width: img.width,
    height: img.height,
    format: 'rgb24',
    data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
  };
}

/** JPEG of an RGB image, optionally cropped to a box (grown by `margin` and clipped). */
export async function encodeJpeg(img: RgbImage, opts: { quality: number; crop?: Box; margin?: number; maxSide?: number }): Promise<Buffer> {
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } });
  if (opts.crop !== undefined) {
    const m = opts.margin ?? 0;
    const [x, y, w, h] = opts.crop;
    const left = Math.max(0, Math.floor(x - w * m));
    const top = Math.max(0, Math.floor(y - h * m));
    const right = Math.min(img.width, Math.ceil(x + w * (1 + m)));
    const bottom = Math.min(img.height, Math.ceil(y + h * (1 + m)));
    if (right - left >= 2 && bottom - top >= 2) s = s.extract({ left, top, width: right - left, height: bottom - top });
  }
  if (opts.maxSide !== undefined) s = s.resize(opts.maxSide, opts.maxSide, { fit: 'inside', withoutEnlargement: true });
  return s.jpeg({ quality: opts.quality }).toBuffer();
}
