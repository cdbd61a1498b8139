/**
 * Planner-model metrics for bench/jobs/planner*.yaml (issue #17): whole-plan
 * match and how well the planner's confidence separates right plans from
 * wrong ones. A plan matches when it is the gold task graph (samePlan: same
 * tools in order, same arguments, same links), compose_answer's question
 * aside (the gold may word it differently) and time phrases compared without
 * case. Confidence is the planner's own (the model planner: ln of its least
 * tool-choice margin); records without one do not count for the calibration
 * metrics.
 */
import type { TaskPlan } from '../../../daemon/agent/index.js';
import { configSchema } from '../../../daemon/config/index.js';
import { samePlan } from '../../../daemon/agent/planner-model/index.js';
import type { EvalRecord, MetricDefinition } from '../../harness/index.js';

/** Confidence at or above which a plan counts as confident: the cloud gate's default (agent.cloud.min_confidence). */
export const CONFIDENT: number = configSchema.parse({}).agent.cloud.min_confidence;

function comparable(plan: TaskPlan): TaskPlan {
  return {
    ...plan,
    task_nodes: plan.task_nodes.map((n) => {
      if (Array.isArray(n.arguments)) return n;
      const a = { ...n.arguments };
      if (n.task === 'compose_answer') delete a.question;
      if (n.task === 'resolve_time' && typeof a.phrase === 'string') a.phrase = a.phrase.toLowerCase().trim();
      return { ...n, arguments: a };
    }),
  };
}

export function exactMatch(r: EvalRecord): boolean {
  return r.prediction !== null && samePlan(comparable(r.prediction), comparable(r.sample.gold));
}

const rate = (rs: readonly EvalRecord[]): number | null => (rs.length === 0 ? null : rs.filter(exactMatch).length / rs.length);
const withConfidence = (rs: readonly EvalRecord[]): EvalRecord[] =>
  rs.filter((r) => r.prediction !== null && typeof r.confidence === 'number');

export const exact_plan_match: MetricDefinition = {
  name: 'exact_plan_match',
  summary: 'share of plans that are the gold task graph (compose_answer question aside, time phrases without case)',
  better: 'higher',
  unit: 'ratio',
  compute: (rs) => rate(rs),
};

export const exact_when_confident: MetricDefinition = {
  name: 'exact_when_confident',
  summary: `exact-plan match among plans with confidence ≥ ${CONFIDENT} (the cloud gate lets these through)`,
  better: 'higher',
  unit: 'ratio',
  compute: (rs) => rate(withConfidence(rs).filter((r) => (r.confidence as number) >= CONFIDENT)),
};

export const exact_when_unsure: MetricDefinition = {
  name: 'exact_when_unsure',
  summary:
    `exact-plan match among plans with confidence < ${CONFIDENT} (these go to the cloud planner); ` +
    `lower than exact_when_confident when confidence means something`,
  better: 'lower',
  unit: 'ratio',
  compute: (rs) => rate(withConfidence(rs).filter((r) => (r.confidence as number) < CONFIDENT)),
};

export const confident_share: MetricDefinition = {
  name: 'confident_share',
  summary: `share of plans with confidence ≥ ${CONFIDENT}`,
  better: 'higher',
  unit: 'ratio',
  compute: (rs) => {
    const c = withConfidence(rs);
    return c.length === 0 ? null : c.filter((r) => (r.confidence as number) >= CONFIDENT).length / c.length;
  },
};
