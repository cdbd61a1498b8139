import { pathToFileURL } from 'node:url';
import { HomeSightError } from '../../daemon/system/index.js';
import { TOOL_NAMES, validatePlan, type TaskPlan } from './agent.js';
import { householdFor, loadDataset, type BenchSample, type LoadedDataset } from './dataset.js';
import type { MetricRef, TestEnvDecl } from './declarations.js';
import {
  BUILTIN_METRICS,
  createMetricContext,
  LIFELONG_METRICS,
  type EvalRecord,
  type MetricContext,
  type MetricDefinition,
} from './metrics/registry.js';
import { structuralPlanErrors } from './metrics/validity.js';

/**
 * Test Environment Manager: the dataset and the metrics of a testenv. Metrics
 * are built-ins by name or user modules by url: the module exports, under the
 * metric's name (or as `default`), either a function
 * `(records: EvalRecord[], ctx: MetricContext) => number | null` or a
 * `MetricDefinition`.
 */
export interface TestEnvironment {
  decl: TestEnvDecl;
  dataset: LoadedDataset;
  /** Per-record metrics in testenv order (lifelong metrics are listed in `lifelongMetrics`). */
  metrics: MetricDefinition[];
  lifelongMetrics: string[];
  /** The metric filling the lifelong matrix. */
  modelMetric: MetricDefinition | null;
  context: MetricContext;
  /** How plan validity is judged: the agent's tool catalog (Q2A) or the structural check (TaskBench). */
  validator: 'catalog' | 'structural';
}

type MetricModuleExport = MetricDefinition | MetricDefinition['compute'];

function isDefinition(v: unknown): v is MetricDefinition {
  return v !== null && typeof v === 'object' && typeof (v as { compute?: unknown }).compute === 'function';
}

export async function loadMetricModule(ref: MetricRef): Promise<MetricDefinition> {
  const url = ref.url!;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(url).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HomeSightError('E_BENCH_METRIC', `metric module ${url} failed to load: ${(err as Error).message}`, {
      hint: 'the module must be importable (ESM .ts/.js) and export the metric',
      cause: err,
    });
  }
  const exp = (mod[ref.name] ?? mod.default ?? mod.metric) as MetricModuleExport | undefined;
  if (typeof exp === 'function') {
    return { name: ref.name, summary: `custom metric (${url})`, better: 'higher', unit: 'other', compute: exp };
  }
  if (isDefinition(exp)) return { ...exp, name: ref.name };
  throw new HomeSightError('E_BENCH_METRIC', `metric module ${url} exports no "${ref.name}", default or metric`, {
    hint: `export function ${ref.name}(records, ctx) { return number | null } or a {compute, better, unit} object`,
  });
}

async function resolveMetric(ref: MetricRef): Promise<MetricDefinition> {
  if (ref.url !== null) return loadMetricModule(ref);
  const m = BUILTIN_METRICS.get(ref.name);
  if (m === undefined)
    throw new HomeSightError('E_BENCH_METRIC', `unknown metric "${ref.name}"`, {
      hint: `built-ins: ${[...BUILTIN_METRICS.keys()].join(', ')}`,
    });
  return m;
}

/** Catalog validation for the bench: policy checks (allow_tools, hub_topics) are deployment settings, not plan quality. */
export function catalogErrors(plan: TaskPlan, sample: BenchSample, dataset: LoadedDataset): string[] {
  const hh = householdFor(sample, dataset.households);
  const opts: Parameters<typeof validatePlan>[1] = { allowTools: TOOL_NAMES };
  if (hh.cameras.length > 0) opts.cameras = hh.cameras;
  if (hh.rooms.length > 0) opts.rooms = hh.rooms;
  if (hh.people.length > 0) opts.people = hh.people.map((p) => p.name);
  return validatePlan(plan, opts)
    .filter((i) => i.code !== 'E_TOOL_NOT_ALLOWED')
    .map((i) => `${i.path}: ${i.message}`);
}

export async function loadTestEnvironment(decl: TestEnvDecl): Promise<TestEnvironment> {
  const dataset = loadDataset(decl.dataset);
  const catalogNames = new Set<string>(TOOL_NAMES);
  // Q2A data is written against the agent's tool catalog: count nodes against it.
  const usesCatalog =
    dataset.format === 'q2a' && [...dataset.test, ...dataset.train].every((s) => s.gold.task_nodes.every((n) => catalogNames.has(n.task)));
  if (usesCatalog) dataset.tools = { names: [...TOOL_NAMES], outputTypes: new Map(), source: 'catalog' };
  const toolSet = dataset.tools === null ? undefined : new Set(dataset.tools.names);
  const validate = usesCatalog
    ? (plan: TaskPlan, sample: BenchSample): string[] => catalogErrors(plan, sample, dataset)
    : (plan: TaskPlan): string[] => structuralPlanErrors(plan, toolSet);

  const metrics: MetricDefinition[] = [];
  const lifelongMetrics: string[] = [];
  for (const ref of decl.metrics) {
    if (ref.url === null && LIFELONG_METRICS.has(ref.name)) lifelongMetrics.push(ref.name);
    else metrics.push(await resolveMetric(ref));
  }
  const modelMetric =
    decl.modelMetric === null ? null : (metrics.find((m) => m.name === decl.modelMetric!.name) ?? (await resolveMetric(decl.modelMetric)));
  return {
    decl,
    dataset,
    metrics,
    lifelongMetrics,
    modelMetric,
    context: createMetricContext({ linkMode: dataset.linkMode, tools: dataset.tools, validate }),
    validator: usesCatalog ? 'catalog' : 'structural',
  };
}

export type { EvalRecord };
