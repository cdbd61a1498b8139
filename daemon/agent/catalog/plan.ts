import type { TaskNode, TaskPlan } from '../../contracts/index.js';

// The task-plan format (TaskBench JSON) is shared with learning and the cloud teacher, so it lives in contracts.
export {
  NODE_REF,
  namedArgumentSchema,
  taskLinkSchema,
  taskNodeSchema,
  taskPlanSchema,
  type TaskLink,
  type TaskNode,
  type TaskPlan,
} from '../../contracts/index.js';

/** Normalises a node's arguments to an object of named values. Positional values become arg0, arg1, … */
export function namedArguments(node: TaskNode): Record<string, unknown> {
  const a = node.arguments;
  if (!Array.isArray(a)) return a;
  const out: Record<string, unknown> = {};
  a.forEach((x, i) => {
    if (typeof x === 'object') out[x.name] = x.value;
    else out[`arg${i}`] = x;
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
  household: {
    people: Array<{ name: string; aliases: string[]; relation?: string }>;
    rooms: string[];
    cameras: string[];
    /** Room each camera watches, where known (grounding maps "the kitchen" to its camera). */
    cameraRooms?: Readonly<Record<string, string | null>>;
    /** The household's own words for its rooms ("the den" for the living room), where known. */
    roomAliases?: Readonly<Record<string, readonly string[]>>;
    /** Zone names per camera, where known. */
    cameraZones?: Readonly<Record<string, readonly string[]>>;
    /** Named groups of people ("the kids"): canonical member names. */
    groups?: ReadonlyArray<{ name: string; aliases: readonly string[]; members: readonly string[] }>;
    /** Canonical name of the person asking, when known ("was I …"). */
    asker?: string;
    /** Meals, naps, bedtimes (config household.routines), for time phrases like "after dinner". */
    routines?: ReadonlyArray<{
      name: string;
      aliases: readonly string[];
      start: string;
      end: string;
      days: ReadonlyArray<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'>;
    }>;
  };
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
  /** Set when the request was declined before planning: the plan is the refusal, the reason is the answer. */
  refusal?: { category: string; reason: string };
  /** Set when the request was asked back (a name fits several people or cameras): the plan is the answer alone, `question` is it. */
  clarification?: { question: string; candidates: string[] };
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
