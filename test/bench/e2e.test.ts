import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchConfigError, loadDataset, runBenchmarkJob, type CaseResult } from '../../bench/harness/index.js';

const repo = new URL('../../', import.meta.url).pathname;
const fixtures = join(repo, 'test/bench/fixtures');
const tinyJob = join(repo, 'bench/jobs/tiny/benchmarkingjob.yaml');

const near = (got: number | null | undefined, want: number, msg: string): [boolean, string] => [
  typeof got === 'number' && Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)),
  `${msg}: got ${got}, want ${want}`,
];

function byLabel(cases: CaseResult[], label: string): CaseResult {
  const c = cases.find((x) => x.label === label);
  if (c === undefined) throw new Error(`no case ${label}`);
  return c;
}

t.test('tiny job: gold replay scores perfectly, damaged replay scores the hand-computed values', async (t) => {
  const ws = t.testdir();
  const r = await runBenchmarkJob(tinyJob, { workspace: ws });
  t.equal(r.cases.length, 2);
  t.equal(r.failed, 0);
  t.equal(r.env.validator, 'catalog', 'Q2A plans are checked against the agent tool catalog');
  t.equal(r.env.dataset.test.length, 5, 'the val and train lines are not test samples');
  t.equal(r.env.dataset.train.length, 2);

  const gold = byLabel(r.cases, 'gold-replay');
  for (const m of ['rouge1', 'rouge2', 'rougeL', 'node_f1', 'edge_f1', 't_f1', 'v_f1', 'v_f1_exact', 'plan_validity'])
    t.equal(gold.metrics[m], 1, `gold ${m} = 1`);
  t.equal(gold.metrics.edit_distance, 0, 'gold edit distance = 0');
  t.equal(gold.metrics.failure_rate, 0);
  t.same(gold.supports, { samples: 5, failures: 0, invalid: 0 });

  // Hand computation (per sample: TP/FP/FN), see test/bench/fixtures/q2a/damaged.jsonl:
  //  t1: hallucinated find_person (outside the catalog, ignored by n-F1), "bob" vs "Bob"
  //  t2: compose_answer missing, a reversed link (cycle → invalid), room hall ≠ kitchen
  //  t3: duplicated resolve_time and link, query_events + evidence_clip missing, no steps
  //  t4: same instants written in UTC (v-F1 normalised matches, exact does not)
  //  t5: a recorded planner failure (empty plan, latency 60000 ms)
  const d = byLabel(r.cases, 'damaged-replay').metrics;
  t.ok(...near(d.node_f1, 12 / 16, 'n-F1 TP6 FP0 FN4'));
  t.ok(...near(d.edge_f1, 2 / 7, 'e-F1 TP1 FP1 FN4'));
  t.ok(...near(d.t_f1, 26 / 36, 't-F1 TP13 FP1 FN9'));
  t.ok(...near(d.v_f1, 24 / 36, 'v-F1 TP12 FP2 FN10'));
  t.ok(...near(d.v_f1_exact, 16 / 36, 'v-F1 exact TP8 FP6 FN14'));
  t.ok(...near(d.edit_distance, 1 - (2 / 3 + 4 / 5 + 4 / 7 + 1 + 0) / 5, 'ED = 1 − mean(2/3, 4/5, 4/7, 1, 0)'));
  t.ok(...near(d.rouge1, (1 + 24 / 31 + 0 + 1 + 0) / 5, 'ROUGE-1'));
  t.ok(...near(d.rouge2, (1 + 22 / 29 + 0 + 1 + 0) / 5, 'ROUGE-2'));
  t.ok(...near(d.rougeL, (1 + 24 / 31 + 0 + 1 + 0) / 5, 'ROUGE-L'));
  t.ok(...near(d.plan_validity, 2 / 5, 'valid: t3, t4'));
  t.ok(...near(d.failure_rate, 1 / 5, 'failure: t5'));
  t.equal(d.latency_p50_ms, 300);
  t.ok(...near(d.latency_p95_ms, 400 + 0.8 * (60000 - 400), 'p95 of 100, 200, 300, 400, 60000'));
  t.equal(d.tokens_mean, 25);
  t.same(byLabel(r.cases, 'damaged-replay').supports, { samples: 5, failures: 1, invalid: 3 });
  t.same(Object.keys(byLabel(r.cases, 'damaged-replay').groups), ['chain', 'dag', 'single']);

  // Story: ranked by node_f1, Ianvs columns, files written.
  t.same(
    r.story.rows.map((x) => x.algorithm),
    ['gold-replay', 'damaged-replay'],
  );
  const all = readFileSync(join(ws, 'tiny/rank/all_rank.csv'), 'utf8').split('\n');
  t.equal(
    all[0],
    'rank,algorithm,rouge1,rouge2,rougeL,node_f1,edge_f1,edit_distance,t_f1,v_f1,v_f1_exact,plan_validity,failure_rate,' +
      'latency_p50_ms,latency_p95_ms,tokens_mean,paradigm,planner,planner-file,time,url',
  );
  t.match(all[2], /^2,damaged-replay,0\.5548387096774194,/);
  const selected = readFileSync(join(ws, 'tiny/rank/selected_rank.csv'), 'utf8').split('\n');
  t.equal(
    selected[0],
    'rank,algorithm,node_f1,edge_f1,t_f1,v_f1,rougeL,edit_distance,plan_validity,latency_p95_ms,paradigm,planner,planner-file,time,url',
  );
  t.match(readFileSync(join(ws, 'tiny/rank/leaderboard.md'), 'utf8'), /\| 1 \| gold-replay \| 1 \| 1 \|/);
  const json = JSON.parse(readFileSync(join(ws, 'tiny/rank/leaderboard.json'), 'utf8')) as { leaderboard: Array<{ algorithm: string }> };
  t.equal(json.leaderboard[0]!.algorithm, 'gold-replay');
  t.match(readFileSync(join(r.cases[0]!.dir, 'case.log'), 'utf8'), /"msg":"test case finished"/, 'per-case log');

  // Second run: both cases come from the cache, same numbers; all_rank keeps one row per case.
  const again = await runBenchmarkJob(tinyJob, { workspace: ws });
  t.ok(again.cases.every((c) => c.cached));
  t.same(
    again.cases.map((c) => c.metrics),
    r.cases.map((c) => c.metrics),
  );
  t.equal(readFileSync(join(ws, 'tiny/rank/all_rank.csv'), 'utf8').trim().split('\n').length, 3);

  // parallel plan() calls give the same records and scores
  const par = await runBenchmarkJob(tinyJob, { workspace: ws, parallel: 4, force: true });
  t.ok(par.cases.every((c) => !c.cached));
  // (the gold replay's latencies are measured, so they differ between runs)
  const quality = (c: CaseResult): Record<string, number | null> =>
    Object.fromEntries(Object.entries(c.metrics).filter(([k]) => !k.startsWith('latency')));
  t.same(par.cases.map(quality), r.cases.map(quality));
  t.same(byLabel(par.cases, 'damaged-replay').metrics, byLabel(r.cases, 'damaged-replay').metrics, 'recorded latencies replay exactly');
});

function writeJob(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return join(dir, 'job.yaml');
}

t.test('lifelong: round matrix, Ianvs BWT/FWT and GEM variants match the hand computation', async (t) => {
  const dir = t.testdir();
  const job = writeJob(dir, {
    'job.yaml': `benchmarkingjob:
  name: ll
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object:
    type: algorithms
    algorithms:
      - {name: memory, url: ./memory.yaml}
      - {name: forgetful, url: ./forgetful.yaml}
  rank:
    sort_by: [{BWT: descend}]
`,
    'testenv.yaml': `testenv:
  dataset:
    train_url: ${fixtures}/q2a-lifelong/q2a.jsonl
    test_url: ${fixtures}/q2a-lifelong/q2a.jsonl
  metrics: [{name: node_f1}, {name: BWT}, {name: FWT}, {name: task_avg_acc}, {name: round_avg_acc}, {name: BWT_GEM}, {name: FWT_GEM},
    {name: ACC_GEM}, {name: MATRIX}, {name: samples_transfer_ratio}]
  model_eval:
    model_metric: {name: node_f1}
`,
    'memory.yaml': `algorithm:
  paradigm_type: lifelonglearning
  modules:
    - {type: planner, name: memory, url: ${fixtures}/memory-planner.ts}
    - type: updater
      name: fewshot_memory
      hyperparameters: [{k: {values: [1]}}, {same_household: {values: [false]}}]
`,
    'forgetful.yaml': `algorithm:
  paradigm_type: lifelonglearning
  modules:
    - {type: planner, name: memory, url: ${fixtures}/memory-planner.ts}
    - {type: updater, name: forgetful, url: ${fixtures}/forgetful-updater.ts}
`,
  });
  const r = await runBenchmarkJob(job);
  t.equal(r.failed, 0);
  // Before any update the planner has no examples (empty plans → 0). After round 0 it answers a0
  // perfectly and gives b0 the plan of a0: names {resolve_time, who_was_where, compose_answer} vs
  // {resolve_time, count_events} → TP1 FP2 FN1 → n-F1 2/5.
  const mem = byLabel(r.cases, 'memory');
  t.same(mem.lifelong!.matrix, [
    [0, 0],
    [1, 0.4],
    [1, 1],
  ]);
  t.ok(...near(mem.metrics.BWT, (1 + 0.4 + 0 + 0.6) / 4, 'Ianvs BWT'));
  t.ok(...near(mem.metrics.FWT, (0 + 0.4) / 2, 'Ianvs FWT'));
  t.ok(...near(mem.metrics.round_avg_acc, (1 + 0.4 + 1 + 1) / 4, 'round average'));
  t.equal(mem.metrics.task_avg_acc, 1);
  t.equal(mem.metrics.BWT_GEM, 0);
  t.ok(...near(mem.metrics.FWT_GEM, 0.4, 'GEM FWT'));
  t.equal(mem.metrics.node_f1, 1, 'the final model on every round');
  t.equal(mem.metrics.samples_transfer_ratio, 0, 'fewshot_memory sends nothing to a cloud');

  // The forgetful updater keeps only the last round: a0 falls back to b0's plan (n-F1 2/5).
  const fg = byLabel(r.cases, 'forgetful');
  t.same(fg.lifelong!.matrix, [
    [0, 0],
    [1, 0.4],
    [0.4, 1],
  ]);
  t.ok(...near(fg.metrics.BWT, (1 + 0.4 - 0.6 + 0.6) / 4, 'Ianvs BWT'));
  t.ok(...near(fg.metrics.BWT_GEM, 0.4 - 1, 'GEM BWT shows the forgetting'));
  t.ok(...near(fg.metrics.ACC_GEM, 0.7, 'GEM ACC'));
  t.equal(fg.metrics.samples_transfer_ratio, Math.round((2 / 9) * 10_000) / 10_000, '2 transferred / (8 inferred + 1)');
  t.same(
    r.story.rows.map((x) => x.algorithm),
    ['memory', 'forgetful'],
    'ranked by BWT',
  );
  t.equal(
    r.story.rows[0]!.MATRIX,
    JSON.stringify([
      [1, 0.4],
      [1, 1],
    ]),
    'MATRIX column holds rows 1..R',
  );
  t.equal(fg.lifelong!.updates.length, 2);
});

t.test('TaskBench data (resource mode): replayed predictions score as evaluate.py would', async (t) => {
  const dir = t.testdir();
  const job = writeJob(dir, {
    'job.yaml': `benchmarkingjob:
  name: tb
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object: {type: algorithms, algorithms: [{name: pred, url: ./pred.yaml}]}
  rank: {sort_by: [{node_f1: descend}]}
`,
    'testenv.yaml': `testenv:
  dataset:
    test_url: ${fixtures}/taskbench/data.json
    tool_desc_url: ${fixtures}/taskbench/tool_desc.json
  metrics: [{name: node_f1}, {name: edge_f1}, {name: t_f1}, {name: v_f1}, {name: v_f1_exact}, {name: edit_distance}, {name: plan_validity}]
`,
    'pred.yaml': `algorithm:
  paradigm_type: singletasklearning
  modules:
    - type: planner
      name: replay
      hyperparameters: [{file: {values: [${fixtures}/taskbench/predictions.jsonl]}}]
`,
  });
  const r = await runBenchmarkJob(job);
  t.equal(r.env.dataset.format, 'taskbench');
  t.equal(r.env.dataset.linkMode, 'resource', 'tool_desc with input/output types → resource mode');
  t.equal(r.env.validator, 'structural');
  const m = r.cases[0]!.metrics;
  // sample 1: nodes TP3; links (from <node-j>) TP0 FP2 FN2; t TP3; v TP1 FP3 FN3; ED ratio 2/3
  // sample 2: "Object Detector" is not in tool_desc (ignored), Text Summarizer FP; link FP1; t TP1 FP2; v TP1 FP2; ED ratio 1/2
  t.ok(...near(m.node_f1, 8 / 9, 'n-F1 TP4 FP1 FN0'));
  t.equal(m.edge_f1, 0, 'e-F1 TP0 FP3 FN2');
  t.ok(...near(m.t_f1, 8 / 10, 't-F1 TP4 FP2 FN0'));
  t.ok(...near(m.v_f1_exact, 4 / 12, 'v-F1 TP2 FP5 FN3'));
  t.ok(...near(m.v_f1, 4 / 12, 'normalised values change nothing here'));
  t.ok(...near(m.edit_distance, 1 - (2 / 3 + 1 / 2) / 2, 'ED'));
  t.equal(m.plan_validity, 0, 'Image_Colorizer and Object Detector are not tools of tool_desc');
});

t.test('hyperparameter grid, custom metric module and a module planner', async (t) => {
  const dir = t.testdir();
  const job = writeJob(dir, {
    'job.yaml': `benchmarkingjob:
  name: grid
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object: {type: algorithms, algorithms: [{name: mem, url: ./mem.yaml}, {name: damaged, url: ./damaged.yaml}]}
  rank:
    sort_by: [{exact_match: descend}]
    selected_dataitem: {paradigms: [all], modules: [all], hyperparameters: [examples], metrics: [exact_match, node_f1]}
`,
    'testenv.yaml': `testenv:
  dataset:
    train_url: ${fixtures}/q2a/q2a.jsonl
    test_url: ${fixtures}/q2a/q2a.jsonl
  metrics: [{name: exact_match, url: ${fixtures}/accuracy-metric.ts}, {name: node_f1}]
`,
    'mem.yaml': `algorithm:
  paradigm_type: singletasklearning
  modules:
    - type: planner
      name: memory
      url: ${fixtures}/memory-planner.ts
      hyperparameters: [{examples: {values: [0, 1]}}]
`,
    'damaged.yaml': `algorithm:
  paradigm_type: singletasklearning
  modules: [{type: planner, name: replay, hyperparameters: [{file: {values: [${fixtures}/q2a/damaged.jsonl]}}]}]
`,
  });
  const r = await runBenchmarkJob(job);
  t.same(r.cases.map((c) => c.label).sort(), ['damaged', 'mem[examples=0]', 'mem[examples=1]']);
  t.equal(new Set(r.cases.map((c) => c.id)).size, 3, 'distinct case ids');
  // exact sequence match: only t4 of the damaged plans has the gold tool sequence
  t.equal(byLabel(r.cases, 'damaged').metrics.exact_match, 1 / 5);
  // without examples the memory planner answers empty plans; with one example (same household's
  // past plan: last_seen for h1 and h2) it gets t1's sequence right, nothing else
  t.equal(byLabel(r.cases, 'mem[examples=0]').metrics.exact_match, 0);
  t.equal(byLabel(r.cases, 'mem[examples=1]').metrics.exact_match, 1 / 5);
  const csv = readFileSync(join(dir, 'ws/grid/rank/selected_rank.csv'), 'utf8').split('\n');
  t.equal(csv[0], 'rank,algorithm,exact_match,node_f1,paradigm,planner,planner-examples,time,url');
});

t.test('a missing Q2A dataset fails with a message to run the dataset build', async (t) => {
  const dir = t.testdir();
  const job = writeJob(dir, {
    'job.yaml': `benchmarkingjob:
  name: missing
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object: {type: algorithms, algorithms: [{name: a, url: ./a.yaml}]}
  rank: {sort_by: [{node_f1: descend}]}
`,
    'testenv.yaml': `testenv:
  dataset: {format: q2a, test_url: ./var/datasets/q2a/test.jsonl}
  metrics: [{name: node_f1}]
`,
    'a.yaml': `algorithm:
  paradigm_type: singletasklearning
  modules: [{type: planner, name: retrieval}]
`,
  });
  const err = await runBenchmarkJob(job).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof BenchConfigError);
  t.match((err as BenchConfigError).problems, [
    { line: 2, path: 'testenv.dataset.test_url', message: /dataset file not found: .*test\.jsonl/, hint: /homesight dataset build/ },
  ]);
  // The loader itself says the same when used directly.
  t.throws(() => loadDataset({ format: 'q2a', testUrl: join(dir, 'nope.jsonl') }), {
    code: 'E_BENCH_DATASET',
    message: /Q2A dataset not found/,
    hint: /homesight dataset build/,
  });
});
