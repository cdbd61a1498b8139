import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bench, BenchContext, BenchResult } from '../types.js';
import { loadDataset } from './dataset.js';
import { runBenchmarkJob } from './job.js';
import { BUILTIN_METRICS, createMetricContext, scoreRecords, type EvalRecord } from './metrics/registry.js';
import { loadTestEnvironment } from './testenv.js';

const fixtures = new URL('../../test/bench/fixtures/q2a/', import.meta.url).pathname;

/**
 * The harness's own cost: a whole job (declarations, dataset, replay planner,
 * journal, per-case log, scoring, leaderboard, HTML report with charts) per
 * test sample, against the bare metric loop over the same plans in memory.
 */
export const harnessBench: Bench = {
  name: 'bench-harness',
  description: 'benchmark harness overhead: end-to-end job with a replay planner vs. the bare metric computation',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const copies = ctx.quick ? 40 : 200;
    const base = readFileSync(join(fixtures, 'q2a.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((o) => o.split === 'test');
    const lines: string[] = [];
    for (let c = 0; c < copies; c++) for (const o of base) lines.push(JSON.stringify({ ...o, id: `${String(o.id)}-${c}` }));
    const data = join(ctx.workDir, 'q2a.jsonl');
    writeFileSync(data, lines.join('\n') + '\n');
    copyFileSync(join(fixtures, 'households.json'), join(ctx.workDir, 'households.json'));
    const metrics = [...BUILTIN_METRICS.keys()];
    writeFileSync(
      join(ctx.workDir, 'job.yaml'),
      `benchmarkingjob:
  name: overhead
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object: {type: algorithms, algorithms: [{name: gold, url: ./gold.yaml}]}
  rank: {sort_by: [{node_f1: descend}]}
`,
    );
    writeFileSync(
      join(ctx.workDir, 'testenv.yaml'),
      `testenv:\n  dataset: {format: q2a, test_url: ./q2a.jsonl}\n  metrics: [${metrics.map((m) => `{name: ${m}}`).join(', ')}]\n`,
    );
    writeFileSync(
      join(ctx.workDir, 'gold.yaml'),
      `algorithm:\n  paradigm_type: singletasklearning\n  modules: [{type: planner, name: replay, ` +
        `hyperparameters: [{file: {values: [./q2a.jsonl]}}, {examples: {values: [0]}}]}]\n`,
    );
    const n = lines.length;
    ctx.progress(`job over ${n} samples`, 0.1);

    const t0 = performance.now();
    const r = await runBenchmarkJob(join(ctx.workDir, 'job.yaml'), { force: true });
    const jobMs = performance.now() - t0;
    const cached0 = performance.now();
    await runBenchmarkJob(join(ctx.workDir, 'job.yaml'));
    const cachedMs = performance.now() - cached0;
    ctx.progress('bare metric loop', 0.6);

    // Bare: the same plans in memory, the same metric functions, nothing else.
    const env = await loadTestEnvironment(r.job.testenv);
    const b0 = performance.now();
    const ds = loadDataset(r.job.testenv.dataset);
    const mctx = createMetricContext({ linkMode: ds.linkMode, tools: env.dataset.tools, validate: env.context.validate });
    const records: EvalRecord[] = ds.test.map((s) => ({
      sample: s,
      prediction: s.gold,
      error: null,
      latencyMs: 0,
      tokens: null,
      planner: 'bare',
    }));
    const bare = await scoreRecords(records, env.metrics, mctx);
    const bareMs = performance.now() - b0;
    if (bare.values.node_f1 !== 1 || r.cases[0]!.metrics.node_f1 !== 1) throw new Error('gold replay did not score 1');
    ctx.progress('done', 1);
    return {
      metrics: {
        samples: n,
        job_ms: Math.round(jobMs),
        job_ms_per_sample: jobMs / n,
        cached_rerun_ms: Math.round(cachedMs),
        bare_metrics_ms: Math.round(bareMs),
        bare_ms_per_sample: bareMs / n,
        metrics_computed: metrics.length,
      },
      ratios: { job_vs_bare_metrics: jobMs / bareMs, cached_rerun_vs_bare_metrics: cachedMs / bareMs },
      notes: [
        'job = declarations + dataset + replay planner + journal (sync appends) ' +
          '+ per-case log + scoring (overall and per type) + leaderboard + HTML report with vega charts',
        'bare = dataset load + the same metric functions over the same plans in memory',
      ],
    };
  },
};
