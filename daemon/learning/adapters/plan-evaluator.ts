import { LocalPlanner, planScoreItems, setF1, type PlanRequest, type TaskPlan } from '../../agent/index.js';
import type { AdapterEvaluator, EvalSample, EvalScore, EvaluationTarget } from './evaluator.js';

export interface PlanEvaluatorOptions {
  /** Most tokens of one plan (default 160, the daemon's agent.llm.max_tokens default). */
  maxTokens?: number;
  maxNodes?: number;
  /** Upper bound for one plan (default 30 s). */
  timeoutMs?: number;
  /** How cloud-trained adapters write the household's people (pseudonym → name; PlannerAdapter.people). */
  people?: Readonly<Record<string, string>>;
}

/**
 * Plan metrics for a base model trained on plan text (homesight-planner-v1): each sample's request is planned by the
 * daemon's own planner path (LocalPlanner.onContext: grounding, the compact prompt, the per-request grammar, plan
 * text → TaskPlan) on the evaluation target, greedily, and scored against the gold plan with the bench's node F1 and
 * value F1 (planScoreItems, setF1; pooled over the samples). score = mean of the two: the adoption decision wants
 * the right tools with the right arguments. A sample needs meta.request (a PlanRequest) and meta.plan (the gold plan).
 */
export class PlanEvaluator implements AdapterEvaluator {
  readonly metric = 'plan_f1';

  constructor(private readonly options: PlanEvaluatorOptions = {}) {}

  async evaluate(target: EvaluationTarget, samples: readonly EvalSample[], signal?: AbortSignal): Promise<EvalScore> {
    const planner = await LocalPlanner.onContext(target, {
      maxTokens: this.options.maxTokens ?? 160,
      temperature: 0,
      timeoutMs: this.options.timeoutMs ?? 30_000,
      fewShots: 0,
      maxNodes: this.options.maxNodes ?? 6,
      format: 'plan-text',
      ...(this.options.people === undefined ? {} : { people: this.options.people }),
    });
    const nodes: Array<{ gold: string[]; pred: string[] }> = [];
    const values: Array<{ gold: string[]; pred: string[] }> = [];
    let failed = 0;
    let exact = 0;
    for (const s of samples) {
      signal?.throwIfAborted();
      const req = s.meta?.['request'] as PlanRequest | undefined;
      const gold = s.meta?.['plan'] as TaskPlan | undefined;
      if (req === undefined || gold === undefined) continue;
      let pred: Pick<TaskPlan, 'task_nodes'> = { task_nodes: [] };
      try {
        pred = (await planner.plan(req, signal)).plan;
      } catch {
        failed++; // counts as nothing predicted
      }
      const g = planScoreItems(gold, req.timezone);
      const p = planScoreItems(pred, req.timezone);
      nodes.push({ gold: g.names, pred: p.names });
      values.push({ gold: g.argValues, pred: p.argValues });
      if (g.argValues.join('\n') === p.argValues.join('\n') && g.names.join() === p.names.join()) exact++;
    }
    const nodeF1 = setF1(nodes).f1 ?? 0;
    const valueF1 = setF1(values).f1 ?? 0;
    return {
      metric: this.metric,
      score: (nodeF1 + valueF1) / 2,
      n: nodes.length,
      details: { node_f1: nodeF1, value_f1: valueF1, exact, failed },
    };
  }
}
