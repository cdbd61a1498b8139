import { spawn } from 'node:child_process';
import { HomeSightError, type Logger } from '../system/index.js';
import type { Frame, RecordingSegment } from './types.js';

export interface ExtractRequest {
  ffmpeg: string;
  camera: string;
  /** Segments overlapping [start, end), ordered by start. */
  segments: RecordingSegment[];
  start: number;
  end: number;
  fps: number;
  width: number;
  height: number;
  maxFrames: number;
  log: Logger;
  signal?: AbortSignal | undefined;
}

/** What one segment contributes: grid points k0..k0+count-1, seeking to `seekMs` inside the file. */
export interface SegmentPlan {
  segment: RecordingSegment;
  k0: number;
  count: number;
  seekMs: number;
}

/**
 * The time grid t_k = start + k·(1000/fps), t_k < end, split over the
 * segments that cover it (each point taken from the first segment covering it;
 * points in gaps between segments give no frame).
 */
export function planExtraction(
  segments: readonly RecordingSegment[],
  start: number,
  end: number,
  fps: number,
): { plans: SegmentPlan[]; total: number } {
  const step = 1000 / fps;
  const total = Math.max(0, Math.ceil((end - start) / step - 1e-9));
  const plans: SegmentPlan[] = [];
  let next = 0;
  for (const seg of segments) {
    if (next >= total) break;
    let k = Math.max(next, Math.ceil((seg.start - start) / step - 1e-9));
    const limit = Math.min(end, seg.end);
    let count = 0;
    while (k + count < total && start + (k + count) * step < limit) count++;
    if (count === 0) continue;
    plans.push({ segment: seg, k0: k, count, seekMs: Math.max(0, start + k * step - seg.start) });
    next = k + count;
    k = next;
  }
  return { plans, total };
}

/** Decodes `count` frames at `fps` from `seekMs` into one segment file; resolves with what it got. */
function decodeSegment(
  ffmpeg: string,
  plan: SegmentPlan,
  fps: number,
  width: number,
  height: number,
  signal: AbortSignal | undefined,
): Promise<{ frames: Buffer[]; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const args = [
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-loglevel',
      'error',
      '-ss',
      (plan.seekMs / 1000).toFixed(3),
      '-i',
      `file:${plan.segment.path}`,
      '-map',
      '0:v:0',
      '-an',
      '-vf',
      `fps=${fps},scale=${width}:${height}:flags=bilinear,format=rgb24`,
      '-frames:v',
      String(plan.count),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ];
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const size = width * height * 3;
    const frames: Buffer[] = [];
    let cur: Buffer | null = null;
    let filled = 0;
    let stderr = '';
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      let off = 0;
      while (off < chunk.length) {
        if (cur === null) {
          cur = Buffer.allocUnsafe(size);
          filled = 0;
        }
        const n = Math.min(size - filled, chunk.length - off);
        chunk.copy(cur, filled, off, off + n);
        filled += n;
        off += n;
        if (filled === size) {
          frames.push(cur);
          cur = null;
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.on('error', (err) => {
      stderr += err.message;
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ frames, code, stderr });
    });
  });
}

/**
 * Frames for [start, end) at `fps` from recorded segments, across segment
 * boundaries, each stamped with its place on the recording timeline. A
 * segment that cannot be decoded is skipped with a warning.
 */
export async function extractFrames(req: ExtractRequest): Promise<Frame[]> {
  const { plans, total } = planExtraction(req.segments, req.start, req.end, req.fps);
  if (total > req.maxFrames) {
    throw new HomeSightError('E_FRAMES_TOO_MANY', `${total} frames requested (at most ${req.maxFrames} per call)`, {
      context: { camera: req.camera, start: req.start, end: req.end, fps: req.fps },
      hint: 'lower fps or ask for a shorter time range',
    });
  }
  const step = 1000 / req.fps;
  const out: Frame[] = [];
  const aborted = (): boolean => req.signal?.aborted === true;
  for (const plan of plans) {
    if (aborted()) break;
    const { frames, code, stderr } = await decodeSegment(req.ffmpeg, plan, req.fps, req.width, req.height, req.signal);
    if (frames.length === 0 && !aborted()) {
      const reason =
        stderr
          .trim()
          .split('\n')
          .filter((l) => l.trim() !== '')
          .pop() ?? `ffmpeg exit ${code}`;
      req.log.warn(
        { camera: req.camera, path: plan.segment.path, segment: plan.segment.id, reason },
        'recording segment unreadable; skipped',
      );
      continue;
    }
    if (frames.length < plan.count && code !== 0) {
      req.log.warn(
        { camera: req.camera, path: plan.segment.path, got: frames.length, wanted: plan.count },
        'recording segment partly unreadable',
      );
    }
    frames.forEach((data, i) => {
      const k = plan.k0 + i;
      out.push({
        camera: req.camera,
        ts: Math.round(req.start + k * step),
        seq: k,
        width: req.width,
        height: req.height,
        format: 'rgb24',
        data,
      });
    });
  }
  return out;
}
