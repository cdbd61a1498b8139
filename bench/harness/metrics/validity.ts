import type { TaskPlan } from '../agent.js';

/**
 * Structural plan check used when no tool catalog validator is available
 * (TaskBench data): the plan has nodes, every tool is in the vocabulary, every
 * "<node-j>" reference points at another existing node, every link joins tools
 * of the plan, and neither references nor links form a cycle. Returns the
 * problems (empty = valid).
 */
export function structuralPlanErrors(plan: TaskPlan, tools?: ReadonlySet<string>): string[] {
  const errors: string[] = [];
  const nodes = plan.task_nodes;
  if (nodes.length === 0) errors.push('plan has no nodes');
  const names = new Set(nodes.map((n) => n.task));
  const refEdges: Array<[number, number]> = [];
  nodes.forEach((node, i) => {
    if (tools !== undefined && !tools.has(node.task)) errors.push(`node ${i}: unknown tool "${node.task}"`);
    const visit = (v: unknown): void => {
      if (typeof v === 'string') {
        for (const m of v.matchAll(/<node-(\d+)>/g)) {
          const j = Number(m[1]);
          if (j === i) errors.push(`node ${i}: refers to itself (${m[0]})`);
          else if (j >= nodes.length) errors.push(`node ${i}: ${m[0]} refers to a node that does not exist (${nodes.length} nodes)`);
          else refEdges.push([j, i]);
        }
      } else if (Array.isArray(v)) v.forEach(visit);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
    };
    visit(node.arguments);
  });
  plan.task_links.forEach((l, k) => {
    if (!names.has(l.source)) errors.push(`link ${k}: source "${l.source}" is not a node of the plan`);
    if (!names.has(l.target)) errors.push(`link ${k}: target "${l.target}" is not a node of the plan`);
  });
  if (hasCycle(nodes.length, refEdges)) errors.push('node references form a cycle');
  const nameList = [...names];
  const idx = new Map(nameList.map((n, i) => [n, i]));
  const linkEdges: Array<[number, number]> = [];
  for (const l of plan.task_links) {
    const s = idx.get(l.source);
    const t = idx.get(l.target);
    if (s !== undefined && t !== undefined) linkEdges.push([s, t]);
  }
  if (hasCycle(nameList.length, linkEdges)) errors.push('task_links form a cycle');
  return errors;
}

function hasCycle(n: number, edges: ReadonlyArray<readonly [number, number]>): boolean {
  const out = Array.from({ length: n }, () => [] as number[]);
  for (const [a, b] of edges) out[a]!.push(b);
  const state = new Array<number>(n).fill(0); // 0 new, 1 on stack, 2 done
  const dfs = (v: number): boolean => {
    state[v] = 1;
    for (const w of out[v]!) {
      if (state[w] === 1) return true;
      if (state[w] === 0 && dfs(w)) return true;
    }
    state[v] = 2;
    return false;
  };
  for (let v = 0; v < n; v++) if (state[v] === 0 && dfs(v)) return true;
  return false;
}
