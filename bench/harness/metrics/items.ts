import { namedArguments, resolveRefs, type TaskPlan } from '../agent.js';
import { normalizeValue, pythonStr } from './values.js';

/**
 * How task links and argument names are read, as in TaskBench's evaluate.py:
 *  - `temporal` (dailylifeapis, HomeSight's own Q2A data; `--ignore_tool_type true`):
 *    links are `task_links` as given; arguments are named ({name, value} lists or
 *    an object of named values).
 *  - `resource` (huggingface, multimedia): tool names have "_" replaced by " ";
 *    links are re-derived from "<node-j>" argument references (self references
 *    skipped, `task_links` ignored); an argument's name is the source tool's
 *    first output type for a reference, else the content type guessed from a file
 *    extension (image/audio/video/text), and its value is the source tool name or
 *    the string itself.
 */
export type LinkMode = 'temporal' | 'resource';

export interface PlanItemOptions {
  mode: LinkMode;
  /** Resource mode: tool id → its first output type ("none" when it has none). */
  outputTypes?: ReadonlyMap<string, string>;
  /** Household timezone, for times without an offset in normalised values. */
  timezone?: string;
}

/** What the metrics compare, per plan. */
export interface PlanItems {
  /** Node (tool) names in plan order. */
  names: string[];
  /** Links as "source → target" keys (the pair is what counts). */
  links: string[];
  /** "task-argName" (t-F1). */
  argNames: string[];
  /** "task-argName-value" with the value normalised (v-F1). */
  argValues: string[];
  /** "task-argName-value" with the value as Python's str() prints it (TaskBench v-F1). */
  argValuesExact: string[];
  /** task_steps as given. */
  steps: string[];
}

export const LINK_SEPARATOR = ' → ';

export function linkKey(source: string, target: string): string {
  return `${source}${LINK_SEPARATOR}${target}`;
}

/** TaskBench's get_content_type: extension substring tests in this order. */
export function contentType(content: string): 'image' | 'audio' | 'video' | 'text' {
  const c = content.replace(/^'+|'+$/g, '');
  for (const ext of ['jpg', 'png', 'jpeg', 'gif', 'bmp', 'tiff', 'svg', 'ico']) if (c.includes('.' + ext)) return 'image';
  for (const ext of ['mp3', 'wav', 'wma', 'ogg', 'aac', 'flac', 'aiff', 'au']) if (c.includes('.' + ext)) return 'audio';
  for (const ext of ['mp4', 'avi', 'mov', 'flv', 'wmv', 'mkv', 'webm', 'm4v', 'mpg', 'mpeg']) if (c.includes('.' + ext)) return 'video';
  return 'text';
}

const REF_IN_TEXT = '<node-';

function resourceItems(plan: TaskPlan, opts: PlanItemOptions): Omit<PlanItems, 'steps'> {
  const names = plan.task_nodes.map((n) => n.task.replace(/_/g, ' '));
  const links: string[] = [];
  const argNames: string[] = [];
  const argValues: string[] = [];
  const argValuesExact: string[] = [];
  plan.task_nodes.forEach((node, inx) => {
    const raw = Array.isArray(node.arguments) ? node.arguments : Object.values(node.arguments);
    for (const a of raw) {
      // evaluate.py: a dict argument is replaced by its first value, a list is joined by spaces.
      let arg: unknown = a;
      if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) arg = Object.values(arg)[0];
      if (Array.isArray(arg)) arg = arg.map((x) => pythonStr(x)).join(' ');
      const text = pythonStr(arg);
      let name: string;
      let value: string;
      const at = text.indexOf(REF_IN_TEXT);
      if (at >= 0) {
        const end = text.indexOf('>');
        const j = Number.parseInt(text.slice(at + REF_IN_TEXT.length, end), 10);
        if (j === inx) continue; // self reference: skipped
        const source = names[j];
        if (!Number.isInteger(j) || source === undefined) continue; // evaluate.py would fail on this argument
        links.push(linkKey(source, node.task)); // evaluate.py links target = the raw task name
        name = opts.outputTypes?.get(source) ?? 'other';
        value = source;
      } else {
        name = contentType(text);
        value = text;
      }
      const task = names[inx]!;
      argNames.push(`${task}-${name}`);
      argValuesExact.push(`${task}-${name}-${value}`);
      argValues.push(`${task}-${name}-${normalizeValue(value, opts.timezone)}`);
    }
  });
  return { names, links, argNames, argValues, argValuesExact };
}

function temporalItems(plan: TaskPlan, opts: PlanItemOptions): Omit<PlanItems, 'steps'> {
  const names = plan.task_nodes.map((n) => n.task);
  const links = plan.task_links.map((l) => linkKey(l.source, l.target));
  const argNames: string[] = [];
  const argValues: string[] = [];
  const argValuesExact: string[] = [];
  plan.task_nodes.forEach((node) => {
    for (const [name, value] of Object.entries(namedArguments(node))) {
      argNames.push(`${node.task}-${name}`);
      argValuesExact.push(`${node.task}-${name}-${pythonStr(value)}`);
      argValues.push(`${node.task}-${name}-${normalizeValue(resolveRefs(value, names), opts.timezone)}`);
    }
  });
  return { names, links, argNames, argValues, argValuesExact };
}

/** Extracts the compared items of one plan. Pure. */
export function planItems(plan: TaskPlan, opts: PlanItemOptions): PlanItems {
  const base = opts.mode === 'resource' ? resourceItems(plan, opts) : temporalItems(plan, opts);
  return { ...base, steps: [...plan.task_steps] };
}

/** The plan a failed or unparsable prediction counts as: nothing predicted. */
export const EMPTY_PLAN: TaskPlan = Object.freeze({ task_steps: [], task_nodes: [], task_links: [] }) as TaskPlan;
