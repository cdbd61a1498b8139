import * as ort from 'onnxruntime-node';
import { KP } from '../decoders/pose.js';
import type { ModelSpec } from '../models.js';
import { expectInput, outputError, type LoadedModel } from '../runtime.js';
import { Lock } from './common.js';
import type { ActivityClassifier, ActivityContext, ActivityResult, Keypoint, PoseSample } from '../types.js';

/**
 * Daily-home activity classes, after DAHLIA (cooking, laying table, eating,
 * clearing table, washing dishes, housework, working) with the postures and
 * finer "working" classes a home assistant is asked about. `keypoints` says
 * how far 2-D body keypoints alone can tell the class apart:
 *  - yes: posture/motion classes, decided from body geometry and speed;
 *  - partly: the body does something distinctive (hand to mouth, hands busy
 *    at a surface) but several classes share it; zones or objects decide;
 *  - no: keypoints give the posture only; the class needs objects or context.
 * Every class but the four postures is done in place: it needs a body that
 * stays put, a torso ≥ MIN_TORSO_PX and confident wrists (see the classifier).
 */
export const ACTIVITY_CLASSES = [
  { name: 'walking', keypoints: 'yes', cue: 'foot point moves > 0.25 body heights/s' },
  {
    name: 'standing',
    keypoints: 'yes',
    cue: 'upright torso, straight hips, foot point slower than walking; also the answer when the hands are unreadable',
  },
  { name: 'sitting', keypoints: 'yes', cue: 'hip angle (shoulder–hip–knee) < 125° or short thigh; partly when a table hides the legs' },
  { name: 'lying_down', keypoints: 'yes', cue: 'torso > 60° from vertical or box wider than tall' },
  {
    name: 'eating',
    keypoints: 'partly',
    cue: 'still; a confident wrist repeatedly at the mouth (≥ 2 lifts in the window); cannot tell food from drink',
  },
  {
    name: 'drinking',
    keypoints: 'partly',
    cue: 'still; a confident wrist at the mouth in one sustained lift; cannot tell from eating without the cup',
  },
  {
    name: 'cooking',
    keypoints: 'partly',
    cue:
      'standing still, confident wrists busy between chest and waist, ' +
      'in a zone named stove/kitchen/counter (elsewhere: standing, cooking an alternative)',
  },
  { name: 'washing_dishes', keypoints: 'partly', cue: 'same body cue as cooking, in a zone named sink/dish/wash' },
  {
    name: 'laying_table',
    keypoints: 'no',
    cue: 'same body cue, in a zone named table/dining; indistinguishable from clearing_table without objects',
  },
  { name: 'clearing_table', keypoints: 'no', cue: 'as laying_table; reported only as its alternative' },
  {
    name: 'cleaning',
    keypoints: 'partly',
    cue: 'standing still with wide, repeated arm sweeps (robust wrist range > 0.8 torso lengths); unreadable while moving',
  },
  {
    name: 'using_phone',
    keypoints: 'no',
    cue: 'sitting still, confident wrists together in front of the chest; phone vs book needs the object',
  },
  {
    name: 'using_laptop',
    keypoints: 'no',
    cue: 'sitting still, confident wrists apart at table height, little motion; laptop vs paperwork needs the object',
  },
  { name: 'reading', keypoints: 'no', cue: 'same cues as using_phone/using_laptop; reported as their alternative' },
] as const;

export type ActivityName = (typeof ACTIVITY_CLASSES)[number]['name'];

/** Keypoint score under which a joint is not used at all. */
const MIN_KP = 0.3;
/**
 * Wrist score under which a wrist does not vote for a hand class. MoveNet
 * scores the wrists of small or top-down people 0.1–0.5 while placing them
 * anywhere between the hip and the knee; only wrists it is sure of count.
 */
export const HAND_KP = 0.5;
/** Fraction of the torso samples that must show a confident wrist before a hand class is tried. */
export const MIN_HAND_COVERAGE = 0.6;
/** Torso length (px) under which wrist-based classes are not attempted. */
export const MIN_TORSO_PX = 40;
/** Foot-point speed (body heights/s) over which a person is walking. */
export const WALK_SPEED = 0.25;
/**
 * In-place activities (cooking, cleaning, eating, using a phone, …) need the
 * body to stay put: foot-point speed under STILL_SPEED body heights/s and the
 * foot point never further than STILL_EXCURSION body heights from where it
 * mostly was in the window. Between STILL_SPEED and WALK_SPEED a person is
 * drifting (a slow, curving walk, a step aside): the posture only.
 */
export const STILL_SPEED = 0.15;
export const STILL_EXCURSION = 0.35;

function ok(k: Keypoint | undefined, min = MIN_KP): k is Keypoint {
  return k !== undefined && k[2] >= min;
}

function mid(a: Keypoint | undefined, b: Keypoint | undefined): [number, number] | null {
  if (ok(a) && ok(b)) return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  if (ok(a)) return [a[0], a[1]];
  if (ok(b)) return [b[0], b[1]];
  return null;
}

function dist(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
}

/** Angle at b (degrees) of the path a–b–c. */
function angleAt(a: readonly number[], b: readonly number[], c: readonly number[]): number {
  const v1x = a[0]! - b[0]!,
    v1y = a[1]! - b[1]!,
    v2x = c[0]! - b[0]!,
    v2y = c[1]! - b[1]!;
  const d = Math.hypot(v1x, v1y) * Math.hypot(v2x, v2y);
  if (d === 0) return 180;
  return (Math.acos(Math.max(-1, Math.min(1, (v1x * v2x + v1y * v2y) / d))) * 180) / Math.PI;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.round(q * (sorted.length - 1))]!;
}

/**
 * Robust spreads, so that one misplaced keypoint makes neither motion nor a
 * range: a standard deviation estimated from the interquartile range, and the
 * 10th–90th percentile range.
 */
function robustStd(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return (quantile(s, 0.75) - quantile(s, 0.25)) / 1.349;
}

function spread(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return quantile(s, 0.9) - quantile(s, 0.1);
}

export interface PoseFeatures {
  /** Samples with shoulders and hips visible. */
  torsoSamples: number;
  /** Median torso length (shoulder centre to hip centre) in pixels. */
  torsoPx: number;
  /** Median torso angle from vertical, degrees. */
  torsoAngle: number;
  /** Median shoulder–hip–knee angle, degrees (NaN without knees). */
  hipAngle: number;
  /** Median |hip.y − knee.y| / torso length (NaN without knees). */
  thighRatio: number;
  /** Median box width / height. */
  boxAspect: number;
  /** Foot-point speed in body heights per second (first to last sample). */
  speed: number;
  /** Farthest the foot point got from its median position in the window, body heights. */
  excursion: number;
  /** Fraction of torso samples with at least one wrist scored ≥ HAND_KP. */
  handCoverage: number;
  /** Fraction of samples with a confident wrist within 0.35 torso lengths of the nose. */
  handToMouth: number;
  /** Separate hand-to-mouth episodes in the window. */
  lifts: number;
  /** Median confident-wrist height: 0 at the shoulders, 1 at the hips. */
  wristHeight: number;
  /** Spread of the busier confident wrist's position relative to the hips, torso lengths (std from the interquartile range). */
  wristMotion: number;
  /** Range (10th–90th percentile) of the busier confident wrist's position relative to the hips, torso lengths. */
  wristRange: number;
  /** Median distance between the confident wrists / shoulder width. */
  wristGap: number;
  /** Mean score of the keypoints used. */
  visibility: number;
}

/** Measures the features the rule classifier decides on. */
export function poseFeatures(samples: readonly PoseSample[]): PoseFeatures {
  const torsoAngles: number[] = [];
  const torsoLens: number[] = [];
  const hipAngles: number[] = [];
  const thigh: number[] = [];
  const aspects: number[] = [];
  const wristHeights: number[] = [];
  const wristRel: [Array<[number, number]>, Array<[number, number]>] = [[], []];
  const gaps: number[] = [];
  let near = 0;
  let lifts = 0;
  let wasNear = false;
  let visSum = 0;
  let visN = 0;
  let torsoSamples = 0;
  let handSamples = 0;
  for (const s of samples) {
    const k = s.keypoints;
    aspects.push(s.box[2] / Math.max(1, s.box[3]));
    for (const p of k) {
      visSum += p[2];
      visN++;
    }
    const sh = mid(k[KP.left_shoulder], k[KP.right_shoulder]);
    const hp = mid(k[KP.left_hip], k[KP.right_hip]);
    if (sh === null || hp === null) {
      wasNear = false;
      continue;
    }
    torsoSamples++;
    const torso = Math.max(1, dist(sh, hp));
    torsoLens.push(torso);
    torsoAngles.push((Math.atan2(Math.abs(sh[0] - hp[0]), Math.max(1e-6, hp[1] - sh[1])) * 180) / Math.PI + (hp[1] < sh[1] ? 90 : 0));
    const kn = mid(k[KP.left_knee], k[KP.right_knee]);
    if (kn !== null) {
      hipAngles.push(angleAt(sh, hp, kn));
      thigh.push(Math.abs(kn[1] - hp[1]) / torso);
    }
    const nose = k[KP.nose];
    let isNear = false;
    let hand = false;
    for (const [side, wi] of [KP.left_wrist, KP.right_wrist].entries()) {
      const w = k[wi];
      if (!ok(w, HAND_KP)) continue;
      hand = true;
      wristHeights.push((w[1] - sh[1]) / Math.max(1, hp[1] - sh[1]));
      wristRel[side]!.push([(w[0] - hp[0]) / torso, (w[1] - hp[1]) / torso]);
      if (ok(nose) && dist(w, nose) < 0.35 * torso) isNear = true;
    }
    if (hand) handSamples++;
    const lw = k[KP.left_wrist];
    const rw = k[KP.right_wrist];
    const ls = k[KP.left_shoulder];
    const rs = k[KP.right_shoulder];
    if (ok(lw, HAND_KP) && ok(rw, HAND_KP) && ok(ls) && ok(rs)) gaps.push(dist(lw, rw) / Math.max(1, dist(ls, rs)));
    if (isNear) near++;
    if (isNear && !wasNear) lifts++;
    wasNear = isNear;
  }
  let speed = 0;
  let excursion = 0;
  if (samples.length >= 2) {
    const a = samples[0]!;
    const b = samples[samples.length - 1]!;
    const dt = (b.ts - a.ts) / 1000;
    const h = median(samples.map((s) => s.box[3]));
    if (h > 0) {
      const feet = samples.map((s) => [s.box[0] + s.box[2] / 2, s.box[1] + s.box[3]] as const);
      if (dt > 0) speed = dist(feet[0]!, feet[feet.length - 1]!) / h / dt;
      const centre = [median(feet.map((p) => p[0])), median(feet.map((p) => p[1]))];
      for (const p of feet) excursion = Math.max(excursion, dist(p, centre) / h);
    }
  }
  // Per wrist (the two wrists' distance apart is not motion): the busier one counts.
  let wristMotion = 0;
  let wristRange = 0;
  for (const rel of wristRel) {
    if (rel.length < 2) continue;
    const xs = rel.map((p) => p[0]);
    const ys = rel.map((p) => p[1]);
    wristMotion = Math.max(wristMotion, Math.hypot(robustStd(xs), robustStd(ys)));
    wristRange = Math.max(wristRange, Math.hypot(spread(xs), spread(ys)));
  }
  return {
    torsoSamples,
    torsoPx: median(torsoLens),
    torsoAngle: median(torsoAngles),
    hipAngle: median(hipAngles),
    thighRatio: median(thigh),
    boxAspect: median(aspects),
    speed,
    excursion,
    handCoverage: torsoSamples === 0 ? 0 : handSamples / torsoSamples,
    handToMouth: torsoSamples === 0 ? 0 : near / torsoSamples,
    lifts,
    wristHeight: median(wristHeights),
    wristMotion,
    wristRange,
    wristGap: median(gaps),
    visibility: visN === 0 ? 0 : visSum / visN,
  };
}

/** 0.5 at the threshold, → 1 as the value moves `span` past it. */
function margin(value: number, threshold: number, span: number): number {
  return Math.max(0.5, Math.min(1, 0.5 + (0.5 * Math.abs(value - threshold)) / span));
}

/** What a zone name says busy hands are doing there (null: the zone says nothing). */
function zoneActivity(zones: readonly string[]): { activity: ActivityName; alternatives: ActivityName[] } | null {
  const z = zones.join(' ').toLowerCase();
  if (/sink|dish|wash/.test(z)) return { activity: 'washing_dishes', alternatives: ['cooking'] };
  if (/stove|cook|oven|hob|kitchen|counter/.test(z)) return { activity: 'cooking', alternatives: ['washing_dishes'] };
  if (/table|dining/.test(z)) return { activity: 'laying_table', alternatives: ['clearing_table', 'eating'] };
  return null;
}

/** Classes that busy hands at a surface could be, for a zone that does not say which. */
const HANDS_BUSY: ActivityName[] = ['cooking', 'washing_dishes', 'laying_table', 'clearing_table'];

/**
 * A transparent rule classifier over keypoint features: posture first
 * (lying, walking, sitting, standing), then — only for a person who stays
 * put, is large enough and shows confident wrists — what the hands do.
 * Weak evidence gives the posture, never a guessed fine class. Every
 * decision is returned with the features it used.
 */
export class FeatureActivityClassifier implements ActivityClassifier {
  readonly name = 'features';

  constructor(readonly minSamples = 4) {}

  classify(samples: readonly PoseSample[], ctx: ActivityContext): ActivityResult | null {
    if (samples.length < this.minSamples) return null;
    const f = poseFeatures(samples);
    const features: Record<string, number> = {};
    for (const [k, v] of Object.entries(f)) if (Number.isFinite(v)) features[k] = Math.round(v * 1000) / 1000;
    const vis = Math.max(0.3, Math.min(1, f.visibility + 0.2));
    const res = (activity: ActivityName, posture: string, confidence: number, alternatives: ActivityName[] = []): ActivityResult => ({
      activity,
      posture,
      confidence: Math.round(confidence * vis * 1000) / 1000,
      alternatives,
      features,
    });
    const hasTorso = f.torsoSamples >= Math.max(2, samples.length / 3);
    // Posture.
    if ((hasTorso && f.torsoAngle > 60) || f.boxAspect > 1.4) {
      return res('lying_down', 'lying_down', hasTorso ? margin(f.torsoAngle, 60, 30) : margin(f.boxAspect, 1.4, 0.6));
    }
    let posture: 'walking' | 'sitting' | 'standing';
    let pConf: number;
    if (f.speed > WALK_SPEED) {
      posture = 'walking';
      pConf = margin(f.speed, WALK_SPEED, 0.5);
    } else if (hasTorso && Number.isFinite(f.hipAngle) && (f.hipAngle < 125 || f.thighRatio < 0.45)) {
      posture = 'sitting';
      pConf = f.hipAngle < 125 ? margin(f.hipAngle, 125, 40) : margin(f.thighRatio, 0.45, 0.3);
    } else if (hasTorso && !Number.isFinite(f.hipAngle) && f.boxAspect > 0.55) {
      // Knees hidden (a table): a squat, wide box is more likely someone sitting.
      posture = 'sitting';
      pConf = 0.5;
    } else {
      posture = 'standing';
      pConf = hasTorso ? margin(f.speed, WALK_SPEED, 0.35) : 0.5;
    }
    if (!hasTorso) return res(posture, posture, pConf * 0.8);
    // Every class below is done in place. A body that translates is going
    // somewhere (arm swing, a bag, a curving slow walk look like busy hands):
    // it gets its posture only.
    if (f.speed >= STILL_SPEED || f.excursion >= STILL_EXCURSION) return res(posture, posture, pConf);
    // Wrists of a small person are too noisy to read (MoveNet on a torso
    // under MIN_TORSO_PX swings them by whole torso lengths).
    if (f.torsoPx < MIN_TORSO_PX) return res(posture, posture, pConf);
    // Low-confidence wrists do not vote: without confident wrists in most
    // samples the hands are unknown, and the posture is the answer.
    if (f.handCoverage < MIN_HAND_COVERAGE) return res(posture, posture, pConf);
    // A confident wrist at the mouth: repeated lifts are eating, one sustained lift drinking.
    if (f.handToMouth >= 0.25) {
      return f.lifts >= 2
        ? res('eating', posture, margin(f.handToMouth, 0.25, 0.4), ['drinking'])
        : res('drinking', posture, margin(f.handToMouth, 0.25, 0.4) * 0.8, ['eating']);
    }
    // Wide arm sweeps while standing in place: wiping, sweeping, vacuuming.
    // (Range and motion are robust spreads: one misplaced wrist is no sweep.)
    if (posture === 'standing' && f.wristRange > 0.8 && f.wristMotion > 0.2)
      return res('cleaning', posture, margin(f.wristRange, 0.8, 0.6));
    const handsInFront = Number.isFinite(f.wristHeight) && f.wristHeight > 0.2 && f.wristHeight < 1.3;
    if (posture === 'standing' && handsInFront && f.wristMotion > 0.05) {
      // Busy hands at a surface fit cooking, dishes and the table alike:
      // only the zone the person stands in says which. Without one the
      // answer is the posture, with the candidates as alternatives.
      const z = zoneActivity(ctx.room === undefined || ctx.room === null ? ctx.zones : [...ctx.zones, ctx.room]);
      if (z !== null) return res(z.activity, posture, margin(f.wristMotion, 0.05, 0.15) * 0.9, z.alternatives);
      return res(posture, posture, pConf, HANDS_BUSY);
    }
    // Sitting still with the hands together in front of the chest (a phone,
    // a book) or apart at table height (a keyboard, papers).
    if (posture === 'sitting' && handsInFront && f.wristMotion < 0.15) {
      if (Number.isFinite(f.wristGap) && f.wristGap < 0.6) return res('using_phone', posture, 0.55, ['reading']);
      if (Number.isFinite(f.wristGap)) return res('using_laptop', posture, 0.5, ['reading']);
    }
    return res(posture, posture, pConf);
  }
}

/**
 * The seam for a learned sequence model: an ONNX model taking keypoint
 * sequences [1, T, 17, 3] (x, y relative to the person box, 0..1; score) and
 * returning class logits [1, C]. Posture comes from the feature classifier,
 * which also answers while fewer than `minSamples` poses are buffered.
 */
export class OnnxSequenceActivityClassifier implements ActivityClassifier {
  readonly name: string;
  readonly minSamples: number;
  private readonly buf: Float32Array;
  private readonly tensor: ort.Tensor;
  private readonly window: number;
  private readonly lock = new Lock();

  private constructor(
    readonly model: LoadedModel,
    readonly spec: ModelSpec,
    private readonly postures: FeatureActivityClassifier,
  ) {
    const inp = expectInput(model, { rank: 4, type: 'float32', fixed: { 0: 1, 2: 17, 3: 3 }, describe: 'float32 [1, T, 17, 3]' });
    const t = inp.shape[1];
    this.window = typeof t === 'number' ? t : spec.window;
    this.minSamples = Math.min(this.window, Math.max(2, Math.floor(this.window / 2)));
    this.name = spec.name;
    this.buf = new Float32Array(this.window * 17 * 3);
    this.tensor = new ort.Tensor('float32', this.buf, [1, this.window, 17, 3]);
  }

  static async create(model: LoadedModel, spec: ModelSpec, postures: FeatureActivityClassifier): Promise<OnnxSequenceActivityClassifier> {
    const c = new OnnxSequenceActivityClassifier(model, spec, postures);
    const t0 = performance.now();
    try {
      const out = await c.logits();
      if (out.length !== spec.labels.length) throw new Error(`model gives ${out.length} classes; labels list ${spec.labels.length}`);
    } catch (err) {
      throw outputError(model, err);
    }
    model.markWarm(performance.now() - t0);
    return c;
  }

  private async logits(): Promise<Float32Array> {
    const out = await this.model.run({ [this.model.inputName]: this.tensor });
    const t = out[this.model.session.outputNames[0]!] as ort.Tensor | undefined;
    if (t === undefined || t.type !== 'float32') throw new Error('activity model must return float32 logits [1, C]');
    return t.data as Float32Array;
  }

  classify(samples: readonly PoseSample[], ctx: ActivityContext): Promise<ActivityResult | null> {
    return this.lock.run(() => this.classifyUnlocked(samples, ctx));
  }

  private async classifyUnlocked(samples: readonly PoseSample[], ctx: ActivityContext): Promise<ActivityResult | null> {
    const base = this.postures.classify(samples, ctx);
    if (samples.length < this.minSamples) return base;
    const seq = samples.slice(-this.window);
    for (let t = 0; t < this.window; t++) {
      // Left-pad with the oldest pose when the track is shorter than the window.
      const s = seq[Math.max(0, t - (this.window - seq.length))]!;
      const [bx, by, bw, bh] = s.box;
      for (let k = 0; k < 17; k++) {
        const p = s.keypoints[k] ?? [0, 0, 0];
        const o = (t * 17 + k) * 3;
        this.buf[o] = (p[0] - bx) / Math.max(1, bw);
        this.buf[o + 1] = (p[1] - by) / Math.max(1, bh);
        this.buf[o + 2] = p[2];
      }
    }
    const logits = await this.logits();
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    let sum = 0;
    const probs = Array.from(logits, (v) => {
      const e = Math.exp(v - max);
      sum += e;
      return e;
    });
    let best = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[best]!) best = i;
    const ranked = probs.map((p, i) => [p / sum, i] as const).sort((a, b) => b[0] - a[0]);
    return {
      activity: this.spec.labels[best] ?? `class${best}`,
      confidence: Math.round((probs[best]! / sum) * 1000) / 1000,
      posture: base?.posture ?? 'unknown',
      alternatives: ranked
        .slice(1, 3)
        .filter(([p]) => p > 0.1)
        .map(([, i]) => this.spec.labels[i] ?? `class${i}`),
      features: base?.features ?? {},
    };
  }
}
