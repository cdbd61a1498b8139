import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { ConfigProblem } from '../../daemon/config/index.js';
import { isValidTimezone } from '../../daemon/system/index.js';
import { BUILTIN_METRICS, LIFELONG_METRICS } from './metrics/registry.js';
import { BenchConfigError, YamlFile } from './yaml.js';

/**
 * The three declaration files, with Ianvs's field names:
 *   benchmarkingjob.yaml → name, workspace, testenv, test_object {type: algorithms, algorithms [{name, url}]},
 *                          rank {sort_by, visualization, selected_dataitem, save_mode}
 *   testenv.yaml         → dataset {train_url, test_url, …}, metrics [{name, url?}], incremental_rounds, model_eval
 *   algorithm.yaml       → paradigm_type, modules [{type, name, url?, hyperparameters [{key: {values: [...]}}]}]
 * Relative paths are resolved against the folder of the file that names them.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const nameSchema = z.string().regex(NAME, 'letters, digits, "_", "." or "-" (it becomes a folder name)');

const oneKey = <T extends z.ZodType>(value: T, hint: string) =>
  z
    .record(z.string(), value)
    .refine((r) => Object.keys(r).length === 1, { message: 'each entry must have exactly one key', params: { hint } });

const allOrList = z.array(z.string().min(1)).min(1).default(['all']);

export const jobFileSchema = z.strictObject({
  benchmarkingjob: z.strictObject({
    name: nameSchema.describe('job name; outputs go to <workspace>/<name>/'),
    workspace: z.string().min(1).describe('output folder (relative to this file)'),
    testenv: z.string().min(1).describe('path of the testenv YAML'),
    test_object: z.strictObject({
      type: z.literal('algorithms'),
      algorithms: z.array(z.strictObject({ name: nameSchema, url: z.string().min(1) })).min(1),
    }),
    rank: z.strictObject({
      sort_by: z.array(oneKey(z.enum(['ascend', 'descend']), 'write sort_by: [{node_f1: descend}, {latency_p95_ms: ascend}]')).min(1),
      visualization: z
        .strictObject({ mode: z.enum(['selected_only']).default('selected_only'), method: z.enum(['print_table']).default('print_table') })
        .prefault({}),
      selected_dataitem: z
        .strictObject({ paradigms: allOrList, modules: allOrList, hyperparameters: allOrList, metrics: allOrList })
        .prefault({}),
      save_mode: z.enum(['selected_and_all', 'selected_only', 'selected_and_all_and_picture']).default('selected_and_all'),
    }),
    parallel: z.number().int().min(1).max(64).default(1).describe('HomeSight extension: concurrent plan() calls within a test case'),
  }),
});

const metricRefSchema = z.strictObject({ name: z.string().min(1), url: z.string().min(1).optional() });

export const testenvFileSchema = z.strictObject({
  testenv: z.strictObject({
    dataset: z.strictObject({
      format: z.enum(['q2a', 'taskbench']).optional(),
      train_url: z.string().min(1).optional(),
      test_url: z.string().min(1),
      tool_desc_url: z.string().min(1).optional(),
      household_url: z.string().min(1).optional(),
      link_mode: z.enum(['auto', 'temporal', 'resource']).default('auto'),
      train_split: z.array(z.string().min(1)).min(1).default(['train']),
      test_split: z.array(z.string().min(1)).min(1).default(['test']),
      households: z.array(z.string().min(1)).min(1).optional(),
      limit: z.number().int().min(1).optional(),
      now: z.iso.datetime({ offset: true }).optional(),
      timezone: z.string().min(1).optional(),
    }),
    metrics: z.array(metricRefSchema).min(1),
    incremental_rounds: z.number().int().min(1).max(100).optional(),
    model_eval: z
      .strictObject({
        model_metric: metricRefSchema.extend({ mode: z.string().optional() }),
        threshold: z.number().optional(),
        operator: z.enum(['<', '<=', '>', '>=', '==']).optional(),
      })
      .optional(),
  }),
});

const hyperparameterSchema = oneKey(
  z.strictObject({ values: z.array(z.unknown()).min(1) }),
  'write hyperparameters: [{temperature: {values: [0, 0.7]}}, {few_shots: {values: [3]}}]',
);

export const MODULE_TYPES = ['planner', 'basemodel', 'updater'] as const;

export const algorithmFileSchema = z.strictObject({
  algorithm: z.strictObject({
    paradigm_type: z.enum(['singletasklearning', 'lifelonglearning'], {
      error: 'HomeSight runs the singletasklearning and lifelonglearning paradigms',
    }),
    modules: z
      .array(
        z.strictObject({
          type: z.enum(MODULE_TYPES),
          name: z.string().min(1),
          url: z.string().min(1).optional(),
          hyperparameters: z.array(hyperparameterSchema).default([]),
        }),
      )
      .min(1),
  }),
});

export type Paradigm = 'singletasklearning' | 'lifelonglearning';
export const BUILTIN_PLANNERS = ['replay', 'local', 'retrieval', 'cloud'] as const;
export const BUILTIN_UPDATERS = ['fewshot_memory'] as const;

export interface ModuleDecl {
  type: 'planner' | 'updater';
  name: string;
  /** Absolute module path, or null for a built-in. */
  url: string | null;
  /** key → values to sweep, in file order. */
  hyperparameters: Array<{ key: string; values: unknown[] }>;
  /** Folder of the algorithm file (relative paths in hyperparameters resolve against it). */
  baseDir: string;
}

export interface AlgorithmDecl {
  name: string;
  file: string;
  paradigm: Paradigm;
  planner: ModuleDecl;
  updater: ModuleDecl | null;
}

export interface MetricRef {
  name: string;
  url: string | null;
}

export interface TestEnvDecl {
  file: string;
  dataset: {
    format?: 'q2a' | 'taskbench';
    trainUrl?: string;
    testUrl: string;
    toolDescUrl?: string;
    householdUrl?: string;
    linkMode: 'auto' | 'temporal' | 'resource';
    trainSplits: string[];
    testSplits: string[];
    households?: string[];
    limit?: number;
    now?: string;
    timezone?: string;
  };
  metrics: MetricRef[];
  incrementalRounds: number | null;
  modelMetric: MetricRef | null;
  modelEval: { threshold?: number; operator?: string; mode?: string } | null;
}

export interface RankDecl {
  sortBy: Array<{ metric: string; order: 'ascend' | 'descend' }>;
  selected: { paradigms: string[]; modules: string[]; hyperparameters: string[]; metrics: string[] };
  saveMode: 'selected_and_all' | 'selected_only' | 'selected_and_all_and_picture';
  visualization: { mode: string; method: string };
}

export interface JobDecl {
  file: string;
  name: string;
  workspace: string;
  parallel: number;
  testenv: TestEnvDecl;
  algorithms: AlgorithmDecl[];
  rank: RankDecl;
}

const HINTS: Array<[RegExp, string]> = [
  [/^benchmarkingjob\.test_object\.type$/, 'the only test object type is "algorithms"'],
  [/^benchmarkingjob\.rank\.save_mode$/, 'selected_and_all writes all_rank.csv and selected_rank.csv'],
  [
    /^testenv\.dataset\.test_url$/,
    'a Q2A JSONL file or folder (homesight dataset build writes var/datasets/q2a), or a TaskBench data.json',
  ],
  [/^testenv\.metrics/, 'list metrics as [{name: node_f1}, {name: my_metric, url: ./my-metric.ts}]'],
  [/^algorithm\.modules\.\d+\.type$/, 'module types: planner (alias basemodel) and updater'],
];

function hintFor(dotted: string): string | undefined {
  return HINTS.find(([re]) => re.test(dotted))?.[1];
}

function fileUrlProblem(file: YamlFile, at: PropertyKey[], url: string, what: string): ConfigProblem | null {
  const p = file.resolvePath(url);
  if (existsSync(p)) return null;
  return file.problem(at, `${what} not found: ${p}`, { found: `"${url}"`, hint: 'paths are relative to the folder of this file' });
}

function toAlgorithm(
  name: string,
  file: YamlFile,
  data: z.output<typeof algorithmFileSchema>,
  problems: ConfigProblem[],
): AlgorithmDecl | null {
  const a = data.algorithm;
  let planner: ModuleDecl | null = null;
  let updater: ModuleDecl | null = null;
  a.modules.forEach((m, i) => {
    const at = ['algorithm', 'modules', i];
    const type = m.type === 'basemodel' ? 'planner' : m.type;
    const seen = new Set<string>();
    const hps: Array<{ key: string; values: unknown[] }> = [];
    m.hyperparameters.forEach((h, k) => {
      const [key, v] = Object.entries(h)[0]!;
      if (seen.has(key))
        problems.push(
          file.problem([...at, 'hyperparameters', k, key], `hyperparameter "${key}" is listed twice`, {
            keyNode: true,
            hint: 'put every value to sweep into one values list',
          }),
        );
      seen.add(key);
      hps.push({ key, values: v.values });
    });
    let url: string | null = null;
    if (m.url !== undefined) {
      const p = fileUrlProblem(file, [...at, 'url'], m.url, `${type} module`);
      if (p !== null) problems.push(p);
      url = file.resolvePath(m.url);
    } else {
      const builtins: readonly string[] = type === 'planner' ? BUILTIN_PLANNERS : BUILTIN_UPDATERS;
      if (!builtins.includes(m.name)) {
        problems.push(
          file.problem([...at, 'name'], `"${m.name}" is not a built-in ${type} and no url is given`, {
            allowed: builtins.map((b) => JSON.stringify(b)).join(', '),
            hint:
              `give url: ./my-${type}.ts (a module ` +
              `exporting ${type === 'planner' ? 'createPlanner' : 'createUpdater'}) or use a built-in name`,
          }),
        );
      }
    }
    if (type === 'planner' && m.name === 'replay' && url === null) {
      const fileHp = hps.find((h) => h.key === 'file');
      if (fileHp === undefined) {
        problems.push(
          file.problem([...at, 'name'], 'the replay planner needs a "file" hyperparameter', {
            hint: 'hyperparameters: [{file: {values: [./predictions.jsonl]}}]',
          }),
        );
      } else {
        const k = m.hyperparameters.findIndex((h) => 'file' in h);
        fileHp.values.forEach((v, j) => {
          if (typeof v !== 'string') {
            problems.push(
              file.problem([...at, 'hyperparameters', k, 'file', 'values', j], 'replay file must be a path', { found: JSON.stringify(v) }),
            );
            return;
          }
          const p = fileUrlProblem(file, [...at, 'hyperparameters', k, 'file', 'values', j], v, 'replay file');
          if (p !== null) problems.push(p);
        });
      }
    }
    const decl: ModuleDecl = { type, name: m.name, url, hyperparameters: hps, baseDir: file.dir };
    if (type === 'planner') {
      if (planner !== null)
        problems.push(
          file.problem([...at, 'type'], 'an algorithm has exactly one planner module', {
            hint: 'declare a second algorithm for another planner',
          }),
        );
      else planner = decl;
    } else {
      if (updater !== null) problems.push(file.problem([...at, 'type'], 'an algorithm has at most one updater module'));
      else if (a.paradigm_type !== 'lifelonglearning') {
        problems.push(
          file.problem([...at, 'type'], 'an updater only runs in the lifelonglearning paradigm', {
            hint: 'set paradigm_type: lifelonglearning or remove the updater',
          }),
        );
      } else updater = decl;
    }
  });
  if (planner === null) {
    problems.push(
      file.problem(['algorithm', 'modules'], 'the algorithm has no planner module', {
        hint: 'add {type: planner, name: replay|local|retrieval|cloud or url: ./my-planner.ts}',
      }),
    );
    return null;
  }
  return { name, file: file.path, paradigm: a.paradigm_type, planner, updater };
}

function toTestenv(file: YamlFile, data: z.output<typeof testenvFileSchema>, problems: ConfigProblem[]): TestEnvDecl {
  const t = data.testenv;
  const d = t.dataset;
  const dataset: TestEnvDecl['dataset'] = {
    testUrl: file.resolvePath(d.test_url),
    linkMode: d.link_mode,
    trainSplits: d.train_split,
    testSplits: d.test_split,
  };
  // Missing data is reported here, located, with how to get it.
  const buildHint = 'run `homesight dataset build` first (it writes var/datasets/q2a), or point the url at an existing Q2A file or folder';
  const dataHint =
    d.format === 'taskbench' || d.tool_desc_url !== undefined
      ? 'point the url at TaskBench data.json / tool_desc.json (paths are relative to this file)'
      : buildHint;
  for (const key of ['test_url', 'train_url', 'tool_desc_url', 'household_url'] as const) {
    const v = d[key];
    if (v !== undefined && !existsSync(file.resolvePath(v))) {
      problems.push(
        file.problem(['testenv', 'dataset', key], `dataset file not found: ${file.resolvePath(v)}`, { found: `"${v}"`, hint: dataHint }),
      );
    }
  }
  if (d.format !== undefined) dataset.format = d.format;
  if (d.train_url !== undefined) dataset.trainUrl = file.resolvePath(d.train_url);
  if (d.tool_desc_url !== undefined) dataset.toolDescUrl = file.resolvePath(d.tool_desc_url);
  if (d.household_url !== undefined) dataset.householdUrl = file.resolvePath(d.household_url);
  if (d.households !== undefined) dataset.households = d.households;
  if (d.limit !== undefined) dataset.limit = d.limit;
  if (d.now !== undefined) dataset.now = d.now;
  if (d.timezone !== undefined) {
    if (isValidTimezone(d.timezone)) dataset.timezone = d.timezone;
    else
      problems.push(
        file.problem(['testenv', 'dataset', 'timezone'], 'unknown IANA timezone', {
          found: `"${d.timezone}"`,
          hint: 'e.g. "Europe/Berlin" or "UTC"',
        }),
      );
  }
  const known = [...BUILTIN_METRICS.keys(), ...LIFELONG_METRICS.keys()];
  const metrics: MetricRef[] = [];
  const seen = new Set<string>();
  t.metrics.forEach((m, i) => {
    if (seen.has(m.name)) problems.push(file.problem(['testenv', 'metrics', i, 'name'], `metric "${m.name}" is listed twice`));
    seen.add(m.name);
    if (m.url !== undefined) {
      const p = fileUrlProblem(file, ['testenv', 'metrics', i, 'url'], m.url, 'metric module');
      if (p !== null) problems.push(p);
      metrics.push({ name: m.name, url: file.resolvePath(m.url) });
    } else if (!known.includes(m.name)) {
      problems.push(
        file.problem(['testenv', 'metrics', i, 'name'], `unknown metric "${m.name}"`, {
          allowed: known.join(', '),
          hint: 'use a built-in name, or give url: ./my-metric.ts for your own metric',
        }),
      );
    } else metrics.push({ name: m.name, url: null });
  });
  let modelMetric: MetricRef | null = null;
  if (t.model_eval !== undefined) {
    const mm = t.model_eval.model_metric;
    if (mm.url !== undefined) {
      const p = fileUrlProblem(file, ['testenv', 'model_eval', 'model_metric', 'url'], mm.url, 'metric module');
      if (p !== null) problems.push(p);
      modelMetric = { name: mm.name, url: file.resolvePath(mm.url) };
    } else if (BUILTIN_METRICS.has(mm.name)) modelMetric = { name: mm.name, url: null };
    else {
      const listed = metrics.find((m) => m.name === mm.name && m.url !== null);
      if (listed !== undefined) modelMetric = listed;
      else {
        problems.push(
          file.problem(['testenv', 'model_eval', 'model_metric', 'name'], `"${mm.name}" cannot fill the lifelong matrix`, {
            allowed: [...BUILTIN_METRICS.keys()].join(', '),
            hint: 'the model metric is a per-test-set metric such as node_f1 (or a metric module with a url)',
          }),
        );
      }
    }
  }
  const modelEval: TestEnvDecl['modelEval'] =
    t.model_eval === undefined
      ? null
      : {
          ...(t.model_eval.threshold === undefined ? {} : { threshold: t.model_eval.threshold }),
          ...(t.model_eval.operator === undefined ? {} : { operator: t.model_eval.operator }),
          ...(t.model_eval.model_metric.mode === undefined ? {} : { mode: t.model_eval.model_metric.mode }),
        };
  return { file: file.path, dataset, metrics, incrementalRounds: t.incremental_rounds ?? null, modelMetric, modelEval };
}

/**
 * Reads and validates a benchmarking job and the testenv and algorithm files it
 * names. Collects every problem of every file before throwing one
 * BenchConfigError.
 */
export function loadBenchmarkJob(jobPath: string): JobDecl {
  const problems: ConfigProblem[] = [];
  const jobFile = YamlFile.read(jobPath);
  const parsed = jobFile.parse(jobFileSchema, hintFor);
  if ('problems' in parsed) throw new BenchConfigError(parsed.problems);
  const j = parsed.data.benchmarkingjob;

  let testenv: TestEnvDecl | null = null;
  try {
    const envFile = YamlFile.read(jobFile.resolvePath(j.testenv), { file: jobFile, at: ['benchmarkingjob', 'testenv'] });
    const r = envFile.parse(testenvFileSchema, hintFor);
    if ('problems' in r) problems.push(...r.problems);
    else testenv = toTestenv(envFile, r.data, problems);
  } catch (err) {
    if (err instanceof BenchConfigError) problems.push(...err.problems);
    else throw err;
  }

  const algorithms: AlgorithmDecl[] = [];
  const names = new Set<string>();
  j.test_object.algorithms.forEach((a, i) => {
    const at = ['benchmarkingjob', 'test_object', 'algorithms', i];
    if (names.has(a.name))
      problems.push(
        jobFile.problem([...at, 'name'], `algorithm name "${a.name}" is used twice`, {
          hint: 'names become folder names; make them unique',
        }),
      );
    names.add(a.name);
    try {
      const algFile = YamlFile.read(jobFile.resolvePath(a.url), { file: jobFile, at: [...at, 'url'] });
      const r = algFile.parse(algorithmFileSchema, hintFor);
      if ('problems' in r) problems.push(...r.problems);
      else {
        const alg = toAlgorithm(a.name, algFile, r.data, problems);
        if (alg !== null) algorithms.push(alg);
      }
    } catch (err) {
      if (err instanceof BenchConfigError) problems.push(...err.problems);
      else throw err;
    }
  });

  if (testenv !== null) {
    const listed = new Set(testenv.metrics.map((m) => m.name));
    j.rank.sort_by.forEach((entry, i) => {
      const metric = Object.keys(entry)[0]!;
      if (!listed.has(metric)) {
        problems.push(
          jobFile.problem(['benchmarkingjob', 'rank', 'sort_by', i, metric], `sort_by metric "${metric}" is not in the testenv's metrics`, {
            keyNode: true,
            allowed: [...listed].join(', '),
            hint: `add {name: ${metric}} to the testenv's metrics or sort by a listed metric`,
          }),
        );
      }
    });
    j.rank.selected_dataitem.metrics.forEach((m, i) => {
      if (m !== 'all' && !listed.has(m)) {
        problems.push(
          jobFile.problem(
            ['benchmarkingjob', 'rank', 'selected_dataitem', 'metrics', i],
            `selected metric "${m}" is not in the testenv's metrics`,
            { allowed: ['all', ...listed].join(', ') },
          ),
        );
      }
    });
    const lifelong = algorithms.some((a) => a.paradigm === 'lifelonglearning');
    if (lifelong && testenv.modelMetric === null) {
      // default documented in METRICS.md
      testenv.modelMetric = { name: 'node_f1', url: null };
    }
  }
  if (problems.length > 0) throw new BenchConfigError(problems);
  return {
    file: jobFile.path,
    name: j.name,
    workspace: jobFile.resolvePath(j.workspace),
    parallel: j.parallel,
    testenv: testenv!,
    algorithms,
    rank: {
      sortBy: j.rank.sort_by.map((e) => {
        const [metric, order] = Object.entries(e)[0]!;
        return { metric, order };
      }),
      selected: j.rank.selected_dataitem,
      saveMode: j.rank.save_mode,
      visualization: j.rank.visualization,
    },
  };
}
