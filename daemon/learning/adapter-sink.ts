import { createHash } from 'node:crypto';
import { taskPlanSchema, type TaskPlan } from '../agent/index.js';
import type { AdapterLifecycle, AdapterStore, EvalSample, EvalSets } from './adapters/index.js';
import { HomeSightError } from '../system/index.js';
import type { AdapterSink } from './edge.js';

/**
 * Connects adapters announced by the cloud teacher to the adapter lifecycle (./adapters): the download is staged in
 * the store, then verified (ed25519 + sha256), checked for base-model compatibility, evaluated on the device's
 * held-out and regression sets, and adopted or rejected. Ids already kept, rolled back or rejected are not fetched
 * again.
 */
export function lifecycleSink(lifecycle: AdapterLifecycle, store: AdapterStore, sets: () => EvalSets | Promise<EvalSets>): AdapterSink {
  const rejected = new Set<string>();
  return {
    has: (id) => store.has(id) || store.wasRolledBack(id) || rejected.has(id),
    stagingPath: (id) => store.stagingPath(id),
    async consider(manifest, file, signal) {
      const d = await lifecycle.consider({ manifest, file }, await sets(), signal);
      if (d.kind === 'reject') rejected.add(d.id);
      return d;
    },
  };
}

/**
 * A labelled question in long-term memory: the owner's label (kind `correction`: a corrected plan, or the answered
 * plan confirmed with thumbs up), a teacher's pseudo-label, or a plan the device wrote itself that ran cleanly
 * (kind `plan`).
 */
export interface LocalLabel {
  kind: string;
  payload: unknown;
  /** When it was stored (ms); the sample's "now" where the prompt needs one. */
  created?: number;
}

/** The long-term memory kinds the evaluation sets are made of, strongest label first. */
export const LOCAL_LABEL_KINDS = ['correction', 'pseudo_label', 'plan'] as const;
type LabelKind = (typeof LOCAL_LABEL_KINDS)[number];
const RANK: Record<LabelKind, number> = { correction: 2, pseudo_label: 1, plan: 0 };
const isLabelKind = (k: string): k is LabelKind => k in RANK;

const normQuestion = (q: string): string =>
  q
    .toLowerCase()
    .replace(/[^\p{L}\p{N}<>-]+/gu, ' ')
    .trim();

/**
 * The device's local evaluation sets from its long-term memory. One label per question, the strongest kept
 * (the owner's > a pseudo-label > the device's own accepted plan).
 *
 * - regression: what an adapter must not get worse at, from labels the teacher did not write — the owner's
 *   labels first, then the device's own accepted plans of questions nobody relabelled (an
 *   anchor against forgetting: what the household already asks and gets, planned with at least
 *   `minAnchorConfidence`). Only when those are fewer than two is it
 *   filled with pseudo-labels, split stably by a hash of the question, and `teacherIndependent` is false.
 * - heldout: the teacher's pseudo-labels (and owner labels beyond `max`): where an adapter must gain.
 *
 * Judging an adapter by the pseudo-labels alone adopts a teacher's mistakes: in the drift experiment's second run,
 * adapters taught by a model whose labels were 0–80 % right were adopted 6 of 6 times and made the edge worse.
 * `sample` writes a label in the base model's format (adapterSample); meta carries the question, the gold plan and
 * the source for plan metrics.
 */
export function localEvalSets(
  items: ReadonlyArray<LocalLabel>,
  o: {
    max?: number;
    /** An accepted plan is an anchor only if the planner was at least this sure of it (learning.mining.min_logprob). */
    minAnchorConfidence?: number;
    sample: (question: string, plan: TaskPlan, created: number | undefined) => EvalSample;
  },
): EvalSets & { teacherIndependent: boolean } {
  const max = o.max ?? 16;
  const byQ = new Map<string, { question: string; plan: TaskPlan; kind: LabelKind; created: number | undefined }>();
  for (const it of items) {
    if (!isLabelKind(it.kind)) continue;
    const p = it.payload as { question?: unknown; plan?: unknown; confidence?: unknown } | null;
    if (p === null || typeof p.question !== 'string') continue;
    // a plan the device was unsure of is a hard example, not an anchor
    if (
      it.kind === 'plan' &&
      o.minAnchorConfidence !== undefined &&
      !(typeof p.confidence === 'number' && p.confidence >= o.minAnchorConfidence)
    )
      continue;
    const plan = taskPlanSchema.safeParse(p.plan);
    if (!plan.success) continue;
    const k = normQuestion(p.question);
    const have = byQ.get(k);
    // the stronger kind; of the same kind the newer label (the caller's order when neither has a time)
    if (
      have !== undefined &&
      (RANK[have.kind] > RANK[it.kind] || (RANK[have.kind] === RANK[it.kind] && (have.created ?? 0) > (it.created ?? 0)))
    )
      continue;
    byQ.set(k, { question: p.question, plan: plan.data, kind: it.kind, created: it.created });
  }
  const labels = [...byQ.values()];
  const toSample = (l: (typeof labels)[number]): EvalSample => {
    const s = o.sample(l.question, l.plan, l.created);
    return { ...s, meta: { ...s.meta, question: l.question, plan: l.plan, source: l.kind } };
  };
  const owner = labels.filter((l) => l.kind === 'correction');
  const anchors = labels.filter((l) => l.kind === 'plan');
  const pseudo = labels.filter((l) => l.kind === 'pseudo_label');
  const regression = [...owner, ...anchors].slice(0, max).map(toSample);
  const heldout = owner.slice(max).map(toSample);
  const teacherIndependent = regression.length >= 2;
  for (const l of pseudo) {
    const odd = createHash('sha256').update(normQuestion(l.question)).digest()[0]! % 2 === 1;
    (!teacherIndependent && odd ? regression : heldout).push(toSample(l));
  }
  heldout.splice(max);
  regression.splice(max);
  if (heldout.length < 2 || regression.length < 2) {
    throw new HomeSightError(
      'E_LEARNING_EVAL_SET',
      `too few local examples to evaluate an adapter (held-out ${heldout.length}, regression ${regression.length}; need 2 each)`,
      {
        hint: 'adapters are considered once the household has corrections or pseudo-labels in long-term memory',
      },
    );
  }
  return { heldout, regression, teacherIndependent };
}
