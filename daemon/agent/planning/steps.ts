import { type TaskNode, namedArguments } from '../catalog/index.js';

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

/** TaskBench `task_links` derived from `<node-j>` references (source tool → target tool), deduplicated. */
export function linksFromRefs(nodes: readonly TaskNode[]): Array<{ source: string; target: string }> {
  const out: Array<{ source: string; target: string }> = [];
  nodes.forEach((n, i) => {
    for (const v of Object.values(namedArguments(n))) {
      for (const x of Array.isArray(v) ? v : [v]) {
        const m = typeof x === 'string' ? /^<node-(\d+)>$/.exec(x) : null;
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
