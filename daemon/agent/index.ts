/**
 * The agent: tool catalog, planners (grammar-constrained local GGUF,
 * retrieval, cloud), the planning pipeline, the DAG executor and MQTT
 * ask/answer. This file exports only what other daemon folders, the CLI,
 * bench/ and cloud/ use; the agent's own tests reach into the sub-folder
 * barrels (catalog/, planning/, execution/, transport/).
 */
export {
  CATALOG,
  NODE_REF,
  TOOL_NAMES,
  catalogPrompt,
  formatIssues,
  getTool,
  namedArguments,
  taskPlanSchema,
  validatePlan,
  type PlanIssue,
  type PlanRequest,
  type PlanResult,
  type Planner,
  type TaskLink,
  type TaskNode,
  type TaskPlan,
  type ToolDefinition,
  type ToolName,
  type ValidateOptions,
  canonicalTime,
  normalizeValue,
  planScoreItems,
  resolveRefs,
  setF1,
  type PRF,
} from './catalog/index.js';
export {
  AdapterRelay,
  adapterSample,
  LocalPlanner,
  modelPlanSample,
  PLANNER_MODEL_FORMAT,
  personPseudonym,
  withPseudonyms,
  pseudonymsOf,
  RetrievalPlanner,
  type PlannerAdapterSource,
  type PlanSampleContext,
  buildPrompt,
  extractJsonObject,
  SEED_EXAMPLES,
  refuseRequest,
  resolveTimePhrase,
  type ResolvedRange,
} from './planning/index.js';
export {
  createToolImpls,
  memoryConversations,
  memoryEvents,
  memoryLongTerm,
  type AgentDeps,
  type HouseholdInfo,
  type ToolRunContext,
} from './execution/index.js';
export { samePlan } from './planner-model/index.js';
export { AgentClient, type Envelope } from './transport/index.js';
export { AgentService, requestHousehold } from './service.js';
export { AgentModule, householdInfo, localPlannerFor, cloudPlannerFor, plannerModelPath } from './module.js';
