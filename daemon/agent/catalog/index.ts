/**
 * The tool catalog and the plan format: what the agent can do, how a plan is
 * written, how it is validated, and the schemas/grammars derived from it.
 */
export { CATALOG, TOOL_NAMES, getTool, type ToolDefinition, type ToolName, type ToolInput, type ToolOutput } from './tools.js';
export type { AgentEvent, EvidenceItem, Observation, OutputKind } from './shapes.js';
export {
  NODE_REF,
  namedArguments,
  taskPlanSchema,
  type TaskPlan,
  type TaskNode,
  type TaskLink,
  type PlanRequest,
  type PlanResult,
  type Planner,
} from './plan.js';
export { catalogGrammarSchema, catalogJsonSchema, catalogPrompt, nodeGrammarSchema, type CatalogSchemaOptions } from './grammar.js';
export {
  validatePlan,
  sideEffectIssues,
  formatIssues,
  linkEdges,
  refIndex,
  stripNulls,
  type PlanIssue,
  type ValidateOptions,
} from './validate.js';
export { canonicalTime, normalizeValue, planScoreItems, resolveRefs, setF1, type PRF } from './plan-score.js';
