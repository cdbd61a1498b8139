import { z } from 'zod';
import {
  OUTPUT_KINDS,
  eventSchema,
  evidenceItemSchema,
  frameSchema,
  isoTime,
  memoryItemSchema,
  observationSchema,
  presenceSchema,
  sightingSchema,
  timeRangeSchema,
  timelineEntrySchema,
  GROUP_BY,
  METRICS,
  type OutputKind,
} from './shapes.js';

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

const resolveTime = tool({
  name: 'resolve_time',
  description:
    'Turns a time phrase ("last night", "between 7 and 8 pm", "yesterday evening", "in the last hour", ' +
    '"today") into an explicit interval in the household timezone. ' +
    'Use it before any tool that needs start/end.',
  input: z.object({ phrase: z.string().min(1).max(80).describe('the time phrase from the question') }),
  output: timeRangeSchema,
  kind: 'time_range',
  sideEffects: false,
  refs: {},
  example: { phrase: 'last night' },
});

const getFrames = tool({
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

const detectPersons = frameTool('detect_persons', 'Finds people (boxes, scores) in frames from get_frames.', 'detections', {
  detections: z.array(observationSchema),
});

const recognizeIdentity = frameTool(
  'recognize_identity',
  'Says who the people in the frames are (household members by face/re-id; "unknown" otherwise).',
  'identities',
  { persons: z.array(observationSchema), identities: z.array(z.string()) },
);

const recognizeActivity = frameTool(
  'recognize_activity',
  'Estimates pose and activity (standing, walking, sitting, lying_down, cooking, eating…; ' +
    'a fall shows as lying_down) of the people in the frames.',
  'activities',
  { persons: z.array(observationSchema), activities: z.array(z.string()) },
);

const queryEvents = tool({
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

const whoWasWhere = tool({
  name: 'who_was_where',
  description: 'Who was seen where between start and end: one row per person and camera with first/last time and activities.',
  input: z.object({
    start: isoTime,
    end: isoTime,
    room: z.string().min(1).max(64).optional(),
    camera: cameraName.optional(),
    identity: person.optional(),
  }),
  output: z.object({ presence: z.array(presenceSchema) }),
  kind: 'presence',
  sideEffects: false,
  refs: { start: { kinds: TIME_KINDS }, end: { kinds: TIME_KINDS } },
  example: { start: '<node-0>', end: '<node-0>' },
});

const lastSeen = tool({
  name: 'last_seen',
  description: 'When and where a person was last seen (with a camera: last seen by that camera).',
  input: z.object({ person, camera: cameraName.optional() }),
  output: z.object({ person: z.string(), seen: sightingSchema.nullable() }),
  kind: 'sighting',
  sideEffects: false,
  refs: {},
  example: { person: 'Bob' },
});

const activityTimeline = tool({
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

const countEvents = tool({
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

const aggregate = tool({
  name: 'aggregate',
  description:
    'Groups events between start and end by identity, camera, room, activity, hour or day and counts them or sums their duration.',
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

const getSnapshot = tool({
  name: 'get_snapshot',
  description: 'Snapshot images (paths) as evidence for events or a sighting.',
  input: z.object({ events: z.unknown(), max: z.number().int().min(1).max(10).optional() }),
  output: z.object({ items: z.array(evidenceItemSchema) }),
  kind: 'evidence',
  sideEffects: false,
  refs: { events: { kinds: EVENTISH, only: true } },
  example: { events: '<node-1>' },
});

const evidenceClip = tool({
  name: 'evidence_clip',
  description: 'Short video clips (paths) around events or a sighting, as evidence.',
  input: z.object({ events: z.unknown(), seconds: z.number().min(1).max(60).optional(), max: z.number().int().min(1).max(5).optional() }),
  output: z.object({ items: z.array(evidenceItemSchema) }),
  kind: 'evidence',
  sideEffects: false,
  refs: { events: { kinds: EVENTISH, only: true } },
  example: { events: '<node-1>', seconds: 10 },
});

const recallMemory = tool({
  name: 'recall_memory',
  description: "Searches the household's long-term memory (facts, corrections, past answers) for text related to the query.",
  input: z.object({ query: z.string().min(1).max(120), k: z.number().int().min(1).max(10).optional() }),
  output: z.object({ items: z.array(memoryItemSchema) }),
  kind: 'memories',
  sideEffects: false,
  refs: {},
  example: { query: 'where are the keys' },
});

const remember = tool({
  name: 'remember',
  description: 'Stores a household fact in long-term memory. Side effect: runs only if allowed in config.',
  input: z.object({ fact: z.string().min(1).max(280) }),
  output: z.object({
    stored: z.boolean(),
    id: z.string().nullable(),
    fact: z.string().optional().describe('what was stored, for the answer'),
  }),
  kind: 'ack',
  sideEffects: true,
  refs: {},
  example: { fact: 'the spare key is under the mat' },
});

const publishToHub = tool({
  name: 'publish_to_hub',
  description:
    'Publishes a short message to a configured home-hub MQTT topic. Side effect: ' +
    'runs only if allowed in config and the topic is configured.',
  input: z.object({ topic: z.string().min(1).max(128), message: z.string().min(1).max(280) }),
  output: z.object({ published: z.boolean(), topic: z.string(), message: z.string().optional().describe('what was sent, for the answer') }),
  kind: 'ack',
  sideEffects: true,
  refs: {},
  example: { topic: 'hub/notify', message: 'Bob is home' },
});

const composeAnswer = tool({
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
