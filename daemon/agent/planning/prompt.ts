import { HomeSightError } from '../../system/index.js';
import { catalogPrompt, type CatalogSchemaOptions, namedArguments, type PlanRequest, type TaskPlan } from '../catalog/index.js';

/**
 * Builds the planner prompt and fits it into a token budget. What goes in:
 * the catalog, the household (timezone, now, people, rooms, cameras), few-shot
 * examples, recent turns, repair hints, the question. When it does not fit,
 * it drops — in this order — few-shots (least similar first), old turns, the
 * catalog's descriptions (signatures stay), the signatures (names stay),
 * aliases, the tool list (the grammar still constrains every node); and
 * records what it dropped. Text from users and memory goes in as quoted data only: it
 * cannot add tools (the grammar and validator decide what runs).
 */

export type PromptMode = 'node' | 'plan';

/** How much of the catalog the prompt carries: descriptions, signatures, names, or nothing (the grammar alone). */
export type CatalogLevel = 'full' | 'compact' | 'names' | 'none';

export interface PromptOptions {
  /** Token counter of the target model (a chars/4 estimate for remote models). */
  countTokens: (text: string) => number;
  /** Tokens the prompt may use. */
  budget: number;
  /** At most this many few-shots (before budget drops). */
  fewShots: number;
  /** node: the prompt ends inside `{"task_nodes": [` for node-by-node generation; plan: before the whole plan. */
  mode: PromptMode;
  catalog?: CatalogSchemaOptions;
  /** At most this many recent turns. Default 3. */
  historyTurns?: number;
}

export interface BuiltPrompt {
  text: string;
  tokens: number;
  dropped: string[];
  /** What stayed: counts for the trace. */
  kept: { examples: number; history: number; catalog: CatalogLevel };
}

/** The plan as a compact single line (task_nodes only: links follow from references). */
export function compactPlan(plan: TaskPlan): string {
  return JSON.stringify({ task_nodes: plan.task_nodes.map((n) => ({ task: n.task, arguments: namedArguments(n) })) });
}

/** Quotes untrusted text as one JSON string line, so it cannot pose as prompt structure. */
export function quote(text: string, max = 300): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** The text after which the model writes nodes (node mode). */
export const NODE_PREFIX = 'Plan: {"task_nodes": [';

export function buildPrompt(req: PlanRequest, o: PromptOptions): BuiltPrompt {
  const dropped: string[] = [];
  let examples = (req.examples ?? []).slice(0, o.fewShots);
  if ((req.examples?.length ?? 0) > o.fewShots) dropped.push(`few-shots beyond ${o.fewShots}`);
  let history = (req.history ?? []).slice(-(o.historyTurns ?? 3));
  let level: CatalogLevel = 'full';
  let aliases = true;

  const render = (): string => {
    const lines: string[] = [];
    if (level === 'none') lines.push('Plan the tool calls that answer the question.');
    else {
      lines.push(
        'You plan how HomeSight answers a question about the home. ' +
          'Write a JSON plan of tool calls using only these tools; "<node-j>" passes the output of node j.',
      );
      lines.push('Tools:');
      if (level === 'names')
        lines.push(
          catalogPrompt({ ...(o.catalog ?? {}), compact: true })
            .split('\n')
            .map((l) => l.replace(/\(.*$/, ''))
            .join(', '),
        );
      else lines.push(catalogPrompt({ ...(o.catalog ?? {}), compact: level === 'compact' }));
    }
    const people = req.household.people.map((p) => (aliases && p.aliases.length > 0 ? `${p.name} (${p.aliases.join(', ')})` : p.name));
    lines.push(
      `Home: timezone ${req.timezone}; now ${req.now}` +
        (people.length > 0 ? `; people ${people.join(', ')}` : '') +
        (req.household.rooms.length > 0 ? `; rooms ${req.household.rooms.join(', ')}` : '') +
        (req.household.cameras.length > 0 ? `; cameras ${req.household.cameras.join(', ')}` : ''),
    );
    for (const e of examples) {
      lines.push(`Q: ${quote(e.question)}`);
      lines.push(`Plan: ${compactPlan(e.plan)}`);
    }
    if (history.length > 0) {
      lines.push('Earlier in this conversation:');
      for (const h of history) lines.push(`Q: ${quote(h.question)} A: ${quote(h.answer, 200)}`);
    }
    if (req.repairHints !== undefined && req.repairHints.length > 0) {
      if (req.previousPlan !== undefined) lines.push(`Previous plan: ${compactPlan(req.previousPlan)}`);
      lines.push('Fix these problems of the previous plan:');
      for (const h of req.repairHints.slice(0, 8)) lines.push(`- ${h.slice(0, 200)}`);
    }
    lines.push(`Q: ${quote(req.question, 500)}`);
    lines.push(o.mode === 'node' ? NODE_PREFIX : 'Plan: ');
    return lines.join('\n');
  };

  for (;;) {
    const text = render();
    const tokens = o.countTokens(text);
    if (tokens <= o.budget) {
      return { text, tokens, dropped, kept: { examples: examples.length, history: history.length, catalog: level } };
    }
    if (examples.length > 0) {
      dropped.push(`few-shot "${examples[examples.length - 1]!.question.slice(0, 40)}"`);
      examples = examples.slice(0, -1);
    } else if (history.length > 0) {
      dropped.push('oldest conversation turn');
      history = history.slice(1);
    } else if (level === 'full') {
      dropped.push('tool descriptions (compact catalog)');
      level = 'compact';
    } else if (level === 'compact') {
      dropped.push('tool signatures (tool names only)');
      level = 'names';
    } else if (aliases && req.household.people.some((p) => p.aliases.length > 0)) {
      dropped.push('people aliases');
      aliases = false;
    } else if (level === 'names') {
      dropped.push('tool list (the grammar alone constrains the plan)');
      level = 'none';
    } else {
      throw new HomeSightError('E_PROMPT_BUDGET', `the planner prompt needs ${tokens} tokens but the budget is ${o.budget}`, {
        context: { tokens, budget: o.budget, dropped },
        hint: 'raise agent.llm.context_size (the model must support it) or lower agent.llm.max_tokens',
      });
    }
  }
}
