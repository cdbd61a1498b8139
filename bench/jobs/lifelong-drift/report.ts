/**
 * The lifelong drift job's results per round and household (issue #19's benchmark), from the job's workspace:
 * `npx tsx bench/jobs/lifelong-drift/report.ts [--workspace bench/workspace/lifelong-drift] [--out bench/results/lifelong-drift]`.
 *
 * Reads each test case's recorded plans (records.jsonl: every evaluation row over every round's test set) and round
 * updates (updates.jsonl), also of a case still running (its finished rows and rounds), and writes
 *   <out>.json  per case: per round the edge's node/edge/value F1 on that round's questions with what it had learnt
 *               before it (the matrix diagonal), per household too; the final row; BWT/FWT; per round and household the
 *               learning records (labels, pseudo-label precision, adapter decision, training and evaluation seconds,
 *               adapter bytes); edge/teacher ratios from the same run
 *   <out>.md    the tables
 *   <out>-<metric>.svg  a plot per metric per round (vega-lite, rendered offline as the harness's report does)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TopLevelSpec } from 'vega-lite';
import {
  coercePlan,
  lifelongScores,
  loadBenchmarkJob,
  loadTestEnvironment,
  renderSvg,
  scoreRecords,
  type BenchSample,
  type EvalRecord,
} from '../../harness/index.js';
import type { HouseholdRound } from '../lifelong/adapter-updater.js';

const METRICS = ['node_f1', 'edge_f1', 'v_f1'] as const;
type Metric = (typeof METRICS)[number];
type Scores = Record<Metric, number | null>;

interface CaseReport {
  case: string;
  /** Per evaluation row (0 = before any round): F1 on the test questions that use an unconfigured drift word. */
  drift_words: Array<Scores & { row: number; n: number }>;
  rows_done: number;
  rounds_done: number;
  /** round → scores on that round's test questions, from the row before learning from it (round 0: nothing learnt). */
  next_round: Array<Scores & { round: number; by_household: Record<string, Scores> }>;
  final: (Scores & { row: number }) | null;
  BWT: number | null;
  FWT: number | null;
  updates: Array<{
    round: number;
    ms: number;
    adopted?: number;
    rejected?: number;
    rolled_back?: number;
    pseudo_label_precision?: number | null;
    households?: HouseholdRound[];
  }>;
}

const { values } = parseArgs({
  options: {
    job: { type: 'string', default: 'bench/jobs/lifelong-drift.yaml' },
    workspace: { type: 'string', default: 'bench/workspace/lifelong-drift' },
    out: { type: 'string', default: 'bench/results/lifelong-drift' },
    /** What the run was measured under (load average, what is missing), written under the title. */
    note: { type: 'string' },
    natural: { type: 'string', default: 'bench/results/lifelong-drift-natural.json' },
  },
});

const job = loadBenchmarkJob(values.job);
const env = await loadTestEnvironment(job.testenv);
const samples = new Map<string, BenchSample>(env.dataset.test.map((s) => [s.id, s]));
const metricDefs = env.metrics.filter((m) => (METRICS as readonly string[]).includes(m.name));
const rounds = Math.max(...env.dataset.test.map((s) => s.round ?? 0)) + 1;
const households = [...new Set(env.dataset.test.map((s) => s.household ?? 'default'))].sort();

// The words only an adapter can learn: nicknames and new room words (not in the device context; see data.ts).
const driftFile = join(dirname(env.dataset.files[0] ?? ''), 'drift.json');
const driftWords = existsSync(driftFile)
  ? (
      JSON.parse(readFileSync(driftFile, 'utf8')) as { events: Array<{ household: string; round: number; kind: string; what: string }> }
    ).events
      .filter((e) => e.kind === 'nickname' || e.kind === 'room_word')
      .map((e) => ({ household: e.household, round: e.round, word: /"([^"]+)"/.exec(e.what)?.[1]?.toLowerCase() ?? '' }))
      .filter((w) => w.word !== '')
  : [];
const usesDriftWord = (s: BenchSample): boolean =>
  driftWords.some((w) => w.household === s.household && (s.round ?? 0) >= w.round && s.instruction.toLowerCase().includes(w.word));

async function score(records: readonly EvalRecord[]): Promise<Scores> {
  const v = (await scoreRecords(records, metricDefs, env.context)).values;
  return { node_f1: v.node_f1 ?? null, edge_f1: v.edge_f1 ?? null, v_f1: v.v_f1 ?? null };
}

function readLines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as unknown];
      } catch {
        return []; // a line cut short by a kill
      }
    });
}

async function caseReport(name: string, dir: string): Promise<CaseReport> {
  const rows = new Map<number, Map<string, EvalRecord>>();
  for (const raw of readLines(join(dir, 'records.jsonl'))) {
    const l = raw as {
      row: number;
      id: string;
      plan: unknown;
      error: string | null;
      latency_ms: number;
      planner: string;
      confidence: number | null;
    };
    const sample = samples.get(l.id);
    if (sample === undefined) continue;
    const c = l.error === null ? coercePlan(l.plan) : null;
    const rec: EvalRecord = {
      sample,
      prediction: c !== null && 'plan' in c ? c.plan : null,
      error: l.error ?? (c !== null && 'error' in c ? c.error : null),
      latencyMs: l.latency_ms,
      tokens: null,
      planner: l.planner,
      confidence: l.confidence,
    };
    if (!rows.has(l.row)) rows.set(l.row, new Map());
    rows.get(l.row)!.set(l.id, rec);
  }
  // complete rows only (every test sample planned)
  const complete = [...rows.entries()].filter(([, m]) => m.size === samples.size).sort(([a], [b]) => a - b);
  const byRow = new Map(complete.map(([r, m]) => [r, [...m.values()]]));
  const next: CaseReport['next_round'] = [];
  for (let round = 0; round < rounds; round++) {
    const row = byRow.get(round);
    if (row === undefined) break;
    const inRound = row.filter((r) => r.sample.round === round);
    const by: Record<string, Scores> = {};
    for (const h of households) by[h] = await score(inRound.filter((r) => (r.sample.household ?? 'default') === h));
    next.push({ round, ...(await score(inRound)), by_household: by });
  }
  const matrix: Array<Array<number | null>> = [];
  for (const [r] of complete) {
    const row = byRow.get(r)!;
    const cells: Array<number | null> = [];
    for (let j = 0; j < rounds; j++) cells.push((await score(row.filter((r) => r.sample.round === j))).node_f1);
    matrix.push(cells);
  }
  const driftRows: CaseReport['drift_words'] = [];
  for (const [r] of complete) {
    const recs = byRow.get(r)!.filter((x) => usesDriftWord(x.sample));
    driftRows.push({ row: r, n: recs.length, ...(await score(recs)) });
  }
  const ll = matrix.length === rounds + 1 ? lifelongScores(matrix) : null;
  const last = complete.at(-1);
  const updates = readLines(join(dir, 'updates.jsonl')) as CaseReport['updates'];
  return {
    case: name,
    rows_done: complete.length,
    rounds_done: updates.length,
    drift_words: driftRows,
    next_round: next,
    final: last === undefined ? null : { row: last[0], ...(await score([...last[1].values()])) },
    BWT: ll?.BWT ?? null,
    FWT: ll?.FWT ?? null,
    updates,
  };
}

/** The most recently started case of an algorithm with recorded plans (a changed updater or setting is a new case id). */
function latestCase(base: string): string | null {
  const started = (id: string): string =>
    (JSON.parse(readFileSync(join(base, id, 'case.json'), 'utf8')) as { started_at?: string }).started_at ?? '';
  const ids = readdirSync(base).filter((id) => existsSync(join(base, id, 'records.jsonl')) && existsSync(join(base, id, 'case.json')));
  const id = ids.sort((a, b) => started(a).localeCompare(started(b))).at(-1);
  return id === undefined ? null : join(base, id);
}

const cases: CaseReport[] = [];
for (const alg of job.algorithms) {
  const base = join(values.workspace, alg.name);
  if (!existsSync(base)) continue;
  const latest = latestCase(base);
  if (latest !== null) cases.push(await caseReport(alg.name, latest));
}

const f = (x: number | null | undefined, d = 3): string => (x === null || x === undefined ? '–' : x.toFixed(d));
// every teacher-alone row (the teacher at different training lengths): each case's final row against each
const teachers = cases.filter((c) => c.case.startsWith('teacher'));
const ratioTo = (c: CaseReport, t: CaseReport, m: Metric): number | null => {
  const a = c.final?.[m];
  const b = t.final?.[m];
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
};
const out = {
  job: values.job,
  dataset: env.dataset.fingerprint,
  households,
  rounds,
  written: new Date().toISOString(),
  cases: cases.map((c) => ({
    ...c,
    vs_teachers: Object.fromEntries(teachers.map((t) => [t.case, Object.fromEntries(METRICS.map((m) => [m, ratioTo(c, t, m)]))])),
  })),
};
writeFileSync(`${values.out}.json`, JSON.stringify(out, null, 2) + '\n');

const md: string[] = [
  '# Lifelong drift: the shipped planner model learning each household (issue #19)',
  '',
  `Job \`${values.job}\` on var/datasets/lifelong-drift (${households.length} households × ${rounds} rounds, dataset ` +
    `fingerprint \`${env.dataset.fingerprint.slice(0, 16)}\`). Written ${out.written} by \`npx tsx bench/jobs/lifelong-drift/report.ts\`.`,
  '',
  ...(values.note === undefined ? [] : [values.note, '']),
  "## Per round: F1 on that round's questions with what was learnt before it",
  '',
  '| case | round | node F1 | edge F1 | value F1 |',
  '|---|---|---|---|---|',
];
for (const c of cases)
  for (const r of c.next_round) md.push(`| ${c.case} | ${r.round} | ${f(r.node_f1)} | ${f(r.edge_f1)} | ${f(r.v_f1)} |`);
md.push('', "## Final row (all rounds' questions after the last finished round) and lifelong scores", '');
const bare = cases.find((c) => c.case === 'edge-base');
const vsBare = (c: CaseReport, m: Metric): number | null => (bare === undefined ? null : ratioTo(c, bare, m));
md.push(
  '| case | rounds done | node F1 | edge F1 | value F1 | BWT | FWT | node / value F1 × edge-base | ' +
    teachers.map((t) => `node / value F1 × ${t.case}`).join(' | ') +
    ' |',
);
md.push(`|---|---|---|---|---|---|---|---|${teachers.map(() => '---|').join('')}`);
for (const c of cases)
  md.push(
    `| ${c.case} | ${c.rounds_done} | ${f(c.final?.node_f1)} | ${f(c.final?.edge_f1)} | ${f(c.final?.v_f1)} | ` +
      `${f(c.BWT)} | ${f(c.FWT)} | ${f(vsBare(c, 'node_f1'))} / ${f(vsBare(c, 'v_f1'))} | ` +
      teachers.map((t) => `${f(ratioTo(c, t, 'node_f1'))} / ${f(ratioTo(c, t, 'v_f1'))}`).join(' | ') +
      ' |',
  );
if (existsSync(values.natural)) {
  const nat = JSON.parse(readFileSync(values.natural, 'utf8')) as {
    natural_set_sha256: string;
    rows: Array<{ row: string; node_f1: number | null; edge_f1: number | null; v_f1: number | null }>;
  };
  md.push('', `## Natural set with the final adapters (no forgetting; measure only)`, '');
  md.push(`Natural set sha256 \`${nat.natural_set_sha256}\`; each final adopted adapter applied to every natural question.`, '');
  md.push('| row | node F1 | edge F1 | value F1 |', '|---|---|---|---|');
  for (const r of nat.rows) md.push(`| ${r.row} | ${f(r.node_f1)} | ${f(r.edge_f1)} | ${f(r.v_f1)} |`);
}
const decided = (h: HouseholdRound): string =>
  h.decision === null
    ? h.eval_problem === undefined
      ? '–'
      : 'undecided'
    : `${h.decision.kind}${h.decision.code === null ? '' : ` (${h.decision.code})`}`;
md.push('', '## Questions with a word only an adapter can learn (a new nickname or room word, not in the device context)', '');
md.push('| case | after round | questions | node F1 | edge F1 | value F1 |', '|---|---|---|---|---|---|');
for (const c of cases)
  for (const d of c.drift_words)
    md.push(`| ${c.case} | ${d.row === 0 ? 'none' : d.row - 1} | ${d.n} | ${f(d.node_f1)} | ${f(d.edge_f1)} | ${f(d.v_f1)} |`);
md.push('', '## The learning loop per case (all rounds and households)', '');
md.push(
  '| case | hard / asked | owner corrections | teacher labels (gold) | label precision | adopted / rejected / undecided / rolled back | ' +
    'train s mean / max | device eval s mean / max | adapter bytes max |',
);
md.push('|---|---|---|---|---|---|---|---|---|');
for (const c of cases) {
  const hs = c.updates.flatMap((u) => u.households ?? []);
  if (hs.length === 0) continue;
  const sum = (g: (h: HouseholdRound) => number): number => hs.reduce((a, h) => a + g(h), 0);
  const stats = (xs: number[]): string =>
    xs.length === 0 ? '–' : `${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)} / ${Math.max(...xs).toFixed(1)}`;
  const labels = sum((h) => h.labels);
  const count = (k: string): number => hs.filter((h) => h.decision?.kind === k).length;
  md.push(
    `| ${c.case} | ${sum((h) => h.hard)} / ${sum((h) => h.questions)} | ${sum((h) => h.owner_corrections ?? 0)} | ` +
      `${labels} (${sum((h) => h.labels_correct)}) | ` +
      `${labels === 0 ? '–' : (sum((h) => h.labels_correct) / labels).toFixed(2)} | ` +
      `${count('adopt')} / ${count('reject')} / ${hs.filter((h) => h.eval_problem !== undefined).length} / ` +
      `${hs.filter((h) => h.rolled_back).length} | ${stats(hs.flatMap((h) => (h.adapter === null ? [] : [h.adapter.train_s])))} | ` +
      `${stats(hs.flatMap((h) => (h.decision === null ? [] : [h.decision.eval_s])))} | ` +
      `${Math.max(0, ...hs.map((h) => h.adapter?.bytes ?? 0)).toLocaleString('en')} |`,
  );
}
md.push('', '## Per round and household: the learning loop', '');
md.push(
  'Gate: the held-out gain (on pseudo-labels) and the regression change (Δ, score = mean of node and value F1) against',
  'the current adapter; the regression set as owner labels + anchors (the device\'s own confident plans), or "pseudo"',
  'when it had to be filled with pseudo-labels (a run before the anchored gate records nothing here).',
  '',
);
md.push(
  '| case | round | household | hard / asked | labels | label precision | adapter | decision | held-out Δ | ' +
    'regression Δ (set) | train s | device eval s | adapter bytes |',
);
md.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const gateSet = (h: HouseholdRound): string =>
  h.eval_sets === undefined || h.eval_sets === null
    ? ''
    : h.eval_sets.teacher_independent
      ? ` (${h.eval_sets.regression_owner} owner + ${h.eval_sets.regression_anchors} anchors)`
      : ` (pseudo ${h.eval_sets.regression})`;
for (const c of cases)
  for (const u of c.updates)
    for (const h of u.households ?? [])
      md.push(
        `| ${c.case} | ${u.round} | ${h.household} | ${h.hard}/${h.questions} | ${h.labels} | ${f(h.pseudo_label_precision, 2)} | ` +
          `${h.adapter?.id ?? h.train_problem ?? '–'} | ${decided(h)} | ` +
          `${f(h.decision?.heldout_delta ?? null, 3)} | ${f(h.decision?.regression_delta ?? null, 3)}${gateSet(h)} | ` +
          `${h.adapter?.train_s ?? '–'} | ${h.decision?.eval_s ?? '–'} | ${h.adapter?.bytes ?? '–'} |`,
      );
md.push('', 'Per household F1 per round: the json (`next_round[].by_household`).', '');
const stem = values.out.split('/').pop()!;
for (const m of METRICS) md.push(`![${m} per round](${stem}-${m}.svg)`, '');
writeFileSync(`${values.out}.md`, md.join('\n'));

for (const m of METRICS) {
  const points = cases.flatMap((c) =>
    c.next_round.filter((r) => r[m] !== null).map((r) => ({ case: c.case, round: r.round, value: r[m]! })),
  );
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${m} on each round's questions (learnt from the rounds before it)`,
    width: 420,
    height: 240,
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'round', type: 'ordinal', title: 'round' },
      y: { field: 'value', type: 'quantitative', title: m, scale: { domain: [0, 1] } },
      color: { field: 'case', type: 'nominal', title: 'row' },
    },
  } as TopLevelSpec;
  writeFileSync(`${values.out}-${m}.svg`, await renderSvg(spec));
}
process.stderr.write(`wrote ${values.out}.{json,md} and ${METRICS.length} plots (${cases.length} cases)\n`);
