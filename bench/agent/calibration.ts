/**
 * Calibration of the planners' confidence (issue #17 item 8, issue #18 Build item 6): plan accuracy per
 * confidence bin for the retrieval planner (ln of its nearest example's shape similarity) and the shipped
 * planner model (ln of its least tool-choice margin), from the records of one `homesight bench
 * bench/jobs/planner.yaml` run (the natural set), and the cloud-gate threshold that curve gives.
 *
 *   node --import tsx bench/agent/calibration.ts [--data natural|dev|disjoint] [--workspace DIR] [--out bench/results]
 *   node --import tsx bench/agent/calibration.ts --case bench/workspace/planner/planner-model/<case> [--data …]
 *
 * --data disjoint reads a `bench/jobs/planner-disjoint.yaml` run against its gold (the disjoint sample) and
 * writes planner-calibration-disjoint.{json,svg}; --data dev a `bench/jobs/planner-dev.yaml` run (the dev set:
 * the default `agent.cloud.min_confidence` comes from its curve, so the natural set's stays a measurement);
 * --case prints one case's table and writes nothing.
 * Bins hold equal numbers of plans (the confidences bunch up near 0). Accuracy is the mean node F1 of the
 * plan against the gold plan (tools, as a multiset) and the share of exact plans. The threshold rule: the
 * cloud planner is asked for every plan under the lowest bin edge above which every bin's mean node F1 is at
 * least GATE_NODE_F1; a planner none of whose bins reaches it gets 0 (every plan is asked about).
 * Measuring only: nothing is tuned on the set; the curve is reported with the set's sha256.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TopLevelSpec } from 'vega-lite';
import type { TaskPlan } from '../../daemon/agent/index.js';
import { type EvalRecord, renderSvg } from '../harness/index.js';
import { exactMatch } from '../jobs/planner/metrics.js';

/** Mean node F1 a confidence bin must reach for its plans to skip the cloud planner. */
export const GATE_NODE_F1 = 0.8;
const BINS = 6;
const SHIPPED_MODEL = 'homesight-planner-2m-q8_0.gguf';

/** The test sets a planner job runs on: its gold questions and the job's default workspace. */
const DATA_SETS = {
  natural: { questions: 'bench/data/natural/questions.jsonl', workspace: 'bench/workspace/planner', results: 'planner-calibration' },
  dev: {
    questions: 'bench/data/natural-dev/questions.jsonl',
    workspace: 'bench/workspace/planner-dev',
    results: 'planner-calibration-dev',
  },
  disjoint: {
    questions: 'var/datasets/planner-corpus-v12/disjoint-strict-q2a/questions.jsonl',
    workspace: 'bench/workspace/planner-disjoint',
    results: 'planner-calibration-disjoint',
  },
} as const;

interface Line {
  id: string;
  plan: TaskPlan | null;
  confidence: number | null;
}
interface GoldLine {
  id: string;
  task_steps: string[];
  task_nodes: TaskPlan['task_nodes'];
  task_links: TaskPlan['task_links'];
}
export interface Bin {
  lo: number;
  hi: number;
  plans: number;
  meanConfidence: number;
  nodeF1: number;
  exact: number;
}
export interface PlannerCalibration {
  planner: string;
  case: string;
  plans: number;
  withoutConfidence: number;
  bins: Bin[];
  threshold: number;
  /** Share of the plans with a confidence that the threshold sends to the cloud planner. */
  sentToCloud: number;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** F1 of the predicted tools against the gold tools, as multisets. */
export function nodeF1(pred: TaskPlan | null, gold: TaskPlan): number {
  const p = (pred?.task_nodes ?? []).map((n) => n.task);
  const left = gold.task_nodes.map((n) => n.task);
  const total = p.length + left.length;
  let hit = 0;
  for (const t of p) {
    const i = left.indexOf(t);
    if (i >= 0) {
      hit++;
      left.splice(i, 1);
    }
  }
  return total === 0 ? 1 : (2 * hit) / total;
}

/** Equal-count bins over the plans with a confidence, lowest first, and the threshold they give. */
export function calibrate(
  scored: ReadonlyArray<{ confidence: number; nodeF1: number; exact: boolean }>,
  bins = BINS,
): { bins: Bin[]; threshold: number; sentToCloud: number } {
  const sorted = [...scored].sort((a, b) => a.confidence - b.confidence);
  const out: Bin[] = [];
  for (let b = 0; b < bins; b++) {
    const part = sorted.slice(Math.floor((b * sorted.length) / bins), Math.floor(((b + 1) * sorted.length) / bins));
    if (part.length === 0) continue;
    const mean = (f: (x: (typeof part)[number]) => number): number => part.reduce((s, x) => s + f(x), 0) / part.length;
    out.push({
      lo: part[0]!.confidence,
      hi: part[part.length - 1]!.confidence,
      plans: part.length,
      meanConfidence: mean((x) => x.confidence),
      nodeF1: mean((x) => x.nodeF1),
      exact: mean((x) => (x.exact ? 1 : 0)),
    });
  }
  let first = out.length;
  while (first > 0 && out[first - 1]!.nodeF1 >= GATE_NODE_F1) first--;
  const threshold = first === out.length ? 0 : out[first]!.lo;
  const sent = sorted.filter((x) => x.confidence < threshold).length;
  return { bins: out, threshold, sentToCloud: sorted.length === 0 ? 0 : sent / sorted.length };
}

/** The newest case of an algorithm (by started_at) whose case.json passes `pick` and that has records. */
function caseDir(workspace: string, algorithm: string, pick: (caseJson: string) => boolean): string {
  const root = join(workspace, algorithm);
  let best: { dir: string; started: string } | null = null;
  for (const c of readdirSync(root)) {
    const file = join(root, c, 'case.json');
    if (!existsSync(file) || !existsSync(join(root, c, 'records.jsonl'))) continue;
    const text = readFileSync(file, 'utf8');
    const started = (JSON.parse(text) as { started_at?: string }).started_at ?? '';
    if (pick(text) && (best === null || started > best.started)) best = { dir: join(root, c), started };
  }
  if (best === null) throw new Error(`no ${algorithm} case with records under ${root}`);
  return best.dir;
}

function calibrationOf(planner: string, dir: string, gold: Map<string, TaskPlan>): PlannerCalibration {
  const lines = readJsonl<Line>(join(dir, 'records.jsonl')).filter((l) => gold.has(l.id));
  const scored: Array<{ confidence: number; nodeF1: number; exact: boolean }> = [];
  for (const l of lines) {
    if (l.plan === null || typeof l.confidence !== 'number') continue;
    const g = gold.get(l.id)!;
    const rec = { sample: { gold: g }, prediction: l.plan } as unknown as EvalRecord;
    scored.push({ confidence: l.confidence, nodeF1: nodeF1(l.plan, g), exact: exactMatch(rec) });
  }
  return { planner, case: dir, plans: lines.length, withoutConfidence: lines.length - scored.length, ...calibrate(scored) };
}

const f = (x: number, d = 3): string => x.toFixed(d);

function table(c: PlannerCalibration): string {
  const rows = c.bins.map(
    (b) => `| [${f(b.lo, 2)}, ${f(b.hi, 2)}] | ${b.plans} | ${f(b.meanConfidence)} | ${f(b.nodeF1)} | ${f(b.exact)} |`,
  );
  return [
    `**${c.planner}** (${c.plans} plans, ${c.withoutConfidence} without a confidence: refused or asked back before planning, or failed)`,
    '',
    '| confidence | plans | mean confidence | node F1 | exact plan |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Threshold by the rule: ${f(c.threshold, 2)} (sends ${f(c.sentToCloud * 100, 1)} % of these plans to the cloud planner).`,
  ].join('\n');
}

function chart(cs: readonly PlannerCalibration[], data: keyof typeof DATA_SETS): TopLevelSpec {
  const values = cs.flatMap((c) =>
    c.bins.flatMap((b) => [
      { planner: c.planner, confidence: b.meanConfidence, measure: 'node F1', value: b.nodeF1 },
      { planner: c.planner, confidence: b.meanConfidence, measure: 'exact plan', value: b.exact },
    ]),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Plan accuracy per confidence bin, ${data} set (gate: node F1 ≥ ${GATE_NODE_F1})`,
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'confidence', type: 'quantitative', title: 'mean confidence of the bin (ln)' },
      y: { field: 'value', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] } },
      color: { field: 'planner', type: 'nominal' },
      strokeDash: { field: 'measure', type: 'nominal' },
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { workspace: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, case: { type: 'string' } },
  });
  const data = values.data ?? 'natural';
  if (data !== 'natural' && data !== 'dev' && data !== 'disjoint') throw new Error(`--data is natural, dev or disjoint, not "${data}"`);
  const set = DATA_SETS[data];
  const workspace = resolve(values.workspace ?? set.workspace);
  const out = resolve(values.out ?? 'bench/results');
  const questions = readFileSync(resolve(set.questions));
  const sha = createHash('sha256').update(questions).digest('hex');
  const gold = new Map(
    questions
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as GoldLine)
      .map((l) => [l.id, { task_steps: l.task_steps, task_nodes: l.task_nodes, task_links: l.task_links } as TaskPlan]),
  );
  if (values.case !== undefined) {
    const dir = resolve(values.case);
    process.stdout.write(`${data} set questions.jsonl sha256 ${sha}\n\n${table(calibrationOf(basename(dirname(dir)), dir, gold))}\n`);
    return;
  }
  const cs = [
    calibrationOf(
      'retrieval',
      caseDir(workspace, 'retrieval', () => true),
      gold,
    ),
    calibrationOf(
      'model Q8_0 (shipped)',
      caseDir(workspace, 'planner-model', (j) => j.includes(SHIPPED_MODEL)),
      gold,
    ),
  ];
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, `${set.results}.json`),
    `${JSON.stringify(
      {
        name: set.results,
        description: `plan accuracy per confidence bin on the ${data} set, and the cloud-gate threshold from it`,
        date: new Date().toISOString(),
        [`${data}_sha256`]: sha,
        gate_node_f1: GATE_NODE_F1,
        planners: cs,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(out, `${set.results}.svg`), await renderSvg(chart(cs, data)));
  process.stdout.write(`${data} set questions.jsonl sha256 ${sha}\n\n${cs.map(table).join('\n\n')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`calibration: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
