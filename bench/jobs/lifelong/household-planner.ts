/**
 * The edge of the lifelong drift job: the shipped planner model (a LocalPlanner, as the daemon builds it) once per
 * household, each following its household's adapter source — the device's AdapterStore, connected by the updater
 * through `connectAdapters` — so an adopted adapter is used by the household's next plan without a restart (the
 * planner recreates its context between plans), and a rollback goes back the same way.
 *
 * Hyperparameters: any key of agent.llm (model, threads, context_size, max_tokens, few_shots, grammar, max_nodes…),
 * validated by the config schema, and `adapter` (one LoRA file every household uses); `model` (required: the base the
 * adapters are trained for) is resolved like the built-in local planner's.
 */
import { basename } from 'node:path';
import { AdapterRelay, type LocalPlanner, type PlannerAdapterSource } from '../../../daemon/agent/index.js';
import { configSchema } from '../../../daemon/config/index.js';
import { HomeSightError } from '../../../daemon/system/index.js';
import { localPlannerFor, refuseRequest, type PlanRequest, type PlanResult } from '../../harness/agent.js';
import { resolveModelPath, type BenchSample, type PlannerFactoryContext, type SamplePlanner } from '../../harness/index.js';

/** What the updater needs from a planner whose adapters it manages. */
export interface HouseholdAdapterPlanner {
  /** Makes `source` the household's adapter source; returns the disconnect function. */
  connectAdapters(household: string, source: PlannerAdapterSource): () => void;
}

export function isHouseholdAdapterPlanner(p: unknown): p is HouseholdAdapterPlanner & SamplePlanner {
  return typeof (p as Partial<HouseholdAdapterPlanner> | null)?.connectAdapters === 'function';
}

interface Entry {
  relay: AdapterRelay;
  planner: Promise<LocalPlanner>;
}

export class HouseholdPlanner implements SamplePlanner, HouseholdAdapterPlanner {
  readonly name = 'local';
  private readonly byHousehold = new Map<string, Entry>();
  private fixed: PlannerAdapterSource | null = null;

  /** `make` builds a household's planner (not loaded) following `adapters`. */
  constructor(private readonly make: (adapters: PlannerAdapterSource, household: string) => LocalPlanner) {}

  private entry(household: string): Entry {
    let e = this.byHousehold.get(household);
    if (e === undefined) {
      const relay = new AdapterRelay();
      if (this.fixed !== null) relay.connect(this.fixed);
      const planner = this.make(relay, household);
      e = { relay, planner: planner.load().then(() => planner) };
      this.byHousehold.set(household, e);
    }
    return e;
  }

  /** Loads the base model once up front, so a missing or corrupt model fails the test case before any round. */
  async load(): Promise<void> {
    await this.entry('(default)').planner;
  }

  /** Every household's planner (and any made later) follows `source`. */
  fixAdapter(source: PlannerAdapterSource): void {
    this.fixed = source;
    for (const e of this.byHousehold.values()) e.relay.connect(source);
  }

  connectAdapters(household: string, source: PlannerAdapterSource): () => void {
    return this.entry(household).relay.connect(source);
  }

  async planSample(sample: BenchSample, request: PlanRequest, signal?: AbortSignal): Promise<PlanResult> {
    return refuseRequest(request) ?? (await (await this.entry(sample.household ?? '(default)').planner).plan(request, signal));
  }

  async plan(request: PlanRequest, signal?: AbortSignal): Promise<PlanResult> {
    return refuseRequest(request) ?? (await (await this.entry('(default)').planner).plan(request, signal));
  }

  /** The adapter each household's planner applies now (null = the bare base model). */
  adapters(): Record<string, string | null> {
    return Object.fromEntries([...this.byHousehold.keys()].map((h) => [h, this.byHousehold.get(h)!.relay.active()?.id ?? null]));
  }

  async dispose(): Promise<void> {
    for (const e of this.byHousehold.values()) await (await e.planner.catch(() => null))?.dispose();
    this.byHousehold.clear();
  }
}

export async function createPlanner(ctx: PlannerFactoryContext): Promise<HouseholdPlanner> {
  const values: Record<string, unknown> = { ...ctx.settings };
  delete values.examples;
  // `adapter`: one fixed LoRA file for every household (a final adapter measured on other questions, e.g. the natural set)
  const adapter = typeof values.adapter === 'string' ? ctx.resolvePath(values.adapter) : null;
  delete values.adapter;
  if (typeof values.model !== 'string')
    throw new HomeSightError('E_BENCH_PLANNER', 'household planner: give the base model (hyperparameter "model")', {
      hint: 'model: {values: ["../../../models/planner/homesight-planner-2m-q8_0.gguf"]}',
    });
  values.model = resolveModelPath(values.model, ctx);
  const parsed = configSchema.safeParse({ agent: { llm: values } });
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new HomeSightError('E_BENCH_PLANNER', `household planner: hyperparameter ${i.path.slice(2).join('.')}: ${i.message}`, {
      hint: 'the keys and rules of agent.llm',
    });
  }
  const config = parsed.data;
  const planner = new HouseholdPlanner((adapters, household) => localPlannerFor(config, ctx.log.child({ household }), adapters));
  await planner.load();
  if (adapter !== null) {
    const fixed = { active: () => ({ id: basename(adapter), file: adapter }), onChange: () => () => undefined };
    planner.fixAdapter(fixed);
  }
  return planner;
}
