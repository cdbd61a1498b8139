/**
 * How a refusal is written as a gold plan. The catalog has no "refuse" tool:
 * a refusal is a plan whose only node is compose_answer, with no inputs (no
 * tool is run), and whose single step names the reason. Planners are scored
 * on it like any other plan (node F1 rewards choosing compose_answer alone,
 * step ROUGE rewards naming the reason).
 */
import type { ToolName } from '../../daemon/agent/index.js';
import type { GoldPlan } from './planbuilder.js';

export type RefusalReason =
  | 'unsafe'
  | 'privacy'
  | 'unknown_room'
  | 'unknown_person'
  | 'future'
  | 'unsupported'
  | 'hub_not_configured'
  | 'injection';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'unsafe',
  'privacy',
  'unknown_room',
  'unknown_person',
  'future',
  'unsupported',
  'hub_not_configured',
  'injection',
];

export function refusalPlan(question: string, reason: RefusalReason, why: string): GoldPlan {
  const task: ToolName = 'compose_answer';
  return {
    task_steps: [`Step 1: Decline (${reason}): ${why}`],
    task_nodes: [{ task, arguments: { question, inputs: [] } }],
    task_links: [],
  };
}

/** True when a plan is a refusal in this representation. */
export function isRefusal(plan: { task_nodes: Array<{ task: string; arguments: unknown }> }): boolean {
  if (plan.task_nodes.length !== 1) return false;
  const n = plan.task_nodes[0]!;
  const args = n.arguments as { inputs?: unknown };
  return n.task === 'compose_answer' && Array.isArray(args.inputs) && args.inputs.length === 0;
}

/**
 * The catalog's verdict on a refusal plan. Today's validatePlan requires
 * compose_answer's `inputs` to hold at least one `<node-j>` reference, so a
 * refusal (no tool run) draws exactly one issue: E_ARG_INVALID on
 * task_nodes[0].arguments.inputs. That one issue is tolerated — nothing else —
 * and `catalogAcceptsRefusals` says whether the catalog has caught up (a
 * one-line change there: let an empty `inputs` list pass).
 */
export function refusalIssuesTolerated(issues: ReadonlyArray<{ code: string; path: string }>): boolean {
  if (issues.length === 0) return true;
  return issues.length === 1 && issues[0]!.code === 'E_ARG_INVALID' && issues[0]!.path === 'task_nodes[0].arguments.inputs';
}
