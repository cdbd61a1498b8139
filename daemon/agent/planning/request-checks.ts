import { sideEffectIssues, type PlanIssue, type PlanRequest, type TaskPlan } from '../catalog/index.js';
import { requestedSideEffects } from './refusal.js';
import { resolveTimePhrase, type ResolvedRange, type ResolveTimeOptions } from './time.js';

/** The latest earlier turn's range, for "after that" (resolved at this request's now: the check is about resolvability). */
function previousRange(req: PlanRequest, nowMs: number): ResolvedRange | undefined {
  for (const turn of [...(req.history ?? [])].reverse()) {
    const rt = turn.plan?.task_nodes.find((n) => n.task === 'resolve_time');
    const phrase = rt !== undefined && !Array.isArray(rt.arguments) ? rt.arguments.phrase : undefined;
    if (typeof phrase !== 'string') continue;
    try {
      return resolveTimePhrase(phrase, nowMs, req.timezone);
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Lower case, single spaces, no punctuation: how a phrase is looked up in the question. */
function flat(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}:]+/gu, ' ')
    .trim();
}

/**
 * Checks of a plan against the request it answers, for every planner, before
 * anything runs (the catalog's validation knows the plan, not the question):
 * - a side effect only when the request asks for it, and reported by the answer;
 * - every resolve_time phrase is said in the question (or, in a follow-up, in an
 *   earlier question of the conversation) — no phrase leaks from an example
 *   plan — and resolves at the request's "now", else the resolver's reason.
 */
export function requestIssues(plan: TaskPlan, req: PlanRequest): PlanIssue[] {
  const issues = sideEffectIssues(plan, requestedSideEffects(req.question)).filter((i) => i.code === 'E_SIDE_EFFECT_UNREQUESTED');
  const nowMs = Date.parse(req.now);
  const said = [req.question, ...(req.history ?? []).map((h) => h.question)].map(flat);
  plan.task_nodes.forEach((node, i) => {
    if (node.task !== 'resolve_time' || Array.isArray(node.arguments)) return;
    const phrase = node.arguments.phrase;
    if (typeof phrase !== 'string') return;
    const path = `task_nodes[${i}].arguments.phrase`;
    const f = flat(phrase);
    if (f.length > 0 && !said.some((q) => ` ${q} `.includes(` ${f} `))) {
      issues.push({
        code: 'E_TIME_PHRASE',
        node: i,
        path,
        message:
          `the time phrase "${phrase}" is not in the question; use the question's own words for the time, ` +
          `or leave resolve_time out when it names none`,
      });
      return;
    }
    if (!Number.isFinite(nowMs)) return;
    const opts: ResolveTimeOptions = req.household.routines === undefined ? {} : { routines: req.household.routines };
    const previous = previousRange(req, nowMs);
    if (previous !== undefined) opts.previous = previous;
    try {
      resolveTimePhrase(phrase, nowMs, req.timezone, opts);
    } catch (err) {
      const e = err as { message?: string; hint?: string };
      issues.push({
        code: 'E_TIME_PHRASE',
        node: i,
        path,
        message: `${e.message ?? String(err)}${e.hint !== undefined ? ` (${e.hint})` : ''}`,
      });
    }
  });
  return issues;
}
