import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { HomeSightError } from '../../daemon/system/index.js';
import type { Planner, PlanRequest, PlanResult, TaskPlan } from './agent.js';
import { coercePlan, jsonlFilesIn, readJsonl, type BenchSample, type HouseholdInfo, type ToolVocabulary } from './dataset.js';
import type { ModuleDecl } from './declarations.js';

/** What a planner factory gets: the test case's hyperparameters and the environment. */
export interface PlannerFactoryContext {
  /** Hyperparameters of the planner module for this test case (one value per key). */
  settings: Readonly<Record<string, unknown>>;
  /** Resolves a path as the algorithm file means it (relative to its folder). */
  resolvePath(p: string): string;
  /** Training samples (testenv train_url; empty in the lifelong paradigm, where updaters feed the planner). */
  train: readonly BenchSample[];
  households: ReadonlyMap<string, HouseholdInfo>;
  tools: ToolVocabulary | null;
  /** Folder of model files (GGUF) for planners that name a model by file name. */
  modelsDir: string;
  log: Logger;
  signal: AbortSignal;
}

/**
 * A module planner: `export function createPlanner(ctx: PlannerFactoryContext): Planner | Promise<Planner>`
 * (or the same as the default export).
 */
export type PlannerFactory = (ctx: PlannerFactoryContext) => Planner | Promise<Planner>;

/** A planner that also knows which sample it is asked about (replay keys on sample ids). */
export interface SamplePlanner extends Planner {
  planSample(sample: BenchSample, request: PlanRequest, signal?: AbortSignal): Promise<PlanResult>;
}

export function isSamplePlanner(p: Planner): p is SamplePlanner {
  return typeof (p as Partial<SamplePlanner>).planSample === 'function';
}

interface Recorded {
  plan: TaskPlan | null;
  error: string | null;
  latencyMs: number | null;
  tokens: number | null;
}

/**
 * Replays recorded plans from a JSONL file. Each line is one of
 *   {"id": …, "result": {task_steps, task_nodes, task_links}}   (TaskBench prediction file)
 *   {"id": …, "plan": {…}}                                      (HomeSight recording)
 *   {"id": …, "task_nodes": […], …}                             (a dataset line: replays the gold plan)
 * optionally with "latency_ms", "tokens" and "error" (a recorded failure). A
 * line whose plan does not parse replays as a failure with that reason. A
 * folder replays its q2a.jsonl (or every .jsonl in it).
 */
export class ReplayPlanner implements SamplePlanner {
  readonly name: string;
  private readonly byId = new Map<string, Recorded>();
  private readonly byQuestion = new Map<string, Recorded>();

  constructor(
    readonly file: string,
    name = 'replay',
  ) {
    this.name = name;
    const lines = jsonlFilesIn(file).flatMap((f) =>
      readJsonl(f).map((l) => ({ ...l, line: `${f === file ? '' : f.slice(file.length + 1) + ':'}${l.line}` })),
    );
    for (const { line, value } of lines) {
      if (value === null || typeof value !== 'object')
        throw new HomeSightError('E_BENCH_REPLAY', `${file}:${line}: not a JSON object`, {
          hint: 'each line is {"id": …, "result": plan}',
        });
      const o = value as Record<string, unknown>;
      const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : null;
      if (id === null)
        throw new HomeSightError('E_BENCH_REPLAY', `${file}:${line}: line has no "id"`, { hint: 'each line is {"id": …, "result": plan}' });
      const raw = o.result ?? o.plan ?? ('task_nodes' in o ? o : undefined);
      let rec: Recorded;
      const latencyMs = typeof o.latency_ms === 'number' ? o.latency_ms : null;
      const tokens = typeof o.tokens === 'number' ? o.tokens : null;
      if (typeof o.error === 'string') rec = { plan: null, error: o.error, latencyMs, tokens };
      else if (raw === undefined) rec = { plan: null, error: 'recorded line has no plan', latencyMs, tokens };
      else {
        const c = coercePlan(raw);
        rec =
          'plan' in c
            ? { plan: c.plan, error: null, latencyMs, tokens }
            : { plan: null, error: `unparsable plan: ${c.error}`, latencyMs, tokens };
      }
      this.byId.set(id, rec);
      if (typeof o.instruction === 'string') this.byQuestion.set(o.instruction, rec);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  private answer(rec: Recorded | undefined, what: string, started: number): PlanResult {
    if (rec === undefined)
      throw new HomeSightError('E_BENCH_REPLAY', `no recorded plan for ${what} in ${this.file}`, { hint: 'record every test sample' });
    // A recorded failure replays as a failure, with its recorded latency.
    if (rec.plan === null)
      throw new HomeSightError('E_BENCH_REPLAY', rec.error ?? 'recorded failure', {
        context: rec.latencyMs === null ? {} : { latencyMs: rec.latencyMs },
      });
    const r: PlanResult = { plan: rec.plan, planner: this.name, confidence: null, latencyMs: rec.latencyMs ?? performance.now() - started };
    if (rec.tokens !== null) r.tokens = rec.tokens;
    return r;
  }

  async planSample(sample: BenchSample): Promise<PlanResult> {
    return this.answer(this.byId.get(sample.id), `sample "${sample.id}"`, performance.now());
  }

  async plan(request: PlanRequest): Promise<PlanResult> {
    return this.answer(this.byQuestion.get(request.question), `question "${request.question.slice(0, 60)}"`, performance.now());
  }
}

function isPlanner(v: unknown): v is Planner {
  return v !== null && typeof v === 'object' && typeof (v as Planner).plan === 'function' && typeof (v as Planner).name === 'string';
}

/** Loads a planner module's factory (`createPlanner` or default export). */
export async function loadPlannerModule(url: string): Promise<PlannerFactory> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(url).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HomeSightError('E_BENCH_PLANNER', `planner module ${url} failed to load: ${(err as Error).message}`, {
      cause: err,
      hint: 'the module must be importable ESM (.ts or .js)',
    });
  }
  const f = mod.createPlanner ?? mod.default;
  if (typeof f !== 'function') {
    throw new HomeSightError('E_BENCH_PLANNER', `planner module ${url} exports no createPlanner`, {
      hint: 'export function createPlanner(ctx: PlannerFactoryContext): Planner',
    });
  }
  return f as PlannerFactory;
}

/** Planners the agent provides, looked up on its public index at run time. */
export type AgentPlannerKind = 'local' | 'retrieval' | 'cloud';
export type AgentPlannerLoader = (kind: AgentPlannerKind, ctx: PlannerFactoryContext) => Promise<Planner>;

/** Creates the planner of a test case. */
export async function createPlanner(decl: ModuleDecl, ctx: PlannerFactoryContext, agentPlanners: AgentPlannerLoader): Promise<Planner> {
  let planner: unknown;
  if (decl.url !== null) planner = await (await loadPlannerModule(decl.url))(ctx);
  else if (decl.name === 'replay') {
    const file = ctx.settings.file;
    if (typeof file !== 'string')
      throw new HomeSightError('E_BENCH_PLANNER', 'the replay planner needs a "file" hyperparameter', {
        hint: 'hyperparameters: [{file: {values: [./plans.jsonl]}}]',
      });
    planner = new ReplayPlanner(ctx.resolvePath(file));
  } else if (decl.name === 'local' || decl.name === 'retrieval' || decl.name === 'cloud') {
    planner = await agentPlanners(decl.name, ctx);
  } else {
    throw new HomeSightError('E_BENCH_PLANNER', `unknown planner "${decl.name}"`, {
      hint: 'use replay, local, retrieval, cloud or a module url',
    });
  }
  if (!isPlanner(planner)) {
    throw new HomeSightError('E_BENCH_PLANNER', `planner "${decl.name}" does not implement Planner (needs name and plan())`, {
      hint: 'see daemon/agent/plan.ts',
    });
  }
  return planner;
}

/** A model path setting: absolute, relative to the algorithm file when it exists there, else a file in the models folder. */
export function resolveModelPath(value: string, ctx: Pick<PlannerFactoryContext, 'resolvePath' | 'modelsDir'>): string {
  if (isAbsolute(value)) return value;
  const local = ctx.resolvePath(value);
  if (existsSync(local)) return local;
  return resolve(ctx.modelsDir, value);
}
