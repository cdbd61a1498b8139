import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { configSchema } from '../../daemon/config/index.js';
import { HomeSightError } from '../../daemon/system/index.js';
import { taskPlanSchema, type PlanRequest, type TaskPlan } from './agent.js';
import type { LinkMode } from './metrics/items.js';

/** One evaluation sample, whatever file it came from. */
export interface BenchSample {
  id: string;
  household: string | null;
  /** Lifelong round (Q2A `round`); null when the data has none. */
  round: number | null;
  split: string | null;
  /** single | chain | dag (TaskBench / Q2A `type`). */
  type: string | null;
  nTools: number;
  instruction: string;
  gold: TaskPlan;
  /** ISO "now" for the request (Q2A context.now). */
  now: string;
  timezone: string;
  conversationId?: string;
  history?: NonNullable<PlanRequest['history']>;
}

export interface HouseholdInfo {
  id: string;
  name?: string;
  timezone?: string;
  people: Array<{ name: string; aliases: string[] }>;
  rooms: string[];
  cameras: string[];
  /** The household as it stands in each lifelong round (Q2A households.json `per_round[].planner_context`). */
  rounds?: Map<number, PlanRequest['household']>;
  /** Side-effect tools this household allows (`allow_tools`); all tools when absent. */
  allowTools?: string[];
  hubTopics?: string[];
  /** The household's routines (the config's household.routines), for time phrases like "after dinner". */
  routines?: PlanRequest['household']['routines'];
  /** What grounding knows beyond names (as the daemon has it from its config): camera rooms and zones, groups, who asks, relations. */
  grounding?: Pick<PlanRequest['household'], 'cameraRooms' | 'cameraZones' | 'roomAliases' | 'groups' | 'asker'> & {
    relations?: Record<string, string>;
  };
}

/** The tool list the node metrics count against. */
export interface ToolVocabulary {
  names: string[];
  /** Resource mode: tool id → first output type ("none" when it has none). */
  outputTypes: Map<string, string>;
  /** Where the list came from. */
  source: 'tool_desc' | 'catalog' | 'dataset';
}

export interface DatasetOptions {
  format?: 'q2a' | 'taskbench';
  trainUrl?: string;
  testUrl: string;
  toolDescUrl?: string;
  householdUrl?: string;
  linkMode?: LinkMode | 'auto';
  trainSplits?: string[];
  testSplits?: string[];
  households?: string[];
  /** At most this many test samples, evenly spaced over the file. */
  limit?: number;
  /** "now" for data without a context (TaskBench). */
  now?: string;
  timezone?: string;
}

export interface LoadedDataset {
  format: 'q2a' | 'taskbench';
  linkMode: LinkMode;
  train: BenchSample[];
  test: BenchSample[];
  households: Map<string, HouseholdInfo>;
  tools: ToolVocabulary | null;
  /** Files read. */
  files: string[];
  /** sha256 over the files read and the filters applied. */
  fingerprint: string;
}

const DEFAULT_NOW = '2024-01-01T00:00:00Z';

export function datasetError(message: string, hint: string, context: Record<string, unknown> = {}): HomeSightError {
  return new HomeSightError('E_BENCH_DATASET', message, { hint, context });
}

const idSchema = z.union([z.string().min(1), z.number()]).transform((v) => String(v));

/** Q2A line: `{id, household, round, split, type, n_tools, instruction, task_steps, task_nodes, task_links, context}`. */
const q2aLineSchema = z.object({
  id: idSchema,
  household: z.string().optional(),
  round: z.number().int().min(0).optional(),
  split: z.string().optional(),
  type: z.string().optional(),
  n_tools: z.number().int().min(0).optional(),
  instruction: z.string(),
  task_steps: z.array(z.string()).default([]),
  task_nodes: z.array(z.unknown()),
  task_links: z.array(z.unknown()).default([]),
  context: z
    .object({
      now: z.string().optional(),
      timezone: z.string().optional(),
      conversation_id: z.string().optional(),
      history: z.array(z.object({ question: z.string(), answer: z.string(), plan: z.unknown().optional() })).optional(),
    })
    .optional(),
});

/** TaskBench data.json line. */
const taskbenchLineSchema = z.object({
  id: idSchema,
  n_tools: z.number().int().min(0).optional(),
  type: z.string().optional(),
  instruction: z.string(),
  task_steps: z.array(z.unknown()).default([]),
  task_nodes: z.array(z.unknown()),
  task_links: z.array(z.unknown()).default([]),
});

const toolDescSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.string().min(1),
      'output-type': z.array(z.string()).optional(),
      'input-type': z.array(z.string()).optional(),
      parameters: z.array(z.unknown()).optional(),
    }),
  ),
});

const plannerContextSchema = z.object({
  people: z.array(z.object({ name: z.string(), aliases: z.array(z.string()).default([]) })).default([]),
  rooms: z.array(z.string()).default([]),
  cameras: z.array(z.string()).default([]),
});

const householdSchema = z.object({
  id: z.string().min(1),
  per_round: z.array(z.object({ round: z.number().int().min(0), planner_context: plannerContextSchema })).optional(),
  allow_tools: z.array(z.string()).optional(),
  hub_topics: z.array(z.string()).optional(),
  // The same shape as the config key household.routines.
  routines: configSchema.shape.household.unwrap().shape.routines.optional(),
  name: z.string().optional(),
  timezone: z.string().optional(),
  people: z
    .array(
      z.union([
        z.string(),
        z.object({
          name: z.string(),
          // plain strings, or {text} entries (the dataset generator's aliases carry since_round)
          aliases: z
            .array(z.union([z.string(), z.object({ text: z.string() })]))
            .default([])
            .transform((as) => as.map((a) => (typeof a === 'string' ? a : a.text))),
        }),
      ]),
    )
    .default([])
    .transform((ps) => ps.map((p) => (typeof p === 'string' ? { name: p, aliases: [] } : { name: p.name, aliases: p.aliases }))),
  rooms: z
    .array(z.union([z.string(), z.object({ name: z.string() })]))
    .default([])
    .transform((rs) => rs.map((r) => (typeof r === 'string' ? r : r.name))),
  cameras: z
    .array(z.union([z.string(), z.object({ name: z.string() }), z.object({ id: z.string() })]))
    .default([])
    .transform((cs) => cs.map((c) => (typeof c === 'string' ? c : 'name' in c ? c.name : c.id))),
  asker: z.string().optional(),
  groups: z.array(z.object({ name: z.string(), aliases: z.array(z.string()).default([]), members: z.array(z.string()) })).optional(),
});

/** Camera rooms and zones, and people's relations, where the household file gives them (the config's shapes). */
const groundingExtrasSchema = z.object({
  people: z.array(z.union([z.string(), z.object({ name: z.string(), relation: z.string().optional() })])).default([]),
  rooms: z.array(z.union([z.string(), z.object({ name: z.string(), aliases: z.array(z.string()).optional() })])).default([]),
  cameras: z
    .array(
      z.union([
        z.string(),
        z.object({
          id: z.string().optional(),
          name: z.string().optional(),
          room: z.string().nullable().optional(),
          zones: z.array(z.union([z.string(), z.object({ name: z.string() })])).optional(),
        }),
      ]),
    )
    .default([]),
});

function groundingExtras(raw: unknown, parsed: z.infer<typeof householdSchema>): NonNullable<HouseholdInfo['grounding']> {
  const out: NonNullable<HouseholdInfo['grounding']> = {};
  const r = groundingExtrasSchema.safeParse(raw);
  if (r.success) {
    const rooms: Record<string, string | null> = {};
    const zones: Record<string, string[]> = {};
    for (const c of r.data.cameras) {
      if (typeof c === 'string') continue;
      const id = c.name ?? c.id;
      if (id === undefined) continue;
      if (c.room !== undefined) rooms[id] = c.room;
      if (c.zones !== undefined) zones[id] = c.zones.map((z) => (typeof z === 'string' ? z : z.name));
    }
    if (Object.keys(rooms).length > 0) out.cameraRooms = rooms;
    if (Object.keys(zones).length > 0) out.cameraZones = zones;
    const roomAliases: Record<string, string[]> = {};
    for (const room of r.data.rooms)
      if (typeof room !== 'string' && room.aliases !== undefined && room.aliases.length > 0) roomAliases[room.name] = room.aliases;
    if (Object.keys(roomAliases).length > 0) out.roomAliases = roomAliases;
    const relations: Record<string, string> = {};
    for (const p of r.data.people) if (typeof p !== 'string' && p.relation !== undefined) relations[p.name] = p.relation;
    if (Object.keys(relations).length > 0) out.relations = relations;
  }
  if (parsed.asker !== undefined) out.asker = parsed.asker;
  if (parsed.groups !== undefined) out.groups = parsed.groups;
  return out;
}

/** Step entries TaskBench predictions sometimes write as objects (evaluate.py reads these keys in this order). */
function stepText(s: unknown): string {
  if (typeof s === 'string') return s;
  if (s !== null && typeof s === 'object') {
    const o = s as Record<string, unknown>;
    for (const k of ['task', 'step', 'id', 'step_name', 'description']) if (typeof o[k] === 'string') return o[k];
  }
  return JSON.stringify(s);
}

/**
 * Parses a plan as found in data and prediction files (lenient about the shapes
 * TaskBench's own files use: step objects, nodes without arguments). Returns the
 * problem text instead of throwing.
 */
export function coercePlan(raw: unknown): { plan: TaskPlan } | { error: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { error: 'plan is not a JSON object' };
  const o = raw as Record<string, unknown>;
  const fixed = {
    ...o,
    task_steps: Array.isArray(o.task_steps) ? o.task_steps.map(stepText) : o.task_steps,
    task_nodes: Array.isArray(o.task_nodes)
      ? o.task_nodes.map((n) => (n !== null && typeof n === 'object' && !('arguments' in n) ? { ...n, arguments: [] } : n))
      : o.task_nodes,
  };
  const r = taskPlanSchema.safeParse(fixed);
  if (!r.success) {
    const first = r.error.issues[0];
    return { error: `invalid plan at ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}` };
  }
  return { plan: r.data };
}

/** Reads a JSONL file: one JSON value per non-empty line, with file:line on errors. */
export function readJsonl(file: string): Array<{ line: number; value: unknown }> {
  const out: Array<{ line: number; value: unknown }> = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    try {
      out.push({ line: i + 1, value: JSON.parse(text) as unknown });
    } catch (err) {
      throw datasetError(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`, 'each line must be one JSON object (JSONL)');
    }
  });
  return out;
}

function issueText(e: z.ZodError): string {
  const i = e.issues[0];
  return `${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`;
}

function mustExist(path: string, what: string, hint: string): void {
  if (!existsSync(path)) throw datasetError(`${what} not found: ${path}`, hint, { path });
}

const Q2A_BUILD_HINT =
  'run `homesight dataset build` first (it writes var/datasets/q2a), ' +
  'or point the testenv dataset urls at an existing Q2A JSONL file or folder';

/** The sample files of a Q2A path: the file itself; in a folder its q2a.jsonl (all splits), else every sample .jsonl. */
export function jsonlFilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  if (existsSync(join(path, 'q2a.jsonl'))) return [join(path, 'q2a.jsonl')];
  return readdirSync(path)
    .filter((f) => f.endsWith('.jsonl') && !/^(household|time_expressions)/i.test(f))
    .sort()
    .map((f) => join(path, f));
}

function householdFileNear(path: string): string | null {
  const dir = statSync(path).isDirectory() ? path : join(path, '..');
  for (const f of ['households.json', 'households.jsonl', 'household.json', 'household.jsonl']) {
    if (existsSync(join(dir, f))) return join(dir, f);
  }
  return null;
}

export function loadHouseholds(file: string): Map<string, HouseholdInfo> {
  let raw: unknown[];
  if (file.endsWith('.jsonl')) raw = readJsonl(file).map((l) => l.value);
  else {
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch (err) {
      throw datasetError(
        `${file}: not valid JSON (${(err as Error).message})`,
        'the household metadata is a JSON list of households, {households: [...]}, or JSONL',
      );
    }
    if (Array.isArray(v)) raw = v;
    else if (v !== null && typeof v === 'object' && Array.isArray((v as { households?: unknown }).households))
      raw = (v as { households: unknown[] }).households;
    else if (v !== null && typeof v === 'object') raw = Object.entries(v).map(([id, h]) => ({ id, ...(h as object) }));
    else
      throw datasetError(`${file}: household metadata must be a list or a mapping`, 'write [{id, people, rooms, cameras, timezone}, ...]');
  }
  const out = new Map<string, HouseholdInfo>();
  raw.forEach((h, i) => {
    const r = householdSchema.safeParse(h);
    if (!r.success)
      throw datasetError(
        `${file}: household #${i + 1}: ${issueText(r.error)}`,
        'each household needs an id; people, rooms and cameras are lists',
      );
    const info: HouseholdInfo = { id: r.data.id, people: r.data.people, rooms: r.data.rooms, cameras: r.data.cameras };
    if (r.data.name !== undefined) info.name = r.data.name;
    if (r.data.timezone !== undefined) info.timezone = r.data.timezone;
    if (r.data.per_round !== undefined) info.rounds = new Map(r.data.per_round.map((x) => [x.round, x.planner_context]));
    if (r.data.allow_tools !== undefined) info.allowTools = r.data.allow_tools;
    if (r.data.hub_topics !== undefined) info.hubTopics = r.data.hub_topics;
    if (r.data.routines !== undefined) info.routines = r.data.routines;
    info.grounding = groundingExtras(h, r.data);
    out.set(info.id, info);
  });
  return out;
}

function q2aSamples(files: string[], households: Map<string, HouseholdInfo>, hash: (s: string) => void): BenchSample[] {
  const out: BenchSample[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    hash(`${basename(file)}\n${text}`);
    for (const { line, value } of readJsonl(file)) {
      const r = q2aLineSchema.safeParse(value);
      if (!r.success)
        throw datasetError(
          `${file}:${line}: not a Q2A sample (${issueText(r.error)})`,
          'Q2A lines are {id, household, round, split, type, n_tools, instruction, task_steps, task_nodes, task_links, context}',
        );
      const d = r.data;
      const plan = coercePlan({ task_steps: d.task_steps, task_nodes: d.task_nodes, task_links: d.task_links });
      if ('error' in plan)
        throw datasetError(
          `${file}:${line}: gold plan of sample ${d.id}: ${plan.error}`,
          'fix the dataset or rebuild it with `homesight dataset build`',
        );
      const hh = d.household === undefined ? undefined : households.get(d.household);
      const s: BenchSample = {
        id: d.id,
        household: d.household ?? null,
        round: d.round ?? null,
        split: d.split ?? null,
        type: d.type ?? null,
        nTools: d.n_tools ?? plan.plan.task_nodes.length,
        instruction: d.instruction,
        gold: plan.plan,
        now: d.context?.now ?? DEFAULT_NOW,
        timezone: d.context?.timezone ?? hh?.timezone ?? 'UTC',
      };
      if (d.context?.conversation_id !== undefined) s.conversationId = d.context.conversation_id;
      if (d.context?.history !== undefined) {
        s.history = d.context.history.map((h) => {
          const p = h.plan === undefined ? null : coercePlan(h.plan);
          return p !== null && 'plan' in p
            ? { question: h.question, answer: h.answer, plan: p.plan }
            : { question: h.question, answer: h.answer };
        });
      }
      out.push(s);
    }
  }
  return out;
}

function taskbenchSamples(file: string, now: string, timezone: string, hash: (s: string) => void): BenchSample[] {
  hash(`${basename(file)}\n${readFileSync(file, 'utf8')}`);
  const out: BenchSample[] = [];
  for (const { line, value } of readJsonl(file)) {
    const r = taskbenchLineSchema.safeParse(value);
    if (!r.success)
      throw datasetError(
        `${file}:${line}: not a TaskBench sample (${issueText(r.error)})`,
        'TaskBench data.json lines are {id, n_tools, type, instruction, task_steps, task_nodes, task_links}',
      );
    const d = r.data;
    const plan = coercePlan({ task_steps: d.task_steps, task_nodes: d.task_nodes, task_links: d.task_links });
    if ('error' in plan) throw datasetError(`${file}:${line}: gold plan of sample ${d.id}: ${plan.error}`, 'check the data file');
    out.push({
      id: d.id,
      household: null,
      round: null,
      split: null,
      type: d.type ?? null,
      nTools: d.n_tools ?? plan.plan.task_nodes.length,
      instruction: d.instruction,
      gold: plan.plan,
      now,
      timezone,
    });
  }
  return out;
}

function toolDesc(file: string, hash: (s: string) => void): { vocab: ToolVocabulary; resource: boolean } {
  const text = readFileSync(file, 'utf8');
  hash(`${basename(file)}\n${text}`);
  let v: unknown;
  try {
    v = JSON.parse(text) as unknown;
  } catch (err) {
    throw datasetError(`${file}: not valid JSON (${(err as Error).message})`, 'tool_desc.json is {"nodes": [{"id": ..., "desc": ...}]}');
  }
  const r = toolDescSchema.safeParse(v);
  if (!r.success)
    throw datasetError(
      `${file}: not a TaskBench tool_desc (${issueText(r.error)})`,
      'tool_desc.json is {"nodes": [{"id": ..., "desc": ..., "input-type"/"output-type" or "parameters"}]}',
    );
  const outputTypes = new Map<string, string>();
  let resource = false;
  for (const n of r.data.nodes) {
    if (n['output-type'] !== undefined || n['input-type'] !== undefined) resource = true;
    outputTypes.set(n.id, n['output-type']?.[0] ?? 'none');
  }
  return { vocab: { names: r.data.nodes.map((n) => n.id), outputTypes, source: 'tool_desc' }, resource };
}

function detectFormat(o: DatasetOptions): 'q2a' | 'taskbench' {
  if (o.format !== undefined) return o.format;
  if (o.toolDescUrl !== undefined) return 'taskbench';
  // A Q2A build folder also holds a TaskBench-style tool_desc.json; data.json is what marks TaskBench data.
  if (existsSync(o.testUrl) && statSync(o.testUrl).isDirectory() && existsSync(join(o.testUrl, 'data.json'))) return 'taskbench';
  if (basename(o.testUrl) === 'data.json') return 'taskbench';
  return 'q2a';
}

/** Loads a dataset as the testenv declares it (paths already absolute). */
export function loadDataset(o: DatasetOptions): LoadedDataset {
  const h = createHash('sha256');
  const files: string[] = [];
  const hash = (s: string): void => {
    h.update(s);
  };
  const format = detectFormat(o);
  let train: BenchSample[] = [];
  let test: BenchSample[];
  let tools: ToolVocabulary | null = null;
  let linkMode: LinkMode = 'temporal';
  let households = new Map<string, HouseholdInfo>();

  if (format === 'q2a') {
    mustExist(o.testUrl, 'Q2A dataset', Q2A_BUILD_HINT);
    if (o.trainUrl !== undefined) mustExist(o.trainUrl, 'Q2A dataset', Q2A_BUILD_HINT);
    const hhFile = o.householdUrl ?? householdFileNear(o.testUrl);
    if (o.householdUrl !== undefined) mustExist(o.householdUrl, 'household metadata', Q2A_BUILD_HINT);
    if (hhFile !== null) {
      hash(`${basename(hhFile)}\n${readFileSync(hhFile, 'utf8')}`);
      files.push(hhFile);
      households = loadHouseholds(hhFile);
    }
    const testFiles = jsonlFilesIn(o.testUrl);
    if (testFiles.length === 0) throw datasetError(`no .jsonl files in ${o.testUrl}`, Q2A_BUILD_HINT, { path: o.testUrl });
    files.push(...testFiles);
    const testSplits = o.testSplits ?? ['test'];
    test = q2aSamples(testFiles, households, hash).filter((s) => s.split === null || testSplits.includes(s.split));
    if (o.trainUrl !== undefined) {
      const trainFiles = jsonlFilesIn(o.trainUrl);
      files.push(...trainFiles.filter((f) => !files.includes(f)));
      const trainSplits = o.trainSplits ?? ['train'];
      train = q2aSamples(trainFiles, households, hash).filter((s) => s.split === null || trainSplits.includes(s.split));
    }
    linkMode = o.linkMode === 'resource' ? 'resource' : 'temporal';
  } else {
    const dir = existsSync(o.testUrl) && statSync(o.testUrl).isDirectory() ? o.testUrl : null;
    const dataFile = dir === null ? o.testUrl : join(dir, 'data.json');
    const descFile = o.toolDescUrl ?? join(dir ?? join(o.testUrl, '..'), 'tool_desc.json');
    const hint = 'point test_url at a TaskBench data.json (JSONL) or its folder, and tool_desc_url at its tool_desc.json';
    mustExist(dataFile, 'TaskBench data file', hint);
    mustExist(descFile, 'TaskBench tool_desc.json', hint);
    const desc = toolDesc(descFile, hash);
    files.push(descFile, dataFile);
    tools = desc.vocab;
    linkMode = o.linkMode === undefined || o.linkMode === 'auto' ? (desc.resource ? 'resource' : 'temporal') : o.linkMode;
    test = taskbenchSamples(dataFile, o.now ?? DEFAULT_NOW, o.timezone ?? 'UTC', hash);
    if (o.trainUrl !== undefined) {
      mustExist(o.trainUrl, 'TaskBench train file', hint);
      const trainFile = statSync(o.trainUrl).isDirectory() ? join(o.trainUrl, 'data.json') : o.trainUrl;
      files.push(trainFile);
      train = taskbenchSamples(trainFile, o.now ?? DEFAULT_NOW, o.timezone ?? 'UTC', hash);
    }
  }

  if (o.households !== undefined) {
    const keep = new Set(o.households);
    test = test.filter((s) => s.household !== null && keep.has(s.household));
    train = train.filter((s) => s.household !== null && keep.has(s.household));
  }
  if (o.limit !== undefined && test.length > o.limit) {
    // evenly spaced, so every round, household and sample type keeps its share
    const all = test;
    test = Array.from({ length: o.limit }, (_, i) => all[Math.floor((i * all.length) / o.limit!)]!);
  }
  const seen = new Set<string>();
  for (const s of test) {
    if (seen.has(s.id))
      throw datasetError(
        `duplicate test sample id "${s.id}" in ${o.testUrl}`,
        'sample ids must be unique (replay and the case cache key on them)',
      );
    seen.add(s.id);
  }
  if (test.length === 0)
    throw datasetError(
      `no test samples in ${o.testUrl} after filtering (splits ${JSON.stringify(o.testSplits ?? ['test'])})`,
      'check test_url, test_split and households in the testenv',
      { path: o.testUrl },
    );

  if (tools === null) {
    const names = new Set<string>();
    for (const s of [...train, ...test]) for (const n of s.gold.task_nodes) names.add(n.task);
    tools = { names: [...names].sort(), outputTypes: new Map(), source: 'dataset' };
  }
  h.update(
    JSON.stringify({ format, linkMode, ts: o.testSplits, tr: o.trainSplits, hh: o.households, limit: o.limit, now: o.now, tz: o.timezone }),
  );
  return { format, linkMode, train, test, households, tools, files, fingerprint: h.digest('hex') };
}

/** The household part of a PlanRequest for a sample. */
export function householdFor(sample: BenchSample, households: ReadonlyMap<string, HouseholdInfo>): PlanRequest['household'] {
  const h = sample.household === null ? undefined : households.get(sample.household);
  const atRound = sample.round === null ? undefined : h?.rounds?.get(sample.round);
  if (atRound !== undefined)
    return {
      people: atRound.people.map((p) => ({ name: p.name, aliases: [...p.aliases] })),
      rooms: [...atRound.rooms],
      cameras: [...atRound.cameras],
    };
  const g = h?.grounding ?? {};
  const people = (h?.people ?? []).map((p) => (g.relations?.[p.name] === undefined ? p : { ...p, relation: g.relations[p.name]! }));
  const out: PlanRequest['household'] = { people, rooms: h?.rooms ?? [], cameras: h?.cameras ?? [] };
  if (h?.routines !== undefined) out.routines = h.routines;
  if (g.cameraRooms !== undefined) out.cameraRooms = g.cameraRooms;
  if (g.cameraZones !== undefined) out.cameraZones = g.cameraZones;
  if (g.roomAliases !== undefined) out.roomAliases = g.roomAliases;
  if (g.groups !== undefined) out.groups = g.groups;
  if (g.asker !== undefined) out.asker = g.asker;
  return out;
}

/** The request a planner is asked for a sample. */
export function requestFor(sample: BenchSample, households: ReadonlyMap<string, HouseholdInfo>): PlanRequest {
  const r: PlanRequest = {
    question: sample.instruction,
    now: sample.now,
    timezone: sample.timezone,
    household: householdFor(sample, households),
  };
  const h = sample.household === null ? undefined : households.get(sample.household);
  if (h?.allowTools !== undefined) r.allowTools = [...h.allowTools];
  if (h?.hubTopics !== undefined) r.hubTopics = [...h.hubTopics];
  if (sample.conversationId !== undefined) r.conversationId = sample.conversationId;
  if (sample.history !== undefined) r.history = sample.history;
  return r;
}
