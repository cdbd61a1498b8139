import { basename } from 'node:path';
import { LocalPlanner, personPseudonym, withPseudonyms, type PlanRequest, type TaskPlan } from '../daemon/agent/index.js';
import { sampleRequestContext } from '../daemon/contracts/index.js';
import { asHomeSightError, type Logger } from '../daemon/system/index.js';
import type { TeacherInput, TeacherPlanner } from './teacher.js';
import {
  planIssues,
  SELF_CONSISTENCY_DEFAULTS,
  singleLabel,
  voteOnPlans,
  type SelfConsistency,
  type TeacherLabel,
} from './teacher-vote.js';

export interface ModelTeacherOptions {
  /** The teacher's planner GGUF: a homesight-planner-v1 model (cloud/trainer's planner recipe, any size). */
  model: string;
  /** k samples at temperature > 0, seeded (default 5 at 0.7, seeds 1…5). */
  voting?: Partial<SelfConsistency>;
  /** llama.cpp threads (default 1: on a loaded CPU, spinning threads cost more than they give; give a large model more). */
  threads?: number;
  /** Context in tokens (default 1024: the compact prompt and a plan fit in a few hundred). */
  contextSize?: number;
  /** 'auto' = offload to a GPU when there is one (default); 0 = CPU only. */
  gpuLayers?: 'auto' | number;
  /** Most tokens of one plan (default 256). */
  maxTokens?: number;
  /** Bound for one sample (default 60 s). */
  timeoutMs?: number;
  /** Most nodes of a plan (default 8, the catalog's most: a label is not cut to the device's latency budget). */
  maxNodes?: number;
  log?: Logger;
}

/** Errors after which the teacher cannot go on (the label job fails and is retried); any other is one bad sample. */
const FATAL = new Set(['E_CANCELLED', 'E_MODEL_MISSING', 'E_MODEL_CORRUPT', 'E_MODEL_LOAD', 'E_MODEL_NOT_LOADED']);

/**
 * A teacher that is a model: a planner GGUF run in the teacher service through node-llama-cpp, on exactly the path the
 * device's local planner takes for a homesight-planner-v1 model (LocalPlanner: grounding, the compact prompt, the
 * per-request plan-text grammar, relexicalisation), on the PlanRequest the uploaded household context stands for —
 * people are `<person-…>` placeholders there. The model sees each as its pseudonym (`Pxxxxxxxx`, personPseudonym: a
 * word grounding treats as a name, as the device's own prompts have names; `<person-…>` itself became `<<person-1>>`,
 * a prompt the model was never trained on) and its plans name them by placeholder again. It labels with self-consistency:
 * k plans at temperature > 0 with seeds seed…seed+k-1, each validated and grounded in the context, voted on
 * (teacher-vote.ts). A sample without a context (older devices) gets no label.
 */
export class ModelTeacher implements TeacherPlanner {
  readonly name: string;
  private readonly planner: LocalPlanner;
  private readonly voting: SelfConsistency;

  constructor(o: ModelTeacherOptions) {
    this.voting = { ...SELF_CONSISTENCY_DEFAULTS, ...o.voting };
    this.name = `model:${basename(o.model).replace(/\.gguf$/i, '')}`;
    this.planner = new LocalPlanner({
      modelPath: o.model,
      threads: o.threads ?? 1,
      contextSize: o.contextSize ?? 1024,
      gpuLayers: o.gpuLayers ?? 'auto',
      maxTokens: o.maxTokens ?? 256,
      temperature: this.voting.temperature,
      timeoutMs: o.timeoutMs ?? 60_000,
      fewShots: 0,
      maxNodes: o.maxNodes ?? 8,
      ...(o.log !== undefined ? { log: o.log } : {}),
    });
  }

  /** Loads the model now (otherwise the first sample does). Throws E_MODEL_MISSING / E_MODEL_CORRUPT / E_MODEL_LOAD. */
  load(): Promise<void> {
    return this.planner.load();
  }

  async plan(input: TeacherInput, signal?: AbortSignal): Promise<TeacherLabel> {
    const ctx = input.context;
    if (ctx === undefined) return singleLabel(null, ['no household context (a device older than the context upload)']);
    await this.planner.load();
    const placeholders = new Set(JSON.stringify({ q: input.question, ctx }).match(/<person-[0-9a-f]{8}>/g) ?? []);
    const back = Object.fromEntries([...placeholders].map((h) => [personPseudonym(h), h]));
    const req: PlanRequest = withPseudonyms({ question: input.question, ...sampleRequestContext(ctx) });
    const { samples, temperature, seed } = this.voting;
    const draw = async (n: number): Promise<TaskPlan | string> => {
      try {
        const plan = (await this.planner.plan(req, signal, { temperature, seed: seed + n })).plan;
        // arguments and free text (compose_answer's question) name the pseudonyms: placeholders again
        return JSON.parse(
          JSON.stringify(plan).replace(/\bP([0-9a-f]{8})\b/g, (w, h: string) => (back[w] !== undefined ? `<person-${h}>` : w)),
        ) as TaskPlan;
      } catch (err) {
        const e = asHomeSightError(err);
        if (FATAL.has(e.code) || signal?.aborted === true) throw e;
        return `no plan (${e.code}): ${e.message}`;
      }
    };
    return voteOnPlans(samples, draw, (p) => planIssues(p, ctx), signal);
  }

  async dispose(): Promise<void> {
    await this.planner.dispose();
  }
}
