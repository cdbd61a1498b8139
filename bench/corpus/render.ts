/**
 * The planner model's prompt and target for a corpus turn, written exactly as
 * the daemon will at plan time: mentions detected against the household
 * (daemon/grounding), the compact prompt (buildModelPrompt) and the plan text
 * of the delexicalised gold plan (formatPlanText ∘ delexicalisePlan). A raw
 * sample skips detection, so the question keeps its names and the target
 * copies the household's values; compose_answer's question is `<question>` in
 * both (the caller's question goes back in at relexicalisation).
 */

import type { TaskPlan } from '../../daemon/agent/index.js';
import {
  buildModelPrompt,
  formatPlanText,
  type ModelPromptInput,
  parsePlanText,
  samePlan,
} from '../../daemon/agent/planner-model/index.js';
import { resolveTimePhrase } from '../../daemon/agent/planning/index.js';
import {
  type Delexicalised,
  delexicalisePlan,
  detectMentions,
  type GroundingContext,
  type Mention,
  relexicalise,
} from '../../daemon/grounding/index.js';
import type { GoldPlan, Household } from '../datasets/index.js';
import type { SampleRenderer, TurnInput } from './build.js';

/** The household as the daemon knows it at plan time (people, aliases, kinship, groups, cameras, rooms, routines, who asks). */
export function groundingContext(h: Household, now: string): GroundingContext {
  const nameOf = new Map(h.people.map((p) => [p.id, p.name]));
  return {
    timezone: h.timezone,
    now,
    people: h.people.map((p) => ({
      name: p.name,
      aliases: p.aliases.map((a) => a.text),
      kinship: p.relation === 'self' ? [] : [p.relation],
      resident: p.resident,
    })),
    groups: h.groups.map((g) => ({ phrases: [g.phrase], members: g.members.map((m) => nameOf.get(m) ?? m) })),
    cameras: h.cameras.map((c) => ({ id: c.name, room: c.room })),
    rooms: h.rooms.map((r) => ({ name: r.name, aliases: r.aliases.map((a) => a.text) })),
    routines: h.routines.filter((r) => r.phrases.length > 0).map((r) => ({ id: r.id, phrases: r.phrases })),
    asker: nameOf.get(h.speaker) ?? h.speaker,
    resolveTime: (phrase, nowMs, timezone) => resolveTimePhrase(phrase, nowMs, timezone),
  };
}

const rawQuestion = (text: string): Delexicalised => ({ text, mentions: [] });

/** A rendered turn and the mentions its placeholders stand for (numbered through the conversation). */
export interface RenderedTurn {
  prompt: string;
  target: string;
  mentions: Mention[];
  /** The target relexicalises to the gold plan (time phrases compared without case). */
  faithful: boolean;
}

function lowerPhrases(plan: TaskPlan): TaskPlan {
  return {
    ...plan,
    task_nodes: plan.task_nodes.map((n) =>
      n.task === 'resolve_time' && !Array.isArray(n.arguments) && typeof n.arguments.phrase === 'string'
        ? { ...n, arguments: { ...n.arguments, phrase: n.arguments.phrase.toLowerCase() } }
        : n,
    ),
  };
}

/** Whether plan text relexicalises to the gold plan: what a model that writes this target would be scored on. */
export function mapsBack(target: string, mentions: readonly Mention[], question: string, gold: GoldPlan): boolean {
  const back = relexicalise(parsePlanText(target), mentions, { question });
  return samePlan(lowerPhrases(back), lowerPhrases(gold as TaskPlan));
}

/**
 * Prompt and target of one turn. Mentions are detected turn by turn through
 * the conversation (an entity named again keeps its placeholder), so the
 * previous turn's plan and this turn's target use the same numbering.
 */
export function renderTurn(turn: TurnInput, delex: boolean): RenderedTurn {
  const ctx = groundingContext(turn.household, turn.now);
  const questions = [...turn.history.map((h) => h.question), turn.question];
  const detected: Delexicalised[] = [];
  let known: Mention[] = [];
  for (const q of questions) {
    const d = delex ? detectMentions(q, ctx, { continueFrom: known }) : rawQuestion(q);
    detected.push(d);
    known = [...known, ...d.mentions];
  }
  const current = detected[detected.length - 1] as Delexicalised;
  const input: ModelPromptInput = { question: current, now: turn.now, timezone: turn.timezone };
  const last = turn.history[turn.history.length - 1];
  if (last !== undefined) {
    const before = detected.slice(0, -1).flatMap((d) => d.mentions);
    input.previous = {
      question: (detected[detected.length - 2] as Delexicalised).text,
      plan: delexicalisePlan(last.plan, before, { question: last.question }),
    };
  }
  const target = formatPlanText(delexicalisePlan(turn.plan, known, { question: turn.question }));
  return { prompt: buildModelPrompt(input), target, mentions: known, faithful: mapsBack(target, known, turn.question, turn.plan) };
}

/** The renderer the corpus is built with: the planner model's own formats. */
export function modelRenderer(): SampleRenderer {
  return {
    render(turn: TurnInput, delex: boolean) {
      const { prompt, target, faithful } = renderTurn(turn, delex);
      return { prompt, target, faithful };
    },
  };
}
