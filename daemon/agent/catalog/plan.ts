import { z } from 'zod';

/**
 * The task-plan format (TaskBench / HuggingGPT style). Import and export are
 * exactly this JSON so external TaskBench data works:
 *   {"task_steps": ["Step 1: ...", ...],
 *    "task_nodes": [{"task": "<tool name>", "arguments": {...} | [...]}],
 *    "task_links": [{"source": "<tool name>", "target": "<tool name>"}]}
 * An argument value "<node-j>" (0-based) refers to the output of the j-th node.
 * TaskBench has two argument shapes: a list of positional strings (resource
 * domains) or a list of {name, value} (temporal / dailylifeapis); HomeSight's
 * own tools take an object of named arguments. All three parse here.
 */
export const NODE_REF = /^<node-(\d+)>$/;

export const namedArgumentSchema = z.object({ name: z.string(), value: z.unknown() });

export const taskNodeSchema = z.object({
  task: z.string().min(1),
  arguments: z.union([z.record(z.string(), z.unknown()), z.array(z.union([namedArgumentSchema, z.string()]))]).default({}),
});

export const taskLinkSchema = z.object({ source: z.string().min(1), target: z.string().min(1) });

export const taskPlanSchema = z.object({
  task_steps: z.array(z.string()).default([]),
  task_nodes: z.array(taskNodeSchema),
  task_links: z.array(taskLinkSchema).default([]),
});

export type TaskNode = z.infer<typeof taskNodeSchema>;
export type TaskLink = z.infer<typeof taskLinkSchema>;
export type TaskPlan = z.infer<typeof taskPlanSchema>;

/** Normalises a node's arguments to an object of named values. Positional strings become arg0, arg1, … */
export function namedArguments(node: TaskNode): Record<string, unknown> {
  const a = node.arguments;
  if (!Array.isArray(a)) return a;
  const out: Record<string, unknown> = {};
  a.forEach((x, i) => {
    if (typeof x === 'string') out[`arg${i}`] = x;
    else out[x.name] = x.value;
  });
  return out;
}

/** What a planner is asked: the question plus the household context it may use. */
export interface PlanRequest {
  question: string;
  /** Conversation id for follow-ups (short-term memory). */
  conversationId?: string;
  /** ISO time "now" in the household timezone, so relative times resolve. */
  now: string;
  timezone: string;
  /** People, rooms, cameras the household has (from config and memory). */
  household: { people: Array<{ name: string; aliases: string[] }>; rooms: string[]; cameras: string[] };
  /** Few-shot examples retrieved from long-term memory (past accepted plans). */
  examples?: Array<{ question: string; plan: TaskPlan }>;
  /** Recent turns of this conversation. */
  history?: Array<{ question: string; answer: string; plan?: TaskPlan }>;
  /** Validation/execution errors of a previous attempt, for repair (reflection). */
  repairHints?: string[];
  /** The previous (invalid) plan those hints are about. */
  previousPlan?: TaskPlan;
  /** Side-effect tools that may run (agent.allow_tools); others are left out of grammars and rejected. */
  allowTools?: string[];
  /** Topics publish_to_hub may use (agent.hub_topics). */
  hubTopics?: string[];
}

export interface PlanResult {
  plan: TaskPlan;
  /** Which planner produced it. */
  planner: string;
  /** Mean token log-prob where the planner knows it (local LLM); null otherwise. */
  confidence: number | null;
  tokens?: number;
  latencyMs: number;
  /** What the prompt builder dropped to fit the context budget. */
  dropped?: string[];
  /** Remarks for the trace (nearest example, auto-completed nodes, cloud fallbacks…). */
  notes?: string[];
  /** Prompt size in tokens, where the planner knows it. */
  promptTokens?: number;
  /** Time to the first generated token, ms (LLM planners). */
  firstTokenMs?: number;
  /** Prompt tokens evaluated by this call; the rest were reused from the previous call (LLM planners). */
  promptEvaluated?: number;
  /** Pure decoding: tokens after the first of each generation, and the ms they took (LLM planners; for benchmarks). */
  decode?: { tokens: number; ms: number };
}

/**
 * The planner seam: local GGUF, retrieval baseline, cloud endpoint, replay of
 * recorded plans (bench), or any module implementing it.
 */
export interface Planner {
  readonly name: string;
  plan(request: PlanRequest, signal?: AbortSignal): Promise<PlanResult>;
  dispose?(): Promise<void>;
}
