/**
 * SYNTHETIC keypoint sequences per DAHLIA activity class, for tests and CI of
 * the activity expert when the real dataset is not at hand. Every sequence is
 * parameterized motion of a 17-keypoint COCO skeleton (not recorded people):
 * a posture (standing / sitting / walking), hand trajectories typical of the
 * class (stirring, hand-to-mouth, typing, scrubbing, sweeping…), head pitch,
 * body sway, plus per-sequence random scale, position, tempo, phase and
 * keypoint jitter, and lower scores where a real detector loses joints (legs
 * under a table). Records say `synthetic: true` and their generator; they
 * are a sanity set (can a classifier separate clearly different motions?),
 * not a benchmark of real-world accuracy.
 *
 * Shape matches daemon/vision's PoseSample: per frame {ts (ms), box [x, y, w, h],
 * keypoints [[x, y, score] × 17]} in pixels of a frame_width × frame_height image.
 */
import { Rng } from './prng.js';
import { ACTIVITY_CLASSES, type ActivityClass } from './dahlia.js';

export const COCO_KEYPOINTS = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

export type Keypoint = [number, number, number];

export interface KeypointFrame {
  ts: number;
  box: [number, number, number, number];
  keypoints: Keypoint[];
}

export interface ActivitySequence {
  id: string;
  label: ActivityClass;
  label_index: number;
  /** true: parameterized motion; false: real pose outputs (pose-on-shared-clip) with a label we assigned. */
  synthetic: boolean;
  source: 'parameterized-motion' | 'pose-on-shared-clip';
  fps: number;
  frame_width: number;
  frame_height: number;
  /** Camera zones the person is in (as a configured zone would name them); [] = none. */
  zones: string[];
  frames: KeypointFrame[];
  /** The motion parameters drawn for this sequence. */
  params: Record<string, number | string>;
}

type P = [number, number];

/** Frontal standing skeleton in body-height units (origin at the feet centre, y up). */
const STAND: P[] = [
  [0, 0.94],
  [0.02, 0.955],
  [-0.02, 0.955],
  [0.045, 0.945],
  [-0.045, 0.945],
  [0.11, 0.82],
  [-0.11, 0.82],
  [0.13, 0.67],
  [-0.13, 0.67],
  [0.13, 0.54],
  [-0.13, 0.54],
  [0.08, 0.5],
  [-0.08, 0.5],
  [0.08, 0.28],
  [-0.08, 0.28],
  [0.08, 0.03],
  [-0.08, 0.03],
];

const K = Object.fromEntries(COCO_KEYPOINTS.map((n, i) => [n, i])) as Record<(typeof COCO_KEYPOINTS)[number], number>;

/**
 * Where in a home each activity happens, named like a camera zone. The same
 * busy-hands-while-standing motion is cooking at the stove and washing dishes
 * at the sink; keypoints alone cannot tell them apart, a zone can.
 */
const SCENE_ZONES: Record<ActivityClass, string[]> = {
  neutral: [],
  cooking: ['stove'],
  washing_dishes: ['sink'],
  laying_table: ['dining_table'],
  clearing_table: ['dining_table'],
  eating: ['dining_table'],
  working: ['desk'],
  housework: [],
};

interface Motion {
  posture: 'standing' | 'sitting' | 'walking';
  /** Returns wrist targets (left, right) relative to the shoulders, and extras, at phase t (cycles). */
  pose(t: number, rng: Rng, s: { amp: number }): { lw: P; rw: P; headDown: number; lean: number; dx: number; step: number };
}

const TAU = 2 * Math.PI;

const MOTIONS: Record<ActivityClass, Motion & { rate: number }> = {
  neutral: {
    posture: 'standing',
    rate: 0.2,
    pose: (t) => ({ lw: [0.02, -0.28], rw: [-0.02, -0.28], headDown: 0, lean: 0, dx: 0.012 * Math.sin(TAU * t), step: 0 }),
  },
  cooking: {
    posture: 'standing',
    rate: 1,
    pose: (t, _r, s) => ({
      lw: [-0.02, -0.22],
      rw: [-0.04 + s.amp * 0.06 * Math.cos(TAU * t), -0.22 + s.amp * 0.03 * Math.sin(TAU * t)],
      headDown: 0.03,
      lean: 0.02,
      dx: 0,
      step: 0,
    }),
  },
  laying_table: {
    posture: 'walking',
    rate: 0.5,
    pose: (t, _r, s) => {
      const reach = Math.max(0, Math.sin(TAU * t));
      return {
        lw: [-0.05, -0.2 - 0.12 * reach * s.amp],
        rw: [0.05, -0.2 - 0.12 * reach * s.amp],
        headDown: 0.03 + 0.03 * reach,
        lean: 0.04 * reach,
        dx: 0,
        step: 1,
      };
    },
  },
  eating: {
    // a bite every ~1.7 s: the wrist rises from the table to the mouth
    posture: 'sitting',
    rate: 0.6,
    pose: (t, _r, s) => {
      // the hand stays at the mouth for about a third of each cycle
      const lift = Math.min(1, Math.max(0, 1.8 * Math.sin(TAU * t)));
      return {
        lw: [-0.06, -0.3],
        rw: [0.09 * lift + 0.02 * (1 - lift) * s.amp, -0.3 + 0.4 * lift],
        headDown: 0.02,
        lean: 0.02,
        dx: 0,
        step: 0,
      };
    },
  },
  clearing_table: {
    posture: 'standing',
    rate: 0.35,
    pose: (t, _r, s) => {
      const bend = Math.max(0, Math.sin(TAU * t));
      return {
        lw: [0.04 + 0.1 * bend * s.amp, -0.25 - 0.1 * bend],
        rw: [-0.04 - 0.1 * bend * s.amp, -0.25 - 0.1 * bend],
        headDown: 0.05 * bend,
        lean: 0.08 * bend,
        dx: 0.15 * Math.sin(TAU * 0.5 * t),
        step: 0.5,
      };
    },
  },
  washing_dishes: {
    posture: 'standing',
    rate: 1.5,
    pose: (t, _r, s) => ({
      lw: [-0.05 + 0.04 * s.amp * Math.sin(TAU * t), -0.24],
      rw: [0.05 - 0.04 * s.amp * Math.sin(TAU * t + 1), -0.24 + 0.01 * Math.cos(TAU * t)],
      headDown: 0.05,
      lean: 0.03,
      dx: 0,
      step: 0,
    }),
  },
  housework: {
    // vacuuming / sweeping: walking on while one arm pushes back and forth
    posture: 'walking',
    rate: 0.8,
    pose: (t, _r, s) => ({
      lw: [-0.02, -0.3],
      rw: [0.12 * s.amp * Math.sin(TAU * t), -0.3 + 0.03 * Math.sin(TAU * t)],
      headDown: 0.04,
      lean: 0.05,
      dx: 0,
      step: 1,
    }),
  },
  working: {
    // typing at a laptop: wrists apart at table height, tiny fast movements
    posture: 'sitting',
    rate: 4,
    pose: (t, r, s) => ({
      lw: [-0.02 + 0.004 * s.amp * Math.sin(TAU * t), -0.27 + 0.003 * r.gaussian()],
      rw: [0.02 + 0.004 * s.amp * Math.cos(TAU * t), -0.27 + 0.003 * r.gaussian()],
      headDown: 0.05,
      lean: 0.03,
      dx: 0,
      step: 0,
    }),
  },
};

export interface SyntheticOptions {
  seed: number;
  /** Sequences per class (default 6). */
  perClass?: number;
  /** Frames per sequence (default 40, i.e. 4 s at 10 fps). */
  frames?: number;
  fps?: number;
  width?: number;
  height?: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function sequence(rng: Rng, label: ActivityClass, index: number, o: Required<Omit<SyntheticOptions, 'seed'>>): ActivitySequence {
  const m = MOTIONS[label];
  const walking = m.posture === 'walking';
  const durationS = o.frames / o.fps;
  // walkers cross part of the room: speed 0.4–0.55 body heights/s, sized so the path stays in the frame
  const walkSpeed = walking ? 0.4 + 0.15 * rng.next() : 0;
  const maxH = walking ? Math.min(o.height * 0.7, (o.width * 0.75) / (walkSpeed * durationS + 0.3)) : o.height * 0.7;
  const heightPx = rng.int(Math.round(Math.min(o.height * 0.4, maxH * 0.8)), Math.round(maxH));
  const direction = rng.chance(0.5) ? 1 : -1;
  const travelPx = walkSpeed * durationS * heightPx;
  const cx = walking
    ? Math.round(direction > 0 ? o.width * 0.5 - travelPx / 2 : o.width * 0.5 + travelPx / 2)
    : rng.int(Math.round(o.width * 0.3), Math.round(o.width * 0.7));
  const footY = rng.int(Math.round(o.height * 0.85), Math.round(o.height * 0.97));
  const rate = m.rate * (0.8 + 0.4 * rng.next());
  const phase = rng.next();
  const amp = 0.8 + 0.4 * rng.next();
  const jitter = 0.003 + 0.003 * rng.next();
  const facing = rng.chance(0.5) ? 1 : -1; // mirror: facing the camera or away
  const frames: KeypointFrame[] = [];
  for (let f = 0; f < o.frames; f++) {
    const t = phase + (rate * f) / o.fps;
    const p = m.pose(t, rng, { amp });
    const pts: P[] = STAND.map(([x, y]) => [x, y]);
    // posture
    if (m.posture === 'sitting') {
      for (const k of [
        K.nose,
        K.left_eye,
        K.right_eye,
        K.left_ear,
        K.right_ear,
        K.left_shoulder,
        K.right_shoulder,
        K.left_elbow,
        K.right_elbow,
        K.left_wrist,
        K.right_wrist,
        K.left_hip,
        K.right_hip,
      ])
        pts[k]![1] -= 0.24;
      pts[K.left_knee] = [0.1, 0.27];
      pts[K.right_knee] = [-0.1, 0.27];
      pts[K.left_ankle] = [0.09, 0.03];
      pts[K.right_ankle] = [-0.09, 0.03];
    }
    if (m.posture === 'walking' && p.step > 0) {
      const g = Math.sin(TAU * 1.8 * t) * p.step;
      pts[K.left_knee]![1] += 0.03 * Math.max(0, g);
      pts[K.right_knee]![1] += 0.03 * Math.max(0, -g);
      pts[K.left_ankle]![1] += 0.06 * Math.max(0, g);
      pts[K.right_ankle]![1] += 0.06 * Math.max(0, -g);
      pts[K.left_ankle]![0] += 0.03 * g;
      pts[K.right_ankle]![0] -= 0.03 * g;
    }
    // wrists relative to shoulders, elbows halfway with a slight outward bend
    const ls = pts[K.left_shoulder]!;
    const rs = pts[K.right_shoulder]!;
    pts[K.left_wrist] = [ls[0] + p.lw[0], ls[1] + p.lw[1]];
    pts[K.right_wrist] = [rs[0] + p.rw[0], rs[1] + p.rw[1]];
    pts[K.left_elbow] = [(ls[0] + pts[K.left_wrist]![0]) / 2 + 0.03, (ls[1] + pts[K.left_wrist]![1]) / 2];
    pts[K.right_elbow] = [(rs[0] + pts[K.right_wrist]![0]) / 2 - 0.03, (rs[1] + pts[K.right_wrist]![1]) / 2];
    // head pitch and torso lean (upper body shifts down/forward)
    for (const k of [K.nose, K.left_eye, K.right_eye, K.left_ear, K.right_ear]) pts[k]![1] -= p.headDown;
    for (const k of [
      K.nose,
      K.left_eye,
      K.right_eye,
      K.left_ear,
      K.right_ear,
      K.left_shoulder,
      K.right_shoulder,
      K.left_elbow,
      K.right_elbow,
      K.left_wrist,
      K.right_wrist,
    ])
      pts[k]![1] -= p.lean;
    const keypoints: Keypoint[] = pts.map(([x, y], k) => {
      const px = cx + direction * walkSpeed * (f / o.fps) * heightPx + (facing * x + p.dx + jitter * rng.gaussian()) * heightPx;
      const py = footY - (y + jitter * rng.gaussian()) * heightPx;
      const legs = k >= K.left_knee;
      const score = m.posture === 'sitting' && legs ? 0.2 + 0.25 * rng.next() : 0.7 + 0.28 * rng.next();
      return [r1(px), r1(py), r3(score)];
    });
    const xs = keypoints.map((q) => q[0]);
    const ys = keypoints.map((q) => q[1]);
    const x0 = Math.min(...xs) - 0.05 * heightPx;
    const y0 = Math.min(...ys) - 0.08 * heightPx;
    const box: [number, number, number, number] = [
      r1(x0),
      r1(y0),
      r1(Math.max(...xs) + 0.05 * heightPx - x0),
      r1(Math.max(...ys) + 0.02 * heightPx - y0),
    ];
    frames.push({ ts: Math.round((f * 1000) / o.fps), box, keypoints });
  }
  return {
    id: `synthetic-${label}-${String(index).padStart(2, '0')}`,
    label,
    label_index: ACTIVITY_CLASSES.indexOf(label),
    synthetic: true,
    source: 'parameterized-motion',
    fps: o.fps,
    frame_width: o.width,
    frame_height: o.height,
    zones: SCENE_ZONES[label],
    frames,
    params: {
      posture: m.posture,
      height_px: heightPx,
      centre_x: cx,
      walk_speed: r3(walkSpeed * direction),
      rate_hz: r3(rate),
      phase: r3(phase),
      amplitude: r3(amp),
      jitter: r3(jitter),
      facing,
    },
  };
}

/** perClass sequences for each of the 8 classes, deterministic in the seed. */
export function syntheticActivitySet(options: SyntheticOptions): ActivitySequence[] {
  const o = {
    perClass: options.perClass ?? 6,
    frames: options.frames ?? 40,
    fps: options.fps ?? 10,
    width: options.width ?? 640,
    height: options.height ?? 480,
  };
  const root = new Rng(options.seed).fork('activity');
  const out: ActivitySequence[] = [];
  for (const label of ACTIVITY_CLASSES) {
    const rng = root.fork(label);
    for (let i = 0; i < o.perClass; i++) out.push(sequence(rng, label, i, o));
  }
  return out;
}

/** One JSONL line per sequence, fixed key order. */
export function activityLine(s: ActivitySequence): string {
  return JSON.stringify({
    id: s.id,
    label: s.label,
    label_index: s.label_index,
    synthetic: s.synthetic,
    source: s.source,
    fps: s.fps,
    frame_width: s.frame_width,
    frame_height: s.frame_height,
    zones: s.zones,
    params: s.params,
    frames: s.frames,
  });
}

/**
 * Simple motion features of a sequence (normalised by body height): for tests
 * that check the classes really differ, and as a transparent baseline.
 */
export function motionFeatures(s: ActivitySequence): { wristSpeed: number; hipTravel: number; wristToNose: number; hipHeight: number } {
  const H = (f: KeypointFrame): number => Math.max(1, f.box[3]);
  let wristSpeed = 0;
  for (let i = 1; i < s.frames.length; i++) {
    const a = s.frames[i - 1]!;
    const b = s.frames[i]!;
    for (const k of [K.left_wrist, K.right_wrist])
      wristSpeed += Math.hypot(b.keypoints[k]![0] - a.keypoints[k]![0], b.keypoints[k]![1] - a.keypoints[k]![1]) / H(b);
  }
  wristSpeed = (wristSpeed / Math.max(1, s.frames.length - 1) / 2) * s.fps;
  const hipX = s.frames.map((f) => (f.keypoints[K.left_hip]![0] + f.keypoints[K.right_hip]![0]) / 2 / H(f));
  const hipTravel = Math.max(...hipX) - Math.min(...hipX);
  const wristToNose = Math.min(
    ...s.frames.map((f) =>
      Math.min(
        ...[K.left_wrist, K.right_wrist].map(
          (k) => Math.hypot(f.keypoints[k]![0] - f.keypoints[K.nose]![0], f.keypoints[k]![1] - f.keypoints[K.nose]![1]) / H(f),
        ),
      ),
    ),
  );
  const hipHeight =
    s.frames.reduce((a, f) => a + (f.box[1] + f.box[3] - (f.keypoints[K.left_hip]![1] + f.keypoints[K.right_hip]![1]) / 2) / H(f), 0) /
    s.frames.length;
  return { wristSpeed, hipTravel, wristToNose, hipHeight };
}
