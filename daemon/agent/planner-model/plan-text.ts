import { HomeSightError } from '../../system/index.js';
import { CATALOG, NODE_REF, namedArguments, type TaskNode, type TaskPlan, type ToolDefinition } from '../catalog/index.js';
// steps.js, not the planning barrel: planning's local planner imports this folder (no circle).
import { describeSteps, linksFromRefs } from '../planning/steps.js';
import { isFreeText, PLACEHOLDER } from './arg-class.js';

/**
 * The plan text the planner model writes: one node per line, then `end`.
 *
 *     resolve_time phrase=<time-1>
 *     who_was_where start=#0 end=#0 camera=<camera-1>
 *     compose_answer question=<question> inputs=[#0,#1]
 *     end
 *
 * A line is `<tool>( <arg>=<value>)*`; arguments in catalog order. Values:
 * `#j` is the output of node j (0-based: TaskBench's "<node-j>"); `[a,b]` a
 * list; numbers, true/false/null as in JSON; a string is written bare when
 * it has no spaces, quotes, brackets or commas and cannot be read as another
 * value (`<person-1>`, `porch`, `2024-05-03`), else JSON-quoted; free text
 * (a time phrase, a fact, a query, the question) is always quoted unless it
 * is a placeholder, so the grammar can hold it to spans of the question. It converts
 * one-to-one to the TaskBench plan: task_nodes are the lines; task_links
 * follow from the references (a link that does not is written as a
 * `link <source> <target>` line before `end`); task_steps are derived from the
 * nodes (describeSteps), their prose is not carried.
 */

export const END_MARKER = 'end';

const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BARE = /^[^\s"[\],#={}][^\s"[\],{}]*$/u;

function canBeBare(s: string): boolean {
  return BARE.test(s) && !NUMBER.test(s) && s !== 'true' && s !== 'false' && s !== 'null' && s !== END_MARKER;
}

/** One argument value as plan text; `quote` forces strings other than references and placeholders into quotes (free text). */
export function renderValue(v: unknown, quote = false): string {
  if (typeof v === 'string') {
    const ref = NODE_REF.exec(v);
    if (ref !== null) return `#${ref[1]}`;
    if (quote && !PLACEHOLDER.test(v)) return JSON.stringify(v);
    return canBeBare(v) ? v : JSON.stringify(v);
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new HomeSightError('E_PLAN_SHAPE', `a plan argument is the number ${v}, which plan text cannot carry`, {
        context: { value: String(v) },
      });
    return JSON.stringify(v);
  }
  if (typeof v === 'boolean' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => renderValue(x, quote)).join(',')}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  throw new HomeSightError('E_PLAN_SHAPE', `a plan argument has a value of type ${typeof v}, which plan text cannot carry`, {
    context: { type: typeof v },
  });
}

const TOOLS = new Map<string, ToolDefinition>((CATALOG as readonly unknown[] as ToolDefinition[]).map((t) => [t.name, t]));

/** Argument names of a node in the order the text writes them: the tool's own order, then unknown ones as given. */
function orderedArguments(node: TaskNode): Array<[string, unknown]> {
  const args = namedArguments(node);
  const tool = TOOLS.get(node.task);
  const known = tool === undefined ? [] : Object.keys(tool.input.shape).filter((k) => k in args);
  const rest = Object.keys(args).filter((k) => !known.includes(k));
  return [...known, ...rest].map((k) => [k, args[k]]);
}

function linkKey(l: { source: string; target: string }): string {
  return `${l.source}\u0000${l.target}`;
}

/** The plan as plan text (ends with the end marker and a newline). */
export function formatPlanText(plan: Pick<TaskPlan, 'task_nodes'> & Partial<Pick<TaskPlan, 'task_links'>>): string {
  const lines = plan.task_nodes.map((n) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n.task) || n.task === END_MARKER || n.task === 'link') {
      throw new HomeSightError('E_PLAN_SHAPE', `plan text cannot carry a tool named "${n.task}"`, { context: { task: n.task } });
    }
    const args = orderedArguments(n).map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        throw new HomeSightError('E_PLAN_SHAPE', `plan text cannot carry an argument named "${k}"`, {
          context: { task: n.task, argument: k },
        });
      return ` ${k}=${renderValue(v, isFreeText(n.task, k))}`;
    });
    return `${n.task}${args.join('')}`;
  });
  const derived = new Set(linksFromRefs(plan.task_nodes).map(linkKey));
  const extra: string[] = [];
  for (const l of plan.task_links ?? []) {
    const key = linkKey(l);
    if (derived.has(key)) continue;
    derived.add(key);
    extra.push(`link ${l.source} ${l.target}`);
  }
  return `${[...lines, ...extra, END_MARKER].join('\n')}\n`;
}

class Cursor {
  i = 0;
  constructor(
    readonly s: string,
    readonly line: number,
  ) {}
  fail(what: string): never {
    throw new HomeSightError('E_PLAN_SHAPE', `plan text line ${this.line + 1}, column ${this.i + 1}: ${what}`, {
      context: { line: this.line + 1, column: this.i + 1, text: this.s.slice(0, 200) },
      hint: 'a line is `<tool> <arg>=<value> …`; values are #j, [a,b], numbers, true/false/null, bare words or "quoted text"',
    });
  }
  peek(): string | undefined {
    return this.s[this.i];
  }
}

/** A JSON string or object/array literal starting at the cursor (strings may contain anything). */
function readJson(c: Cursor): unknown {
  const start = c.i;
  let depth = 0;
  let inString = false;
  for (; c.i < c.s.length; c.i++) {
    const ch = c.s[c.i]!;
    if (inString) {
      if (ch === '\\') c.i++;
      else if (ch === '"') {
        inString = false;
        if (depth === 0) break;
      }
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) break;
    }
  }
  if (c.i >= c.s.length) c.fail('unterminated quoted text');
  c.i++;
  try {
    return JSON.parse(c.s.slice(start, c.i)) as unknown;
  } catch {
    c.i = start;
    return c.fail('invalid quoted text');
  }
}

function readValue(c: Cursor, inList: boolean): unknown {
  const ch = c.peek();
  if (ch === undefined) return c.fail('a value is missing');
  if (ch === '"' || ch === '{') return readJson(c);
  if (ch === '[') {
    c.i++;
    const out: unknown[] = [];
    if (c.peek() === ']') {
      c.i++;
      return out;
    }
    for (;;) {
      out.push(readValue(c, true));
      const next = c.peek();
      c.i++;
      if (next === ']') return out;
      if (next !== ',') {
        c.i--;
        c.fail('expected "," or "]" in a list');
      }
    }
  }
  const start = c.i;
  while (c.i < c.s.length && !/\s/.test(c.s[c.i]!) && !(inList && (c.s[c.i] === ',' || c.s[c.i] === ']'))) c.i++;
  const word = c.s.slice(start, c.i);
  if (word === '') return c.fail('a value is missing');
  const ref = /^#(\d+)$/.exec(word);
  if (ref !== null) return `<node-${ref[1]}>`;
  if (word.startsWith('#')) {
    c.i = start;
    c.fail(`"${word}" is not a node reference (#0, #1, …)`);
  }
  if (NUMBER.test(word)) return Number(word);
  if (word === 'true') return true;
  if (word === 'false') return false;
  if (word === 'null') return null;
  if (/["[\]{}]/.test(word)) {
    c.i = start;
    c.fail(`"${word}" must be quoted`);
  }
  return word;
}

function parseNodeLine(text: string, line: number): TaskNode {
  const c = new Cursor(text, line);
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text);
  if (name === null) return c.fail('a line starts with a tool name');
  c.i = name[0].length;
  const args: Record<string, unknown> = {};
  while (c.i < text.length) {
    if (c.peek() !== ' ') c.fail('arguments are separated by one space');
    c.i++;
    const key = /^[A-Za-z_][A-Za-z0-9_]*=/.exec(text.slice(c.i));
    if (key === null) return c.fail('expected <argument>=<value>');
    const k = key[0].slice(0, -1);
    if (k in args) c.fail(`argument "${k}" is given twice`);
    c.i += key[0].length;
    args[k] = readValue(c, false);
  }
  return { task: name[0], arguments: args };
}

/**
 * Plan text → TaskBench plan. Throws E_PLAN_SHAPE on a malformed line and
 * E_PLAN_TRUNCATED when the end marker is missing (generation stopped early).
 */
export function parsePlanText(text: string): TaskPlan {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines[lines.length - 1]?.trim() !== END_MARKER) {
    throw new HomeSightError('E_PLAN_TRUNCATED', `plan text does not end with "${END_MARKER}"`, {
      context: { lines: lines.length, last: (lines[lines.length - 1] ?? '').slice(0, 120) },
      hint: 'the model stopped before the plan was complete: raise its token limit',
    });
  }
  lines.pop();
  const nodes: TaskNode[] = [];
  const extraLinks: Array<{ source: string; target: string }> = [];
  lines.forEach((l, i) => {
    const link = /^link ([A-Za-z_][A-Za-z0-9_]*) ([A-Za-z_][A-Za-z0-9_]*)$/.exec(l);
    if (link !== null) extraLinks.push({ source: link[1]!, target: link[2]! });
    else if (extraLinks.length > 0) new Cursor(l, i).fail('node lines come before link lines');
    else nodes.push(parseNodeLine(l, i));
  });
  const links = linksFromRefs(nodes);
  for (const l of extraLinks) if (!links.some((x) => linkKey(x) === linkKey(l))) links.push(l);
  return { task_steps: describeSteps(nodes), task_nodes: nodes, task_links: links };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length && ka.every((k) => k in b && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

/**
 * Whether two plans are the same task graph: the same tools in the same order
 * with the same named arguments (in any order) and the same set of links.
 * task_steps are prose and do not count. This is what plan text preserves.
 */
export function samePlan(a: Pick<TaskPlan, 'task_nodes' | 'task_links'>, b: Pick<TaskPlan, 'task_nodes' | 'task_links'>): boolean {
  if (a.task_nodes.length !== b.task_nodes.length) return false;
  if (!a.task_nodes.every((n, i) => n.task === b.task_nodes[i]!.task && sameValue(namedArguments(n), namedArguments(b.task_nodes[i]!))))
    return false;
  const la = new Set(a.task_links.map(linkKey));
  const lb = new Set(b.task_links.map(linkKey));
  return la.size === lb.size && [...la].every((k) => lb.has(k));
}
