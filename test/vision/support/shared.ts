import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configSchema, type ConfigInput, type HomeSightConfig } from '../../../daemon/config/index.js';
import type { Frame } from '../../../daemon/vision/types.js';

/** ../shared (models, media), or HOMESIGHT_SHARED_DIR. */
export const SHARED = resolve(process.env.HOMESIGHT_SHARED_DIR ?? new URL('../../../../shared/', import.meta.url).pathname);
export const MODELS = join(SHARED, 'models');
export const MEDIA = join(SHARED, 'media');

export function haveShared(): boolean {
  return existsSync(join(MODELS, 'yolox_nano.onnx')) && existsSync(join(MEDIA, 'vtest.avi'));
}

/** A full config (defaults applied) with paths into a temp dir and the shared models. */
export function testConfig(tmp: string, extra: ConfigInput = {}): HomeSightConfig {
  return configSchema.parse({
    ...extra,
    paths: { data_dir: join(tmp, 'data'), cache_dir: join(tmp, 'cache'), models_dir: MODELS, media_dir: MEDIA, ...(extra.paths ?? {}) },
  });
}

/**
 * Decodes `count` frames of a video at `fps` to RGB24 with the system ffmpeg
 * (what ingest does), as Frames of `camera` starting at `t0`.
 */
export function videoFrames(
  file: string,
  opts: { camera: string; fps: number; count: number; t0: number; startSeconds?: number; width?: number; height?: number },
): Frame[] {
  const vf = [`fps=${opts.fps}`];
  if (opts.width !== undefined && opts.height !== undefined) vf.push(`scale=${opts.width}:${opts.height}`);
  const args = [
    '-v',
    'error',
    ...(opts.startSeconds === undefined ? [] : ['-ss', String(opts.startSeconds)]),
    '-i',
    file,
    '-vf',
    vf.join(','),
    '-frames:v',
    String(opts.count),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ];
  const probe = spawnSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file],
    { encoding: 'utf8' },
  );
  const [pw, ph] = probe.stdout.trim().split(',').map(Number);
  const width = opts.width ?? pw!;
  const height = opts.height ?? ph!;
  const r = spawnSync('ffmpeg', args, { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr.toString()}`);
  const size = width * height * 3;
  const frames: Frame[] = [];
  for (let i = 0; i * size + size <= r.stdout.length; i++) {
    frames.push({
      camera: opts.camera,
      ts: opts.t0 + Math.round((i * 1000) / opts.fps),
      seq: i,
      width,
      height,
      format: 'rgb24',
      data: Buffer.from(r.stdout.subarray(i * size, (i + 1) * size)),
    });
  }
  return frames;
}
