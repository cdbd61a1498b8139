/**
 * Execution: runs a validated plan as a DAG over the tool implementations,
 * reading the house through narrow ports, and composes the answer text.
 */
export { PlanExecutor, type ExecutionResult, type TraceEntry } from './executor.js';
export { createToolImpls, type ToolImpls, type ToolRunContext } from './tool-impls.js';
export { composeAnswer } from './answer.js';
export type { AgentDeps, HouseholdInfo, LongTermRecord, FramesPort, VisionPort } from './ports.js';
export { memoryEvents, memoryLongTerm, memoryConversations, ingestFrames, visionAnalyzer, mqttHub } from './module-ports.js';
