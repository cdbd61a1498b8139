/**
 * The agent: tool catalog, planners (grammar-constrained local GGUF,
 * retrieval, cloud), reflection, DAG executor, memory, MQTT ask/answer.
 * This file is the folder's only public surface.
 */
export * from './plan.js';
export * from './catalog.js';
export { resolveTimePhrase, type ResolvedRange, type ResolveTimeOptions } from './time.js';
export type * from './deps.js';
export { composeAnswer, humanTime, type AnswerInput } from './answer.js';
export { createToolImpls, canonicalPerson, type ToolImpls, type ToolImpl, type ToolRunContext } from './tools.js';
export { PlanExecutor, summarize, type ExecutionResult, type ExecuteContext, type TraceEntry, type NodeError, type NodeStatus } from './executor.js';
export { SEED_EXAMPLES, type SeedExample } from './seeds.js';
export { extractSlots, type Slots } from './slots.js';
export { describeSteps, linksFromRefs } from './steps.js';
export { buildPrompt, compactPlan, NODE_PREFIX, type BuiltPrompt, type PromptOptions, type PromptMode, type CatalogLevel } from './prompt.js';
export { RetrievalPlanner, refill, type RetrievalOptions } from './retrieval-planner.js';
export { LocalPlanner, checkGguf, type LocalPlannerOptions, type LocalModelInfo, type GenerationStats } from './local-planner.js';
export { CloudPlanner, extractJsonObject, type CloudPlannerOptions } from './cloud-planner.js';
export { PlanningPipeline, type PlanAttempt, type PlanningOutcome, type PlanningOptions, type PlannerKind } from './reflect.js';
export {
  AgentService,
  askOptionsSchema,
  collectEvidence,
  type AskRequest,
  type AskResult,
  type AskOptions,
  type AskProgress,
  type EvidenceEntry,
  type AgentSettings,
  type AgentServiceOptions,
} from './service.js';
export { AgentMqttHandler, RateLimiter, clientKey, askRequestSchema, type AgentBridge, type AgentMqttOptions, type AskRequestPayload } from './mqtt.js';
export { memoryEvents, memoryLongTerm, memoryConversations, ingestFrames, visionAnalyzer, mqttHub } from './adapters.js';
export { AgentModule, createAgentModule, householdInfo, agentSettings, localPlannerFor, cloudPlannerFor } from './module.js';
export { AgentClient, type AgentClientOptions, type Envelope } from './client.js';
