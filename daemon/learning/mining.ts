import type { AnsweredRequest, TaskPlan } from '../contracts/index.js';

/** Why a request became a training sample. */
export type MiningReason = 'repaired' | 'failed' | 'low_confidence' | 'disagreement' | 'user_correction' | 'user_thumbs_down';

/** The parts of an agent answer the miner looks at (AskResult satisfies it); the shape of the bus event's result. */
export type { AnsweredRequest } from '../contracts/index.js';

export interface MiningOptions {
  /** learning.mining.min_logprob: a mean token log-prob below this is low confidence. */
  minLogprob: number;
}

/** Upload priority of each reason (higher = kept longer when the queue is full). */
export const REASON_VALUE: Record<MiningReason, number> = {
  user_correction: 1,
  user_thumbs_down: 0.9,
  failed: 0.8,
  disagreement: 0.7,
  repaired: 0.5,
  low_confidence: 0.4,
};

/** Canonical node signature of a plan (tool names + arguments), to compare two planners' plans. */
export function planSignature(plan: TaskPlan): string {
  return JSON.stringify(plan.task_nodes.map((n) => [n.task, n.arguments]));
}

/**
 * Hard-example mining: a request becomes a sample when the local plan needed repair, failed in execution, had low
 * confidence, disagreed with the cloud planner when both ran, or the user corrected it.
 */
export class HardExampleMiner {
  constructor(private options: MiningOptions) {}

  update(options: MiningOptions): void {
    this.options = options;
  }

  /** Reasons this answer is a hard example (empty: not one). `cloudPlan`: the cloud planner's plan when it ran too. */
  reasons(r: AnsweredRequest, cloudPlan?: TaskPlan): MiningReason[] {
    const out: MiningReason[] = [];
    const attempts = r.trace.planning;
    if (attempts.some((a) => a.repair > 0) || attempts.some((a) => !a.ok)) out.push('repaired');
    if (
      r.executed &&
      r.trace.nodes.some((n) => n.status === 'error' || n.status === 'failed' || (n.error !== undefined && n.error.code !== 'E_CANCELLED'))
    )
      out.push('failed');
    else if (r.notes.some((n) => /repaired plan was used/.test(n))) out.push('failed');
    if (r.trace.confidence !== null && r.trace.confidence < this.options.minLogprob) out.push('low_confidence');
    if (cloudPlan !== undefined && r.planner !== 'cloud' && planSignature(cloudPlan) !== planSignature(r.plan)) out.push('disagreement');
    return out;
  }

  /** Priority of a sample with these reasons. */
  static value(reasons: readonly MiningReason[]): number {
    return reasons.reduce((m, x) => Math.max(m, REASON_VALUE[x]), 0);
  }
}
