import { z } from 'zod';
import { MAX_NODES, type CatalogContext } from './grammar.js';
import { NODE_REF, namedArguments, taskPlanSchema, type TaskPlan } from './plan.js';
import type { OutputKind } from './shapes.js';
import { TOOL_NAMES, getTool, type ToolDefinition } from './tools.js';

/** Plan validation against the catalog: shape, tools, arguments, references, links, cycles. */

export type PlanIssueCode =
  | 'E_PLAN_SHAPE'
  | 'E_PLAN_EMPTY'
  | 'E_PLAN_TOO_BIG'
  | 'E_TOOL_UNKNOWN'
  | 'E_TOOL_NOT_ALLOWED'
  | 'E_ARG_INVALID'
  | 'E_ARG_UNKNOWN'
  | 'E_ARG_VALUE'
  | 'E_REF_NOT_ALLOWED'
  | 'E_REF_FORWARD'
  | 'E_REF_RANGE'
  | 'E_REF_KIND'
  | 'E_LINK_UNKNOWN'
  | 'E_LINK_CYCLE'
  | 'E_SIDE_EFFECT_UNREQUESTED'
  | 'E_SIDE_EFFECT_UNREPORTED'
  | 'E_TIME_PHRASE'
  | 'E_PERSON_UNGROUNDED'
  | 'E_QUESTION_SHAPE';

export interface PlanIssue {
  code: PlanIssueCode;
  /** Index of the node, when the issue is about one. */
  node?: number;
  /** JSON path inside the plan, e.g. task_nodes[2].arguments.start */
  path: string;
  message: string;
}

export interface ValidateOptions extends CatalogContext {
  maxNodes?: number;
  /** Side-effect tools the request asked for; when given, any other side effect in the plan is an issue. */
  requestedSideEffects?: readonly string[];
}

/** "<node-3>" → 3; null when the value is not a reference. */
export function refIndex(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const m = NODE_REF.exec(v);
  return m === null ? null : Number(m[1]);
}

/** Nodes a node depends on through references in its arguments. */
export function nodeReferences(args: Record<string, unknown>): Array<{ arg: string; index: number }> {
  const out: Array<{ arg: string; index: number }> = [];
  for (const [arg, v] of Object.entries(args)) {
    const r = refIndex(v);
    if (r !== null) out.push({ arg, index: r });
    else if (Array.isArray(v))
      for (const x of v) {
        const rx = refIndex(x);
        if (rx !== null) out.push({ arg, index: rx });
      }
  }
  return out;
}

/** Optional arguments given as null (the grammar writes null for "not given") are dropped. */
export function stripNulls(t: ToolDefinition, args: Record<string, unknown>): Record<string, unknown> {
  const shape = t.input.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (v === null && shape[k] instanceof z.ZodOptional) continue;
    out[k] = v;
  }
  return out;
}

function issuePath(p: ReadonlyArray<PropertyKey>): string {
  return p.map((x) => (typeof x === 'number' ? `[${x}]` : `.${String(x)}`)).join('');
}

/**
 * Resolves TaskBench task_links (tool names) to node-index edges: the source
 * is the nearest node with that name before the target, else the first one.
 */
export function linkEdges(plan: TaskPlan): { edges: Array<[number, number]>; unknown: Array<{ link: number; name: string }> } {
  const edges: Array<[number, number]> = [];
  const unknown: Array<{ link: number; name: string }> = [];
  const names = plan.task_nodes.map((n) => n.task);
  plan.task_links.forEach((l, li) => {
    const targets = names.flatMap((n, i) => (n === l.target ? [i] : []));
    const sources = names.flatMap((n, i) => (n === l.source ? [i] : []));
    if (sources.length === 0) unknown.push({ link: li, name: l.source });
    if (targets.length === 0) unknown.push({ link: li, name: l.target });
    if (sources.length === 0 || targets.length === 0) return;
    for (const t of targets) {
      const before = sources.filter((s) => s < t);
      const s = before.length > 0 ? before[before.length - 1]! : sources[0]!;
      edges.push([s, t]);
    }
  });
  return { edges, unknown };
}

/** Node indices in a cycle of the dependency graph, or null. */
export function findCycle(n: number, edges: ReadonlyArray<readonly [number, number]>): number[] | null {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) adj[a]?.push(b);
  const state = new Array<number>(n).fill(0);
  const stack: number[] = [];
  const dfs = (v: number): number[] | null => {
    state[v] = 1;
    stack.push(v);
    for (const w of adj[v] ?? []) {
      if (state[w] === 1) return [...stack.slice(stack.indexOf(w)), w];
      if (state[w] === 0) {
        const c = dfs(w);
        if (c !== null) return c;
      }
    }
    stack.pop();
    state[v] = 2;
    return null;
  };
  for (let v = 0; v < n; v++)
    if (state[v] === 0) {
      const c = dfs(v);
      if (c !== null) return c;
    }
  return null;
}

/**
 * Checks a plan against the catalog: its shape, that every tool exists (and
 * may run), that arguments typecheck, that `<node-j>` references point at
 * earlier nodes whose output kind fits, and that links form a DAG. Returns
 * every problem found (empty = valid), each precise enough to feed back to the
 * planner.
 */
export function validatePlan(input: unknown, o: ValidateOptions = {}): PlanIssue[] {
  const parsed = taskPlanSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({ code: 'E_PLAN_SHAPE', path: issuePath(i.path) || '$', message: i.message }));
  }
  const plan = parsed.data;
  const issues: PlanIssue[] = [];
  const maxNodes = o.maxNodes ?? MAX_NODES * 4;
  if (plan.task_nodes.length === 0) issues.push({ code: 'E_PLAN_EMPTY', path: 'task_nodes', message: 'the plan has no nodes' });
  if (plan.task_nodes.length > maxNodes) {
    issues.push({
      code: 'E_PLAN_TOO_BIG',
      path: 'task_nodes',
      message: `the plan has ${plan.task_nodes.length} nodes; at most ${maxNodes}`,
    });
  }
  const kinds: Array<OutputKind | null> = [];
  const refEdges: Array<[number, number]> = [];
  plan.task_nodes.forEach((node, i) => {
    const at = `task_nodes[${i}]`;
    const t = getTool(node.task);
    if (t === undefined) {
      issues.push({
        code: 'E_TOOL_UNKNOWN',
        node: i,
        path: `${at}.task`,
        message: `unknown tool "${node.task}"; tools are: ${TOOL_NAMES.join(', ')}`,
      });
      kinds.push(null);
      return;
    }
    kinds.push(t.kind);
    if (t.sideEffects && !(o.allowTools ?? []).includes(t.name)) {
      issues.push({
        code: 'E_TOOL_NOT_ALLOWED',
        node: i,
        path: `${at}.task`,
        message: `tool "${t.name}" has side effects and is not in agent.allow_tools`,
      });
    }
    const args = stripNulls(t, namedArguments(node));
    const shape = t.input.shape as Record<string, z.ZodType>;
    const concrete: Record<string, unknown> = {};
    for (const [arg, v] of Object.entries(args)) {
      const p = `${at}.arguments.${arg}`;
      if (!(arg in shape)) {
        issues.push({
          code: 'E_ARG_UNKNOWN',
          node: i,
          path: p,
          message: `tool "${t.name}" has no argument "${arg}"; it takes: ${Object.keys(shape).join(', ')}`,
        });
        continue;
      }
      const spec = t.refs[arg];
      const refs = nodeReferences({ [arg]: v });
      if (refs.length > 0 && spec === undefined) {
        issues.push({
          code: 'E_REF_NOT_ALLOWED',
          node: i,
          path: p,
          message: `argument "${arg}" of "${t.name}" does not take node references; give a value`,
        });
        continue;
      }
      for (const r of refs) {
        if (r.index >= plan.task_nodes.length) {
          issues.push({
            code: 'E_REF_RANGE',
            node: i,
            path: p,
            message: `<node-${r.index}> does not exist (the plan has ${plan.task_nodes.length} nodes)`,
          });
        } else if (r.index >= i) {
          issues.push({
            code: 'E_REF_FORWARD',
            node: i,
            path: p,
            message:
              i === 0
                ? `<node-${r.index}> is not an earlier node; the first node cannot use references`
                : `<node-${r.index}> is not an earlier node; node ${i} can only use <node-0>..<node-${i - 1}>`,
          });
        } else {
          refEdges.push([r.index, i]);
          const k = kinds[r.index];
          if (k !== null && k !== undefined && spec !== undefined && !spec.kinds.includes(k)) {
            issues.push({
              code: 'E_REF_KIND',
              node: i,
              path: p,
              message:
                `<node-${r.index}> (${plan.task_nodes[r.index]!.task}) gives ${k}; ` +
                `"${arg}" of "${t.name}" needs ${spec.kinds.join(' or ')}`,
            });
          }
        }
      }
      if (spec !== undefined && spec.many !== true && Array.isArray(v)) {
        issues.push({
          code: 'E_ARG_INVALID',
          node: i,
          path: p,
          message: `argument "${arg}" of "${t.name}" takes one <node-j> reference, not a list`,
        });
        continue;
      }
      if (spec?.many === true && !Array.isArray(v)) {
        issues.push({
          code: 'E_ARG_INVALID',
          node: i,
          path: p,
          message: `argument "${arg}" of "${t.name}" takes a list of <node-j> references`,
        });
        continue;
      }
      if (spec?.only === true && Array.isArray(v) && refs.length !== v.length) {
        issues.push({
          code: 'E_ARG_INVALID',
          node: i,
          path: p,
          message: `argument "${arg}" of "${t.name}" takes only <node-j> references`,
        });
        continue;
      }
      if (refs.length === 0) {
        // compose_answer with no inputs is how a plan declines (a refusal: no tool runs).
        if (spec?.many === true && Array.isArray(v) && v.length === 0) continue;
        if (spec?.only === true) {
          issues.push({
            code: 'E_ARG_INVALID',
            node: i,
            path: p,
            message: `argument "${arg}" of "${t.name}" must be a <node-j> reference to ${spec.kinds.join(' or ')}`,
          });
          continue;
        }
        concrete[arg] = v;
      }
    }
    // Type-check the concrete values (references are checked above).
    const partial = t.input.partial().safeParse(concrete);
    if (!partial.success) {
      for (const e of partial.error.issues) {
        issues.push({ code: 'E_ARG_INVALID', node: i, path: `${at}.arguments${issuePath(e.path)}`, message: `${t.name}: ${e.message}` });
      }
    }
    for (const [arg, s] of Object.entries(shape)) {
      if (!(s instanceof z.ZodOptional) && !(arg in args)) {
        issues.push({
          code: 'E_ARG_INVALID',
          node: i,
          path: `${at}.arguments.${arg}`,
          message: `${t.name}: missing required argument "${arg}"`,
        });
      }
    }
    const ctx = o;
    const checkEnum = (arg: string, values: readonly string[] | undefined, what: string, extra: string[] = []): void => {
      const v = args[arg];
      if (values === undefined || values.length === 0 || typeof v !== 'string' || refIndex(v) !== null) return;
      if (![...values, ...extra].includes(v)) {
        issues.push({
          code: 'E_ARG_VALUE',
          node: i,
          path: `${at}.arguments.${arg}`,
          message: `unknown ${what} "${v}"; known: ${[...values, ...extra].join(', ')}`,
        });
      }
    };
    if ('camera' in shape) checkEnum('camera', ctx.cameras, 'camera');
    if ('room' in shape) checkEnum('room', ctx.rooms, 'room');
    if ('person' in shape) checkEnum('person', ctx.people, 'person', ['unknown']);
    if ('identity' in shape) checkEnum('identity', ctx.people, 'person', ['unknown']);
    if (t.name === 'publish_to_hub') {
      const topic = args.topic;
      if (typeof topic === 'string' && !(ctx.hubTopics ?? []).includes(topic)) {
        issues.push({
          code: 'E_TOOL_NOT_ALLOWED',
          node: i,
          path: `${at}.arguments.topic`,
          message: `topic "${topic}" is not in agent.hub_topics`,
        });
      }
    }
  });
  issues.push(...sideEffectIssues(plan, o.requestedSideEffects));
  const { edges, unknown } = linkEdges(plan);
  for (const u of unknown) {
    issues.push({
      code: 'E_LINK_UNKNOWN',
      path: `task_links[${u.link}]`,
      message: `link names "${u.name}", which is not a node of this plan`,
    });
  }
  const cycle = findCycle(plan.task_nodes.length, [...refEdges, ...edges]);
  if (cycle !== null) {
    issues.push({
      code: 'E_LINK_CYCLE',
      path: 'task_links',
      message: `links form a cycle: ${cycle.map((c) => `${plan.task_nodes[c]!.task}#${c}`).join(' → ')}`,
    });
  }
  return issues;
}

/**
 * Side effects need intent and must be reported: a side-effect node the request did not ask for
 * is an issue (when `requested` is known), and so is one the answer does not take as an input —
 * an answer composed in parallel could not say what was done.
 */
export function sideEffectIssues(plan: TaskPlan, requested?: readonly string[]): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const answers = plan.task_nodes.flatMap((n, i) => (n.task === 'compose_answer' ? [i] : []));
  plan.task_nodes.forEach((node, i) => {
    if (getTool(node.task)?.sideEffects !== true) return;
    const at = `task_nodes[${i}].task`;
    if (requested !== undefined && !requested.includes(node.task)) {
      issues.push({
        code: 'E_SIDE_EFFECT_UNREQUESTED',
        node: i,
        path: at,
        message:
          `"${node.task}" changes something the question did not ask for; ` +
          `leave it out (only ${requested.length > 0 ? requested.join(', ') : 'answering'} was asked)`,
      });
    }
    const reported = answers.some((a) => a > i && nodeReferences(namedArguments(plan.task_nodes[a]!)).some((r) => r.index === i));
    if (answers.length > 0 && !reported) {
      issues.push({
        code: 'E_SIDE_EFFECT_UNREPORTED',
        node: i,
        path: at,
        message: `compose_answer must take <node-${i}> (${node.task}) in its inputs, so the answer says what was done`,
      });
    }
  });
  return issues;
}

/** Human/LLM-readable lines for repair prompts. */
export function formatIssues(issues: readonly PlanIssue[]): string[] {
  return issues.map((i) => `${i.path}: ${i.message}`);
}
