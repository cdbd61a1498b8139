import type { CaseRun } from './controller.js';
import { lifelongScores, samplesTransferRatio } from './metrics/lifelong.js';
import { scoreRecords, type EvalRecord } from './metrics/registry.js';
import type { TestEnvironment } from './testenv.js';

export interface LifelongResult {
  rounds: number;
  modelMetric: string;
  /** (R + 1) × R: row 0 before any update, row i after round i − 1's update; column j = round j's test set. */
  matrix: Array<Array<number | null>>;
  /** Per row: every per-record metric over all test sets (round curves). */
  rowMetrics: Array<Record<string, number | null>>;
  updates: CaseRun['updates'];
}

export interface CaseResult {
  id: string;
  label: string;
  algorithm: string;
  paradigm: string;
  planner: string;
  updater: string | null;
  hyperparameters: Record<string, unknown>;
  dir: string;
  cached: boolean;
  finishedAt: string | null;
  error: string | null;
  /** Metric name → value (per-record metrics and listed lifelong metrics; MATRIX lives in `lifelong`). */
  metrics: Record<string, number | null>;
  metricErrors: Record<string, string>;
  /** Per-record metrics per sample type (single | chain | dag | …). */
  groups: Record<string, { samples: number; metrics: Record<string, number | null> }>;
  supports: { samples: number; failures: number; invalid: number };
  latenciesMs: number[];
  lifelong: LifelongResult | null;
}

async function groupScores(records: readonly EvalRecord[], env: TestEnvironment): Promise<CaseResult['groups']> {
  const by = new Map<string, EvalRecord[]>();
  for (const r of records) {
    const k = r.sample.type ?? 'untyped';
    let xs = by.get(k);
    if (xs === undefined) by.set(k, (xs = []));
    xs.push(r);
  }
  const out: CaseResult['groups'] = {};
  for (const k of [...by.keys()].sort()) {
    const xs = by.get(k)!;
    out[k] = { samples: xs.length, metrics: (await scoreRecords(xs, env.metrics, env.context)).values };
  }
  return out;
}

/** Scores one test case: metrics are always recomputed from the recorded plans. */
export async function scoreCase(run: CaseRun, env: TestEnvironment): Promise<CaseResult> {
  const tc = run.testCase;
  const base: CaseResult = {
    id: tc.id,
    label: tc.label,
    algorithm: tc.algorithm.name,
    paradigm: tc.algorithm.paradigm,
    planner: tc.algorithm.planner.name,
    updater: tc.algorithm.updater?.name ?? null,
    hyperparameters: tc.hyperparameters,
    dir: tc.dir,
    cached: run.cached,
    finishedAt: run.finishedAt,
    error: run.error,
    metrics: {},
    metricErrors: {},
    groups: {},
    supports: { samples: 0, failures: 0, invalid: 0 },
    latenciesMs: [],
    lifelong: null,
  };
  if (run.error !== null || run.rows.length === 0) {
    for (const m of env.metrics) base.metrics[m.name] = null;
    for (const m of env.lifelongMetrics) if (m !== 'MATRIX') base.metrics[m] = null;
    return base;
  }
  const final = run.rows[run.rows.length - 1]!;
  const scored = await scoreRecords(final, env.metrics, env.context);
  base.metrics = scored.values;
  base.metricErrors = scored.errors;
  base.groups = await groupScores(final, env);
  base.supports = {
    samples: final.length,
    failures: final.filter((r) => r.prediction === null).length,
    invalid: final.filter((r) => r.prediction === null || env.context.validate(r.prediction, r.sample).length > 0).length,
  };
  base.latenciesMs = run.rows.flat().map((r) => r.latencyMs);

  if (tc.algorithm.paradigm === 'lifelonglearning' && run.rounds !== null) {
    const R = run.rounds.rounds;
    const model = env.modelMetric!;
    const matrix: Array<Array<number | null>> = [];
    const rowMetrics: Array<Record<string, number | null>> = [];
    for (const row of run.rows) {
      const cells: Array<number | null> = [];
      for (let j = 0; j < R; j++) {
        const ids = new Set(run.rounds.test[j]!.map((s) => s.id));
        const v =
          (
            await scoreRecords(
              row.filter((r) => ids.has(r.sample.id)),
              [model],
              env.context,
            )
          ).values[model.name] ?? null;
        cells.push(v);
      }
      matrix.push(cells);
      rowMetrics.push((await scoreRecords(row, env.metrics, env.context)).values);
    }
    const ll = lifelongScores(matrix);
    const values: Record<string, number | null> = {
      BWT: ll.BWT,
      FWT: ll.FWT,
      task_avg_acc: ll.task_avg_acc,
      round_avg_acc: ll.accuracy,
      BWT_GEM: ll.BWT_GEM,
      FWT_GEM: ll.FWT_GEM,
      ACC_GEM: ll.ACC_GEM,
      samples_transfer_ratio: samplesTransferRatio(
        run.updates
          .filter((u) => typeof u.inferred === 'number' && typeof u.transferred === 'number')
          .map((u) => ({ inferred: u.inferred!, transferred: u.transferred! })),
      ),
    };
    for (const m of env.lifelongMetrics) if (m !== 'MATRIX') base.metrics[m] = values[m] ?? null;
    base.lifelong = { rounds: R, modelMetric: model.name, matrix, rowMetrics, updates: run.updates };
  } else {
    for (const m of env.lifelongMetrics) if (m !== 'MATRIX') base.metrics[m] = null;
  }
  return base;
}
