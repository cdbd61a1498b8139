import { type Ambiguity, findAmbiguities } from '../../grounding/index.js';
import type { PlanRequest, TaskPlan } from '../catalog/index.js';
import { groundingContextFor, requestMentions } from './model-planner.js';
import { questionShape } from './question-shape.js';

/**
 * The ambiguity policy, the same for every planner: a question whose person,
 * camera or group words fit several things (or nothing the household defines,
 * like a name nobody here has) is asked back — the answer is a question naming
 * the candidates, and nothing else runs. Planners never see such a request, so
 * none of them can guess or drop the name.
 */

/** "a, b or c". */
function orList(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/** "a, b and c". */
function andList(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function askBack(a: Ambiguity): string {
  switch (a.kind) {
    case 'unknown':
      return a.candidates.length === 0
        ? `I don't know anyone called "${a.surface}"; this household has no people configured.`
        : `I don't know anyone called "${a.surface}" here; the people I know are ${andList(a.candidates)}.`;
    case 'person':
      return `Which "${a.surface}" do you mean: ${orList(a.candidates)}?`;
    case 'place':
      return `Which camera do you mean by "${a.surface}": ${orList(a.candidates)}?`;
    case 'group':
      return a.candidates.length === 0
        ? `Who are "${a.surface}"? This household has no people configured.`
        : `Who are "${a.surface}"? The household does not say; the people here are ${andList(a.candidates)}.`;
  }
}

export interface Clarification {
  /** The answer: one question back per ambiguity, and how to go on. */
  question: string;
  ambiguities: Ambiguity[];
}

/** The ask-back for a request, or null when every person, camera and group it names is clear. */
export function clarificationFor(req: PlanRequest): Clarification | null {
  const found = findAmbiguities(req.question, groundingContextFor(req), requestMentions(req).question.mentions);
  // A statement to keep may introduce someone new ("the fella in the hi-vis is Pádraig"): that name is the fact.
  const ambiguities = questionShape(req).memoryWrite ? found.filter((a) => a.kind !== 'unknown') : found;
  if (ambiguities.length === 0) return null;
  return { question: `${ambiguities.map(askBack).join(' ')} Ask again with the name and I will look.`, ambiguities };
}

/** The plan of an ask-back: the answer alone, no tool runs. */
export function clarificationPlan(question: string, c: Clarification): TaskPlan {
  return {
    task_steps: [`Step 1: Ask back: ${c.question}`],
    task_nodes: [{ task: 'compose_answer', arguments: { question: question.slice(0, 280), inputs: [] } }],
    task_links: [],
  };
}
