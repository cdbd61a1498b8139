import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  BUILTIN_METRICS,
  createMetricContext,
  type EvalRecord,
  loadDataset,
  type MetricDefinition,
  scoreRecords,
} from '../../bench/harness/index.js';
import { namedArguments, type TaskPlan, taskPlanSchema } from '../../daemon/agent/index.js';

// Real TaskBench lines carry numbers and booleans as arguments: positional in the resource domains
// (multimedia "Audio Speed Changer" takes a factor), {name, value} in dailylifeapis (counts, flags).
const resourceLines = [
  {
    id: '31000001',
    seed: 7,
    n_tools: 2,
    type: 'chain',
    sampled_nodes: '[]',
    sampled_links: '[]',
    instruction: 'Speed up example.wav by 1.5 and trim it to 30 seconds.',
    task_nodes: [
      { task: 'Audio Speed Changer', arguments: ['example.wav', 1.5] },
      { task: 'Audio Trimmer', arguments: ['<node-0>', 30, true] },
    ],
    task_links: [{ source: 'Audio Speed Changer', target: 'Audio Trimmer' }],
    task_steps: ['Step 1: Speed up example.wav by 1.5', 'Step 2: Trim the result to 30 seconds'],
  },
];
const toolDesc = {
  nodes: [
    { id: 'Audio Speed Changer', desc: 'Changes the speed of audio', 'input-type': ['audio', 'text'], 'output-type': ['audio'] },
    { id: 'Audio Trimmer', desc: 'Trims audio', 'input-type': ['audio', 'text', 'text'], 'output-type': ['audio'] },
  ],
};
const dailyLine = {
  id: '41000001',
  n_tools: 1,
  type: 'single',
  instruction: 'Set an alarm for 7 with 3 snoozes, vibration off.',
  task_nodes: [
    {
      task: 'set_alarm',
      arguments: [
        { name: 'hour', value: 7 },
        { name: 'snoozes', value: 3 },
        { name: 'vibrate', value: false },
      ],
    },
  ],
  task_links: [],
  task_steps: ['Step 1: Set the alarm'],
};
const dailyDesc = {
  nodes: [{ id: 'set_alarm', desc: 'Sets an alarm', parameters: [{ name: 'hour' }, { name: 'snoozes' }, { name: 'vibrate' }] }],
};

function dataset(dir: string, lines: readonly unknown[], desc: unknown): { data: string; desc: string } {
  const data = join(dir, 'data.json');
  const descFile = join(dir, 'tool_desc.json');
  writeFileSync(data, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(descFile, JSON.stringify(desc));
  return { data, desc: descFile };
}

function metrics(...names: string[]): MetricDefinition[] {
  return names.map((n) => {
    const m = BUILTIN_METRICS.get(n);
    if (m === undefined) throw new Error(`no metric ${n}`);
    return m;
  });
}

t.test('plan format: numbers and booleans are accepted as positional and named arguments', async (t) => {
  const plan = taskPlanSchema.parse({ task_nodes: [{ task: 'x', arguments: ['a.wav', 1.5, true, { name: 'n', value: 3 }] }] });
  t.same(namedArguments(plan.task_nodes[0]!), { arg0: 'a.wav', arg1: 1.5, arg2: true, n: 3 }, 'positional values keep their JSON type');
  t.notOk(taskPlanSchema.safeParse({ task_nodes: [{ task: 'x', arguments: [null] }] }).success, 'null is still not an argument');
  t.notOk(taskPlanSchema.safeParse({ task_nodes: [{ task: 'x', arguments: [[1, 2]] }] }).success, 'nor is a nested list');
});

t.test('TaskBench resource data with numeric positional arguments loads and scores', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-taskbench-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = dataset(dir, resourceLines, toolDesc);
  const loaded = loadDataset({ testUrl: files.data, toolDescUrl: files.desc });
  t.equal(loaded.format, 'taskbench');
  t.equal(loaded.linkMode, 'resource');
  t.equal(loaded.test.length, 1);
  const sample = loaded.test[0]!;
  t.same(sample.gold.task_nodes[1]!.arguments, ['<node-0>', 30, true]);

  const ctx = createMetricContext({ linkMode: loaded.linkMode, tools: loaded.tools, validate: () => [] });
  const record = (prediction: TaskPlan): EvalRecord => ({ sample, prediction, error: null, latencyMs: 1, tokens: null, planner: 'test' });
  const wanted = metrics('node_f1', 'edge_f1', 't_f1', 'v_f1', 'v_f1_exact');

  const same = await scoreRecords([record(sample.gold)], wanted, ctx);
  t.same(same.errors, {});
  t.same(same.values, { node_f1: 1, edge_f1: 1, t_f1: 1, v_f1: 1, v_f1_exact: 1 }, 'the gold plan scores 1 everywhere');

  // A different speed factor: 1 of 5 values differs. Items (resource mode, evaluate.py):
  // gold  Audio Speed Changer-audio-example.wav, -text-1.5, Audio Trimmer-audio-Audio Speed Changer, -text-30, -text-True
  // pred  … -text-2 instead of -text-1.5 → v: 4 of 5 match, P = R = 0.8.
  const slower = taskPlanSchema.parse({
    ...resourceLines[0],
    task_nodes: [{ task: 'Audio Speed Changer', arguments: ['example.wav', 2] }, resourceLines[0]!.task_nodes[1]],
  });
  const off = await scoreRecords([record(slower)], wanted, ctx);
  t.equal(off.values.node_f1, 1);
  t.equal(off.values.t_f1, 1, 'a number is a text-typed argument, as evaluate.py guesses it');
  t.ok(Math.abs((off.values.v_f1_exact ?? 0) - 0.8) < 1e-12, `v_f1_exact 0.8, got ${off.values.v_f1_exact}`);
  t.ok(Math.abs((off.values.v_f1 ?? 0) - 0.8) < 1e-12, `v_f1 0.8, got ${off.values.v_f1}`);
});

t.test('TaskBench dailylifeapis data with numeric and boolean named arguments loads and scores', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-taskbench-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = dataset(dir, [dailyLine], dailyDesc);
  const loaded = loadDataset({ testUrl: files.data, toolDescUrl: files.desc });
  t.equal(loaded.linkMode, 'temporal');
  const sample = loaded.test[0]!;
  const ctx = createMetricContext({ linkMode: loaded.linkMode, tools: loaded.tools, validate: () => [] });
  const record = (prediction: TaskPlan): EvalRecord => ({ sample, prediction, error: null, latencyMs: 1, tokens: null, planner: 'test' });
  t.same(
    ctx.items(record(sample.gold), 'gold').argValuesExact,
    ['set_alarm-hour-7', 'set_alarm-snoozes-3', 'set_alarm-vibrate-False'],
    "values as Python's str() prints them",
  );
  const wanted = metrics('t_f1', 'v_f1', 'v_f1_exact');
  const gold = await scoreRecords([record(sample.gold)], wanted, ctx);
  t.same(gold.values, { t_f1: 1, v_f1: 1, v_f1_exact: 1 });
  // Written as an object with string values: str(7) == '7' in evaluate.py, so only the changed snooze count differs.
  const strings = taskPlanSchema.parse({
    ...dailyLine,
    task_nodes: [{ task: 'set_alarm', arguments: { hour: '7', snoozes: '4', vibrate: false } }],
  });
  const s = await scoreRecords([record(strings)], wanted, ctx);
  t.equal(s.values.t_f1, 1);
  t.ok(Math.abs((s.values.v_f1_exact ?? 0) - 2 / 3) < 1e-12, `one of three values differs: v_f1_exact 2/3, got ${s.values.v_f1_exact}`);
});
