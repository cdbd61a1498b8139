import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { HomeSightError } from '../../daemon/system/index.js';
import type { Planner, PlanRequest } from './agent.js';
import type { BenchSample, HouseholdInfo } from './dataset.js';
import type { ModuleDecl } from './declarations.js';
import { rougeTokens } from './metrics/rouge.js';

/** What an updater sees after a lifelong round. */
export interface UpdateContext {
  /** 0-based round whose training data is handed over. */
  round: number;
  /** That round's training samples (instruction + gold plan): the stream the learning loop gets. */
  train: readonly BenchSample[];
  /** The planner of this test case (to update its memory or adapters). */
  planner: Planner;
  households: ReadonlyMap<string, HouseholdInfo>;
  /** testenv model_eval (threshold/operator/mode), for hard-example mining. */
  modelEval: { threshold?: number; operator?: string; mode?: string } | null;
  /** Scratch folder of this test case for adapters, queues and the like. */
  workDir: string;
  log: Logger;
  signal: AbortSignal;
}

/** What an updater reports; `inferred`/`transferred` feed Ianvs's samples_transfer_ratio. */
export interface UpdateReport {
  inferred?: number;
  transferred?: number;
  notes?: string[];
  [key: string]: unknown;
}

/**
 * The lifelong seam: after each round the harness hands the round's training
 * data to the updater (memory, pseudo-labels, LoRA adapters…), then re-tests
 * every round. `prepare` may add to each request (e.g. few-shot examples).
 */
export interface Updater {
  readonly name: string;
  update(ctx: UpdateContext): Promise<UpdateReport | void>;
  prepare?(request: PlanRequest, sample: BenchSample): PlanRequest;
  dispose?(): Promise<void>;
}

export interface UpdaterFactoryContext {
  settings: Readonly<Record<string, unknown>>;
  resolvePath(p: string): string;
  households: ReadonlyMap<string, HouseholdInfo>;
  log: Logger;
}

/** `export function createUpdater(ctx: UpdaterFactoryContext): Updater | Promise<Updater>` (or default). */
export type UpdaterFactory = (ctx: UpdaterFactoryContext) => Updater | Promise<Updater>;

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/**
 * Built-in `fewshot_memory`: in-context lifelong learning. Each round's
 * training pairs go into a memory; every later request gets the k most similar
 * remembered (question, plan) pairs as `examples` (token-set Jaccard similarity
 * over ROUGE tokens; same household only unless `same_household: false`; ties
 * keep the earlier memory). Hyperparameters: k (default 3), same_household.
 */
export class FewShotMemoryUpdater implements Updater {
  readonly name = 'fewshot_memory';
  private readonly memory: Array<{ question: string; tokens: Set<string>; plan: BenchSample['gold']; household: string | null }> = [];
  readonly k: number;
  readonly sameHousehold: boolean;

  constructor(settings: Readonly<Record<string, unknown>>) {
    const k = settings.k ?? 3;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0)
      throw new HomeSightError('E_BENCH_UPDATER', `fewshot_memory: k must be a whole number ≥ 0 (got ${JSON.stringify(k)})`);
    this.k = k;
    this.sameHousehold = settings.same_household !== false;
  }

  get size(): number {
    return this.memory.length;
  }

  async update(ctx: UpdateContext): Promise<UpdateReport> {
    for (const s of ctx.train)
      this.memory.push({ question: s.instruction, tokens: new Set(rougeTokens(s.instruction)), plan: s.gold, household: s.household });
    return { inferred: 0, transferred: 0, remembered: ctx.train.length, memory: this.memory.length };
  }

  prepare(request: PlanRequest, sample: BenchSample): PlanRequest {
    if (this.k === 0 || this.memory.length === 0) return request;
    const q = new Set(rougeTokens(request.question));
    const scored = this.memory
      .map((m, i) => ({ m, i, score: jaccard(q, m.tokens) }))
      .filter((x) => !this.sameHousehold || x.m.household === sample.household)
      .sort((a, b) => b.score - a.score || a.i - b.i)
      .slice(0, this.k);
    if (scored.length === 0) return request;
    return { ...request, examples: [...(request.examples ?? []), ...scored.map((x) => ({ question: x.m.question, plan: x.m.plan }))] };
  }
}

export async function createUpdater(decl: ModuleDecl, ctx: UpdaterFactoryContext): Promise<Updater> {
  let u: unknown;
  if (decl.url !== null) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(decl.url).href)) as Record<string, unknown>;
    } catch (err) {
      throw new HomeSightError('E_BENCH_UPDATER', `updater module ${decl.url} failed to load: ${(err as Error).message}`, { cause: err });
    }
    const f = mod.createUpdater ?? mod.default;
    if (typeof f !== 'function')
      throw new HomeSightError('E_BENCH_UPDATER', `updater module ${decl.url} exports no createUpdater`, {
        hint: 'export function createUpdater(ctx): Updater',
      });
    u = await (f as UpdaterFactory)(ctx);
  } else if (decl.name === 'fewshot_memory') {
    u = new FewShotMemoryUpdater(ctx.settings);
  } else {
    throw new HomeSightError('E_BENCH_UPDATER', `unknown updater "${decl.name}"`, { hint: 'use fewshot_memory or a module url' });
  }
  if (u === null || typeof u !== 'object' || typeof (u as Updater).update !== 'function') {
    throw new HomeSightError('E_BENCH_UPDATER', `updater "${decl.name}" does not implement Updater (needs update())`);
  }
  return u as Updater;
}
