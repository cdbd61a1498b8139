import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { HomeSightError, errorMessage } from '../system/index.js';
import type { Box, Frame, RgbImage } from './types.js';

/** Larger images are refused before decoding (a decompression bomb is a small file). */
const MAX_PIXELS = 40_000_000;

/** Whether the first bytes are a JPEG, PNG or WebP signature. */
function isPhoto(head: Uint8Array): boolean {
  const ascii = (a: number, b: number): string => String.fromCharCode(...head.subarray(a, b));
  return (
    (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) ||
    (head[0] === 0x89 && ascii(1, 4) === 'PNG') ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP')
  );
}

async function headOf(input: Buffer | string): Promise<Uint8Array> {
  if (typeof input !== 'string') return input.subarray(0, 12);
  const f = await open(input, 'r');
  try {
    const buf = new Uint8Array(12);
    const { bytesRead } = await f.read(buf, 0, 12, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await f.close();
  }
}

/**
 * Decodes a photo (JPEG, PNG or WebP; grayscale and alpha included) to packed
 * RGB24, honouring EXIF orientation. Photos come from users and the network
 * (enrolment over MQTT), so only these three formats reach libvips' decoders
 * (its many other loaders are attack surface), at most MAX_PIXELS.
 */
export async function decodeImage(input: Buffer | string): Promise<RgbImage> {
  try {
    if (!isPhoto(await headOf(input))) throw new Error('not a JPEG, PNG or WebP image');
    const { data, info } = await sharp(input, { limitInputPixels: MAX_PIXELS })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels === 3)
      return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
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
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  });
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
