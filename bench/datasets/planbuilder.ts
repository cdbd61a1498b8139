/**
 * Builds gold plans in the TaskBench format: nodes in execution order,
 * `<node-j>` references in arguments, task_links derived from those
 * references (tool name → tool name, as TaskBench writes them), numbered
 * task_steps, and the TaskBench sample type (single | chain | dag).
 */
import type { TaskPlan, ToolName } from '../../daemon/agent/index.js';

export type PlanType = 'single' | 'chain' | 'dag';

export interface GoldPlan {
  task_steps: string[];
  task_nodes: Array<{ task: ToolName; arguments: Record<string, unknown> }>;
  task_links: Array<{ source: ToolName; target: ToolName }>;
}

const REF = /^<node-(\d+)>$/;

function refsIn(v: unknown): number[] {
  if (typeof v === 'string') {
    const m = REF.exec(v);
    return m === null ? [] : [Number(m[1])];
  }
  if (Array.isArray(v)) return v.flatMap(refsIn);
  return [];
}

export class PlanBuilder {
  private readonly nodes: Array<{ task: ToolName; arguments: Record<string, unknown> }> = [];
  private readonly steps: string[] = [];

  /** Adds a node; returns its reference "<node-i>". Undefined arguments are left out. */
  add(task: ToolName, args: Record<string, unknown>, step: string): string {
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (v !== undefined) clean[k] = v;
    this.nodes.push({ task, arguments: clean });
    this.steps.push(`Step ${this.steps.length + 1}: ${step}`);
    return `<node-${this.nodes.length - 1}>`;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** References "<node-i>" of the nodes added so far that run `task`. */
  refsOf(task: ToolName): string[] {
    return this.nodes.flatMap((n, i) => (n.task === task ? [`<node-${i}>`] : []));
  }

  build(): GoldPlan {
    const links: Array<{ source: ToolName; target: ToolName }> = [];
    const seen = new Set<string>();
    this.nodes.forEach((n, i) => {
      const deps = [...new Set(Object.values(n.arguments).flatMap(refsIn))].sort((a, b) => a - b);
      for (const d of deps) {
        const src = this.nodes[d];
        if (src === undefined || d >= i) throw new Error(`node ${i} (${n.task}) refers to <node-${d}>, which is not an earlier node`);
        const key = `${src.task}\u0000${n.task}`;
        if (seen.has(key)) continue;
        seen.add(key);
        links.push({ source: src.task, target: n.task });
      }
    });
    return {
      task_steps: this.steps.slice(),
      task_nodes: this.nodes.map((n) => ({ task: n.task, arguments: structuredClone(n.arguments) })),
      task_links: links,
    };
  }
}

/** Edges between node indices, from `<node-j>` references. */
export function referenceEdges(plan: Pick<TaskPlan, 'task_nodes'>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  plan.task_nodes.forEach((n, i) => {
    const args = Array.isArray(n.arguments) ? n.arguments : Object.values(n.arguments);
    for (const d of new Set(
      args.flatMap((a) => refsIn(typeof a === 'object' && a !== null && 'value' in a ? (a as { value: unknown }).value : a)),
    ))
      out.push([d, i]);
  });
  return out;
}

/**
 * TaskBench's sample type: one node → single; nodes forming one path (each
 * node at most one predecessor and one successor, all connected) → chain;
 * anything else (a node feeding two, a node joining two) → dag.
 */
export function planType(plan: Pick<TaskPlan, 'task_nodes'>): PlanType {
  const n = plan.task_nodes.length;
  if (n <= 1) return 'single';
  const edges = referenceEdges(plan);
  const indeg = new Array<number>(n).fill(0);
  const outdeg = new Array<number>(n).fill(0);
  for (const [a, b] of edges) {
    outdeg[a]!++;
    indeg[b]!++;
  }
  const isPath = edges.length === n - 1 && indeg.every((d) => d <= 1) && outdeg.every((d) => d <= 1);
  return isPath ? 'chain' : 'dag';
}
