import type { TaskPlan } from '../agent.js';
import type { BenchSample, ToolVocabulary } from '../dataset.js';
import { editDistance, mean, percentile, setF1 } from './f1.js';
import { EMPTY_PLAN, planItems, type LinkMode, type PlanItems } from './items.js';
import { stepRouge } from './rouge.js';

/** One planner answer for one sample: what the metrics are computed from. */
export interface EvalRecord {
  sample: BenchSample;
  /** The parsed plan; null when the planner failed or its output did not parse. */
  prediction: TaskPlan | null;
  error: string | null;
  latencyMs: number;
  tokens: number | null;
  planner: string;
  confidence?: number | null;
}

export interface MetricContext {
  linkMode: LinkMode;
  tools: ToolVocabulary | null;
  /** Problems of a plan (catalog validator or structural check); empty = valid. */
  validate(plan: TaskPlan, sample: BenchSample): string[];
  /** Compared items of a record's gold or predicted plan (memoised; a failed prediction is the empty plan). */
  items(record: EvalRecord, which: 'gold' | 'pred'): PlanItems;
}

/** A metric over a set of records. Custom metric modules export one of these (or just the compute function). */
export interface MetricDefinition {
  name: string;
  summary: string;
  better: 'higher' | 'lower';
  /** 'ratio' metrics lie in [0, 1] and share the bar chart. */
  unit: 'ratio' | 'ms' | 'tokens' | 'other';
  compute(records: readonly EvalRecord[], ctx: MetricContext): number | null | Promise<number | null>;
}

export function createMetricContext(opts: {
  linkMode: LinkMode;
  tools: ToolVocabulary | null;
  validate: (plan: TaskPlan, sample: BenchSample) => string[];
}): MetricContext {
  const gold = new WeakMap<BenchSample, PlanItems>();
  const pred = new WeakMap<EvalRecord, PlanItems>();
  const itemOpts = (s: BenchSample): Parameters<typeof planItems>[1] => ({
    mode: opts.linkMode,
    ...(opts.tools === null ? {} : { outputTypes: opts.tools.outputTypes }),
    timezone: s.timezone,
  });
  return {
    linkMode: opts.linkMode,
    tools: opts.tools,
    validate: opts.validate,
    items(record, which) {
      if (which === 'gold') {
        let g = gold.get(record.sample);
        if (g === undefined) {
          g = planItems(record.sample.gold, itemOpts(record.sample));
          gold.set(record.sample, g);
        }
        return g;
      }
      let p = pred.get(record);
      if (p === undefined) {
        p = planItems(record.prediction ?? EMPTY_PLAN, itemOpts(record.sample));
        pred.set(record, p);
      }
      return p;
    },
  };
}

type ItemKey = 'names' | 'links' | 'argNames' | 'argValues' | 'argValuesExact';

function pairs(records: readonly EvalRecord[], ctx: MetricContext, key: ItemKey): Array<{ gold: string[]; pred: string[] }> {
  return records.map((r) => ({ gold: ctx.items(r, 'gold')[key], pred: ctx.items(r, 'pred')[key] }));
}

function vocabulary(ctx: MetricContext): ReadonlySet<string> | undefined {
  return ctx.tools === null ? undefined : new Set(ctx.tools.names);
}

function rouge(which: 'rouge1' | 'rouge2' | 'rougeL'): MetricDefinition['compute'] {
  return (records, ctx) => stepRouge(records.map((r) => ({ gold: ctx.items(r, 'gold').steps, pred: ctx.items(r, 'pred').steps })))[which];
}

/** The built-in metrics, by the name a testenv lists them under. */
export const BUILTIN_METRICS: ReadonlyMap<string, MetricDefinition> = new Map(
  (
    [
      {
        name: 'rouge1',
        summary: 'task decomposition: step ROUGE-1 F (mean over samples)',
        better: 'higher',
        unit: 'ratio',
        compute: rouge('rouge1'),
      },
      {
        name: 'rouge2',
        summary: 'task decomposition: step ROUGE-2 F (mean over samples)',
        better: 'higher',
        unit: 'ratio',
        compute: rouge('rouge2'),
      },
      {
        name: 'rougeL',
        summary: 'task decomposition: step ROUGE-L F (mean over samples)',
        better: 'higher',
        unit: 'ratio',
        compute: rouge('rougeL'),
      },
      {
        name: 'node_f1',
        summary: 'tool invocation: node micro-F1 (TaskBench n-F1, per-sample sets, no matching)',
        better: 'higher',
        unit: 'ratio',
        compute: (rs, ctx) => setF1(pairs(rs, ctx, 'names'), vocabulary(ctx)).f1,
      },
      {
        name: 'edge_f1',
        summary: 'tool invocation: link binary F1 on (source, target) pairs (TaskBench e-F1)',
        better: 'higher',
        unit: 'ratio',
        compute: (rs, ctx) => setF1(pairs(rs, ctx, 'links')).f1,
      },
      {
        name: 'edit_distance',
        summary: 'tool invocation: 1 − mean Levenshtein ratio of the node sequences (lower is better)',
        better: 'lower',
        unit: 'ratio',
        compute: (rs, ctx) =>
          editDistance(
            rs.map((r) => ({ gold: ctx.items(r, 'gold').names, pred: ctx.items(r, 'pred').names })),
            ctx.tools?.names,
          ),
      },
      {
        name: 't_f1',
        summary: 'parameter prediction: binary F1 on "task-argName" (TaskBench t-F1)',
        better: 'higher',
        unit: 'ratio',
        compute: (rs, ctx) => setF1(pairs(rs, ctx, 'argNames')).f1,
      },
      {
        name: 'v_f1',
        summary: 'parameter prediction: binary F1 on "task-argName-value", values normalised (times → UTC minute, case, whitespace)',
        better: 'higher',
        unit: 'ratio',
        compute: (rs, ctx) => setF1(pairs(rs, ctx, 'argValues')).f1,
      },
      {
        name: 'v_f1_exact',
        summary: 'parameter prediction: binary F1 on "task-argName-value" with exact values (TaskBench v-F1)',
        better: 'higher',
        unit: 'ratio',
        compute: (rs, ctx) => setF1(pairs(rs, ctx, 'argValuesExact')).f1,
      },
      {
        name: 'plan_validity',
        summary: 'share of samples whose plan passes the tool-catalog validator (failures count as invalid)',
        better: 'higher',
        unit: 'ratio',
        compute: (rs, ctx) =>
          rs.length === 0
            ? null
            : rs.filter((r) => r.prediction !== null && ctx.validate(r.prediction, r.sample).length === 0).length / rs.length,
      },
      {
        name: 'failure_rate',
        summary: 'share of samples where the planner threw, timed out or returned an unparsable plan',
        better: 'lower',
        unit: 'ratio',
        compute: (rs) => (rs.length === 0 ? null : rs.filter((r) => r.prediction === null).length / rs.length),
      },
      {
        name: 'latency_p50_ms',
        summary: 'median planning latency (ms)',
        better: 'lower',
        unit: 'ms',
        compute: (rs) =>
          percentile(
            rs.map((r) => r.latencyMs),
            50,
          ),
      },
      {
        name: 'latency_p95_ms',
        summary: '95th percentile planning latency (ms)',
        better: 'lower',
        unit: 'ms',
        compute: (rs) =>
          percentile(
            rs.map((r) => r.latencyMs),
            95,
          ),
      },
      {
        name: 'tokens_mean',
        summary: 'mean generated tokens per plan (samples whose planner reports tokens)',
        better: 'lower',
        unit: 'tokens',
        compute: (rs) => mean(rs.flatMap((r) => (r.tokens === null ? [] : [r.tokens]))),
      },
    ] satisfies MetricDefinition[]
  ).map((m) => [m.name, m]),
);

/** Lifelong metrics (computed from the round × test-set matrix, see lifelong.ts). */
export const LIFELONG_METRICS: ReadonlyMap<string, { summary: string; better: 'higher' | 'lower'; matrix?: true }> = new Map([
  ['BWT', { summary: 'backward transfer, Ianvs definition', better: 'higher' }],
  ['FWT', { summary: 'forward transfer, Ianvs definition', better: 'higher' }],
  ['task_avg_acc', { summary: "final model, model metric averaged over the rounds' test sets", better: 'higher' }],
  [
    'round_avg_acc',
    { summary: 'model metric averaged over every round × test-set cell after an update (Ianvs compute() accuracy)', better: 'higher' },
  ],
  ['MATRIX', { summary: 'the rounds × test-sets matrix of the model metric', better: 'higher', matrix: true }],
  ['BWT_GEM', { summary: 'backward transfer, GEM (Lopez-Paz & Ranzato 2017)', better: 'higher' }],
  ['FWT_GEM', { summary: 'forward transfer, GEM', better: 'higher' }],
  ['ACC_GEM', { summary: 'average accuracy of the final model, GEM', better: 'higher' }],
  [
    'samples_transfer_ratio',
    { summary: 'samples sent to the cloud / (samples inferred + 1), as the updater reports them', better: 'lower' },
  ],
] as const);

/** Computes metrics over records; a metric that throws is reported as an error, not a crash. */
export async function scoreRecords(
  records: readonly EvalRecord[],
  metrics: readonly MetricDefinition[],
  ctx: MetricContext,
): Promise<{ values: Record<string, number | null>; errors: Record<string, string> }> {
  const values: Record<string, number | null> = {};
  const errors: Record<string, string> = {};
  for (const m of metrics) {
    try {
      const v = await m.compute(records, ctx);
      values[m.name] = typeof v === 'number' && Number.isFinite(v) ? v : null;
    } catch (err) {
      values[m.name] = null;
      errors[m.name] = err instanceof Error ? err.message : String(err);
    }
  }
  return { values, errors };
}
