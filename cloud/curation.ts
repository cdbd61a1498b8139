import { createHash } from 'node:crypto';
import type { PlanSampleContext, TaskPlan } from '../daemon/agent/index.js';

/** Where a label comes from: the owner's correction (`agent/correct`, feedback with corrected_plan) or a teacher. */
export type LabelSource = 'correction' | 'pseudo_label';

export interface LabeledPlan {
  question: string;
  plan: TaskPlan;
  /** Default 'pseudo_label'. A correction outranks a pseudo-label of the same question and is always trained on. */
  source?: LabelSource;
  /** The household context the question was asked in (what a homesight-planner-v1 base's prompt is built from). */
  context?: PlanSampleContext;
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
  /** Corrections in `train` (all of them: they are never held out nor balanced away). */
  corrections: number;
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

const isCorrection = (l: LabeledPlan): boolean => l.source === 'correction';

/**
 * Per-household curation: dedupe by normalised question (a correction outranks a pseudo-label whatever their order;
 * among labels of one kind the last wins), balance by tool, hold out a stable test slice. Corrections are the owner's
 * word: every one is trained on (never held out, never dropped by the balancing, counted first).
 */
export function curate(labels: readonly LabeledPlan[], o: CurationOptions): Curated {
  const byQ = new Map<string, LabeledPlan>();
  for (const l of labels) {
    const k = norm(l.question);
    const kept = byQ.get(k);
    if (kept !== undefined && isCorrection(kept) && !isCorrection(l)) continue;
    byQ.set(k, l);
  }
  const dupes = labels.length - byQ.size;
  const train: LabeledPlan[] = [];
  const test: LabeledPlan[] = [];
  const count: Record<string, number> = {};
  let over = 0;
  const unique = [...byQ];
  for (const [, l] of unique.filter(([, l]) => isCorrection(l))) {
    const t = mainTool(l.plan);
    count[t] = (count[t] ?? 0) + 1;
    train.push(l);
  }
  const corrections = train.length;
  for (const [k, l] of unique.filter(([, l]) => !isCorrection(l))) {
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
  return { train, test, dropped: { duplicates: dupes, overRepresented: over }, byTool: count, corrections };
}
