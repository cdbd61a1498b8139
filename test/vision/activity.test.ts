import t from 'tap';
import { ACTIVITY_CLASSES, FeatureActivityClassifier, type Box } from '../../daemon/vision/index.js';
import { HAND_KP, MIN_HAND_COVERAGE, STILL_EXCURSION, STILL_SPEED, WALK_SPEED } from '../../daemon/vision/experts/activity.js';
import { type ActivityResult, type Keypoint, type PoseSample } from '../../daemon/vision/types.js';

interface Opts {
  sit?: boolean;
  /** Wrist positions relative to (x, top), in body heights. */
  lw?: [number, number];
  rw?: [number, number];
  /** Score of the wrists (the other joints score 0.9). */
  wristScore?: number;
}

/** A synthetic 17-keypoint skeleton (COCO order), upright, height h, top at y, centred on x. */
function skeleton(x: number, y: number, h: number, o: Opts = {}): { box: Box; kps: Keypoint[] } {
  const P = (dx: number, dy: number, s = 0.9): Keypoint => [x + dx * h, y + dy * h, s];
  const ws = o.wristScore ?? 0.9;
  const k: Keypoint[] = [
    P(0, 0.07),
    P(0.02, 0.05),
    P(-0.02, 0.05),
    P(0.05, 0.06),
    P(-0.05, 0.06),
    P(0.12, 0.2),
    P(-0.12, 0.2),
    P(0.15, 0.35),
    P(-0.15, 0.35),
    P(...(o.lw ?? [0.15, 0.48]), ws),
    P(...(o.rw ?? [-0.15, 0.48]), ws),
    P(0.08, 0.52),
    P(-0.08, 0.52),
    o.sit === true ? P(0.3, 0.56) : P(0.08, 0.75),
    o.sit === true ? P(0.2, 0.56) : P(-0.08, 0.75),
    o.sit === true ? P(0.3, 0.8) : P(0.08, 0.97),
    o.sit === true ? P(0.2, 0.8) : P(-0.08, 0.97),
  ];
  const box: Box = o.sit === true ? [x - 0.2 * h, y, 0.55 * h, 0.82 * h] : [x - 0.2 * h, y, 0.4 * h, h];
  return { box, kps: k };
}

const H = 300;
const DT = 200;
/** n poses 200 ms apart; `at(i)` gives the body's x (its box moves with it). */
function seq(n: number, opts: (i: number) => Opts, at: (i: number) => number = () => 500): PoseSample[] {
  return Array.from({ length: n }, (_, i) => {
    const s = skeleton(at(i), 100, H, opts(i));
    return { ts: i * DT, box: s.box, keypoints: s.kps };
  });
}
/** x at `speed` body heights/s. */
const moving = (speed: number) => (i: number) => 500 + (speed * H * (i * DT)) / 1000;

// The patterns each class is read from (standing still unless said otherwise).
const busyHands = (i: number): Opts => ({ lw: [0.1 + (i % 2) * 0.06, 0.4], rw: [-0.1 - (i % 3) * 0.05, 0.42] });
const sweep = (i: number): Opts => ({ lw: i % 2 === 0 ? [0.45, 0.5] : [-0.3, 0.55] });
const eat = (i: number): Opts => ({ sit: true, rw: i % 4 < 2 ? [0.01, 0.1] : [-0.1, 0.45] });
const drink = (i: number): Opts => ({ rw: i >= 4 && i < 9 ? [0.01, 0.1] : [-0.15, 0.48] });

const c = new FeatureActivityClassifier(4);
const ctx = (zones: string[] = []) => ({ zones, frameWidth: 1920, frameHeight: 1080 });
const classify = (s: PoseSample[], zones: string[] = []): ActivityResult => {
  const r = c.classify(s, ctx(zones));
  if (r === null) throw new Error('no decision');
  return r;
};

t.test('every class is reachable from its own pattern', async (t) => {
  const cases: Array<[string, ActivityResult, Partial<ActivityResult>]> = [
    ['standing', classify(seq(10, () => ({}))), { activity: 'standing', posture: 'standing' }],
    ['walking', classify(seq(10, () => ({}), moving(0.8))), { activity: 'walking', posture: 'walking' }],
    ['sitting', classify(seq(10, () => ({ sit: true, lw: [0.25, 0.7], rw: [-0.25, 0.7] }))), { activity: 'sitting', posture: 'sitting' }],
    ['eating', classify(seq(12, eat)), { activity: 'eating', posture: 'sitting', alternatives: ['drinking'] }],
    ['drinking', classify(seq(12, drink)), { activity: 'drinking', alternatives: ['eating'] }],
    ['cooking', classify(seq(10, busyHands), ['stove']), { activity: 'cooking', posture: 'standing' }],
    ['washing_dishes', classify(seq(10, busyHands), ['sink']), { activity: 'washing_dishes', alternatives: ['cooking'] }],
    [
      'laying_table',
      classify(seq(10, busyHands), ['dining_table']),
      { activity: 'laying_table', alternatives: ['clearing_table', 'eating'] },
    ],
    ['cleaning', classify(seq(10, sweep)), { activity: 'cleaning', posture: 'standing' }],
    [
      'using_phone',
      classify(seq(10, () => ({ sit: true, lw: [0.03, 0.38], rw: [-0.03, 0.38] }))),
      { activity: 'using_phone', alternatives: ['reading'] },
    ],
    [
      'using_laptop',
      classify(seq(10, () => ({ sit: true, lw: [0.15, 0.45], rw: [-0.15, 0.45] }))),
      { activity: 'using_laptop', alternatives: ['reading'] },
    ],
  ];
  for (const [name, r, want] of cases) t.match(r, want, name);
  // lying_down: the skeleton on its side, box wider than tall.
  const lying = seq(10, () => ({})).map((s) => ({
    ...s,
    box: [400, 300, H, 0.4 * H] as Box,
    keypoints: s.keypoints.map(([x, y, p]): Keypoint => [400 + (y - 100), 400 - (x - 500), p]),
  }));
  t.match(classify(lying), { activity: 'lying_down' }, 'lying_down');
  // The rest are only ever alternatives (keypoints cannot tell them from the reported class).
  const reached = new Set([...cases.map(([n]) => n), 'lying_down']);
  const alternativesOnly = ACTIVITY_CLASSES.map((a) => a.name).filter((n) => !reached.has(n));
  t.same(alternativesOnly.sort(), ['clearing_table', 'reading'], 'the classes that are only alternatives');
});

t.test('in-place classes need a body that stays put', async (t) => {
  // Busy hands and sweeps while translating faster than STILL_SPEED: posture only.
  const drifting = STILL_SPEED + (WALK_SPEED - STILL_SPEED) * 0.3;
  t.match(
    classify(seq(10, busyHands, moving(drifting)), ['stove']),
    { activity: 'standing', posture: 'standing' },
    'busy hands while drifting at a stove',
  );
  t.match(classify(seq(10, sweep, moving(drifting))), { activity: 'standing' }, 'arm sweeps while drifting');
  t.match(classify(seq(10, busyHands, moving(0.8)), ['stove']), { activity: 'walking' }, 'busy hands at walking speed');
  t.match(
    classify(seq(12, eat, moving(drifting))),
    { posture: 'sitting', activity: 'sitting' },
    'a sitting body that slides (tracker drift) is not read for eating',
  );
  // Out and back: no net displacement, but the body left its spot.
  const outAndBack = (i: number): number => 500 + (i < 5 ? i : 10 - i) * 0.15 * H;
  const r = classify(seq(11, busyHands, outAndBack), ['stove']);
  t.ok(r.features.speed! < STILL_SPEED && r.features.excursion! >= STILL_EXCURSION, `out and back: ${JSON.stringify(r.features)}`);
  t.match(r, { activity: 'standing' }, 'busy hands while stepping away and back');
  // Small shifts of weight are still in place.
  t.match(
    classify(
      seq(10, busyHands, (i) => 500 + (i % 2) * 0.05 * H),
      ['stove'],
    ),
    { activity: 'cooking' },
    'swaying in place at a stove',
  );
});

t.test('low-confidence wrists do not vote: the posture is the answer', async (t) => {
  const weak = HAND_KP - 0.1;
  for (const [name, pattern, zones, posture] of [
    ['eating', eat, [], 'sitting'],
    ['drinking', drink, [], 'standing'],
    ['cooking', busyHands, ['stove'], 'standing'],
    ['cleaning', sweep, [], 'standing'],
  ] as Array<[string, (i: number) => Opts, string[], string]>) {
    const r = classify(
      seq(12, (i) => ({ ...pattern(i), wristScore: weak })),
      zones,
    );
    t.match(r, { activity: posture, posture }, `${name} pattern with wrists scored ${weak}`);
    t.equal(r.features.handCoverage, 0);
  }
  // Confident wrists in too few samples: still unknown hands.
  const few = classify(seq(10, (i) => ({ ...sweep(i), wristScore: i < 5 ? 0.9 : 0.35 })));
  t.ok(few.features.handCoverage! < MIN_HAND_COVERAGE);
  t.match(few, { activity: 'standing' }, 'sweeps seen in half the samples');
  // The same sweep with confident wrists is cleaning.
  t.match(classify(seq(10, sweep)), { activity: 'cleaning' });
});

t.test('weak evidence gives the coarse class, not a guessed fine one', async (t) => {
  // Busy hands without a zone that says where: standing, the candidates as alternatives.
  const r = classify(seq(10, busyHands));
  t.match(r, { activity: 'standing', posture: 'standing' });
  t.same(r.alternatives, ['cooking', 'washing_dishes', 'laying_table', 'clearing_table']);
  t.match(classify(seq(10, busyHands), ['hallway']), { activity: 'standing' }, 'a zone that says nothing about the hands');
  // The camera's room is context too: a kitchen camera needs no stove zone; a zone inside it still decides first.
  const inRoom = (room: string, zones: string[] = []): ActivityResult | null => c.classify(seq(10, busyHands), { ...ctx(zones), room });
  t.match(inRoom('kitchen'), { activity: 'cooking' }, 'busy hands in the kitchen');
  t.match(inRoom('kitchen', ['sink']), { activity: 'washing_dishes' }, 'at the kitchen sink');
  t.match(inRoom('living_room'), { activity: 'standing' }, 'busy hands in the living room say nothing');
  // One misplaced wrist in an otherwise steady window is no sweep.
  const glitch = classify(seq(10, (i) => (i === 5 ? { lw: [0.6, 0.6] } : {})));
  t.match(
    glitch,
    { activity: 'standing', alternatives: [] },
    `one glitch is neither a sweep nor busy hands: ${JSON.stringify(glitch.features)}`,
  );
  t.match(
    classify(
      seq(10, (i) => (i === 5 ? { lw: [0.6, 0.6] } : {})),
      ['stove'],
    ),
    { activity: 'standing' },
    'one glitch at a stove is not cooking',
  );
  // A small person: posture only.
  const small = c.classify(
    Array.from({ length: 10 }, (_, i) => {
      const s = skeleton(500, 100, 60, sweep(i));
      return { ts: i * DT, box: s.box, keypoints: s.kps };
    }),
    ctx(),
  );
  t.match(small, { activity: 'standing' }, 'no hand classes for a small person');
  t.equal(
    c.classify(
      seq(3, () => ({})),
      ctx(),
    ),
    null,
    'too few samples',
  );
});
