/**
 * Draws the corpus's conversations: generated households × the Q2A intents
 * (their gold plans, one source of truth) × named phrasings, with speaking
 * styles, typing noise, multi-part questions, follow-ups and refusals. Every
 * gold plan is checked with the catalog's validatePlan. Everything random
 * comes from one seed (a stream per household), and nothing reads the clock.
 */
import { validatePlan } from '../../daemon/agent/index.js';
import {
  type Draft,
  draw,
  drawFollowup,
  drawRefusal,
  type FollowupKind,
  type GoldPlan,
  GoldPlanError,
  type Household,
  INTENTS,
  type IntentContext,
  type IntentDef,
  normalise,
  type Phrasing,
  PlanBuilder,
  pickNow,
  Rng,
  refusalIssuesTolerated,
  type Style,
  validationContext,
} from '../datasets/index.js';
import { CORPUS_INTENTS } from './intents.js';
import { addTypos } from './noise.js';
import { CORPUS_REFUSALS, followupPhrasings, phrasingsFor } from './phrasings.js';

/** The intents the corpus draws: the Q2A ones and the corpus's memory intents. */
export const ALL_INTENTS: readonly IntentDef[] = [...INTENTS, ...CORPUS_INTENTS];

/** One turn of a drawn conversation. */
export interface Turn {
  draft: Draft;
  /** Every template the turn was written from (two for a multi-part question). */
  templates: string[];
  style: Style;
  typos: number;
  multiPart: boolean;
}

export interface Conversation {
  now: string;
  nowMs: number;
  turns: Turn[];
  /** Normalised text of each turn with its history: the de-duplication keys. */
  keys: string[];
}

export interface DrawRates {
  refusal: number;
  multiPart: number;
  followup: number;
  typo: number;
}

export const DEFAULT_RATES: DrawRates = { refusal: 0.1, multiPart: 0.07, followup: 0.2, typo: 0.12 };

const STYLE_WEIGHTS: ReadonlyArray<readonly [Style, number]> = [
  ['plain', 4],
  ['polite', 1.5],
  ['wake', 1.5],
  ['chatty', 1.5],
  ['terse', 2],
  ['voice', 1.5],
];

const NODE_REF = /^<node-(\d+)>$/;

function shiftRefs(v: unknown, by: number): unknown {
  if (typeof v === 'string') {
    const m = NODE_REF.exec(v);
    return m === null ? v : `<node-${Number(m[1]) + by}>`;
  }
  if (Array.isArray(v)) return v.map((x) => shiftRefs(x, by));
  return v;
}

const stepText = (s: string): string => s.replace(/^Step \d+: /, '');

/** Whether a draft is a question answered by one final compose_answer over tool results. */
function answersFromTools(d: Draft): boolean {
  const last = d.plan.task_nodes[d.plan.task_nodes.length - 1];
  const inputs = (last?.arguments as { inputs?: unknown } | undefined)?.inputs;
  return last?.task === 'compose_answer' && Array.isArray(inputs) && inputs.length > 0 && d.plan.task_nodes.length > 1;
}

const lowerFirst = (s: string): string => (/^(I|I'm|I'll)\b/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1));

/**
 * Two questions asked in one breath: the first plan's tools, the second's
 * (references shifted), and one compose_answer over both results.
 */
export function combineDrafts(a: Draft, b: Draft, rng: Rng): Draft {
  const punctuated = /[?.!]$/.test(a.instruction);
  const second = punctuated ? b.instruction : lowerFirst(b.instruction).replace(/[?.!,]/g, '');
  const joiner = punctuated ? rng.pick(['And ', 'Also, ', 'And also ', 'Plus ', 'Oh and ']) : rng.pick(['and ', 'and also ', 'also ']);
  const instruction = `${a.instruction} ${joiner}${punctuated ? lowerFirst(second) : second}`;
  const builder = new PlanBuilder();
  const aTools = a.plan.task_nodes.slice(0, -1);
  const bTools = b.plan.task_nodes.slice(0, -1);
  aTools.forEach((n, i) => builder.add(n.task, n.arguments, stepText(a.plan.task_steps[i] as string)));
  const offset = aTools.length;
  bTools.forEach((n, i) => {
    const args = Object.fromEntries(Object.entries(n.arguments).map(([k, v]) => [k, shiftRefs(v, offset)]));
    builder.add(n.task, args, stepText(b.plan.task_steps[i] as string));
  });
  const aLast = a.plan.task_nodes[a.plan.task_nodes.length - 1]!.arguments as { inputs: unknown[] };
  const bLast = b.plan.task_nodes[b.plan.task_nodes.length - 1]!.arguments as { inputs: unknown[] };
  builder.add(
    'compose_answer',
    { question: instruction, inputs: [...aLast.inputs, ...(shiftRefs(bLast.inputs, offset) as unknown[])] },
    'Answer both questions from their results',
  );
  return {
    intent: 'multi_part',
    category: 'multi',
    instruction,
    plan: builder.build(),
    params: a.params,
    tags: [...new Set([...a.tags, ...b.tags, 'multi_part'])],
    answer: `${a.answer} ${b.answer}`,
    template: `${a.template}+${b.template}`,
  };
}

/** Draws conversations for one household from its own random stream. */
export class ConversationDrawer {
  private readonly rng: Rng;
  private readonly vctx: ReturnType<typeof validationContext>;
  private readonly intentWeights: ReadonlyArray<readonly [IntentDef, number]>;

  constructor(
    private readonly h: Household,
    seed: number,
    private readonly rates: DrawRates = DEFAULT_RATES,
  ) {
    this.rng = new Rng(seed).fork(`corpus-asks/${h.id}`);
    this.vctx = validationContext(h);
    this.intentWeights = ALL_INTENTS.map((d) => [d, d.weight] as const);
  }

  private phrasing(options: Phrasing[]): { phrasing: Phrasing; typos: number } {
    const p = this.rng.pick(options);
    if (!this.rng.chance(this.rates.typo)) return { phrasing: p, typos: 0 };
    const n = this.rng.chance(0.75) ? 1 : 2;
    return { phrasing: { id: p.id, text: addTypos(p.text, n, this.rng) }, typos: n };
  }

  private first(ctx: IntentContext): Turn | null {
    const rng = this.rng;
    if (rng.chance(this.rates.refusal)) {
      const d = drawRefusal(ctx, CORPUS_REFUSALS);
      return d === null ? null : { draft: d, templates: [d.template], style: ctx.style, typos: 0, multiPart: false };
    }
    const def = rng.weighted(this.intentWeights);
    const { phrasing, typos } = this.phrasing(phrasingsFor(def));
    const a = draw(ctx, def, phrasing);
    if (a === null) return null;
    if (rng.chance(this.rates.multiPart) && answersFromTools(a)) {
      const defB = rng.weighted(this.intentWeights);
      const pb = this.phrasing(phrasingsFor(defB));
      const b = draw({ ...ctx, style: ctx.style === 'voice' || ctx.style === 'terse' ? ctx.style : 'plain' }, defB, pb.phrasing);
      if (b !== null && b.intent !== a.intent && answersFromTools(b)) {
        const c = combineDrafts(a, b, rng);
        return { draft: c, templates: [a.template, b.template], style: ctx.style, typos: typos + pb.typos, multiPart: true };
      }
    }
    return { draft: a, templates: [a.template], style: ctx.style, typos, multiPart: false };
  }

  /** One conversation (1–3 turns); null when this attempt drew nothing usable. */
  draw(): Conversation | null {
    const rng = this.rng;
    const now = pickNow(rng, this.h, 0);
    const ctx: IntentContext = {
      rng,
      full: this.h,
      h: this.h,
      round: 0,
      nowMs: now.nowMs,
      now: now.now,
      style: rng.weighted(STYLE_WEIGHTS),
      fresh: new Set(),
    };
    const head = this.first(ctx);
    if (head === null) return null;
    const turns: Turn[] = [head];
    const def = ALL_INTENTS.find((d) => d.id === head.draft.intent);
    if (def?.followups !== undefined && rng.chance(this.rates.followup)) {
      const n = rng.chance(0.3) ? 2 : 1;
      let parent = head.draft;
      for (let k = 0; k < n; k++) {
        // "What was she doing there?" names whoever the previous *answer* named; the model's prompt carries the
        // previous question and plan but not the answer, so the corpus leaves that kind out (it would teach invention).
        const kinds = def.followups.filter((k) => k !== 'pronoun_activity');
        if (kinds.length === 0) break;
        const kind: FollowupKind = rng.pick(kinds);
        const { phrasing, typos } = this.phrasing(followupPhrasings(kind));
        const fu = drawFollowup(ctx, parent, kind, phrasing);
        if (fu === null) break;
        turns.push({ draft: fu, templates: [fu.template], style: ctx.style, typos, multiPart: false });
        parent = { ...fu, intent: head.draft.intent };
      }
    }
    const keys: string[] = [];
    let history = '';
    for (const t of turns) {
      history = history === '' ? normalise(t.draft.instruction) : `${history} ␞ ${normalise(t.draft.instruction)}`;
      keys.push(history);
    }
    return { now: now.now, nowMs: now.nowMs, turns, keys };
  }

  /** Throws GoldPlanError when a turn's gold plan does not validate against the catalog. */
  check(conv: Conversation, id: string): void {
    conv.turns.forEach((t, i) => {
      const plan: GoldPlan = t.draft.plan;
      const issues = validatePlan(plan, this.vctx);
      const ok = t.draft.category === 'refusal' ? refusalIssuesTolerated(issues) : issues.length === 0;
      if (!ok) throw new GoldPlanError(`${id}-t${i}`, issues, plan);
    });
  }
}
