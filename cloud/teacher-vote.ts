import { samePlan, validatePlan, type TaskPlan } from '../daemon/agent/index.js';
import type { SampleContext } from '../daemon/contracts/index.js';

/** What a teacher made of one sample: the plan it stands by (or none) and how sure it is. */
export interface TeacherLabel {
  /** The winning plan, names as placeholders; null when no sample gave a valid, grounded plan. */
  plan: TaskPlan | null;
  /** The winning plan's share of all k draws (0 without a plan; 1 for the oracle). */
  confidence: number;
  /** Plans drawn. */
  samples: number;
  /** Of those, valid and grounded in the household the device described. */
  valid: number;
  /** Votes for the winning plan. */
  votes: number;
  /** Why samples were thrown away (each reason once). */
  issues: string[];
}

/** Self-consistency: k plans at temperature > 0, the n-th drawn with seed + n, so the same seed gives the same votes. */
export interface SelfConsistency {
  samples: number;
  temperature: number;
  seed: number;
}

export const SELF_CONSISTENCY_DEFAULTS: SelfConsistency = { samples: 5, temperature: 0.7, seed: 1 };

const PLACEHOLDER_ANYWHERE = /<person-[0-9a-f]{8}>/g;

/**
 * Why a plan does not fit what the device said the household has: the agent's validatePlan (tools, arguments,
 * links), with the context's people placeholders, cameras and rooms as the only values person, camera and room
 * arguments may take, and no `<person-…>` placeholder anywhere that the context does not have. Without a context
 * (older devices) only the catalog is checked.
 */
export function planIssues(plan: unknown, ctx: SampleContext | undefined): string[] {
  if (ctx === undefined) return validatePlan(plan).map((i) => `${i.path}: ${i.message}`);
  const h = ctx.household;
  const people = [...h.people.map((p) => p.name), ...(h.groups ?? []).flatMap((g) => g.members)];
  const issues = validatePlan(plan, {
    people,
    cameras: h.cameras,
    rooms: h.rooms,
    allowTools: ctx.allow_tools ?? [],
    hubTopics: ctx.hub_topics ?? [],
  }).map((i) => `${i.path}: ${i.message}`);
  const known = new Set(people);
  for (const p of new Set(JSON.stringify(plan).match(PLACEHOLDER_ANYWHERE) ?? []))
    if (!known.has(p)) issues.push(`${p} is not a person of this household`);
  return issues;
}

/**
 * Draws `k` plans (draw(n) for n = 0…k-1, in order), keeps those without issues and votes: plans that are the same
 * task graph (samePlan: same tools in order, same named arguments in any order, same links) are one candidate. The
 * candidate with most votes wins, the earliest drawn on a tie; its confidence is its share of all k draws (an invalid
 * draw counts against it: one valid plan of five is not a confident label).
 * A draw answers a plan or why it has none (an invalid sample); it throws only when the teacher cannot work (an
 * endpoint down), which ends the label job so that it is retried.
 */
export async function voteOnPlans(
  k: number,
  draw: (n: number) => Promise<TaskPlan | string>,
  check: (plan: TaskPlan) => string[],
  signal?: AbortSignal,
): Promise<TeacherLabel> {
  const candidates: Array<{ plan: TaskPlan; votes: number }> = [];
  const issues = new Set<string>();
  let valid = 0;
  for (let n = 0; n < k; n++) {
    signal?.throwIfAborted();
    const plan = await draw(n);
    if (typeof plan === 'string') {
      issues.add(plan.slice(0, 200));
      continue;
    }
    const found = check(plan);
    if (found.length > 0) {
      for (const i of found) issues.add(i);
      continue;
    }
    valid++;
    const same = candidates.find((c) => samePlan(c.plan, plan));
    if (same !== undefined) same.votes++;
    else candidates.push({ plan, votes: 1 });
  }
  let best: { plan: TaskPlan; votes: number } | null = null;
  for (const c of candidates) if (best === null || c.votes > best.votes) best = c;
  return {
    plan: best?.plan ?? null,
    confidence: best === null ? 0 : best.votes / k,
    samples: k,
    valid,
    votes: best?.votes ?? 0,
    issues: [...issues],
  };
}

/** A label of one plan that needs no vote (the oracle, a user's correction): confidence 1 when it has no issues. */
export function singleLabel(plan: TaskPlan | null, issues: string[]): TeacherLabel {
  const ok = plan !== null && issues.length === 0;
  return { plan: ok ? plan : null, confidence: ok ? 1 : 0, samples: 1, valid: ok ? 1 : 0, votes: ok ? 1 : 0, issues };
}
