/**
 * The generic format adapters are trained (cloud/trainer) and evaluated (the device's adapter lifecycle) on, for a base
 * model that is not HomeSight's planner model (that one, homesight-planner-v1, is trained on its own prompt and plan
 * text: adapterSample in daemon/agent/planning/model-planner.ts picks the format by the base); it
 * lives here so edge and cloud share it without the daemon importing cloud/. cloud/trainer/train_lora.py's
 * format_sample() implements the same rules; keep the two in step (test/learning/trainer-*.test.ts compares them).
 *
 *   prompt     = "Question: <question>\nPlan:\n"
 *   completion = the plan as compact JSON with keys task_steps, task_nodes, task_links (in that order)
 *
 * The prompt ends in a newline, which the llama SPM vocabulary never merges with the next character, so the
 * prompt's tokens are a prefix of the tokens of prompt + completion.
 */
export const PLAN_FORMAT = 'homesight-plan-v1';

/** A TaskBench-style plan record as a JSONL line: question plus the plan's fields, or the plan under `plan`. */
export interface PlanRecord {
  question: string;
  task_steps?: string[];
  task_nodes: unknown[];
  task_links?: unknown[];
}

/** One training/evaluation sample: the loss (or NLL) covers the completion given the prompt. */
export interface TextSample {
  prompt: string;
  completion: string;
}

const QUESTION_KEYS = ['question', 'user_request', 'instruction', 'request'] as const;

/** Mirrors format_sample() in train_lora.py. Throws on records it cannot read. */
export function formatPlanSample(rec: Record<string, unknown>): TextSample {
  if (typeof rec['prompt'] === 'string' && typeof rec['completion'] === 'string') {
    return { prompt: rec['prompt'], completion: rec['completion'] };
  }
  if (typeof rec['text'] === 'string') return { prompt: '', completion: rec['text'] };
  const qk = QUESTION_KEYS.find((k) => typeof rec[k] === 'string');
  const inner = rec['plan'];
  const plan = inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : rec;
  if (qk === undefined || !Array.isArray(plan['task_nodes'])) {
    throw new Error('a sample needs {prompt, completion}, {text} or a plan record (question + task_nodes)');
  }
  const ordered: Record<string, unknown> = {};
  for (const k of ['task_steps', 'task_nodes', 'task_links']) if (k in plan) ordered[k] = plan[k];
  return { prompt: `Question: ${(rec[qk] as string).trim()}\nPlan:\n`, completion: JSON.stringify(ordered) };
}

/** JSONL text for train_lora.py --data. */
export function toJsonl(records: ReadonlyArray<object>): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
