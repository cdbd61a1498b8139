/**
 * Real pose outputs on the shared clip (shared/media/vtest.avi: pedestrians in
 * a plaza filmed from above): frames decoded with ffmpeg, people found with the
 * vision expert's detector (yolox_nano), followed with its IoU tracker, and
 * their 17 COCO keypoints estimated with its pose model (MoveNet Lightning) —
 * HomeSight's own pose expert from daemon/vision, not a re-implementation.
 *
 * These are real keypoints of real people, but the activity label is ours:
 * walking pedestrians count as DAHLIA `neutral` (no home activity). The set
 * therefore only adds realistic noise (small, oblique people) to the
 * neutral class; it is labelled `source: "pose-on-shared-clip"`,
 * `synthetic: false`. Keypoints depend on onnxruntime's floating point, so
 * unlike the parameterized set the bytes may differ between machines.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HomeSightError, silentLogger } from '../../daemon/system/index.js';
import { ACTIVITY_CLASSES } from './dahlia.js';
import type { ActivitySequence, Keypoint, KeypointFrame } from './activity.js';

export interface PoseClipOptions {
  /** The shared folder (models/ and media/). */
  sharedDir: string;
  /** Seconds of the clip to read (default 12). */
  seconds?: number;
  /** Frames per second to sample (default 5). */
  fps?: number;
  /** Frames per sequence (default 20: 4 s at 5 fps). */
  window?: number;
  /** At most this many sequences (default 8). */
  maxSequences?: number;
  ffmpeg?: string;
}

const W = 768;
const H = 576;

async function decode(path: string, fps: number, seconds: number, ffmpeg: string): Promise<Uint8Array[]> {
  const frameBytes = W * H * 3;
  return new Promise((resolve, reject) => {
    const p = spawn(
      ffmpeg,
      ['-v', 'error', '-i', path, '-t', String(seconds), '-vf', `fps=${fps},scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', (e) =>
      reject(new HomeSightError('E_POSECLIP_FFMPEG', `cannot run ${ffmpeg}: ${e.message}`, { hint: 'install ffmpeg or pass its path' })),
    );
    p.on('close', (code) => {
      if (code !== 0) {
        reject(new HomeSightError('E_POSECLIP_FFMPEG', `ffmpeg failed on ${path} (exit ${code}): ${err.trim()}`, { context: { path } }));
        return;
      }
      const all = Buffer.concat(chunks);
      const frames: Uint8Array[] = [];
      for (let o = 0; o + frameBytes <= all.length; o += frameBytes) frames.push(new Uint8Array(all.subarray(o, o + frameBytes)));
      resolve(frames);
    });
  });
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Keypoint sequences of the people the vision experts follow through the clip. */
export async function poseSequencesFromClip(o: PoseClipOptions): Promise<ActivitySequence[]> {
  const clip = join(o.sharedDir, 'media', 'vtest.avi');
  const modelsDir = join(o.sharedDir, 'models');
  if (!existsSync(clip))
    throw new HomeSightError('E_POSECLIP_MISSING', `no clip at ${clip}`, {
      hint: 'set HOMESIGHT_SHARED_DIR to the shared folder (models/, media/)',
    });
  const fps = o.fps ?? 5;
  const window = o.window ?? 20;
  const vision = await import('../../daemon/vision/index.js');
  const cache = mkdtempSync(join(tmpdir(), 'hs-poseclip-'));
  const log = silentLogger();
  const load = async (name: 'detector' | 'pose') => {
    const spec = vision.resolveModelSpec(name, vision.DEFAULT_MODELS[name]!, modelsDir);
    const model = await vision.loadModel(
      { name, kind: spec.kind, format: spec.format, path: spec.path, sha256: spec.sha256 },
      { providers: ['cpu'], threads: 1, tensorrt: { fp16: false, cacheDir: cache }, log, providerLibDir: null },
    );
    return { spec, model };
  };
  const d = await load('detector');
  const p = await load('pose');
  try {
    const detector = await vision.OnnxDetector.create(d.model, d.spec);
    const pose = await vision.OnnxPoseEstimator.create(p.model, p.spec);
    const tracker = new vision.IouTracker({ idPrefix: 'vtest', iouThreshold: 0.3, highScore: 0.5, minHits: 2, maxMissedMs: 600 });
    const frames = await decode(clip, fps, o.seconds ?? 12, o.ffmpeg ?? 'ffmpeg');
    const tracks = new Map<string, KeypointFrame[]>();
    for (let i = 0; i < frames.length; i++) {
      const ts = Math.round((i * 1000) / fps);
      const img = { width: W, height: H, data: frames[i]! };
      const people = (await detector.detect(img)).filter((x) => x.label === 'person' && x.score >= 0.4);
      const tracked = tracker.update(people, ts).filter((x) => x.confirmed);
      if (tracked.length === 0) continue;
      const kps = await pose.estimate(
        img,
        tracked.map((x) => x.box),
      );
      tracked.forEach((x, k) => {
        const list = tracks.get(x.id) ?? [];
        const last = list[list.length - 1];
        if (last !== undefined && ts - last.ts > Math.round(1000 / fps) + 1) list.length = 0; // keep consecutive frames only
        list.push({
          ts,
          box: x.box.map(r1) as [number, number, number, number],
          keypoints: (kps[k] ?? []).map(([kx, ky, s]) => [r1(kx), r1(ky), r3(s)] as Keypoint),
        });
        tracks.set(x.id, list);
      });
    }
    const long = [...tracks.entries()].filter(([, f]) => f.length >= window && f.every((x) => x.keypoints.length === 17));
    long.sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
    return long.slice(0, o.maxSequences ?? 8).map(([id, f], n) => {
      const part = f.slice(0, window);
      const t0 = part[0]!.ts;
      return {
        id: `vtest-${String(n).padStart(2, '0')}`,
        label: 'neutral',
        label_index: ACTIVITY_CLASSES.indexOf('neutral'),
        synthetic: false,
        source: 'pose-on-shared-clip',
        fps,
        frame_width: W,
        frame_height: H,
        zones: [],
        frames: part.map((x) => ({ ...x, ts: x.ts - t0 })),
        params: {
          clip: 'vtest.avi',
          track: id,
          start_s: r3(t0 / 1000),
          detector: d.spec.path.split('/').pop()!,
          pose_model: p.spec.path.split('/').pop()!,
          label_note: 'pedestrians walking in a plaza; labelled neutral (no home activity) by hand',
        },
      } satisfies ActivitySequence;
    });
  } finally {
    await d.model.release();
    await p.model.release();
    rmSync(cache, { recursive: true, force: true });
  }
}
