import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildDataset,
  computeStats,
  emptyTeacherStats,
  extractStatsBlock,
  generate,
  renderStatsMarkdown,
  replaceStatsBlock,
  argumentType,
} from '../../bench/datasets/index.js';

const datasheet = new URL('../../docs/datasets/q2a.md', import.meta.url).pathname;

t.test('the datasheet statistics are those of the default build (seed 1)', async (t) => {
  const gen = generate({ seed: 1 });
  const md = renderStatsMarkdown(computeStats(gen.samples, gen.meta, gen.seed, emptyTeacherStats(), gen.refusalsRejectedByCatalog));
  const block = extractStatsBlock(readFileSync(datasheet, 'utf8'));
  t.not(block, null, 'docs/datasets/q2a.md has the statistics markers');
  t.equal(block, md, 'regenerate with `homesight dataset build --update-datasheet` when the generator changes');
});

t.test('stats.json agrees with the files the build wrote', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-q2a-stats-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const doc = join(dir, 'sheet.md');
  copyFileSync(datasheet, doc);
  const r = await buildDataset({ seed: 5, perRound: 10, out: dir, datasheet: doc, activityOut: null });
  const stats = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8'));
  const lines = readFileSync(join(dir, 'q2a.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(stats.samples, lines.length);
  t.equal(r.samples, lines.length);
  for (const sp of ['train', 'val', 'test']) {
    const n = readFileSync(join(dir, `${sp}.jsonl`), 'utf8')
      .trim()
      .split('\n').length;
    t.equal(stats.by_split[sp], n, `${sp}.jsonl has by_split.${sp} lines`);
  }
  const byN: Record<string, number> = {};
  for (const l of lines) byN[l.n_tools] = (byN[l.n_tools] ?? 0) + 1;
  t.same(stats.by_n_tools, byN);
  const nodes: Record<string, number> = {};
  for (const l of lines) for (const n of l.task_nodes) nodes[n.task] = (nodes[n.task] ?? 0) + 1;
  t.same(Object.fromEntries(Object.entries(stats.tool_frequency).map(([k, v]) => [k, (v as { nodes: number }).nodes])), nodes);
  t.equal(
    Object.values(stats.by_type as Record<string, number>).reduce((a, b) => a + b, 0),
    lines.length,
  );
  t.equal(
    readFileSync(join(dir, 'stats.md'), 'utf8').trim(),
    extractStatsBlock(readFileSync(doc, 'utf8')),
    '--update-datasheet wrote stats.md into the datasheet',
  );
});

t.test('stats block replacement and argument types', async (t) => {
  t.throws(() => replaceStatsBlock('no markers', 'x'));
  t.equal(argumentType('get_frames', 'start', '<node-0>'), 'node_ref');
  t.equal(argumentType('activity_timeline', 'day', '2025-03-04'), 'date');
  t.equal(argumentType('aggregate', 'group_by', 'identity'), 'enum');
  t.equal(argumentType('last_seen', 'person', 'Mia'), 'household_name');
  t.equal(argumentType('compose_answer', 'inputs', ['<node-0>', '<node-1>']), 'node_refs');
  t.equal(argumentType('get_snapshot', 'max', 3), 'integer');
  t.equal(argumentType('query_events', 'start', '2025-03-04T19:00:00+01:00'), 'datetime');
});

t.test('the example line in the datasheet is a line of the default build', async (t) => {
  const doc = readFileSync(datasheet, 'utf8');
  const m = /```json\n(\{"id":[\s\S]*?)\n```/.exec(doc);
  t.ok(m !== null, 'the datasheet shows a line');
  const shown = JSON.parse(m![1]!.replace(/\n\s*/g, '')) as { id: string };
  const gen = generate({ seed: 1 });
  const real = gen.samples.find((s) => s.id === shown.id);
  t.same(shown, JSON.parse(JSON.stringify(real)), `${shown.id} as built`);
});
