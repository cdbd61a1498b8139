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

/** A labelled question in long-term memory: the owner's correction, a teacher's pseudo-label, or an accepted plan. */
export interface LocalLabel {
  kind: string;
  payload: unknown;
  /** When it was stored (ms); the sample's "now" where the prompt needs one. */
  created?: number;
}

const normQuestion = (q: string): string =>
  q
    .toLowerCase()
    .replace(/[^\p{L}\p{N}<>-]+/gu, ' ')
    .trim();

/**
 * The device's local evaluation sets from its long-term memory. The owner's corrections outrank a pseudo-label of
 * the same question and are the regression set (an adapter must not get worse at what the owner said); the
 * pseudo-labels (and corrections beyond `max`) are the held-out set. With fewer than two corrections the regression
 * set is filled with pseudo-labels, split stably by a hash of the question. `sample` writes a label in the base
 * model's format (adapterSample); meta carries the question, the gold plan and the source for plan metrics.
 */
export function localEvalSets(
  items: ReadonlyArray<LocalLabel>,
  o: { max?: number; sample: (question: string, plan: TaskPlan, created: number | undefined) => EvalSample },
): EvalSets {
  const max = o.max ?? 16;
  const byQ = new Map<string, { question: string; plan: TaskPlan; correction: boolean; created: number | undefined }>();
  for (const it of items) {
    const p = it.payload as { question?: unknown; plan?: unknown } | null;
    if (p === null || typeof p.question !== 'string') continue;
    const plan = taskPlanSchema.safeParse(p.plan);
    if (!plan.success) continue;
    const correction = it.kind === 'correction';
    const k = normQuestion(p.question);
    if (byQ.get(k)?.correction === true && !correction) continue;
    byQ.set(k, { question: p.question, plan: plan.data, correction, created: it.created });
  }
  const heldout: EvalSample[] = [];
  const regression: EvalSample[] = [];
  const labels = [...byQ.values()];
  const corrections = labels.filter((l) => l.correction);
  const toSample = (l: (typeof labels)[number]): EvalSample => {
    const s = o.sample(l.question, l.plan, l.created);
    return { ...s, meta: { ...s.meta, question: l.question, plan: l.plan, source: l.correction ? 'correction' : 'pseudo_label' } };
  };
  for (const l of corrections) (regression.length < max ? regression : heldout).push(toSample(l));
  for (const l of labels.filter((x) => !x.correction)) {
    const odd = createHash('sha256').update(normQuestion(l.question)).digest()[0]! % 2 === 1;
    (corrections.length < 2 && odd ? regression : heldout).push(toSample(l));
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
  return { heldout, regression };
}
