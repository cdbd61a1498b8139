import { namedArguments, sideEffectIssues, type PlanIssue, type PlanRequest, type TaskPlan } from '../catalog/index.js';
import { namesGrounded, requestMentions } from './model-planner.js';
import { impliedTime, planFits, questionShape } from './question-shape.js';
import { requestedSideEffects } from './refusal.js';
import { resolveTimePhrase, type ResolvedRange, type ResolveTimeOptions } from './time.js';

/** The latest earlier turn's range, for "after that" (resolved at this request's now: the check is about resolvability). */
function previousRange(req: PlanRequest, nowMs: number): ResolvedRange | undefined {
  for (const turn of [...(req.history ?? [])].reverse()) {
    const rt = turn.plan?.task_nodes.find((n) => n.task === 'resolve_time');
    const phrase = rt !== undefined && !Array.isArray(rt.arguments) ? rt.arguments.phrase : undefined;
    if (typeof phrase !== 'string') continue;
    try {
      return resolveTimePhrase(
        phrase,
        nowMs,
        req.timezone,
        req.household.routines === undefined ? {} : { routines: req.household.routines },
      );
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * Lower case, single spaces, no punctuation: how a phrase is looked up in the question. A colon stays only inside a
 * clock time ("13:00"); after a word it is punctuation ("the garage yesterday: who was there").
 */
function flat(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/:(?!\d)|(?<!\d):/g, ' ')
    .replace(/[^\p{L}\p{N}:]+/gu, ' ')
    .trim();
}

/**
 * Checks of a plan against the request it answers, for every planner, before
 * anything runs (the catalog's validation knows the plan, not the question):
 * - a side effect only when the request asks for it, and reported by the answer;
 * - a live question reads live frames, "what did X do" is X's activity timeline, a naming or habit statement is
 *   stored (questionShape; E_QUESTION_SHAPE);
 * - every person the plan names is one the question (or an earlier question of the conversation) names — by
 *   name, nickname, kinship word, group or "I" — never a name from an example plan (E_PERSON_UNGROUNDED);
 * - every resolve_time phrase is said in the question (or, in a follow-up, in an
 *   earlier question of the conversation), or is the time a question about a place implies when it says none
 *   (impliedTime: "is someone at the gate" now, "who was in the lounge" today) — no phrase leaks from an example
 *   plan — and resolves at the request's "now", else the resolver's reason.
 */
export function requestIssues(plan: TaskPlan, req: PlanRequest): PlanIssue[] {
  const issues = sideEffectIssues(plan, requestedSideEffects(req.question)).filter((i) => i.code === 'E_SIDE_EFFECT_UNREQUESTED');
  issues.push(...personIssues(plan, req), ...shapeIssues(plan, req));
  const nowMs = Date.parse(req.now);
  const said = [req.question, ...(req.history ?? []).map((h) => h.question)].map(flat);
  const implied = impliedTime(req);
  plan.task_nodes.forEach((node, i) => {
    if (node.task !== 'resolve_time' || Array.isArray(node.arguments)) return;
    const phrase = node.arguments.phrase;
    if (typeof phrase !== 'string') return;
    const path = `task_nodes[${i}].arguments.phrase`;
    const f = flat(phrase);
    if (f.length > 0 && !said.some((q) => ` ${q} `.includes(` ${f} `)) && f !== implied) {
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

/** People a request's questions name (grounding's mentions of the question and the conversation's earlier questions). */
function namedPeople(req: PlanRequest): Set<string> {
  return new Set(['unknown', ...namesGrounded(requestMentions(req).all)]);
}

/** Person and identity arguments naming someone the request does not: the reflection loop feeds these back. */
function personIssues(plan: TaskPlan, req: PlanRequest): PlanIssue[] {
  const issues: PlanIssue[] = [];
  let named: Set<string> | null = null;
  const household = new Map(req.household.people.flatMap((p) => [p.name, ...p.aliases].map((n) => [n.toLowerCase(), p.name] as const)));
  plan.task_nodes.forEach((node, i) => {
    for (const [arg, v] of Object.entries(namedArguments(node))) {
      if ((arg !== 'person' && arg !== 'identity') || typeof v !== 'string' || v.startsWith('<node-')) continue;
      named ??= namedPeople(req);
      const canonical = household.get(v.toLowerCase()) ?? v;
      if (named.has(canonical)) continue;
      const said = [...named].filter((p) => p !== 'unknown');
      issues.push({
        code: 'E_PERSON_UNGROUNDED',
        node: i,
        path: `task_nodes[${i}].arguments.${arg}`,
        message:
          `the question does not name "${v}"; ` +
          (said.length > 0 ? `it names ${said.join(', ')}` : 'it names nobody of the household, so leave the person out or use "unknown"'),
      });
    }
  });
  return issues;
}

/** The plan has the form the question needs (live frames, the timeline, a memory write). */
function shapeIssues(plan: TaskPlan, req: PlanRequest): PlanIssue[] {
  // a plan that only answers (a refusal or ask-back) has no form to check
  if (plan.task_nodes.every((n) => n.task === 'compose_answer')) return [];
  const fits = planFits(plan, questionShape(req));
  const issues: PlanIssue[] = [];
  const add = (message: string): void => {
    issues.push({ code: 'E_QUESTION_SHAPE', path: 'task_nodes', message });
  };
  if (!fits.live)
    add('the question asks about right now: read live frames (get_frames of the camera, then the vision tools), not stored events');
  if (!fits.timeline) add('the question asks what a person did: use activity_timeline for that person and day');
  if (!fits.memoryWrite) add('the request states a name or habit to keep: store it with remember and report it in compose_answer');
  return issues;
}
