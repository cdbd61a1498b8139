/**
 * Planning: the three planners (grammar-constrained local GGUF, retrieval,
 * cloud), the pipeline that validates and repairs their plans, and what they
 * share (prompt, seed examples, slots, time phrases, refusal notes).
 */
export {
  LocalPlanner,
  type LocalPlannerOptions,
  type PlannerAdapter,
  type PlannerAdapterSource,
  type PlanSampling,
} from './local-planner.js';
export { AdapterRelay } from './adapter-relay.js';
export { RetrievalPlanner } from './retrieval-planner.js';
export { CloudPlanner, extractJsonObject } from './cloud-planner.js';
export { PlanningPipeline, refuseRequest, type PlanAttempt, type PlannerKind } from './pipeline.js';
export { buildPrompt } from './prompt.js';
export { SEED_EXAMPLES, exampleVocabulary } from './seeds.js';
export { extractSlots, shapeSimilarity, shapeWords } from './slots.js';
export { describeSteps, linksFromRefs } from './steps.js';
export { resolveTimePhrase, type ResolvedRange, type ResolveTimeOptions, type Routine } from './time.js';
export { learnedRoutines, ROUTINE_QUERY } from './learned-routines.js';
export {
  classifyRequest,
  isStandingOrder,
  refusalNote,
  refusalPlan,
  requestContextOf,
  requestedSideEffects,
  REFUSAL_CATEGORIES,
  type Refusal,
  type RefusalCategory,
  type RequestContext,
} from './refusal.js';
export { requestIssues } from './request-checks.js';
export {
  adapterSample,
  groundingContextFor,
  modelPlanSample,
  PLANNER_MODEL_FORMAT,
  personPseudonym,
  withPseudonyms,
  pseudonymsOf,
  type PlanSampleContext,
} from './model-planner.js';
