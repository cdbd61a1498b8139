import { createHash } from 'node:crypto';
import { formatPlanSample } from '../contracts/index.js';
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
 * The device's local evaluation sets from its long-term memory: the household's corrections and pseudo-labels
 * ({question, plan}), split stably by a hash of the question into held-out and regression halves.
 */
export function localEvalSets(items: ReadonlyArray<{ payload: unknown }>, max = 16): EvalSets {
  const heldout: EvalSample[] = [];
  const regression: EvalSample[] = [];
  for (const it of items) {
    const p = it.payload as { question?: unknown; plan?: { task_nodes?: unknown } } | null;
    if (p === null || typeof p.question !== 'string' || p.plan === undefined || !Array.isArray(p.plan.task_nodes)) continue;
    const s: EvalSample = { ...formatPlanSample({ question: p.question, ...p.plan }), meta: { question: p.question } };
    const side = createHash('sha256').update(p.question.toLowerCase()).digest()[0]! % 2 === 0 ? heldout : regression;
    if (side.length < max) side.push(s);
  }
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
