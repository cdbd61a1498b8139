import { createHash } from 'node:crypto';
import type { TaskPlan } from '../daemon/agent/index.js';

export interface LabeledPlan {
  question: string;
  plan: TaskPlan;
}

export interface CurationOptions {
  /** Share of (deduplicated) questions held out for testing, chosen by a hash of the question (stable). */
  testShare: number;
  /** At most this many examples per leading tool (balance by tool). */
  maxPerTool: number;
}

export interface Curated {
  train: LabeledPlan[];
  test: LabeledPlan[];
  dropped: { duplicates: number; overRepresented: number };
  byTool: Record<string, number>;
}

const norm = (q: string): string =>
  q
    .toLowerCase()
    .replace(/[^\p{L}\p{N}<>-]+/gu, ' ')
    .trim();

/** The tool a plan is "about": the first node that is not a helper (resolve_time / compose_answer). */
export function mainTool(plan: TaskPlan): string {
  return plan.task_nodes.find((n) => n.task !== 'resolve_time' && n.task !== 'compose_answer')?.task ?? plan.task_nodes[0]?.task ?? 'none';
}

/** Per-household curation: dedupe by normalised question (last label wins), balance by tool, hold out a stable test slice. */
export function curate(labels: readonly LabeledPlan[], o: CurationOptions): Curated {
  const byQ = new Map<string, LabeledPlan>();
  for (const l of labels) byQ.set(norm(l.question), l);
  const dupes = labels.length - byQ.size;
  const train: LabeledPlan[] = [];
  const test: LabeledPlan[] = [];
  const count: Record<string, number> = {};
  let over = 0;
  for (const [k, l] of byQ) {
    const h = createHash('sha256').update(k).digest().readUInt32BE(0) / 0x1_0000_0000;
    if (h < o.testShare) {
      test.push(l);
      continue;
    }
    const t = mainTool(l.plan);
    if ((count[t] ?? 0) >= o.maxPerTool) {
      over++;
      continue;
    }
    count[t] = (count[t] ?? 0) + 1;
    train.push(l);
  }
  return { train, test, dropped: { duplicates: dupes, overRepresented: over }, byTool: count };
}
