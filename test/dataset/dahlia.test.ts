import t from 'tap';
import { HomeSightError } from '../../daemon/system/index.js';
import {
  ACTIVITY_CLASSES,
  evaluateFrames,
  framesToSegments,
  loadDahlia,
  parseDahlia,
  parseLabel,
  toDahliaClass,
  VISION_TO_DAHLIA,
  type ActivityClass,
} from '../../bench/datasets/index.js';

const fixtures = new URL('./fixtures/dahlia/', import.meta.url).pathname;

t.test('the fixture folder loads in all three layouts', async (t) => {
  const seqs = loadDahlia(fixtures);
  t.same(
    seqs.map((s) => s.id),
    ['S01_K1', 'S01_K2', 'S02_K3_frames', 'S03_K1_ids'],
  );
  const [k1, k2, frames, ids] = seqs as [(typeof seqs)[0], (typeof seqs)[0], (typeof seqs)[0], (typeof seqs)[0]];
  t.same([k1.view, k2.view, frames.view, ids.view], [1, 2, 3, 1]);
  t.equal(k1.format, 'segments');
  t.equal(k1.labels.length, 260);
  t.same(k1.labels, k2.labels, 'space-separated with multi-word labels and CSV with a header give the same labels');
  t.equal(k1.labels[95], 'laying_table');
  t.equal(k1.labels[175], 'neutral', 'a gap between segments is neutral');
  t.same(
    k1.segments.map((s) => s.label),
    ['neutral', 'cooking', 'laying_table', 'eating', 'neutral', 'clearing_table', 'washing_dishes'],
  );
  t.same(k1.segments[1], { label: 'cooking', start: 30, end: 89 });
  t.equal(frames.format, 'frames');
  t.equal(frames.labels.length, 80);
  t.same(
    frames.segments.map((s) => [s.label, s.start, s.end]),
    [
      ['neutral', 0, 9],
      ['housework', 10, 34],
      ['neutral', 35, 39],
      ['working', 40, 69],
      ['neutral', 70, 79],
    ],
  );
  t.equal(ids.firstFrame, 100, 'frame numbers from the file');
  t.same(
    ids.segments.map((s) => [s.label, s.start, s.end]),
    [
      ['neutral', 100, 104],
      ['cooking', 105, 114],
      ['eating', 115, 124],
      ['neutral', 125, 129],
    ],
  );
  // every class appears across the fixture
  t.same([...new Set(seqs.flatMap((s) => s.labels))].sort(), [...ACTIVITY_CLASSES].sort());
});

t.test('labels: names in any spelling, synonyms, ids', async (t) => {
  t.equal(parseLabel('Laying Table'), 'laying_table');
  t.equal(parseLabel('WASHING-DISHES'), 'washing_dishes');
  t.equal(parseLabel('set table'), 'laying_table');
  t.equal(parseLabel('background'), 'neutral');
  t.equal(parseLabel('7'), 'working');
  t.equal(parseLabel('8'), null);
  t.equal(parseLabel('2', { labelIds: { 2: 'eating' } }), 'eating');
  t.equal(parseLabel('juggling'), null);
});

t.test('bad files fail with file:line and a hint', async (t) => {
  const err = (text: string): HomeSightError => {
    try {
      parseDahlia(text, 'x/S9_K1.txt');
    } catch (e) {
      if (e instanceof HomeSightError) return e;
      throw e;
    }
    throw new Error('expected an error');
  };
  const a = err('0 10 cooking\n11 20 juggling\n');
  t.equal(a.code, 'E_DAHLIA_FORMAT');
  t.match(a.message, /x\/S9_K1\.txt:2: unknown activity label "juggling"/);
  t.match(a.hint, /cooking/);
  t.match(err('0 10 cooking\n5 20 eating\n').message, /:2: segment 5–20 overlaps 0–10/);
  t.match(err('10 5 cooking\n').message, /:1: segment ends \(5\) before it starts \(10\)/);
  t.match(err('# only a comment\n').message, /no annotation lines/);
  t.match(err('0 cooking\n2 eating\n').message, /:2: frame 2 does not follow 0/);
});

t.test('frame-level evaluation, hand-computed', async (t) => {
  const gold: ActivityClass[] = ['cooking', 'cooking', 'cooking', 'eating', 'eating', 'neutral'];
  const pred: Array<ActivityClass | null> = ['cooking', 'cooking', 'eating', 'eating', null, 'neutral'];
  const e = evaluateFrames(gold, pred);
  t.equal(e.frames, 6);
  t.equal(e.unlabelled, 1);
  t.equal(e.accuracy, 4 / 6);
  t.same(e.per_class.cooking, { precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
  t.same(e.per_class.eating, { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
  t.same(e.per_class.neutral, { precision: 1, recall: 1, f1: 1, support: 1 });
  t.ok(Math.abs(e.macro_f1 - (0.8 + 0.5 + 1) / 3) < 1e-12);
  t.equal(e.confusion.eating.none, 1);
  t.throws(() => evaluateFrames(gold, pred.slice(1)), { code: 'E_DAHLIA_LENGTH' });
  t.same(framesToSegments(['eating', 'eating', 'neutral'], 5), [
    { label: 'eating', start: 5, end: 6 },
    { label: 'neutral', start: 7, end: 7 },
  ]);
});

t.test('activity-expert labels map onto DAHLIA classes (and cover every label the expert has)', async (t) => {
  const vision = await import('../../daemon/vision/index.js');
  for (const c of vision.ACTIVITY_CLASSES) t.ok(c.name in VISION_TO_DAHLIA, `${c.name} has a DAHLIA class`);
  t.equal(toDahliaClass('cleaning'), 'housework');
  t.equal(toDahliaClass('using_laptop'), 'working');
  t.equal(toDahliaClass('walking'), 'neutral');
  t.equal(toDahliaClass(null), null);
  // scoring the expert's per-frame output on a fixture sequence
  const seq = loadDahlia(`${fixtures}S02_K3_frames.txt`)[0]!;
  const expert = seq.labels.map((l) => (l === 'housework' ? 'cleaning' : l === 'working' ? 'using_laptop' : 'standing'));
  t.equal(evaluateFrames(seq.labels, expert.map(toDahliaClass)).accuracy, 1);
});
