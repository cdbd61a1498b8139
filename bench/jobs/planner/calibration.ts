/**
 * Calibration of a planner's confidence (issue #17 item 8, issue #18 item 6):
 * exact-plan match and node F1 per confidence bin, from the records a bench
 * run wrote (bench/workspace/<job>/<algorithm>/<case>/records.jsonl).
 *
 *   node --import tsx bench/jobs/planner/calibration.ts bench/workspace/planner/planner-model/<case> [--data natural|disjoint]
 *
 * Prints a Markdown table: bin, plans, exact-plan match, mean node F1. The
 * gold plans are read from the test set the job used (the natural set, or the
 * disjoint sample).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TaskPlan } from '../../../daemon/agent/index.js';
import type { EvalRecord } from '../../harness/index.js';
import { exactMatch } from './metrics.js';

const BINS: Array<[number, number]> = [
  [-Infinity, -3],
  [-3, -2],
  [-2, -1.5],
  [-1.5, -1],
  [-1, -0.5],
  [-0.5, -0.1],
  [-0.1, 0.001],
];

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

function nodeF1(pred: TaskPlan | null, gold: TaskPlan): number {
  const p = (pred?.task_nodes ?? []).map((n) => n.task);
  const g = gold.task_nodes.map((n) => n.task);
  const left = [...g];
  let hit = 0;
  for (const t of p) {
    const i = left.indexOf(t);
    if (i >= 0) {
      hit++;
      left.splice(i, 1);
    }
  }
  return p.length + g.length === 0 ? 1 : (2 * hit) / (p.length + g.length);
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { data: { type: 'string' } } });
  const dir = positionals[0];
  if (dir === undefined) {
    process.stderr.write('usage: calibration.ts <case folder> [--data natural|disjoint]\n');
    process.exit(2);
  }
  const data =
    values.data === 'disjoint'
      ? resolve('var/datasets/planner-corpus/disjoint-q2a/questions.jsonl')
      : resolve('bench/data/natural/questions.jsonl');
  const gold = new Map(
    readJsonl<{ id: string; task_steps: string[]; task_nodes: TaskPlan['task_nodes']; task_links: TaskPlan['task_links'] }>(data).map(
      (l) => [l.id, { task_steps: l.task_steps, task_nodes: l.task_nodes, task_links: l.task_links } as TaskPlan],
    ),
  );
  const lines = readJsonl<{ id: string; plan: TaskPlan | null; confidence: number | null }>(join(dir, 'records.jsonl'));
  const rows = BINS.map(([lo, hi]) => ({ lo, hi, n: 0, exact: 0, f1: 0 }));
  let none = 0;
  for (const l of lines) {
    const g = gold.get(l.id);
    if (g === undefined) continue;
    if (l.confidence === null) {
      none++;
      continue;
    }
    const row = rows.find((r) => l.confidence! >= r.lo && l.confidence! < r.hi);
    if (row === undefined) continue;
    const rec = { sample: { gold: g }, prediction: l.plan } as unknown as EvalRecord;
    row.n++;
    row.exact += exactMatch(rec) ? 1 : 0;
    row.f1 += nodeF1(l.plan, g);
  }
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : x < 0 ? '−∞' : '0');
  process.stdout.write('| confidence | plans | exact-plan match | node F1 |\n|---|---|---|---|\n');
  for (const r of rows) {
    if (r.n === 0) continue;
    process.stdout.write(`| [${fmt(r.lo)}, ${fmt(r.hi)}) | ${r.n} | ${(r.exact / r.n).toFixed(3)} | ${(r.f1 / r.n).toFixed(3)} |\n`);
  }
  if (none > 0) process.stdout.write(`\n${none} plan(s) without a confidence (refused before planning, or failed)\n`);
}

main();
