import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset, generate, Rng, sampleLine, syntheticActivitySet, activityLine } from '../../bench/datasets/index.js';

const dirs: string[] = [];
t.teardown(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hs-q2a-'));
  dirs.push(d);
  return d;
}

t.test('the PRNG is a fixed sequence for a seed, and forks are independent of draw order', async (t) => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 5 }, () => a.nextU32());
  t.same(
    xs,
    Array.from({ length: 5 }, () => b.nextU32()),
  );
  t.not(xs[0], new Rng(43).nextU32(), 'another seed, another stream');
  const c = new Rng(42);
  c.next();
  t.equal(c.fork('x').nextU32(), new Rng(42).fork('x').nextU32(), 'fork depends on seed and label only');
  const u = Array.from({ length: 2000 }, () => a.next());
  t.ok(u.every((x) => x >= 0 && x < 1));
  const mean = u.reduce((s, x) => s + x, 0) / u.length;
  t.ok(Math.abs(mean - 0.5) < 0.03, `uniform mean ${mean}`);
});

t.test('same seed → identical bytes in every file; another seed → different data', async (t) => {
  const opts = { seed: 7, perRound: 12, activityOut: null } as const;
  const d1 = tmp();
  const d2 = tmp();
  const d3 = tmp();
  await buildDataset({ ...opts, out: d1, activityOut: join(d1, 'activity') });
  await buildDataset({ ...opts, out: d2, activityOut: join(d2, 'activity') });
  await buildDataset({ ...opts, seed: 8, out: d3 });
  const files = readdirSync(d1)
    .filter((f) => f.endsWith('.json') || f.endsWith('.jsonl') || f.endsWith('.md'))
    .sort();
  t.same(files, [
    'graph_desc.json',
    'households.json',
    'q2a.jsonl',
    'stats.json',
    'stats.md',
    'test.jsonl',
    'time_expressions.jsonl',
    'tool_desc.json',
    'train.jsonl',
    'val.jsonl',
  ]);
  for (const f of files) t.ok(readFileSync(join(d1, f)).equals(readFileSync(join(d2, f))), `${f} identical`);
  t.ok(
    readFileSync(join(d1, 'activity', 'synthetic_keypoints.jsonl')).equals(readFileSync(join(d2, 'activity', 'synthetic_keypoints.jsonl'))),
    'activity set identical',
  );
  t.notOk(readFileSync(join(d1, 'q2a.jsonl')).equals(readFileSync(join(d3, 'q2a.jsonl'))), 'seed 8 differs from seed 7');
  const same = ['households.json', 'tool_desc.json', 'graph_desc.json'];
  for (const f of same) t.ok(readFileSync(join(d1, f)).equals(readFileSync(join(d3, f))), `${f} does not depend on the seed`);
  t.notOk(
    readdirSync(d1).some((f) => f.endsWith('.tmp')),
    'no temporary files left',
  );
});

t.test('generation does not read the clock or Math.random', async (t) => {
  const realNow = Date.now;
  const realRandom = Math.random;
  Date.now = () => {
    throw new Error('Date.now called');
  };
  Math.random = () => {
    throw new Error('Math.random called');
  };
  try {
    const a = generate({ seed: 3, perRound: 6 }).samples.map(sampleLine).join('\n');
    const b = generate({ seed: 3, perRound: 6 }).samples.map(sampleLine).join('\n');
    t.equal(a, b);
    t.equal(
      syntheticActivitySet({ seed: 3, perClass: 1 }).map(activityLine).join('\n'),
      syntheticActivitySet({ seed: 3, perClass: 1 }).map(activityLine).join('\n'),
    );
  } finally {
    Date.now = realNow;
    Math.random = realRandom;
  }
});

t.test('adding households does not change the ones before them', async (t) => {
  const five = generate({ seed: 11, perRound: 8, households: 5 }).samples;
  const six = generate({ seed: 11, perRound: 8, households: 6 }).samples;
  t.same(six.slice(0, five.length).map(sampleLine), five.map(sampleLine));
});
