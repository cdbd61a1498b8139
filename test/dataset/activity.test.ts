import t from 'tap';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  ACTIVITY_CLASSES,
  COCO_KEYPOINTS,
  motionFeatures,
  syntheticActivitySet,
  ACTIVITY_IDS,
  evaluateFrames,
  toDahliaClass,
  type ActivityClass,
} from '../../bench/datasets/index.js';

const set = syntheticActivitySet({ seed: 1 });

t.test('a labelled synthetic set: every class, 17 COCO keypoints per frame, inside the frame', async (t) => {
  t.equal(set.length, ACTIVITY_CLASSES.length * 6);
  for (const c of ACTIVITY_CLASSES) t.equal(set.filter((s) => s.label === c).length, 6, `6 × ${c}`);
  t.equal(COCO_KEYPOINTS.length, 17);
  for (const s of set) {
    t.equal(s.synthetic, true);
    t.equal(s.source, 'parameterized-motion');
    t.equal(s.label_index, ACTIVITY_CLASSES.indexOf(s.label));
    t.equal(s.frames.length, 40);
    for (const f of s.frames) {
      if (f.keypoints.length !== 17) t.fail(`${s.id}: ${f.keypoints.length} keypoints`);
      for (const [x, y, score] of f.keypoints) {
        if (!(x >= 0 && x <= s.frame_width && y >= 0 && y <= s.frame_height && score >= 0 && score <= 1))
          t.fail(`${s.id}: keypoint ${x},${y},${score} outside the frame`);
        if (!(x >= f.box[0] && x <= f.box[0] + f.box[2] && y >= f.box[1] && y <= f.box[1] + f.box[3]))
          t.fail(`${s.id}: keypoint outside its box`);
      }
    }
    t.same(
      s.frames.map((f) => f.ts),
      Array.from({ length: 40 }, (_, i) => i * 100),
    );
  }
});

t.test('the classes differ the way the motions say', async (t) => {
  const mean = (label: string, k: keyof ReturnType<typeof motionFeatures>): number => {
    const xs = set.filter((s) => s.label === label).map((s) => motionFeatures(s)[k]);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const classes = [...ACTIVITY_CLASSES];
  // eating brings a wrist to the mouth
  for (const c of classes.filter((c) => c !== 'eating'))
    t.ok(mean('eating', 'wristToNose') < mean(c, 'wristToNose'), `eating wrist nearer the nose than ${c}`);
  // walking classes travel
  for (const c of ['neutral', 'cooking', 'eating', 'washing_dishes', 'working']) {
    t.ok(mean('housework', 'hipTravel') > 3 * mean(c, 'hipTravel'), `housework travels more than ${c}`);
    t.ok(mean('laying_table', 'hipTravel') > 3 * mean(c, 'hipTravel'), `laying_table travels more than ${c}`);
  }
  // sitting classes have their hips low in the box
  for (const c of ['neutral', 'cooking', 'washing_dishes', 'clearing_table']) {
    t.ok(mean('eating', 'hipHeight') < mean(c, 'hipHeight') && mean('working', 'hipHeight') < mean(c, 'hipHeight'), `sitting vs ${c}`);
  }
  // neutral barely moves its hands
  for (const c of ['cooking', 'washing_dishes', 'eating', 'housework', 'clearing_table'])
    t.ok(mean('neutral', 'wristSpeed') < mean(c, 'wristSpeed'), `neutral hands slower than ${c}`);
});

t.test('the activity expert reads the synthetic poses: postures as designed, scored with the DAHLIA evaluator', async (t) => {
  const vision = await import('../../daemon/vision/index.js');
  // Q2A activity ids are exactly labels the expert writes into memory
  const names = vision.ACTIVITY_CLASSES.map((c) => c.name) as string[];
  for (const id of ACTIVITY_IDS) t.ok(names.includes(id), `${id} is an activity-expert label`);
  const clf = new vision.FeatureActivityClassifier();
  const posture: Record<string, string> = {
    neutral: 'standing',
    cooking: 'standing',
    washing_dishes: 'standing',
    clearing_table: 'standing',
    eating: 'sitting',
    working: 'sitting',
    laying_table: 'walking',
    housework: 'walking',
  };
  const gold: ActivityClass[] = [];
  const pred: Array<ActivityClass | null> = [];
  for (const s of set) {
    const r = clf.classify(
      s.frames.map((f) => ({ ts: f.ts, box: f.box, keypoints: f.keypoints })),
      { zones: s.zones, frameWidth: s.frame_width, frameHeight: s.frame_height },
    );
    t.ok(r !== null, `${s.id} classified`);
    if (r === null) continue;
    if (r.posture !== posture[s.label]) t.fail(`${s.id}: posture ${r.posture}, designed ${posture[s.label]}`);
    gold.push(s.label);
    pred.push(toDahliaClass(r.activity));
  }
  const e = evaluateFrames(gold, pred);
  t.equal(e.frames, set.length);
  t.ok(
    e.accuracy > 1 / ACTIVITY_CLASSES.length,
    `the expert (keypoints + the sequence's zone) scores ${e.accuracy.toFixed(2)} on the synthetic set ` +
      `(chance ${(1 / ACTIVITY_CLASSES.length).toFixed(2)})`,
  );
});

const shared = process.env.HOMESIGHT_SHARED_DIR ?? new URL('../../../shared/', import.meta.url).pathname;
const haveClip =
  existsSync(`${shared}/media/vtest.avi`) &&
  existsSync(`${shared}/models/movenet_lightning.onnx`) &&
  spawnSync('ffmpeg', ['-version']).status === 0;

t.test(
  'real pose outputs of the vision expert on the shared clip (labelled neutral, not synthetic)',
  { skip: haveClip ? false : 'needs ../shared (vtest.avi, yolox_nano, movenet) and ffmpeg' },
  async (t) => {
    const { poseSequencesFromClip } = await import('../../bench/datasets/index.js');
    const seqs = await poseSequencesFromClip({ sharedDir: shared, seconds: 8, maxSequences: 4 });
    t.ok(seqs.length >= 2, `${seqs.length} tracked people with 20 consecutive poses`);
    const vision = await import('../../daemon/vision/index.js');
    const clf = new vision.FeatureActivityClassifier();
    let walking = 0;
    for (const s of seqs) {
      t.equal(s.synthetic, false);
      t.equal(s.source, 'pose-on-shared-clip');
      t.equal(s.label, 'neutral');
      t.equal(s.frames.length, 20);
      t.ok(
        s.frames.every(
          (f) =>
            f.keypoints.length === 17 &&
            f.keypoints.every(([x, y, c]) => x > -50 && x < s.frame_width + 50 && y > -50 && y < s.frame_height + 50 && c >= 0 && c <= 1),
        ),
        `${s.id}: 17 keypoints per frame near the frame`,
      );
      const r = clf.classify(s.frames, { zones: [], frameWidth: s.frame_width, frameHeight: s.frame_height });
      if (r?.posture === 'walking') walking++;
    }
    t.ok(walking >= 1, `the expert sees pedestrians walking (${walking}/${seqs.length})`);
  },
);
