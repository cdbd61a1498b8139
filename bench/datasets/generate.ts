/**
 * The Q2A generator: households × lifelong rounds × asks, each ask an
 * instruction with its gold plan over the agent's catalog, validated with the
 * catalog's own validatePlan. Deterministic: everything random comes from one
 * seeded Rng, forked per household and round, and nothing reads the clock.
 */
import { validatePlan, formatIssues, type PlanIssue } from '../../daemon/agent/index.js';
import { Rng } from './prng.js';
import { HOUSEHOLDS, householdAt, planContext, checkHousehold, type Household } from './households.js';
import { pickNow, type TimeExpression } from './timeexpr.js';
import { INTENTS, draw, drawFollowup, drawRefusal, type Draft, type FollowupKind, type IntentContext } from './intents.js';
import { planType, type GoldPlan, type PlanType } from './planbuilder.js';
import { refusalIssuesTolerated } from './refusal.js';
import type { Style } from './text.js';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** One line of q2a.jsonl: TaskBench data.json fields plus HomeSight's. */
export interface Sample {
  id: string;
  household: string;
  round: number;
  split: Split;
  type: PlanType;
  n_tools: number;
  instruction: string;
  task_steps: string[];
  task_nodes: GoldPlan['task_nodes'];
  task_links: GoldPlan['task_links'];
  context: {
    now: string;
    timezone: string;
    conversation_id?: string;
    history?: Array<{ question: string; answer: string }>;
  };
}

/** What the generator knows about a sample beyond the JSONL line (statistics, time gold set). */
export interface SampleMeta {
  id: string;
  intent: string;
  category: Draft['category'];
  tags: string[];
  source: 'template' | 'teacher';
  time?: TimeExpression;
}

export interface GenerateOptions {
  seed: number;
  /** How many of the built-in households (default all). */
  households?: number;
  /** Households to generate instead of the built-in ones (the lifelong drift set's); `households` then counts from these. */
  householdList?: readonly Household[];
  /** Asks (conversations) per household and round, before follow-ups (default 48). */
  perRound?: number;
  /** Share of asks that get follow-up turns (default 0.2). */
  followupRate?: number;
  /** Share of asks whose gold plan is a refusal (default 0.1). */
  refusalRate?: number;
  /** Split shares (default train 0.7, val 0.15, test 0.15), per household and round. */
  splitShares?: { val: number; test: number };
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface Generated {
  seed: number;
  samples: Sample[];
  meta: SampleMeta[];
  households: Household[];
  /** Refusal plans today's validatePlan flags (only for their empty compose_answer inputs; see refusal.ts). */
  refusalsRejectedByCatalog: number;
}

/** Side-effect tools each simulated household allows (agent.allow_tools). */
export function allowToolsFor(h: Household): string[] {
  return h.hub_topics.length > 0 ? ['remember', 'publish_to_hub'] : ['remember'];
}

/** validatePlan options for a household as it stands in a round. */
export function validationContext(h: Household): Parameters<typeof validatePlan>[1] {
  const c = planContext(h);
  return { cameras: c.cameras, rooms: c.rooms, people: h.people.map((p) => p.name), hubTopics: h.hub_topics, allowTools: allowToolsFor(h) };
}

export class GoldPlanError extends Error {
  constructor(
    readonly sampleId: string,
    readonly issues: PlanIssue[],
    readonly plan: unknown,
  ) {
    super(
      `gold plan of ${sampleId} does not validate against the catalog:\n  ${formatIssues(issues).join('\n  ')}\n${JSON.stringify(plan)}`,
    );
    this.name = 'GoldPlanError';
  }
}

const STYLE_WEIGHTS: Array<Array<readonly [Style, number]>> = [
  [
    ['plain', 6],
    ['polite', 2],
    ['wake', 2],
    ['chatty', 1],
    ['terse', 0.5],
  ],
  [
    ['plain', 5],
    ['polite', 2],
    ['wake', 2],
    ['chatty', 1.5],
    ['terse', 1],
  ],
  [
    ['plain', 4],
    ['polite', 1.5],
    ['wake', 1.5],
    ['chatty', 2],
    ['terse', 2],
  ],
  [
    ['plain', 3],
    ['polite', 1.5],
    ['wake', 1],
    ['chatty', 2.5],
    ['terse', 3],
  ],
];

/** Text for exact de-duplication: lower case, punctuation dropped, spaces collapsed. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Conversation {
  turns: Array<{ draft: Draft; now: string }>;
}

/** Builds the whole dataset in memory. */
export function generate(options: GenerateOptions): Generated {
  const seed = options.seed >>> 0;
  const pool = options.householdList ?? HOUSEHOLDS;
  const count = options.households ?? pool.length;
  if (!Number.isInteger(count) || count < 1 || count > pool.length) {
    throw new RangeError(`households must be 1..${pool.length} (got ${count})`);
  }
  const perRound = options.perRound ?? 48;
  const followupRate = options.followupRate ?? 0.2;
  const refusalRate = options.refusalRate ?? 0.1;
  const shares = options.splitShares ?? { val: 0.15, test: 0.15 };
  const households = pool.slice(0, count);
  for (const h of households) {
    const problems = checkHousehold(h);
    if (problems.length > 0) throw new Error(`household definition problems:\n${problems.join('\n')}`);
  }
  const root = new Rng(seed);
  const samples: Sample[] = [];
  const meta: SampleMeta[] = [];
  const totalUnits = households.reduce((n, h) => n + h.rounds.length, 0);
  let done = 0;
  let refusalsRejectedByCatalog = 0;

  for (const full of households) {
    const seen = new Set<string>();
    for (const round of full.rounds) {
      const r = round.index;
      const h = householdAt(full, r);
      const rng = root.fork(`${full.id}/round-${r}`);
      const fresh = new Set<string>(
        r === 0
          ? []
          : [
              ...full.people.filter((p) => p.since_round === r).map((p) => p.id),
              ...full.rooms.filter((x) => x.since_round === r).map((x) => x.name),
            ],
      );
      const styleWeights = STYLE_WEIGHTS[Math.min(r, STYLE_WEIGHTS.length - 1)]!;
      const vctx = validationContext(h);
      const conversations: Conversation[] = [];

      for (let ask = 0; ask < perRound; ask++) {
        let made: Conversation | null = null;
        for (let attempt = 0; attempt < 40 && made === null; attempt++) {
          const now = pickNow(rng, h, r);
          const ctx: IntentContext = { rng, full, h, round: r, nowMs: now.nowMs, now: now.now, style: rng.weighted(styleWeights), fresh };
          const draft = rng.chance(refusalRate) ? drawRefusal(ctx) : draw(ctx, rng.weighted(INTENTS.map((d) => [d, d.weight] as const)));
          if (draft === null) continue;
          const key = normalise(draft.instruction);
          if (seen.has(key)) continue;
          seen.add(key);
          const conv: Conversation = { turns: [{ draft, now: now.now }] };
          const def = INTENTS.find((d) => d.id === draft.intent);
          if (def?.followups !== undefined && rng.chance(followupRate)) {
            const n = rng.chance(0.3) ? 2 : 1;
            let parent = draft;
            for (let k = 0; k < n; k++) {
              const kind: FollowupKind = rng.pick(def.followups);
              const fu = drawFollowup(ctx, parent, kind);
              if (fu === null) break;
              conv.turns.push({ draft: fu, now: now.now });
              parent = { ...fu, intent: draft.intent };
            }
          }
          made = conv;
        }
        if (made === null) throw new Error(`${full.id} round ${r}: could not draw an ask after 40 attempts`);
        conversations.push(made);
      }

      // Splits: whole conversations, so no history crosses a split.
      const order = rng.shuffle(conversations.map((_, i) => i));
      const nTest = Math.round(conversations.length * shares.test);
      const nVal = Math.round(conversations.length * shares.val);
      const splitOf = new Map<number, Split>();
      order.forEach((ci, k) => splitOf.set(ci, k < nTest ? 'test' : k < nTest + nVal ? 'val' : 'train'));

      conversations.forEach((conv, ci) => {
        const base = `${full.id}-r${r}-${String(ci).padStart(4, '0')}`;
        const convId = conv.turns.length > 1 ? `${full.id}-r${r}-c${String(ci).padStart(4, '0')}` : undefined;
        conv.turns.forEach((turn, ti) => {
          const id = ti === 0 ? base : `${base}-f${ti}`;
          const plan = turn.draft.plan;
          const issues = validatePlan(plan, vctx);
          const refusal = turn.draft.category === 'refusal';
          if (refusal ? !refusalIssuesTolerated(issues) : issues.length > 0) throw new GoldPlanError(id, issues, plan);
          if (refusal && issues.length > 0) refusalsRejectedByCatalog++;
          const history = conv.turns.slice(0, ti).map((t) => ({ question: t.draft.instruction, answer: t.draft.answer }));
          const context: Sample['context'] = { now: turn.now, timezone: h.timezone };
          if (convId !== undefined) context.conversation_id = convId;
          if (history.length > 0) context.history = history;
          samples.push({
            id,
            household: full.id,
            round: r,
            split: splitOf.get(ci) as Split,
            type: planType(plan),
            n_tools: plan.task_nodes.length,
            instruction: turn.draft.instruction,
            task_steps: plan.task_steps,
            task_nodes: plan.task_nodes,
            task_links: plan.task_links,
            context,
          });
          const m: SampleMeta = { id, intent: turn.draft.intent, category: turn.draft.category, tags: turn.draft.tags, source: 'template' };
          if (turn.draft.params.time !== undefined) m.time = turn.draft.params.time;
          meta.push(m);
        });
      });
      done++;
      options.onProgress?.(done, totalUnits, `${full.id} round ${r}`);
    }
  }
  return { seed, samples, meta, households, refusalsRejectedByCatalog };
}

/** One JSON line per sample with a fixed key order (bytes are part of the determinism contract). */
export function sampleLine(s: Sample): string {
  const ordered = {
    id: s.id,
    household: s.household,
    round: s.round,
    split: s.split,
    type: s.type,
    n_tools: s.n_tools,
    instruction: s.instruction,
    task_steps: s.task_steps,
    task_nodes: s.task_nodes,
    task_links: s.task_links,
    context: s.context,
  };
  return JSON.stringify(ordered);
}
