import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { localPlannerFor, plannerModelPath } from '../../daemon/agent/index.js';
import { configSchema } from '../../daemon/config/index.js';
import { modelTurn } from '../../daemon/agent/planning/model-planner.js';
import { catalogErrors, loadDataset, requestFor } from '../harness/index.js';
import type { Bench, BenchContext, BenchResult } from '../types.js';
import { bareGenerate } from './planner.js';

/**
 * HomeSight's shipped planner model (issue #17's speed and memory targets), one CPU thread:
 *  - decode rate of the local planner (plan text line by line, a grammar per line, the next-token distribution at
 *    each tool choice) vs bare node-llama-cpp on the same model, the same prompt (the compact prompt of modelTurn)
 *    and the same number of tokens with no grammar; ours and bare alternate question by question (second pass);
 *  - plan latency p50 / p95 (grounding + generation + relexicalisation);
 *  - resident memory: the process before anything is loaded, after the planner loaded, after planning, and the
 *    planner's share (after planning minus before loading; the bare comparison loads the model a second time only
 *    after these are read).
 * Questions: the hand-written dev set (bench/data/natural-dev), its households and "now".
 */

const MB = 1024 * 1024;
const r1 = (x: number): number => Math.round(x * 10) / 10;
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
const rssMb = (): number => r1(process.memoryUsage().rss / MB);

export const plannerModelBench: Bench = {
  name: 'planner-model',
  description: "HomeSight's shipped planner model in the local planner vs bare node-llama-cpp (CPU, one thread): decode, latency, RSS",
  async run(ctx: BenchContext): Promise<BenchResult> {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const data = loadDataset({
      format: 'q2a',
      testUrl: `${root}bench/data/natural-dev/questions.jsonl`,
      householdUrl: `${root}bench/data/natural-dev/households.json`,
    });
    const samples = ctx.quick ? data.test.slice(0, 20) : data.test;
    const rssStart = rssMb();
    // The daemon's own default planner (config defaults: the shipped model), on one thread as the benches run.
    const config = configSchema.parse({ agent: { llm: { threads: 1 } } });
    const modelPath = plannerModelPath(config);
    const planner = localPlannerFor(config);
    const t0 = performance.now();
    await planner.load();
    const loadMs = performance.now() - t0;
    const rssLoaded = rssMb();

    // Ours alone first, every question, so the RSS after planning is the planner's alone.
    const latencies: number[] = [];
    let valid = 0;
    for (const [i, s] of samples.entries()) {
      ctx.progress(`planner ${i + 1}/${samples.length}`, (i / samples.length) * 0.5);
      const req = requestFor(s, data.households);
      const r = await planner.plan(req);
      if (catalogErrors(r.plan, s, data).length === 0) valid++;
      latencies.push(r.latencyMs);
    }
    const rssPlanned = rssMb();

    // Decode: ours and bare alternate question by question (the same load hits both), on a second pass.
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    const context = await model.createContext({ contextSize: config.agent.llm.context_size, threads: 1, sequences: 1 });
    const seq = context.getSequence();
    const bare = { tokens: 0, ms: 0 };
    const mine = { tokens: 0, ms: 0 };
    const pairs: number[] = [];
    for (const [i, s] of samples.entries()) {
      ctx.progress(`planner and bare ${i + 1}/${samples.length}`, 0.5 + (i / samples.length) * 0.5);
      const req = requestFor(s, data.households);
      const o = (await planner.plan(req)).decode;
      if (o === undefined || o.tokens < 2 || o.ms <= 0) continue;
      const g = await bareGenerate(model, seq, [model.tokens.bos ?? (1 as Token), ...model.tokenize(modelTurn(req).prompt)], o.tokens + 1);
      if (g.tokens < 2 || g.decodeMs <= 0) continue;
      bare.tokens += g.tokens - 1;
      bare.ms += g.decodeMs;
      mine.tokens += o.tokens;
      mine.ms += o.ms;
      pairs.push(o.tokens / o.ms / ((g.tokens - 1) / g.decodeMs));
    }
    await planner.dispose();
    await context.dispose();
    await model.dispose();
    const ourRate = mine.tokens / (mine.ms / 1000);
    const bareRate = bare.tokens / (bare.ms / 1000);
    return {
      metrics: {
        questions: samples.length,
        valid_plans: valid,
        model_load_ms: r1(loadMs),
        plan_ms_p50: r1(pct(latencies, 50)),
        plan_ms_p95: r1(pct(latencies, 95)),
        planner_decode_tokens_per_s: r1(ourRate),
        bare_decode_tokens_per_s: r1(bareRate),
        decode_pairs: pairs.length,
        planner_vs_bare_decode_pair_median: Math.round(pct(pairs, 50) * 100) / 100,
        rss_before_mb: rssStart,
        rss_loaded_mb: rssLoaded,
        rss_after_planning_mb: rssPlanned,
        planner_rss_mb: r1(rssPlanned - rssStart),
      },
      ratios: { planner_vs_bare_decode: Math.round((ourRate / bareRate) * 100) / 100 },
      targets: [
        { key: 'planner_vs_bare_decode', op: '>=', value: 0.9 },
        { key: 'planner_rss_mb', op: '<=', value: 100 },
        { key: 'plan_ms_p50', op: '<=', value: 150 },
        { key: 'plan_ms_p95', op: '<=', value: 400 },
      ],
      notes: [
        'ours = LocalPlanner.plan() on the plan-text path (grounding, a grammar per line, the next-token distribution at ' +
          "each line's first token for the margin confidence, relexicalisation); bare = sequence.evaluate() of the same " +
          'compact prompt for the same number of tokens, greedy, no grammar, alternating question by question on a second ' +
          'pass. Decode = tokens after the first per second.',
        'planner_rss_mb = RSS after planning every question minus RSS before the planner loaded (Node, tsx and the ' +
          'daemon modules are in the "before"); the bare model is loaded only after it was read.',
      ],
    };
  },
};
