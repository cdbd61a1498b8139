/**
 * LoRA adapter lifecycle on the device: signed manifests, verification, base-model compatibility,
 * evaluation on local data, adopt-or-reject, hot-swap and rollback. The planner reads `store.active()`
 * (or `store.loraOption()`) and subscribes to `store.onChange()`.
 */
export {
  MANIFEST_SCHEMA,
  adapterManifestSchema,
  canonicalJson,
  keyFingerprint,
  parseManifest,
  parsePrivateKey,
  parsePublicKey,
  sha256File,
  signManifest,
  verifyManifestSignature,
  type AdapterManifest,
  type UnsignedManifest,
} from './manifest.js';
export { verifyAdapterFile } from './verify.js';
export {
  compatibilityProblems,
  readAdapterFileInfo,
  readBaseModelInfo,
  readTrainFormat,
  type AdapterFileInfo,
  type BaseModelInfo,
} from './compat.js';
export { NllEvaluator, type AdapterEvaluator, type EvalSample, type EvalScore, type EvaluationTarget } from './evaluator.js';
export { PlanEvaluator, type PlanEvaluatorOptions } from './plan-evaluator.js';
export { LlamaAdapterRuntime, type AdapterRuntime, type LlamaAdapterRuntimeOptions } from './runtime.js';
export { AdapterStore, type AdapterChange, type AdapterChangeListener, type AdapterStoreOptions, type StoredAdapter } from './store.js';
export { AdapterLifecycle, type AdapterCandidate, type AdapterLifecycleOptions, type EvalSets } from './lifecycle.js';
export type { AdapterDecision, AdoptionPolicy, DecisionStage, SetComparison } from './decision.js';
export { adapterStoreDir, openAdapterStoreFromConfig, trustedKeysFromConfig } from './config.js';
