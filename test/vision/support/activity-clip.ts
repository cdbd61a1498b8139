import { join } from 'node:path';
import { configSchema } from '../../../daemon/config/index.js';
import { silentLogger } from '../../../daemon/system/index.js';
import { CameraPipeline, InMemoryGallery, VisionEngine, type Box } from '../../../daemon/vision/index.js';
import { type ActivityClassifier, type ActivityResult } from '../../../daemon/vision/types.js';
import { MEDIA, MODELS, videoFrames } from './shared.js';

/** One person in one frame of the clip, as the chain labelled it. */
export interface LabelledPerson {
  frame: number;
  track: string;
  box: Box;
  /** The track's activity as the pipeline reports it (after `activity.hold`). */
  activity: string | null;
  /** The classifier's own decision on this frame (null: not asked or no answer). */
  decision: ActivityResult | null;
  /** Foot-point speed in body heights/s, measured from the track's boxes ±1.4 s around this frame (null near the track's ends). */
  speed: number | null;
}

/**
 * Runs the real chain (default vision config: YOLOX-Nano → tracker → MoveNet
 * → activity) on the plaza clip decoded at `fps`, 768×576, from
 * `startSeconds` for `seconds`, and returns every person-frame with its
 * activity. `classifier` replaces the engine's activity expert (to compare
 * rule sets on the same poses).
 */
export async function labelPlazaClip(opts: {
  startSeconds: number;
  seconds: number;
  fps?: number;
  classifier?: ActivityClassifier;
  workDir: string;
}): Promise<LabelledPerson[]> {
  const fps = opts.fps ?? 5;
  const vision = configSchema.parse({}).vision;
  const engine = await VisionEngine.load({ vision, modelsDir: MODELS, engineCacheDir: join(opts.workDir, 'trt'), log: silentLogger() });
  try {
    const inner = opts.classifier ?? engine.experts.activity;
    if (inner === null) throw new Error('no activity expert');
    // Records each decision under the box it was made for (the last pose's box is the track's box this frame).
    let decisions = new Map<string, ActivityResult | null>();
    const recording: ActivityClassifier = {
      name: `recording(${inner.name})`,
      minSamples: inner.minSamples,
      async classify(poses, ctx) {
        const r = await inner.classify(poses, ctx);
        decisions.set(poses[poses.length - 1]!.box.join(), r);
        return r;
      },
    };
    const pipeline = new CameraPipeline('plaza', { ...engine.experts, activity: recording }, new InMemoryGallery(), vision);
    const frames = videoFrames(join(MEDIA, 'vtest.avi'), {
      camera: 'plaza',
      fps,
      count: Math.round(opts.seconds * fps),
      t0: 1_700_000_000_000,
      startSeconds: opts.startSeconds,
      width: 768,
      height: 576,
    });
    const out: LabelledPerson[] = [];
    for (const [i, f] of frames.entries()) {
      decisions = new Map();
      const res = await pipeline.process({ width: f.width, height: f.height, data: f.data }, f.ts);
      for (const p of res.analysis.persons) {
        out.push({
          frame: i,
          track: p.track_id ?? '',
          box: p.box,
          activity: p.activity ?? null,
          decision: decisions.get(p.box.join()) ?? null,
          speed: null,
        });
      }
    }
    // Speed from the track's own boxes, centred on the frame: independent of the classifier's window.
    const at = new Map(out.map((r) => [`${r.track}@${r.frame}`, r.box]));
    const half = Math.round(1.4 * fps);
    const foot = (b: Box): [number, number] => [b[0] + b[2] / 2, b[1] + b[3]];
    for (const r of out) {
      const a = at.get(`${r.track}@${r.frame - half}`);
      const b = at.get(`${r.track}@${r.frame + half}`);
      if (a === undefined || b === undefined) continue;
      const [ax, ay] = foot(a);
      const [bx, by] = foot(b);
      r.speed = Math.hypot(bx - ax, by - ay) / ((a[3] + b[3]) / 2) / ((2 * half) / fps);
    }
    return out;
  } finally {
    await engine.release();
  }
}
