/**
 * The lifelong drift job in small (2 unseen households × 2 rounds, a few LoRA steps): per round and household the whole
 * loop runs — the shipped planner model plans the question stream, hard examples go through the privacy filter to the
 * cloud teacher app, the oracle teacher labels them, a LoRA adapter is trained on the shipped model (train_lora.py),
 * signed, and the device lifecycle adopts or rejects it; the household's planner follows its adapter store.
 * The simulated owner corrects up to 2 wrong answers a round (feedback with the gold plan).
 * Asserts the per-round records and that decisions were made — not how good they are (a few steps teach little).
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBenchmarkJob } from '../../bench/harness/index.js';
import { buildDriftDataset, DEFAULT_DRIFT } from '../../bench/jobs/lifelong-drift/data.js';
import type { HouseholdRound } from '../../bench/jobs/lifelong/adapter-updater.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const UPDATER = here('../../bench/jobs/lifelong/adapter-updater.ts');
const PLANNER = here('../../bench/jobs/lifelong/household-planner.ts');
const MODEL = here('../../models/planner/homesight-planner-2m-q8_0.gguf');
const CORPUS = here('../../var/datasets/planner-corpus/households.json');

t.test('the drift set: unseen households, something new every round', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-drift-data-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await buildDriftDataset({ ...DEFAULT_DRIFT, households: 6, rounds: 5, perRound: 6, corpusHouseholds: null, out: dir });
  for (const h of ['drift0', 'drift5'])
    for (let round = 1; round < 5; round++)
      t.ok(
        r.events.some((e) => e.household === h && e.round === round && e.kind !== 'phrasing'),
        `${h} round ${round} brings something new`,
      );
  const kinds = new Set(r.events.map((e) => e.kind));
  t.same([...kinds].sort(), ['nickname', 'person', 'phrasing', 'room', 'room_word', 'routine'], 'every kind of drift occurs');
  const hh = JSON.parse(readFileSync(join(dir, 'households.json'), 'utf8')) as {
    households: Array<{ id: string; per_round: Array<{ planner_context: { people: Array<{ aliases: string[] }> } }> }>;
  };
  const nick = /"([^"]+)"/.exec(r.events.find((e) => e.kind === 'nickname')!.what)![1]!;
  t.notOk(
    hh.households.some((h) => h.per_round.some((pr) => pr.planner_context.people.some((p) => p.aliases.includes(nick)))),
    "a drift nickname is not in any round's device context (config lag)",
  );
  t.match(readFileSync(join(dir, 'DATASHEET.md'), 'utf8'), /what is new/);
  const again = join(dir, 'again');
  await buildDriftDataset({ ...DEFAULT_DRIFT, households: 6, rounds: 5, perRound: 6, corpusHouseholds: null, out: again });
  t.equal(readFileSync(join(again, 'q2a.jsonl'), 'utf8'), readFileSync(join(dir, 'q2a.jsonl'), 'utf8'), 'deterministic per seed');
  if (existsSync(CORPUS)) {
    const names = new Set<string>();
    const doc = JSON.parse(readFileSync(CORPUS, 'utf8')) as { households: Array<{ household: { people: Array<{ name: string }> } }> };
    for (const h of doc.households) for (const p of h.household.people) for (const w of p.name.split(/\s+/)) names.add(w.toLowerCase());
    const withCheck = join(dir, 'checked');
    await buildDriftDataset({ ...DEFAULT_DRIFT, households: 6, rounds: 5, perRound: 6, corpusHouseholds: CORPUS, out: withCheck });
    const people = (
      JSON.parse(readFileSync(join(withCheck, 'households.json'), 'utf8')) as { households: Array<{ people: Array<{ name: string }> }> }
    ).households.flatMap((h) => h.people.map((p) => p.name));
    t.same(
      people.filter((n) => names.has(n.split(/\s+/)[0]!.toLowerCase())),
      [],
      'no given name of the planner corpus',
    );
  }
});

t.test('2 households × 2 rounds: adapters trained, signed, decided on the device, per-round records', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-drift-job-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  await buildDriftDataset({ ...DEFAULT_DRIFT, households: 2, rounds: 2, perRound: 16, corpusHouseholds: null, out: data });
  const planner = `    - type: planner
      name: local
      url: ${PLANNER}
      hyperparameters:
        - model: {values: ["${MODEL}"]}
        - threads: {values: [1]}
        - context_size: {values: [1024]}
        - gpu_layers: {values: [0]}
`;
  writeFileSync(
    join(dir, 'edge.yaml'),
    `algorithm:
  paradigm_type: lifelonglearning
  modules:
${planner}    - type: updater
      name: cloud_adapters
      url: ${UPDATER}
      hyperparameters:
        - teacher: {values: [oracle]}
        - dataset: {values: [["${data}/train.jsonl", "${data}/test.jsonl"]]}
        - base_model: {values: ["${MODEL}"]}
        - steps: {values: [8]}
        - min_logprob: {values: [0]}
        - eval_max: {values: [6]}
        - owner_corrections: {values: [2]}
`,
  );
  writeFileSync(
    join(dir, 'testenv.yaml'),
    `testenv:
  dataset: {format: q2a, train_url: ${data}/train.jsonl, test_url: ${data}/test.jsonl}
  metrics: [{name: node_f1}, {name: v_f1}, {name: BWT}, {name: FWT}, {name: MATRIX}]
  model_eval: {model_metric: {name: node_f1}}
`,
  );
  writeFileSync(
    join(dir, 'job.yaml'),
    `benchmarkingjob:
  name: drift-small
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object:
    type: algorithms
    algorithms:
      - {name: edge-adapters-oracle, url: ./edge.yaml}
  rank:
    sort_by: [{node_f1: descend}]
`,
  );
  const r = await runBenchmarkJob(join(dir, 'job.yaml'));
  t.equal(r.failed, 0, 'the test case ran');
  const c = r.cases[0]!;
  t.equal(c.lifelong!.rowMetrics.length, 3, 'before round 0, after round 0, after round 1');
  t.equal(c.lifelong!.updates.length, 2, 'one update record per round');
  for (const [round, u] of c.lifelong!.updates.entries()) {
    const hs = (u as { households?: HouseholdRound[] }).households ?? [];
    t.same(
      hs.map((h) => h.household),
      ['drift0', 'drift1'],
      `round ${round}: a record per household`,
    );
    for (const h of hs) {
      t.comment(`r${round} ${h.household}: ${JSON.stringify({ ...h, decision: h.decision?.kind, reason: h.decision?.reason })}`);
      t.ok(h.questions > 0, `${h.household} r${round}: planned its questions`);
      t.ok(h.labels > 0, `${h.household} r${round}: the teacher labelled its hard examples`);
      // the oracle replays by question text: a follow-up asked the same way in two conversations may get the other's plan
      t.ok((h.pseudo_label_precision ?? 0) >= 0.5, `${h.household} r${round}: oracle labels are mostly the gold plans`);
      t.ok(h.adapter !== null && h.adapter.bytes > 0, `${h.household} r${round}: an adapter was trained and published`);
      t.ok(h.decision !== null && ['adopt', 'reject'].includes(h.decision.kind), `${h.household} r${round}: the device decided on it`);
      t.ok(h.eval_sets !== null && h.eval_sets.regression >= 2, `${h.household} r${round}: what it was judged on is recorded`);
      // the simulated owner corrects what the edge got wrong (at most 2 a round): owner labels the gate must not lose
      t.ok(h.owner_corrections >= 1 && h.owner_corrections <= 2, `${h.household} r${round}: the owner corrected 1–2 wrong answers`);
      t.ok((h.eval_sets?.regression_owner ?? 0) >= 1, `${h.household} r${round}: the corrections are in the regression set`);
    }
  }
  t.type(c.metrics.BWT, 'number');
  t.type(c.metrics.FWT, 'number');
});
