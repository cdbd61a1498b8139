/**
 * The lifelong experiment on a small generated Q2A household: the edge (retrieval planner) learns through the real
 * loop (mining → privacy filter → upload queue → cloud teacher HTTP API → pseudo-labels in long-term memory →
 * few-shots). The edge's F1 must improve over the rounds — measured against the same edge with the few-shots from
 * memory turned off (k = 0), which sees the same teacher traffic but cannot use it.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../../bench/datasets/index.js';
import { runBenchmarkJob } from '../../bench/harness/index.js';

const UPDATER = fileURLToPath(new URL('../../bench/jobs/lifelong/cloud-teacher-updater.ts', import.meta.url));

t.test('in-context learning from pseudo-labels improves the edge over the rounds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-lifelong-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'q2a');
  await buildDataset({ seed: 7, households: 1, perRound: 24, out: data, activityOut: null });
  const algo = (k: number): string => `algorithm:
  paradigm_type: lifelonglearning
  modules:
    - {type: planner, name: retrieval}
    - type: updater
      name: cloud_teacher
      url: ${UPDATER}
      hyperparameters: [{k: {values: [${k}]}}, {dataset: {values: [["${data}/train.jsonl"]]}}]
`;
  writeFileSync(join(dir, 'edge.yaml'), algo(5));
  writeFileSync(join(dir, 'edge-nomem.yaml'), algo(0));
  writeFileSync(
    join(dir, 'teacher.yaml'),
    `algorithm:
  paradigm_type: lifelonglearning
  modules:
    - {type: planner, name: replay, hyperparameters: [{file: {values: ["${data}/test.jsonl"]}}]}
`,
  );
  writeFileSync(
    join(dir, 'testenv.yaml'),
    `testenv:
  dataset: {format: q2a, train_url: ${data}/train.jsonl, test_url: ${data}/test.jsonl}
  metrics: [{name: node_f1}, {name: edge_f1}, {name: v_f1}, {name: BWT}, {name: FWT}, {name: MATRIX}, {name: samples_transfer_ratio}]
  model_eval: {model_metric: {name: node_f1}}
`,
  );
  writeFileSync(
    join(dir, 'job.yaml'),
    `benchmarkingjob:
  name: lifelong-small
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object:
    type: algorithms
    algorithms:
      - {name: edge, url: ./edge.yaml}
      - {name: edge-nomem, url: ./edge-nomem.yaml}
      - {name: teacher, url: ./teacher.yaml}
  rank:
    sort_by: [{node_f1: descend}]
`,
  );
  const r = await runBenchmarkJob(join(dir, 'job.yaml'));
  t.equal(r.failed, 0, 'every test case ran');
  const byName = new Map(r.cases.map((c) => [c.algorithm, c]));
  const edge = byName.get('edge')!.lifelong!;
  const nomem = byName.get('edge-nomem')!.lifelong!;
  const teacher = byName.get('teacher')!.lifelong!;
  const rows = edge.rowMetrics.map((m) => ({ node_f1: m.node_f1!, edge_f1: m.edge_f1!, v_f1: m.v_f1! }));
  t.comment(`edge rows (before, after r0..): ${JSON.stringify(rows.map((x) => [x.node_f1, x.edge_f1, x.v_f1].map((v) => v.toFixed(3))))}`);
  t.comment(`edge k=0 rows: ${JSON.stringify(nomem.rowMetrics.map((m) => m.node_f1!.toFixed(3)))}`);
  const stored = edge.updates.reduce((s, u) => s + Number((u as { pseudo_labels?: number }).pseudo_labels ?? 0), 0);
  t.ok(stored > 0, `pseudo-labels stored in the edge's long-term memory (${stored})`);
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  t.ok(last.node_f1 > first.node_f1 + 0.02, `node F1 improved: ${first.node_f1.toFixed(3)} → ${last.node_f1.toFixed(3)}`);
  t.ok(last.v_f1 > first.v_f1, `param F1 improved: ${first.v_f1.toFixed(3)} → ${last.v_f1.toFixed(3)}`);
  const nm = nomem.rowMetrics.map((m) => m.node_f1!);
  t.ok(last.node_f1 > nm[nm.length - 1]! + 0.02, 'better than the same edge without few-shots from memory (the gain is the pseudo-labels)');
  t.equal(teacher.rowMetrics[teacher.rowMetrics.length - 1]!.node_f1, 1, 'the oracle teacher is the upper bound');
  t.ok(last.node_f1 / 1 < 1, 'edge/teacher ratio below 1');
  t.type(byName.get('edge')!.metrics.BWT, 'number');
  t.type(byName.get('edge')!.metrics.FWT, 'number');
});
