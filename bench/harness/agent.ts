/**
 * The one place the harness imports the agent from (its index, the public
 * surface): the plan format, the Planner seam and the tool catalog's validator.
 */
export {
  taskPlanSchema,
  namedArguments,
  NODE_REF,
  validatePlan,
  TOOL_NAMES,
  RetrievalPlanner,
  localPlannerFor,
  cloudPlannerFor,
  refuseRequest,
  setF1,
  canonicalTime,
  normalizeValue,
  resolveRefs,
} from '../../daemon/agent/index.js';
export type { PRF, TaskPlan, TaskNode, TaskLink, Planner, PlanRequest, PlanResult, PlanIssue } from '../../daemon/agent/index.js';
