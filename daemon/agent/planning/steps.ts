import { type TaskNode, type TaskPlan, namedArguments } from '../catalog/index.js';

/** TaskBench `task_steps` text written from the nodes ("Step 2: who_was_where start=<node-0> end=<node-0>"). */
export function describeSteps(nodes: readonly TaskNode[]): string[] {
  return nodes.map((n, i) => {
    const args = Object.entries(namedArguments(n))
      .filter(([k, v]) => v !== null && v !== undefined && !(n.task === 'compose_answer' && k === 'question'))
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `Step ${i + 1}: ${n.task}${args === '' ? '' : ` ${args}`}`.slice(0, 160);
  });
}

const REF = /^<node-(\d+)>$/;

/** A TaskBench plan written from its nodes: steps and links derived from them. */
export function planOfNodes(nodes: TaskNode[]): TaskPlan {
  return { task_steps: describeSteps(nodes), task_nodes: nodes, task_links: linksFromRefs(nodes) };
}

/** TaskBench `task_links` derived from `<node-j>` references (source tool → target tool), deduplicated. */
export function linksFromRefs(nodes: readonly TaskNode[]): Array<{ source: string; target: string }> {
  const out: Array<{ source: string; target: string }> = [];
  nodes.forEach((n, i) => {
    for (const v of Object.values(namedArguments(n))) {
      for (const x of Array.isArray(v) ? v : [v]) {
        const m = typeof x === 'string' ? REF.exec(x) : null;
        if (m === null) continue;
        const j = Number(m[1]);
        if (j >= i || nodes[j] === undefined) continue;
        const l = { source: nodes[j]!.task, target: n.task };
        if (!out.some((o) => o.source === l.source && o.target === l.target)) out.push(l);
      }
    }
  });
  return out;
}

/**
 * The plan without nodes that repeat an earlier one (same tool, same arguments once references are followed):
 * running a call twice adds nothing to the answer, and a small model sometimes writes a line again. References to a
 * dropped node point at the first one; an answer's inputs stay unique.
 */
export function dropRepeatedNodes(nodes: readonly TaskNode[]): TaskNode[] {
  const kept: TaskNode[] = [];
  const keys = new Map<string, number>();
  const to: number[] = [];
  const remap = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = REF.exec(v);
      return m === null ? v : `<node-${to[Number(m[1])] ?? Number(m[1])}>`;
    }
    return Array.isArray(v) ? [...new Set(v.map(remap))] : v;
  };
  nodes.forEach((n, i) => {
    const args = Object.fromEntries(Object.entries(namedArguments(n)).map(([k, v]) => [k, remap(v)]));
    const key = JSON.stringify([n.task, Object.entries(args).sort(([a], [b]) => a.localeCompare(b))]);
    const seen = keys.get(key);
    if (seen !== undefined && n.task !== 'compose_answer') {
      to[i] = seen;
      return;
    }
    keys.set(key, kept.length);
    to[i] = kept.length;
    kept.push({ task: n.task, arguments: args });
  });
  return kept;
}

/**
 * The nodes without those at `drop`, references renumbered. A dropped node may only be referenced from lists (an
 * answer's inputs), whose entries for it go; a node whose single-valued argument needs it cannot be dropped, and
 * the nodes come back unchanged.
 */
export function dropNodes(nodes: readonly TaskNode[], drop: ReadonlySet<number>): TaskNode[] {
  const to: number[] = [];
  let k = 0;
  nodes.forEach((_, i) => {
    to[i] = drop.has(i) ? -1 : k++;
  });
  const ref = (v: unknown): number | null => {
    const m = typeof v === 'string' ? REF.exec(v) : null;
    return m === null ? null : Number(m[1]);
  };
  const kept: TaskNode[] = [];
  for (const [i, n] of nodes.entries()) {
    if (drop.has(i)) continue;
    const args: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(namedArguments(n))) {
      if (Array.isArray(v)) {
        args[key] = v.filter((x) => !drop.has(ref(x) ?? -1)).map((x) => (ref(x) === null ? x : `<node-${to[ref(x)!]}>`));
        continue;
      }
      const j = ref(v);
      if (j !== null && drop.has(j)) return [...nodes];
      args[key] = j === null ? v : `<node-${to[j]}>`;
    }
    kept.push({ task: n.task, arguments: args });
  }
  return kept;
}

/**
 * The nodes closed by the answer where the plan stopped before it: compose_answer of the question, taking the nodes
 * nothing else reads (at most four) and the resolved ranges, so it states the interval (as the seed plans do).
 */
export function withAnswer(nodes: readonly TaskNode[], question: string): TaskNode[] {
  if (nodes.length === 0 || nodes[nodes.length - 1]!.task === 'compose_answer') return [...nodes];
  const used = new Set<number>();
  for (const n of nodes)
    for (const v of Object.values(namedArguments(n)))
      for (const x of Array.isArray(v) ? v : [v]) {
        const m = typeof x === 'string' ? REF.exec(x) : null;
        if (m !== null) used.add(Number(m[1]));
      }
  let sinks = nodes.map((_, j) => j).filter((j) => !used.has(j));
  if (sinks.length === 0) sinks = [nodes.length - 1];
  const times = nodes.map((n, j) => (n.task === 'resolve_time' ? j : -1)).filter((j) => j >= 0 && !sinks.includes(j));
  return [
    ...nodes,
    {
      task: 'compose_answer',
      arguments: { question: question.slice(0, 280), inputs: [...times, ...sinks.slice(-4)].map((j) => `<node-${j}>`) },
    },
  ];
}
