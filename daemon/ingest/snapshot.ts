import { HomeSightError } from '../system/index.js';
import type { Frame, SnapshotBox } from './types.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** SVG overlay with one rectangle (and label tag) per box, in output pixels. */
export function boxesSvg(width: number, height: number, boxes: readonly SnapshotBox[]): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 150));
  const font = Math.max(10, Math.round(height / 28));
  const parts: string[] = [];
  for (const b of boxes) {
    const [fx, fy, fw, fh] = b.box;
    const x = Math.round(clamp01(fx) * width);
    const y = Math.round(clamp01(fy) * height);
    const w = Math.max(1, Math.round(clamp01(fw) * width));
    const h = Math.max(1, Math.round(clamp01(fh) * height));
    const color = esc(b.color ?? '#ff2020');
    parts.push(
      `<rect x="${x + stroke / 2}" y="${y + stroke / 2}" width="${Math.max(1, w - stroke)}" ` +
        `height="${Math.max(1, h - stroke)}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`,
    );
    if (b.label !== undefined && b.label !== '') {
      const label = esc(b.label.slice(0, 60));
      const tagH = font + 4;
      const tagY = y >= tagH ? y - tagH : y;
      const tagW = Math.min(width - x, Math.round(label.length * font * 0.6) + 6);
      parts.push(`<rect x="${x}" y="${tagY}" width="${Math.max(1, tagW)}" height="${tagH}" fill="${color}"/>`);
      parts.push(`<text x="${x + 3}" y="${tagY + font}" font-family="sans-serif" font-size="${font}" fill="#ffffff">${label}</text>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** JPEG of a frame, optionally scaled to `width` (aspect kept) and with boxes drawn (fractions of the frame). */
export async function snapshotJpeg(
  frame: Frame,
  boxes: readonly SnapshotBox[] = [],
  opts: { width?: number; quality?: number } = {},
): Promise<Buffer> {
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new HomeSightError('E_FRAME_INVALID', `frame data is ${frame.data.length} bytes, expected ${frame.width}×${frame.height}×3`, {
      context: { camera: frame.camera, seq: frame.seq },
    });
  }
  const outW = opts.width !== undefined && opts.width > 0 ? Math.round(opts.width) : frame.width;
  const outH = Math.max(1, Math.round((frame.height * outW) / frame.width));
  const sharp = (await import('sharp')).default;
  let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (outW !== frame.width) img = img.resize(outW, outH, { fit: 'fill' });
  if (boxes.length > 0) {
    // Resize and composite do not chain in one pipeline in the order we need; materialise the scaled image first.
    const base = outW === frame.width ? img : sharp(await img.raw().toBuffer(), { raw: { width: outW, height: outH, channels: 3 } });
    img = base.composite([{ input: Buffer.from(boxesSvg(outW, outH, boxes)), top: 0, left: 0 }]);
  }
  const quality = Math.min(100, Math.max(1, Math.round(opts.quality ?? 80)));
  return img.jpeg({ quality, mozjpeg: false }).toBuffer();
}
