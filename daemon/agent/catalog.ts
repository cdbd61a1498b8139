import { z } from 'zod';
import { NODE_REF, namedArguments, taskPlanSchema, type TaskPlan } from './plan.js';

/**
 * The tool catalog: the ONLY source of what the agent can do. The planner
 * prompt, the JSON-schema grammar that constrains the local LLM, plan
 * validation and the executor's argument checks are all derived from it.
 * Text from users, memory or OCR never adds to it.
 *
 * References: an argument value "<node-j>" is the output of the j-th node
 * (0-based, earlier in task_nodes). Only arguments listed in a tool's `refs`
 * accept references, and only from tools whose output `kind` is listed there.
 * Projection: when node j's output is an object with a field named like the
 * argument (e.g. `start` of a time_range), that field is passed; otherwise the
 * whole output.
 */

// ───────────────────────── value shapes shared by tools ─────────────────────────

/** ISO-8601 instant with an offset, e.g. 2024-05-04T19:00:00+02:00. */
export const isoTime = z.iso.datetime({ offset: true });

export const timeRangeSchema = z.object({
  start: isoTime,
  end: isoTime,
  timezone: z.string(),
  phrase: z.string(),
});
export type TimeRange = z.infer<typeof timeRangeSchema>;

/** A frame handle. Pixel data rides along in extra fields the LLM never sees. */
export const frameSchema = z.looseObject({
  camera: z.string(),
  ts: isoTime,
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});
export type FrameHandle = z.infer<typeof frameSchema>;

/** [x, y, width, height] in pixels of the frame. */
export const boxSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const observationSchema = z.object({
  camera: z.string(),
  ts: isoTime,
  box: boxSchema,
  score: z.number(),
  identity: z.string().nullable(),
  identity_confidence: z.number().nullable(),
  activity: z.string().nullable(),
  activity_confidence: z.number().nullable(),
});
export type Observation = z.infer<typeof observationSchema>;

export const eventSchema = z.object({
  id: z.string(),
  start: isoTime,
  end: isoTime.nullable(),
  camera: z.string(),
  room: z.string().nullable(),
  identity: z.string().nullable(),
  activity: z.string().nullable(),
  confidence: z.number().nullable(),
  snapshot: z.string().nullable(),
  clip: z.string().nullable(),
});
export type AgentEvent = z.infer<typeof eventSchema>;

export const presenceSchema = z.object({
  identity: z.string(),
  camera: z.string(),
  room: z.string().nullable(),
  first: isoTime,
  last: isoTime,
  events: z.number().int().nonnegative(),
  activities: z.array(z.string()),
});

export const sightingSchema = z.object({
  event_id: z.string(),
  ts: isoTime,
  end: isoTime.nullable(),
  camera: z.string(),
  room: z.string().nullable(),
  activity: z.string().nullable(),
  snapshot: z.string().nullable(),
});

export const timelineEntrySchema = z.object({
  start: isoTime,
  end: isoTime,
  activity: z.string().nullable(),
  camera: z.string(),
  room: z.string().nullable(),
});

export const evidenceItemSchema = z.object({
  event_id: z.string().nullable(),
  camera: z.string(),
  ts: isoTime,
  identity: z.string().nullable(),
  activity: z.string().nullable(),
  snapshot: z.string().nullable(),
  clip: z.string().nullable(),
});
export type EvidenceItem = z.infer<typeof evidenceItemSchema>;

export const memoryItemSchema = z.object({ id: z.string(), kind: z.string(), text: z.string(), score: z.number() });

export const GROUP_BY = ['identity', 'camera', 'room', 'activity', 'hour', 'day'] as const;
export const METRICS = ['count', 'duration_s'] as const;

/** What a tool's output is, for checking that `<node-j>` references fit. */
export const OUTPUT_KINDS = [
  'time_range',
  'frames',
  'detections',
  'identities',
  'activities',
  'events',
  'presence',
  'sighting',
  'timeline',
  'count',
  'aggregate',
  'evidence',
  'memories',
  'ack',
  'answer',
] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

// ───────────────────────── the tool definition ─────────────────────────

export interface RefSpec {
  /** Output kinds a reference in this argument may point at. */
  kinds: readonly OutputKind[];
  /** The argument takes only references (e.g. frames: pixel data cannot be written in a plan). */
  only?: boolean;
  /** A list of references (compose_answer's inputs); otherwise a single "<node-j>". */
  many?: boolean;
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** Written for the LLM: what it does and when to use it. */
  readonly description: string;
  /** Arguments after references are resolved. */
  readonly input: I;
  readonly output: O;
  /** Kind of the output, for reference checks. */
  readonly kind: OutputKind;
  /** Changes the world (memory, home hub): runs only when listed in agent.allow_tools. */
  readonly sideEffects: boolean;
  /** Arguments that accept `<node-j>` references. */
  readonly refs: { readonly [arg: string]: RefSpec };
  /** A compact argument example for prompts. */
  readonly example: Record<string, unknown>;
}

function tool<const N extends string, I extends z.ZodObject, O extends z.ZodType>(
  def: ToolDefinition<I, O> & { readonly name: N },
): ToolDefinition<I, O> & { readonly name: N } {
  return def;
}

const TIME_KINDS: readonly OutputKind[] = ['time_range'];
const ANY_KIND: readonly OutputKind[] = OUTPUT_KINDS;
const EVENTISH: readonly OutputKind[] = ['events', 'sighting', 'presence', 'timeline', 'activities', 'identities', 'detections'];

const person = z.string().min(1).max(64).describe('person name as the household calls them, or "unknown"');
const cameraName = z.string().min(1).max(64);

export const resolveTime = tool({
  name: 'resolve_time',
  description:
    'Turns a time phrase ("last night", "between 7 and 8 pm", "yesterday evening", "in the last hour", "today") into an explicit interval in the household timezone. Use it before any tool that needs start/end.',
  input: z.object({ phrase: z.string().min(1).max(80).describe('the time phrase from the question') }),
  output: timeRangeSchema,
  kind: 'time_range',
  sideEffects: false,
  refs: {},
  example: { phrase: 'last night' },
});

export const getFrames = tool({
  name: 'get_frames',
  description: 'Reads video frames of one camera between start and end at a low frame rate, from recordings.',
  input: z.object({
    camera: cameraName,
    start: isoTime,
    end: isoTime,
    fps: z.number().positive().max(10).optional().describe('frames per second to sample (default 1)'),
  }),
  output: z.object({ camera: z.string(), frames: z.array(frameSchema) }),
  kind: 'frames',
  sideEffects: false,
  refs: { start: { kinds: TIME_KINDS }, end: { kinds: TIME_KINDS } },
  example: { camera: 'porch', start: '<node-0>', end: '<node-0>', fps: 1 },
});

const framesRef = { frames: { kinds: ['frames', 'detections'] as const, only: true } };

/** The vision tools share one shape: frames from get_frames in; the frames and what was found in them out. */
function frameTool<const N extends string, S extends z.ZodRawShape>(name: N, description: string, kind: OutputKind, found: S) {
  return tool({
    name,
    description,
    input: z.object({ frames: z.array(frameSchema) }),
    output: z.object({ frames: z.array(frameSchema), ...found }),
    kind,
    sideEffects: false,
    refs: framesRef,
    example: { frames: '<node-1>' },
  });
}

export const detectPersons = frameTool('detect_persons', 'Finds people (boxes, scores) in frames from get_frames.', 'detections', {
  detections: z.array(observationSchema),
});

export const recognizeIdentity = frameTool(
  'recognize_identity',
  'Says who the people in the frames are (household members by face/re-id; "unknown" otherwise).',
  'identities',
  { persons: z.array(observationSchema), identities: z.array(z.string()) },
);

export const recognizeActivity = frameTool(
  'recognize_activity',
  'Estimates pose and activity (standing, walking, sitting, lying_down, cooking, eating…; a fall shows as lying_down) of the people in the frames.',
  'activities',
  { persons: z.array(observationSchema), activities: z.array(z.string()) },
);

export const queryEvents = tool({
  name: 'query_events',
  description: 'Lists remembered detection events between start and end, optionally only one camera, person or activity.',
  input: z.object({
    start: isoTime,
    end: isoTime,
    camera: cameraName.optional(),
    identity: person.optional(),
    activity: z.string().min(1).max(32).optional(),
    limit: z.number().int().min(1).max(500).optional().describe('at most this many events (default 100)'),
  }),
  output: z.object({ events: z.array(eventSchema), truncated: z.boolean() }),
  kind: 'events',
  sideEffects: false,
  refs: { start: { kinds: TIME_KINDS }, end: { kinds: TIME_KINDS } },
  example: { start: '<node-0>', end: '<node-0>', identity: 'Alice' },
});

export const whoWasWhere = tool({
  name: 'who_was_where',
  description: 'Who was seen where between start and end: one row per person and camera with first/last time and activities.',
  input: z.object({ start: isoTime, end: isoTime, room: z.string().min(1).max(64).optional(), camera: cameraName.optional() }),
  output: z.object({ presence: z.array(presenceSchema) }),
  kind: 'presence',
  sideEffects: false,
  refs: { start: { kinds: TIME_KINDS }, end: { kinds: TIME_KINDS } },
  example: { start: '<node-0>', end: '<node-0>' },
});

export const lastSeen = tool({
  name: 'last_seen',
  description: 'When and where a person was last seen.',
  input: z.object({ person }),
  output: z.object({ person: z.string(), seen: sightingSchema.nullable() }),
  kind: 'sighting',
  sideEffects: false,
  refs: {},
  example: { person: 'Bob' },
});

export const activityTimeline = tool({
  name: 'activity_timeline',
  description: 'What a person did during one day: a list of activity spans with camera and room.',
  input: z.object({
    person,
    day: z.iso.date().describe('YYYY-MM-DD in the household timezone'),
  }),
  output: z.object({ person: z.string(), day: z.string(), entries: z.array(timelineEntrySchema) }),
  kind: 'timeline',
  sideEffects: false,
  refs: {},
  example: { person: 'Alice', day: '2024-05-04' },
});

export const countEvents = tool({
  name: 'count_events',
  description: 'Counts remembered events between start and end, optionally for one camera, person or activity.',
  input: z.object({
    start: isoTime,
    end: isoTime,
    camera: cameraName.optional(),
    identity: person.optional(),
    activity: z.string().min(1).max(32).optional(),
  }),
  output: z.object({ count: z.number().int().nonnegative() }),
  kind: 'count',
  sideEffects: false,
  refs: { start: { kinds: TIME_KINDS }, end: { kinds: TIME_KINDS } },
  example: { start: '<node-0>', end: '<node-0>', camera: 'porch' },
});

export const aggregate = tool({
  name: 'aggregate',
  description: 'Groups events between start and end by identity, camera, room, activity, hour or day and counts them or sums their duration.',
  input: z.object({
    start: isoTime,
    end: isoTime,
    group_by: z.enum(GROUP_BY),
    metric: z.enum(METRICS),
    identity: person.optional(),
    activity: z.string().min(1).max(32).optional(),
    camera: cameraName.optional(),
  }),
  output: z.object({ groups: z.array(z.object({ key: z.string(), value: z.number() })) }),
  kind: 'aggregate',
  sideEffects: false,
  refs: { start: { kinds: TIME_KINDS }, end: { kinds: TIME_KINDS } },
  example: { start: '<node-0>', end: '<node-0>', group_by: 'identity', metric: 'count' },
});

export const getSnapshot = tool({
  name: 'get_snapshot',
  description: 'Snapshot images (paths) as evidence for events or a sighting.',
  input: z.object({ events: z.unknown(), max: z.number().int().min(1).max(10).optional() }),
  output: z.object({ items: z.array(evidenceItemSchema) }),
  kind: 'evidence',
  sideEffects: false,
  refs: { events: { kinds: EVENTISH, only: true } },
  example: { events: '<node-1>' },
});

export const evidenceClip = tool({
  name: 'evidence_clip',
  description: 'Short video clips (paths) around events or a sighting, as evidence.',
  input: z.object({ events: z.unknown(), seconds: z.number().min(1).max(60).optional(), max: z.number().int().min(1).max(5).optional() }),
  output: z.object({ items: z.array(evidenceItemSchema) }),
  kind: 'evidence',
  sideEffects: false,
  refs: { events: { kinds: EVENTISH, only: true } },
  example: { events: '<node-1>', seconds: 10 },
});

export const recallMemory = tool({
  name: 'recall_memory',
  description: 'Searches the household\'s long-term memory (facts, corrections, past answers) for text related to the query.',
  input: z.object({ query: z.string().min(1).max(120), k: z.number().int().min(1).max(10).optional() }),
  output: z.object({ items: z.array(memoryItemSchema) }),
  kind: 'memories',
  sideEffects: false,
  refs: {},
  example: { query: 'where are the keys' },
});

export const remember = tool({
  name: 'remember',
  description: 'Stores a household fact in long-term memory. Side effect: runs only if allowed in config.',
  input: z.object({ fact: z.string().min(1).max(280) }),
  output: z.object({ stored: z.boolean(), id: z.string().nullable() }),
  kind: 'ack',
  sideEffects: true,
  refs: {},
  example: { fact: 'the spare key is under the mat' },
});

export const publishToHub = tool({
  name: 'publish_to_hub',
  description: 'Publishes a short message to a configured home-hub MQTT topic. Side effect: runs only if allowed in config and the topic is configured.',
  input: z.object({ topic: z.string().min(1).max(128), message: z.string().min(1).max(280) }),
  output: z.object({ published: z.boolean(), topic: z.string() }),
  kind: 'ack',
  sideEffects: true,
  refs: {},
  example: { topic: 'hub/notify', message: 'Bob is home' },
});

export const composeAnswer = tool({
  name: 'compose_answer',
  description: 'Writes the final answer to the question from the outputs of earlier nodes. Usually the last node.',
  input: z.object({ question: z.string().min(1).max(280), inputs: z.array(z.unknown()).max(8) }),
  output: z.object({ answer: z.string() }),
  kind: 'answer',
  sideEffects: false,
  refs: { inputs: { kinds: ANY_KIND, only: true, many: true } },
  example: { question: 'who was here?', inputs: ['<node-1>'] },
});

/** The catalog, in prompt order. Names are stable: plans in memory refer to them. */
export const CATALOG = [
  resolveTime,
  getFrames,
  detectPersons,
  recognizeIdentity,
  recognizeActivity,
  queryEvents,
  whoWasWhere,
  lastSeen,
  activityTimeline,
  countEvents,
  aggregate,
  getSnapshot,
  evidenceClip,
  recallMemory,
  remember,
  publishToHub,
  composeAnswer,
] as const;

export type CatalogTool = (typeof CATALOG)[number];
export type ToolName = CatalogTool['name'];
export const TOOL_NAMES = CATALOG.map((t) => t.name) as [ToolName, ...ToolName[]];

/** Input/output types per tool name. */
export type ToolInput<N extends ToolName> = z.infer<Extract<CatalogTool, { name: N }>['input']>;
export type ToolOutput<N extends ToolName> = z.infer<Extract<CatalogTool, { name: N }>['output']>;

const BY_NAME = new Map<string, ToolDefinition>(CATALOG.map((t) => [t.name, t as unknown as ToolDefinition]));

export function getTool(name: string): ToolDefinition | undefined {
  return BY_NAME.get(name);
}

export function isToolName(name: string): name is ToolName {
  return BY_NAME.has(name);
}

// ───────────────────────── JSON schema / grammar ─────────────────────────

/** Household facts that narrow the grammar and validation (enums instead of free strings). */
export interface CatalogContext {
  cameras?: readonly string[];
  /** Person names (aliases resolve to these before planning). */
  people?: readonly string[];
  rooms?: readonly string[];
  /** Topics publish_to_hub may write to (agent.hub_topics). */
  hubTopics?: readonly string[];
  /** Side-effect tools that may run (agent.allow_tools). */
  allowTools?: readonly string[];
}

export interface CatalogSchemaOptions extends CatalogContext {
  /** Most nodes a plan may have (grammar maxItems). Default 8. */
  maxNodes?: number;
  /** Most task_steps (grammar). Default 4. */
  maxSteps?: number;
  /** Longest free-text string the grammar lets the LLM write. Default 80. */
  maxStringLength?: number;
  /** Tools the grammar may use (default: all; side-effect tools not allowed are left out when allowTools is given). */
  tools?: readonly string[];
}

export const MAX_NODES = 8;

export function nodeRefs(maxNodes = MAX_NODES): string[] {
  return Array.from({ length: maxNodes }, (_, i) => `<node-${i}>`);
}

type JsonSchema = Record<string, unknown>;

/** The per-argument schema with household enums applied. */
function argumentSchema(toolName: string, arg: string, schema: z.ZodType, ctx: CatalogContext): z.ZodType {
  const opt = schema instanceof z.ZodOptional;
  const base = opt ? (schema.unwrap() as z.ZodType) : schema;
  let narrowed: z.ZodType = base;
  const asEnum = (values: readonly string[] | undefined): z.ZodType | null =>
    values !== undefined && values.length > 0 ? z.enum(values as [string, ...string[]]) : null;
  if (arg === 'camera') narrowed = asEnum(ctx.cameras) ?? base;
  else if (arg === 'room') narrowed = asEnum(ctx.rooms) ?? base;
  else if (arg === 'person' || arg === 'identity') narrowed = asEnum(ctx.people !== undefined ? [...ctx.people, 'unknown'] : undefined) ?? base;
  else if (toolName === 'publish_to_hub' && arg === 'topic') narrowed = asEnum(ctx.hubTopics) ?? base;
  return opt ? narrowed.optional() : narrowed;
}

function toolAllowed(t: ToolDefinition, o: CatalogSchemaOptions): boolean {
  if (o.tools !== undefined && !o.tools.includes(t.name)) return false;
  if (t.sideEffects && o.allowTools !== undefined && !o.allowTools.includes(t.name)) return false;
  if (t.name === 'publish_to_hub' && o.hubTopics !== undefined && o.hubTopics.length === 0) return false;
  return true;
}

/** The zod schema of one task node as a plan writes it (references allowed where the tool says). */
export function planNodeSchema(t: ToolDefinition, o: CatalogSchemaOptions = {}): z.ZodObject {
  const refEnum = z.enum(nodeRefs(o.maxNodes ?? MAX_NODES) as [string, ...string[]]);
  const shape: Record<string, z.ZodType> = {};
  for (const [arg, s] of Object.entries(t.input.shape as Record<string, z.ZodType>)) {
    const spec = t.refs[arg];
    const narrowed = argumentSchema(t.name, arg, s, o);
    if (spec === undefined) {
      shape[arg] = narrowed;
      continue;
    }
    const opt = narrowed instanceof z.ZodOptional;
    const base = opt ? (narrowed.unwrap() as z.ZodType) : narrowed;
    let w: z.ZodType;
    if (spec.many === true) w = z.array(refEnum).max(4); // empty = a refusal
    else w = spec.only === true ? refEnum : z.union([refEnum, base]);
    shape[arg] = opt ? w.optional() : w;
  }
  return z.strictObject({ task: z.literal(t.name), arguments: z.strictObject(shape) });
}

/**
 * The plan grammar as standard JSON Schema (draft 2020-12), derived with
 * z.toJSONSchema: task names are an enum (one branch per tool, discriminated
 * by `task`), each branch types its own arguments.
 */
export function catalogJsonSchema(o: CatalogSchemaOptions = {}): JsonSchema {
  const tools = (CATALOG as readonly unknown[] as ToolDefinition[]).filter((t) => toolAllowed(t, o));
  const maxNodes = o.maxNodes ?? MAX_NODES;
  const nodes = tools.map((t) => planNodeSchema(t, o));
  const names = tools.map((t) => t.name) as [string, ...string[]];
  const schema = z.strictObject({
    task_steps: z.array(z.string().max(o.maxStringLength ?? 80)).max(o.maxSteps ?? 4),
    task_nodes: z
      .array(nodes.length === 1 ? nodes[0]! : z.discriminatedUnion('task', nodes as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]))
      .min(1)
      .max(maxNodes),
    task_links: z.array(z.strictObject({ source: z.enum(names), target: z.enum(names) })).max(maxNodes * 2),
  });
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
}

/**
 * The same grammar in the subset node-llama-cpp's JSON-schema grammar
 * understands: anyOf → oneOf, optional properties become required-but-nullable
 * (its objects always emit every property; null means "not given"), free
 * strings get a maxLength so a small model cannot ramble past max_tokens,
 * unsupported keywords (pattern, minimum, …) are dropped. The result is a
 * plain JSON value; cast it to GbnfJsonSchema at the call site.
 */
export function catalogGrammarSchema(o: CatalogSchemaOptions = {}): JsonSchema {
  return toGbnfSubset(catalogJsonSchema(o), o.maxStringLength ?? 80) as JsonSchema;
}

function toGbnfSubset(s: unknown, maxLen: number): unknown {
  if (typeof s !== 'object' || s === null) return s;
  const j = s as JsonSchema;
  const alts = (j.anyOf ?? j.oneOf) as unknown[] | undefined;
  if (alts !== undefined) return { oneOf: alts.map((a) => toGbnfSubset(a, maxLen)) };
  if (j.const !== undefined) return { const: j.const };
  if (Array.isArray(j.enum)) return { enum: j.enum };
  const type = j.type;
  if (type === 'object') {
    const props = (j.properties ?? {}) as Record<string, unknown>;
    const required = new Set((j.required ?? []) as string[]);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
      const c = toGbnfSubset(v, maxLen);
      out[k] = required.has(k) ? c : { oneOf: [c, { type: 'null' }] };
    }
    return { type: 'object', properties: out, additionalProperties: false };
  }
  if (type === 'array') {
    const r: Record<string, unknown> = { type: 'array' };
    if (Array.isArray(j.prefixItems)) {
      // tuples: fixed length
      r.prefixItems = (j.prefixItems as unknown[]).map((x) => toGbnfSubset(x, maxLen));
      r.minItems = (j.prefixItems as unknown[]).length;
      r.maxItems = (j.prefixItems as unknown[]).length;
      return r;
    }
    r.items = j.items === undefined ? { type: 'string', maxLength: maxLen } : toGbnfSubset(j.items, maxLen);
    if (typeof j.minItems === 'number') r.minItems = j.minItems;
    if (typeof j.maxItems === 'number') r.maxItems = j.maxItems;
    return r;
  }
  if (type === 'string') {
    const f = j.format;
    if (f === 'date-time' || f === 'date' || f === 'time') return { type: 'string', format: f };
    const r: Record<string, unknown> = { type: 'string', maxLength: Math.min(typeof j.maxLength === 'number' ? j.maxLength : maxLen, maxLen) };
    if (typeof j.minLength === 'number') r.minLength = Math.min(j.minLength, maxLen);
    return r;
  }
  if (type === 'number' || type === 'integer') {
    const e = numberChoices(j);
    return e === null ? { type } : { enum: e };
  }
  if (type === 'boolean' || type === 'null') return { type };
  if (Array.isArray(type)) return { type: type.filter((x) => typeof x === 'string') };
  // unknown / any
  return { type: ['string', 'number', 'boolean', 'null'] };
}

/**
 * A GBNF grammar cannot express numeric bounds, so bounded numbers become a
 * choice of values inside the bounds (all of them for small integer ranges,
 * else 1-2-5 steps).
 */
function numberChoices(j: JsonSchema): number[] | null {
  const lo = typeof j.minimum === 'number' ? j.minimum : typeof j.exclusiveMinimum === 'number' ? j.exclusiveMinimum : null;
  const hi = typeof j.maximum === 'number' ? j.maximum : typeof j.exclusiveMaximum === 'number' ? j.exclusiveMaximum : null;
  if (lo === null || hi === null) return null;
  const ok = (v: number): boolean =>
    (typeof j.minimum !== 'number' || v >= j.minimum) &&
    (typeof j.exclusiveMinimum !== 'number' || v > j.exclusiveMinimum) &&
    (typeof j.maximum !== 'number' || v <= j.maximum) &&
    (typeof j.exclusiveMaximum !== 'number' || v < j.exclusiveMaximum);
  if (j.type === 'integer' && hi - lo <= 12) {
    const out: number[] = [];
    for (let v = Math.ceil(lo); v <= hi; v++) if (ok(v)) out.push(v);
    return out;
  }
  const steps = [0.5, 1, 2, 5, 10, 20, 30, 50, 60, 100, 200, 500, 1000];
  const out = steps.filter((v) => ok(v) && (j.type !== 'integer' || Number.isInteger(v)));
  return out.length > 0 ? out : null;
}

/** One line per tool for prompts: `name(arg, arg?) -> kind: description`. `compact` drops descriptions. */
export function catalogPrompt(o: CatalogSchemaOptions & { compact?: boolean } = {}): string {
  const tools = (CATALOG as readonly unknown[] as ToolDefinition[]).filter((t) => toolAllowed(t, o));
  return tools
    .map((t) => {
      const args = Object.entries(t.input.shape as Record<string, z.ZodType>)
        .map(([k, v]) => (v instanceof z.ZodOptional ? `${k}?` : k))
        .join(', ');
      return o.compact === true ? `${t.name}(${args})` : `${t.name}(${args}) -> ${t.kind}: ${t.description}`;
    })
    .join('\n');
}

// ───────────────────────── validation ─────────────────────────

export type PlanIssueCode =
  | 'E_PLAN_SHAPE'
  | 'E_PLAN_EMPTY'
  | 'E_PLAN_TOO_BIG'
  | 'E_TOOL_UNKNOWN'
  | 'E_TOOL_NOT_ALLOWED'
  | 'E_ARG_INVALID'
  | 'E_ARG_UNKNOWN'
  | 'E_ARG_VALUE'
  | 'E_REF_NOT_ALLOWED'
  | 'E_REF_FORWARD'
  | 'E_REF_RANGE'
  | 'E_REF_KIND'
  | 'E_LINK_UNKNOWN'
  | 'E_LINK_CYCLE';

export interface PlanIssue {
  code: PlanIssueCode;
  /** Index of the node, when the issue is about one. */
  node?: number;
  /** JSON path inside the plan, e.g. task_nodes[2].arguments.start */
  path: string;
  message: string;
}

export interface ValidateOptions extends CatalogContext {
  maxNodes?: number;
}

/** "<node-3>" → 3; null when the value is not a reference. */
export function refIndex(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const m = NODE_REF.exec(v);
  return m === null ? null : Number(m[1]);
}

/** Nodes a node depends on through references in its arguments. */
export function nodeReferences(args: Record<string, unknown>): Array<{ arg: string; index: number }> {
  const out: Array<{ arg: string; index: number }> = [];
  for (const [arg, v] of Object.entries(args)) {
    const r = refIndex(v);
    if (r !== null) out.push({ arg, index: r });
    else if (Array.isArray(v)) for (const x of v) {
      const rx = refIndex(x);
      if (rx !== null) out.push({ arg, index: rx });
    }
  }
  return out;
}

/** Optional arguments given as null (the grammar writes null for "not given") are dropped. */
export function stripNulls(t: ToolDefinition, args: Record<string, unknown>): Record<string, unknown> {
  const shape = t.input.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (v === null && shape[k] instanceof z.ZodOptional) continue;
    out[k] = v;
  }
  return out;
}

function issuePath(p: ReadonlyArray<PropertyKey>): string {
  return p.map((x) => (typeof x === 'number' ? `[${x}]` : `.${String(x)}`)).join('');
}

/**
 * Resolves TaskBench task_links (tool names) to node-index edges: the source
 * is the nearest node with that name before the target, else the first one.
 */
export function linkEdges(plan: TaskPlan): { edges: Array<[number, number]>; unknown: Array<{ link: number; name: string }> } {
  const edges: Array<[number, number]> = [];
  const unknown: Array<{ link: number; name: string }> = [];
  const names = plan.task_nodes.map((n) => n.task);
  plan.task_links.forEach((l, li) => {
    const targets = names.flatMap((n, i) => (n === l.target ? [i] : []));
    const sources = names.flatMap((n, i) => (n === l.source ? [i] : []));
    if (sources.length === 0) unknown.push({ link: li, name: l.source });
    if (targets.length === 0) unknown.push({ link: li, name: l.target });
    if (sources.length === 0 || targets.length === 0) return;
    for (const t of targets) {
      const before = sources.filter((s) => s < t);
      const s = before.length > 0 ? before[before.length - 1]! : sources[0]!;
      edges.push([s, t]);
    }
  });
  return { edges, unknown };
}

/** Node indices in a cycle of the dependency graph, or null. */
export function findCycle(n: number, edges: ReadonlyArray<readonly [number, number]>): number[] | null {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) adj[a]?.push(b);
  const state = new Array<number>(n).fill(0);
  const stack: number[] = [];
  const dfs = (v: number): number[] | null => {
    state[v] = 1;
    stack.push(v);
    for (const w of adj[v] ?? []) {
      if (state[w] === 1) return [...stack.slice(stack.indexOf(w)), w];
      if (state[w] === 0) {
        const c = dfs(w);
        if (c !== null) return c;
      }
    }
    stack.pop();
    state[v] = 2;
    return null;
  };
  for (let v = 0; v < n; v++) if (state[v] === 0) {
    const c = dfs(v);
    if (c !== null) return c;
  }
  return null;
}

/**
 * Checks a plan against the catalog: its shape, that every tool exists (and
 * may run), that arguments typecheck, that `<node-j>` references point at
 * earlier nodes whose output kind fits, and that links form a DAG. Returns
 * every problem found (empty = valid), each precise enough to feed back to the
 * planner.
 */
export function validatePlan(input: unknown, o: ValidateOptions = {}): PlanIssue[] {
  const parsed = taskPlanSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({ code: 'E_PLAN_SHAPE', path: issuePath(i.path) || '$', message: i.message }));
  }
  const plan = parsed.data;
  const issues: PlanIssue[] = [];
  const maxNodes = o.maxNodes ?? MAX_NODES * 4;
  if (plan.task_nodes.length === 0) issues.push({ code: 'E_PLAN_EMPTY', path: 'task_nodes', message: 'the plan has no nodes' });
  if (plan.task_nodes.length > maxNodes) {
    issues.push({ code: 'E_PLAN_TOO_BIG', path: 'task_nodes', message: `the plan has ${plan.task_nodes.length} nodes; at most ${maxNodes}` });
  }
  const kinds: Array<OutputKind | null> = [];
  const refEdges: Array<[number, number]> = [];
  plan.task_nodes.forEach((node, i) => {
    const at = `task_nodes[${i}]`;
    const t = getTool(node.task);
    if (t === undefined) {
      issues.push({ code: 'E_TOOL_UNKNOWN', node: i, path: `${at}.task`, message: `unknown tool "${node.task}"; tools are: ${TOOL_NAMES.join(', ')}` });
      kinds.push(null);
      return;
    }
    kinds.push(t.kind);
    if (t.sideEffects && !(o.allowTools ?? []).includes(t.name)) {
      issues.push({ code: 'E_TOOL_NOT_ALLOWED', node: i, path: `${at}.task`, message: `tool "${t.name}" has side effects and is not in agent.allow_tools` });
    }
    const args = stripNulls(t, namedArguments(node));
    const shape = t.input.shape as Record<string, z.ZodType>;
    const concrete: Record<string, unknown> = {};
    for (const [arg, v] of Object.entries(args)) {
      const p = `${at}.arguments.${arg}`;
      if (!(arg in shape)) {
        issues.push({ code: 'E_ARG_UNKNOWN', node: i, path: p, message: `tool "${t.name}" has no argument "${arg}"; it takes: ${Object.keys(shape).join(', ')}` });
        continue;
      }
      const spec = t.refs[arg];
      const refs = nodeReferences({ [arg]: v });
      if (refs.length > 0 && spec === undefined) {
        issues.push({ code: 'E_REF_NOT_ALLOWED', node: i, path: p, message: `argument "${arg}" of "${t.name}" does not take node references; give a value` });
        continue;
      }
      for (const r of refs) {
        if (r.index >= plan.task_nodes.length) {
          issues.push({ code: 'E_REF_RANGE', node: i, path: p, message: `<node-${r.index}> does not exist (the plan has ${plan.task_nodes.length} nodes)` });
        } else if (r.index >= i) {
          issues.push({ code: 'E_REF_FORWARD', node: i, path: p, message: i === 0 ? `<node-${r.index}> is not an earlier node; the first node cannot use references` : `<node-${r.index}> is not an earlier node; node ${i} can only use <node-0>..<node-${i - 1}>` });
        } else {
          refEdges.push([r.index, i]);
          const k = kinds[r.index];
          if (k !== null && k !== undefined && spec !== undefined && !spec.kinds.includes(k)) {
            issues.push({
              code: 'E_REF_KIND',
              node: i,
              path: p,
              message: `<node-${r.index}> (${plan.task_nodes[r.index]!.task}) gives ${k}; "${arg}" of "${t.name}" needs ${spec.kinds.join(' or ')}`,
            });
          }
        }
      }
      if (spec !== undefined && spec.many !== true && Array.isArray(v)) {
        issues.push({ code: 'E_ARG_INVALID', node: i, path: p, message: `argument "${arg}" of "${t.name}" takes one <node-j> reference, not a list` });
        continue;
      }
      if (spec?.many === true && !Array.isArray(v)) {
        issues.push({ code: 'E_ARG_INVALID', node: i, path: p, message: `argument "${arg}" of "${t.name}" takes a list of <node-j> references` });
        continue;
      }
      if (spec?.only === true && Array.isArray(v) && refs.length !== v.length) {
        issues.push({ code: 'E_ARG_INVALID', node: i, path: p, message: `argument "${arg}" of "${t.name}" takes only <node-j> references` });
        continue;
      }
      if (refs.length === 0) {
        // compose_answer with no inputs is how a plan declines (a refusal: no tool runs).
        if (spec?.many === true && Array.isArray(v) && v.length === 0) continue;
        if (spec?.only === true) {
          issues.push({ code: 'E_ARG_INVALID', node: i, path: p, message: `argument "${arg}" of "${t.name}" must be a <node-j> reference to ${spec.kinds.join(' or ')}` });
          continue;
        }
        concrete[arg] = v;
      }
    }
    // Type-check the concrete values (references are checked above).
    const partial = t.input.partial().safeParse(concrete);
    if (!partial.success) {
      for (const e of partial.error.issues) {
        issues.push({ code: 'E_ARG_INVALID', node: i, path: `${at}.arguments${issuePath(e.path)}`, message: `${t.name}: ${e.message}` });
      }
    }
    for (const [arg, s] of Object.entries(shape)) {
      if (!(s instanceof z.ZodOptional) && !(arg in args)) {
        issues.push({ code: 'E_ARG_INVALID', node: i, path: `${at}.arguments.${arg}`, message: `${t.name}: missing required argument "${arg}"` });
      }
    }
    const ctx = o;
    const checkEnum = (arg: string, values: readonly string[] | undefined, what: string, extra: string[] = []): void => {
      const v = args[arg];
      if (values === undefined || values.length === 0 || typeof v !== 'string' || refIndex(v) !== null) return;
      if (![...values, ...extra].includes(v)) {
        issues.push({ code: 'E_ARG_VALUE', node: i, path: `${at}.arguments.${arg}`, message: `unknown ${what} "${v}"; known: ${[...values, ...extra].join(', ')}` });
      }
    };
    if ('camera' in shape) checkEnum('camera', ctx.cameras, 'camera');
    if ('room' in shape) checkEnum('room', ctx.rooms, 'room');
    if ('person' in shape) checkEnum('person', ctx.people, 'person', ['unknown']);
    if ('identity' in shape) checkEnum('identity', ctx.people, 'person', ['unknown']);
    if (t.name === 'publish_to_hub') {
      const topic = args.topic;
      if (typeof topic === 'string' && !(ctx.hubTopics ?? []).includes(topic)) {
        issues.push({ code: 'E_TOOL_NOT_ALLOWED', node: i, path: `${at}.arguments.topic`, message: `topic "${topic}" is not in agent.hub_topics` });
      }
    }
  });
  const { edges, unknown } = linkEdges(plan);
  for (const u of unknown) {
    issues.push({ code: 'E_LINK_UNKNOWN', path: `task_links[${u.link}]`, message: `link names "${u.name}", which is not a node of this plan` });
  }
  const cycle = findCycle(plan.task_nodes.length, [...refEdges, ...edges]);
  if (cycle !== null) {
    issues.push({
      code: 'E_LINK_CYCLE',
      path: 'task_links',
      message: `links form a cycle: ${cycle.map((c) => `${plan.task_nodes[c]!.task}#${c}`).join(' → ')}`,
    });
  }
  return issues;
}

/** Human/LLM-readable lines for repair prompts. */
export function formatIssues(issues: readonly PlanIssue[]): string[] {
  return issues.map((i) => `${i.path}: ${i.message}`);
}

// ───────────────────────── per-node grammar (incremental planning) ─────────────────────────

export interface NodeGrammarOptions extends CatalogSchemaOptions {
  /** When set, compose_answer's question is left out of the grammar: the caller fills in this text (the model neither rewrites it nor spends tokens on it). */
  question?: string;
  /** Only compose_answer may be chosen (last position). */
  final?: boolean;
  /**
   * start/end only as references to resolve_time (no literal ISO times): small
   * models cannot compute dates, and a reference is a few tokens instead of ~30.
   */
  timeFromRefs?: boolean;
}

/**
 * The grammar (node-llama-cpp JSON-schema subset) for the node at `index`
 * given the output kinds of the nodes before it. References can only name
 * earlier nodes whose output fits the argument, and tools that need a
 * reference nobody can give are left out — so every node the grammar admits
 * is valid in place. Returns null when no tool fits.
 */
export function nodeGrammarSchema(index: number, earlier: readonly OutputKind[], o: NodeGrammarOptions = {}): JsonSchema | null {
  const maxLen = o.maxStringLength ?? 80;
  const branches: JsonSchema[] = [];
  for (const t of CATALOG as readonly unknown[] as ToolDefinition[]) {
    if (!toolAllowed(t, o)) continue;
    if (o.final === true && t.name !== 'compose_answer') continue;
    const props: Record<string, unknown> = {};
    let possible = true;
    for (const [arg, s] of Object.entries(t.input.shape as Record<string, z.ZodType>)) {
      const narrowed = argumentSchema(t.name, arg, s, o);
      const optional = narrowed instanceof z.ZodOptional;
      const base = optional ? (narrowed.unwrap() as z.ZodType) : narrowed;
      const spec = t.refs[arg];
      const compatible = spec === undefined ? [] : earlier.flatMap((k, j) => (spec.kinds.includes(k) ? [`<node-${j}>`] : []));
      let js: unknown;
      if (t.name === 'compose_answer' && arg === 'question' && o.question !== undefined) {
        continue;
      } else if (spec?.only === true || (o.timeFromRefs === true && spec !== undefined && spec.kinds.length === 1 && spec.kinds[0] === 'time_range')) {
        if (compatible.length === 0) {
          possible = false;
          break;
        }
        js = spec.many === true ? { type: 'array', items: { enum: compatible }, minItems: 0, maxItems: Math.min(4, compatible.length) } : { enum: compatible };
      } else {
        const value = toGbnfSubset(z.toJSONSchema(base, { io: 'input', unrepresentable: 'any' }), maxLen);
        js = compatible.length > 0 ? { oneOf: [{ enum: compatible }, value] } : value;
      }
      props[arg] = optional ? { oneOf: [js, { type: 'null' }] } : js;
    }
    if (!possible) continue;
    branches.push({
      type: 'object',
      properties: { task: { const: t.name }, arguments: { type: 'object', properties: props, additionalProperties: false } },
      additionalProperties: false,
    });
  }
  void index;
  if (branches.length === 0) return null;
  return branches.length === 1 ? branches[0]! : { oneOf: branches };
}
