import { z } from 'zod';
import { taskPlanSchema, watchIdSchema, watchNotificationSchema, watchSchema, watchSpecSchema } from '../contracts/index.js';

/**
 * The MQTT API: every request topic the daemon serves, with its zod request
 * and response schemas, and every topic it publishes. This map is the single
 * source: the router validates against it, the `info` topic and Home
 * Assistant buttons are derived from it, and so is docs/mqtt-api.md.
 *
 * Topics are relative to `<base_topic>/<device_id>`. Every request payload is
 * a JSON object that may also carry `id` (echoed in replies) and `reply_to`
 * (MQTT 3.1.1 clients; v5 clients use the response topic and correlation
 * data); both are taken off before the request schema applies.
 */

const id = z.union([z.string().min(1).max(128), z.number().int().safe()]);
const question = z.string().trim().min(1).max(1000).describe('the question in plain language');

/** Per-question options of agent/ask and agent/plan. */
export const askOptionsSchema = z
  .strictObject({
    planner: z.enum(['local', 'cloud', 'retrieval']).optional().describe('ask this planner first'),
    execute: z.boolean().optional().describe('false: plan only, do not run'),
    max_evidence: z.number().int().min(0).max(50).optional(),
  })
  .describe('per-request options');

const askRequest = z.strictObject({
  question,
  conversation_id: z.string().min(1).max(128).optional().describe('for follow-ups ("and after that?")'),
  household: z.string().min(1).max(64).optional().describe("household id; must be this device's"),
  options: askOptionsSchema.optional(),
  now: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('replay: plan (and run) as if asked at this instant (ISO 8601 with offset), for tests and benchmarks'),
});

const evidence = z.object({
  event: z.object({ camera: z.string() }).nullable(),
  snapshot: z.string().nullable(),
});

const askResult = z.object({
  answer: z.string().describe('the answer in plain language'),
  plan: taskPlanSchema,
  evidence: z.array(evidence),
  planner: z.string().describe('which planner made the plan'),
  executed: z.boolean(),
  conversation_id: z.string().nullable(),
  notes: z.array(z.string()),
  watch: z
    .object({
      created: z.boolean(),
      id: watchIdSchema.nullable(),
      spec: watchSpecSchema,
      description: z.string(),
      confirmation: z.string(),
    })
    .optional()
    .describe('a standing order: the watch it created (agent/ask) or would create (agent/plan: created false, id null)'),
});

const askProgress = z.looseObject({ stage: z.string().describe('planned | node | answered …') });

/** Arguments of `command/enroll`: photos as base64 (JPEG, PNG or WebP). */
const enrollRequest = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine((n) => !/[/\\\u0000-\u001f]|\.\./.test(n), 'a name must not contain /, \\, ".." or control characters')
    .describe("the person's name"),
  images: z.array(z.string().min(16).describe('base64 of a JPEG/PNG/WebP photo')).min(1).max(8),
});

const updateRequest = z
  .strictObject({
    url: z.string().max(2048).optional().describe('https:// URL of the bundle'),
    path: z.string().max(1024).optional().describe('bundle file inside fleet.inbox_dir'),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/)
      .optional()
      .describe('expected sha256 of the bundle file'),
    allow_downgrade: z.boolean().default(false),
  })
  .refine((a) => (a.url === undefined) !== (a.path === undefined), 'give exactly one of url or path');

const configRequest = z.strictObject({
  yaml: z.string().min(1).max(262_144).describe('the complete new config file (YAML)'),
  reload: z.boolean().default(true).describe('reload the daemon after writing (live keys apply; others at the next restart)'),
});

const feedbackRequest = z.strictObject({
  answer_id: z.string().min(1).max(128).describe('from learning/answered'),
  thumbs: z.enum(['up', 'down']),
  corrected_answer: z.string().max(4000).optional(),
  corrected_plan: z.unknown().optional(),
});

const reloadResult = z.object({
  ok: z.boolean(),
  applied: z.array(z.string()),
  needsRestart: z.array(z.string()),
  problems: z.array(z.string()),
});

const anyObject = z.looseObject({});

const isoTime = z.string().describe('ISO 8601 with the household offset');
const recapEvidence = z
  .object({
    event_id: z.string(),
    camera: z.string(),
    at: isoTime,
    snapshot: z.string().nullable().describe('JPEG path under paths.data_dir'),
  })
  .describe('a stored event that shows it');

/** Arguments of `recap/get` (and the MCP recap tool): one way to name the span. */
export const recapRequestSchema = z
  .strictObject({
    when: z.string().trim().min(1).max(200).optional().describe('a time phrase: "today", "last night", "since 6pm", "yesterday"'),
    from: z.iso.datetime({ offset: true }).optional().describe('start of the span (ISO 8601 with offset)'),
    to: z.iso.datetime({ offset: true }).optional().describe('end of the span with `from` (default now)'),
    away_of: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .optional()
      .describe('"while I was away": who asks; the span is their latest absence (presence.away_after_min without a sighting)'),
    max_evidence: z.number().int().min(0).max(20).optional().describe('snapshots per person (default recaps.evidence_per_person)'),
  })
  .refine((a) => [a.when, a.from, a.away_of].filter((x) => x !== undefined).length === 1, 'give exactly one of when, from or away_of')
  .refine((a) => a.to === undefined || a.from !== undefined, '`to` goes with `from`');

/** What happened in a span: who was where doing what, unknown visitors, falls, with evidence; and a short text. */
export const recapSchema = z.object({
  span: z.object({ from: isoTime, to: isoTime, label: z.string().describe('"today", "while Alice was away", …'), timezone: z.string() }),
  text: z.string().describe('the recap in a few sentences'),
  people: z.array(
    z.object({
      name: z.string(),
      first_seen: isoTime,
      last_seen: isoTime,
      rooms: z.array(
        z.object({ room: z.string(), cameras: z.array(z.string()), first_seen: isoTime, last_seen: isoTime, sightings: z.number().int() }),
      ),
      activities: z.array(z.object({ activity: z.string(), room: z.string(), minutes: z.number(), first: isoTime, last: isoTime })),
      evidence: z.array(recapEvidence),
    }),
  ),
  unknown_visitors: z.array(
    z.object({
      camera: z.string(),
      room: z.string(),
      first_seen: isoTime,
      last_seen: isoTime,
      tracks: z.number().int().describe('tracks merged into this visit'),
      evidence: recapEvidence.nullable(),
    }),
  ),
  falls: z
    .array(
      z.object({
        person: z.string().nullable(),
        camera: z.string(),
        room: z.string(),
        start: isoTime,
        end: isoTime.nullable(),
        minutes: z.number(),
        evidence: recapEvidence,
      }),
    )
    .describe('lying_down outside zones named bed/sofa/couch'),
  unidentified: z.number().int().describe('sightings of people whose face was not seen well enough to tell who it was'),
  truncated: z.boolean().describe('the span had more events than one recap reads; counts are lower bounds'),
});
/** A reply whose shape the serving module defines (see its docs). */
const moduleResult = z.unknown();

/** A Home Assistant button for a command (discovery publishes it). */
export interface CommandButton {
  /** Entity name shown in Home Assistant. */
  name: string;
  /** One button per configured camera with payload `{"camera": "<name>"}`. */
  perCamera?: boolean;
  /** JSON payload sent when pressed (not with perCamera). Default `{}`. */
  payload?: Record<string, unknown>;
  icon?: string;
  deviceClass?: 'restart' | 'update' | 'identify';
}

/** Which daemon module serves a request (or publishes a topic). */
export type ApiModule = 'mqtt' | 'agent' | 'fleet' | 'learning' | 'vision' | 'ingest' | 'presence' | 'recaps' | 'watches';

export interface RequestRoute<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly direction: 'request';
  readonly description: string;
  readonly module: ApiModule;
  /** Arguments (without the `id`/`reply_to` envelope fields). */
  readonly request: Req;
  /** `data` of the final `ok` reply. */
  readonly response: Res;
  /** `data` of intermediate `progress` replies, where the route sends them. */
  readonly progress?: z.ZodType;
  /** Largest payload in bytes (default: mqtt.max_request_bytes; the serving module may set it from its config). */
  readonly maxBytes?: number;
  /** Requests handled at once; more are answered E_BUSY. Default 4. */
  readonly concurrency?: number;
  /** Where final replies are also published (commands: `command/<name>/result`). */
  readonly resultTopic?: string;
  /** The request's own `id` names the running request to cancel (the router serves such a route itself). */
  readonly cancels?: boolean;
  /** A Home Assistant button (discovery publishes it when the route is served). */
  readonly button?: CommandButton;
}

export interface PublishedTopic {
  readonly direction: 'publish';
  readonly description: string;
  readonly module: ApiModule;
  readonly retained: boolean;
  /** JSON payload; absent for raw payloads (JPEG snapshots, availability text). */
  readonly payload?: z.ZodType;
}

function request<Req extends z.ZodType, Res extends z.ZodType>(r: Omit<RequestRoute<Req, Res>, 'direction'>): RequestRoute<Req, Res> {
  return { direction: 'request', ...r };
}

function command<Req extends z.ZodType, Res extends z.ZodType>(
  name: string,
  r: Omit<RequestRoute<Req, Res>, 'direction' | 'resultTopic'>,
): RequestRoute<Req, Res> {
  return { direction: 'request', resultTopic: `command/${name}/result`, ...r };
}

/** Request topics, keyed by topic. */
export const MQTT_REQUESTS = {
  'agent/ask': request({
    description: 'Ask a question: plan, run, answer. Progress messages while working; the final answer also goes to agent/answer.',
    module: 'agent',
    request: askRequest,
    response: askResult,
    progress: askProgress,
    resultTopic: 'agent/answer',
    concurrency: 2,
  }),
  'agent/plan': request({
    description: 'Plan a question without running it (same request as agent/ask).',
    module: 'agent',
    request: askRequest,
    response: askResult,
    progress: askProgress,
    concurrency: 2,
  }),
  'agent/cancel': request({
    description: 'Cancel a running request: `id` is the id of that request.',
    module: 'mqtt',
    request: z.strictObject({ id: id.describe('the id of the running request') }),
    response: z.object({ cancelled: z.boolean(), id: z.string() }),
    cancels: true,
  }),
  'agent/correct': request({
    description: 'Store a corrected plan for a question (it becomes a few-shot example).',
    module: 'agent',
    request: z.strictObject({ question, plan: taskPlanSchema, note: z.string().max(500).optional() }),
    response: z.object({ stored: z.literal(true) }),
  }),
  'watch/create': request({
    description:
      'Create a standing watch from a spec (trigger, window, action, cooldown); a request in words goes to agent/ask ' +
      '("tell me when Opa gets up")',
    module: 'watches',
    request: z.strictObject({ spec: watchSpecSchema, question: z.string().max(1000).optional().describe('the request it came from') }),
    response: watchSchema,
  }),
  'watch/list': request({
    description: 'The active standing watches (all: finished ones too), newest first',
    module: 'watches',
    request: z.strictObject({ all: z.boolean().default(false) }),
    response: z.object({ watches: z.array(watchSchema) }),
  }),
  'watch/cancel': request({
    description: 'Cancel an active standing watch by its id',
    module: 'watches',
    // `id` is the request's own id (the envelope), so the watch is `watch_id`.
    request: z.strictObject({ watch_id: watchIdSchema }),
    response: z.object({ cancelled: z.boolean(), watch_id: z.string() }),
  }),
  'recap/get': request({
    description:
      'What happened in a span ("today", "last night", from/to, or while a person was away): people, rooms, activities, ' +
      'unknown visitors, falls, with evidence snapshots and a short text',
    module: 'recaps',
    request: recapRequestSchema,
    response: recapSchema,
    concurrency: 2,
  }),
  'command/reload': command('reload', {
    description: 'Re-read the config file; live keys apply at once (like SIGHUP)',
    module: 'mqtt',
    request: z.strictObject({}),
    response: reloadResult,
    concurrency: 1,
    button: { name: 'Reload config', icon: 'mdi:reload' },
  }),
  'command/restart_camera': command('restart_camera', {
    description: "Restart one camera's ffmpeg source",
    module: 'ingest',
    request: z.strictObject({ camera: z.string().min(1).max(63) }),
    response: z.object({ camera: z.string(), restarted: z.boolean() }),
    concurrency: 2,
    button: { name: 'Restart camera', perCamera: true, deviceClass: 'restart' },
  }),
  'command/enroll': command('enroll', {
    description: "Add a person's face to the identity gallery: {name, images: [base64 JPEG/PNG]}",
    module: 'vision',
    request: enrollRequest,
    response: moduleResult,
    maxBytes: 12_000_000,
    concurrency: 1,
  }),
  'command/update': command('update', {
    description: 'Install a signed update bundle ({url} https or {path} in fleet.inbox_dir), switch to it, roll back if unhealthy',
    module: 'fleet',
    request: updateRequest,
    response: moduleResult,
    progress: anyObject,
    concurrency: 1,
  }),
  'command/rollback': command('rollback', {
    description: 'Switch back to the previous installed release',
    module: 'fleet',
    request: z.strictObject({}),
    response: moduleResult,
    progress: anyObject,
    concurrency: 1,
    button: { name: 'Roll back update', icon: 'mdi:backup-restore' },
  }),
  'command/config': command('config', {
    description: 'Replace the config file with a validated one (previous kept as .prev) and reload',
    module: 'fleet',
    request: configRequest,
    response: moduleResult,
    concurrency: 1,
    maxBytes: 300_000,
  }),
  'command/feedback': command('feedback', {
    description:
      'thumbs up/down or a corrected answer/plan for an answer (answer_id from learning/answered); ' +
      'a correction or a thumbs up is kept as a local label',
    module: 'learning',
    request: feedbackRequest,
    response: moduleResult,
  }),
  'command/audit': command('audit', {
    description: 'the newest entries of the upload audit log',
    module: 'learning',
    request: z.strictObject({ limit: z.number().int().min(1).max(500).default(20) }),
    response: z.object({ entries: z.array(z.unknown()) }),
  }),
  'command/learning_sync': command('learning_sync', {
    description: 'upload queued samples and fetch pseudo-labels now',
    module: 'learning',
    request: z.strictObject({}),
    response: moduleResult,
  }),
} as const satisfies Record<string, RequestRoute>;

const envelope = z.looseObject({
  id: z.string(),
  command: z.string(),
  status: z.enum(['ok', 'error', 'progress']),
  data: z.unknown().optional(),
  error: z.strictObject({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
  ts: z.string(),
});

/** Published topics, keyed by topic (`+` stands for a camera name; in presence/*, a person's or room's slug). */
export const MQTT_PUBLISHED = {
  availability: { direction: 'publish', description: '`online` / `offline` (last will)', module: 'mqtt', retained: true },
  status: {
    direction: 'publish',
    description: 'module health, on change',
    module: 'mqtt',
    retained: true,
    payload: z.looseObject({ status: z.string(), summary: z.string(), version: z.string(), modules: z.array(anyObject), ts: z.string() }),
  },
  info: {
    direction: 'publish',
    description: 'version, topics, and the served commands with their JSON Schemas',
    module: 'mqtt',
    retained: true,
    payload: anyObject,
  },
  events: {
    direction: 'publish',
    description: 'person/identity/activity events (QoS 1, with an id for dedupe)',
    module: 'vision',
    retained: false,
    payload: anyObject,
  },
  'camera/+/state': {
    direction: 'publish',
    description: 'occupancy, persons, last identity/activity, zones',
    module: 'vision',
    retained: true,
    payload: anyObject,
  },
  'camera/+/snapshot': { direction: 'publish', description: 'latest JPEG snapshot', module: 'vision', retained: true },
  'presence/person/+': {
    direction: 'publish',
    description: "a household person's presence: home, room, camera, activity, last_seen (on change, QoS 1)",
    module: 'presence',
    retained: true,
    payload: anyObject,
  },
  'presence/room/+': {
    direction: 'publish',
    description: 'persons in a room now (all its cameras) and who they are (on change, QoS 1)',
    module: 'presence',
    retained: true,
    payload: anyObject,
  },
  'presence/unknown/+': {
    direction: 'publish',
    description: 'unknown people on a camera now, and the last one seen (on change, QoS 1)',
    module: 'presence',
    retained: true,
    payload: anyObject,
  },
  'watch/triggered': {
    direction: 'publish',
    description: 'a standing watch fired: who, where, doing what, with the snapshot (QoS 1, an id for dedupe)',
    module: 'watches',
    retained: false,
    payload: watchNotificationSchema,
  },
  'watch/+/event': {
    direction: 'publish',
    description: "one watch's Home Assistant event entity (`+` is the watch id): event_type triggered, without the snapshot",
    module: 'watches',
    retained: false,
    payload: z.looseObject({ event_type: z.literal('triggered'), watch_id: watchIdSchema }),
  },
  'recap/digest': {
    direction: 'publish',
    description: 'the daily digest: a recap of the last 24 hours at recaps.digest.at (QoS 1)',
    module: 'recaps',
    retained: true,
    payload: recapSchema,
  },
  'agent/answer': {
    direction: 'publish',
    description: 'every final agent/ask reply (an envelope)',
    module: 'agent',
    retained: false,
    payload: envelope,
  },
  'learning/answered': {
    direction: 'publish',
    description: 'an answer_id for `command/feedback`, per answered question',
    module: 'learning',
    retained: false,
    payload: z.looseObject({ answer_id: z.string(), question: z.string(), at: z.string() }),
  },
  'learning/audit': {
    direction: 'publish',
    description: 'what was uploaded to the teacher, per upload',
    module: 'learning',
    retained: false,
    payload: anyObject,
  },
  'command/+/result': {
    direction: 'publish',
    description: 'final reply envelope of every command',
    module: 'mqtt',
    retained: false,
    payload: envelope,
  },
  'request/error': {
    direction: 'publish',
    description:
      'error replies to requests whose reply address could not be read (undecodable payload from an MQTT 3.1.1 client, no result topic)',
    module: 'mqtt',
    retained: false,
    payload: envelope,
  },
} as const satisfies Record<string, PublishedTopic>;

/** The reply envelope on every reply and result topic. */
export const replyEnvelopeSchema = envelope;

export type RouteTopic = keyof typeof MQTT_REQUESTS;
export type PublishedTopicName = keyof typeof MQTT_PUBLISHED;
/** The parsed arguments a route's handler receives. */
export type RouteRequest<T extends RouteTopic> = z.output<(typeof MQTT_REQUESTS)[T]['request']>;
/** What a route's handler returns (the `data` of the `ok` reply). */
export type RouteResponse<T extends RouteTopic> = z.input<(typeof MQTT_REQUESTS)[T]['response']>;
