import { z } from 'zod';
import { taskPlanSchema, type TaskPlan } from './plan.js';

/**
 * What a device uploads to the cloud teacher for one hard example (daemon/learning builds it, cloud/ receives and
 * labels it), here in contracts because both sides read it. Besides the question and the edge's plan, a sample
 * carries the household context the agent planned with — the people, cameras, rooms and routines the question could
 * name, the time and timezone it was asked in, the previous turn of its conversation — so that a teacher model can
 * plan the same request, and its plan can be grounded against what this household has. Every person appears only
 * as a `<person-xxxxxxxx>` placeholder (the schema admits nothing else where a person is named); aliases are dropped
 * (the device's privacy filter maps each to its person's placeholder in text). Samples from devices that predate the
 * context have none and stay valid.
 */

/** A person on the wire: the privacy filter's stable placeholder, never a name. */
export const PERSON_PLACEHOLDER = /^<person-[0-9a-f]{8}>$/;

const personPlaceholder = z.string().regex(PERSON_PLACEHOLDER, 'a <person-xxxxxxxx> placeholder');
const text = z.string().max(200);
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const day = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** The household of a request as PlanRequest['household'] has it; `person` is how a person may be written. */
function householdSchema(person: z.ZodString) {
  return z.strictObject({
    people: z.array(z.strictObject({ name: person, aliases: z.array(person).default([]) })).max(200),
    rooms: z.array(text).max(200),
    cameras: z.array(text).max(200),
    cameraRooms: z.record(text, text.nullable()).optional().describe('room each camera watches'),
    roomAliases: z.record(text, z.array(text)).optional().describe("the household's own words for its rooms"),
    cameraZones: z.record(text, z.array(text)).optional().describe('zone names per camera'),
    groups: z
      .array(z.strictObject({ name: text, aliases: z.array(text), members: z.array(person) }))
      .optional()
      .describe('named groups of people ("the kids")'),
    asker: person.optional().describe('the person asking, when known'),
    routines: z
      .array(z.strictObject({ name: text, aliases: z.array(text), start: clock, end: clock, days: z.array(day) }))
      .optional()
      .describe('meals, naps, bedtimes: time phrases such as "after dinner" resolve against them'),
  });
}

function planContextSchemaOf(person: z.ZodString) {
  return z.strictObject({
    now: z.string().min(10).max(40).describe('when the question was asked: ISO 8601 with the household offset'),
    timezone: z.string().min(1).max(64).describe('IANA timezone of the household'),
    household: householdSchema(person),
    previous: z
      .strictObject({ question: z.string().max(4000), plan: taskPlanSchema.optional() })
      .optional()
      .describe('the previous turn of the conversation (its answer is not sent)'),
    allow_tools: z.array(text).optional().describe('side-effect tools the device lets plans use (agent.allow_tools)'),
    hub_topics: z.array(text).optional().describe('topics publish_to_hub may use (agent.hub_topics)'),
  });
}

/** The plan-time context on the device, names as configured (never uploaded as is). */
export const planContextSchema = planContextSchemaOf(z.string().min(1).max(200));
export type PlanContext = z.infer<typeof planContextSchema>;

/** The context as it leaves the device: every person a placeholder. */
export const sampleContextSchema = planContextSchemaOf(personPlaceholder);
export type SampleContext = z.infer<typeof sampleContextSchema>;

/** Exactly what leaves the device for one sample (JSON as is). */
export const uploadSampleSchema = z.looseObject({
  id: z.string().min(1).max(200).describe('stable id (the answer id): uploads are idempotent by it'),
  question: z.string().min(1).max(4000).describe('the question, names as placeholders'),
  plan: taskPlanSchema.describe("the edge's plan, names as placeholders"),
  planner: z.string(),
  confidence: z.number().nullable(),
  reasons: z.array(z.string()).describe('why it is a hard example'),
  nodes: z.array(
    z.strictObject({
      task: z.string(),
      status: z.string(),
      ms: z.number().nullable(),
      output_bytes: z.number().int(),
      error_code: z.string().nullable(),
    }),
  ),
  corrected_plan: taskPlanSchema.optional(),
  corrected_answer: z.string().optional(),
  frames: z.array(z.strictObject({ camera: z.string(), jpeg_base64: z.string() })).optional(),
  at: z.string(),
  context: sampleContextSchema.optional(),
});
export type UploadSample = z.infer<typeof uploadSampleSchema>;

/**
 * What the teacher service requires of an uploaded sample: an id, the question and, when sent, a well-formed context
 * (older devices and tools send less; the rest is kept as sent).
 */
export const receivedSampleSchema = uploadSampleSchema.pick({ id: true, question: true, context: true });

/** The request fields (PlanRequest minus the question) a sample's context stands for, for planning it again. */
export interface SampleRequestContext {
  now: string;
  timezone: string;
  household: SampleContext['household'];
  history: Array<{ question: string; answer: string; plan?: TaskPlan }>;
  allowTools?: string[];
  hubTopics?: string[];
}

/** A sample context as the request fields a planner takes (the previous turn becomes a one-turn history). */
export function sampleRequestContext(ctx: SampleContext | PlanContext): SampleRequestContext {
  const prev = ctx.previous;
  const out: SampleRequestContext = {
    now: ctx.now,
    timezone: ctx.timezone,
    household: ctx.household,
    history: prev === undefined ? [] : [prev.plan === undefined ? { question: prev.question, answer: '' } : { ...prev, answer: '' }],
  };
  if (ctx.allow_tools !== undefined) out.allowTools = ctx.allow_tools;
  if (ctx.hub_topics !== undefined) out.hubTopics = ctx.hub_topics;
  return out;
}

/** The fields of a plan request a context is taken from (the agent's PlanRequest has them). */
export interface PlanContextSource {
  now: string;
  timezone: string;
  household: {
    people: ReadonlyArray<{ name: string; aliases: readonly string[] }>;
    rooms: readonly string[];
    cameras: readonly string[];
    cameraRooms?: Readonly<Record<string, string | null>>;
    roomAliases?: Readonly<Record<string, readonly string[]>>;
    cameraZones?: Readonly<Record<string, readonly string[]>>;
    groups?: ReadonlyArray<{ name: string; aliases: readonly string[]; members: readonly string[] }>;
    asker?: string;
    routines?: ReadonlyArray<{ name: string; aliases: readonly string[]; start: string; end: string; days: readonly PlanDay[] }>;
  };
  history?: ReadonlyArray<{ question: string; plan?: TaskPlan }>;
  allowTools?: readonly string[];
  hubTopics?: readonly string[];
}

type PlanDay = z.infer<typeof day>;

const record = <T>(r: Readonly<Record<string, T>> | undefined, f: (v: T) => T): Record<string, T> | undefined =>
  r === undefined ? undefined : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v)]));

/**
 * The plan-time context of a request: exactly the fields a planner grounds with, copied (a routine's people, a
 * person's relation and anything else the request's objects carry are left behind), and the last turn of the history.
 */
export function planContextOf(req: PlanContextSource): PlanContext {
  const h = req.household;
  const household: PlanContext['household'] = {
    people: h.people.map((p) => ({ name: p.name, aliases: [...p.aliases] })),
    rooms: [...h.rooms],
    cameras: [...h.cameras],
  };
  const cameraRooms = record(h.cameraRooms, (v) => v);
  if (cameraRooms !== undefined) household.cameraRooms = cameraRooms;
  const roomAliases = record(h.roomAliases, (v) => [...v]);
  if (roomAliases !== undefined) household.roomAliases = roomAliases as Record<string, string[]>;
  const cameraZones = record(h.cameraZones, (v) => [...v]);
  if (cameraZones !== undefined) household.cameraZones = cameraZones as Record<string, string[]>;
  if (h.groups !== undefined) household.groups = h.groups.map((g) => ({ name: g.name, aliases: [...g.aliases], members: [...g.members] }));
  if (h.asker !== undefined) household.asker = h.asker;
  if (h.routines !== undefined)
    household.routines = h.routines.map((r) => ({ name: r.name, aliases: [...r.aliases], start: r.start, end: r.end, days: [...r.days] }));
  const out: PlanContext = { now: req.now, timezone: req.timezone, household };
  const last = req.history?.[req.history.length - 1];
  if (last !== undefined)
    out.previous = last.plan === undefined ? { question: last.question } : { question: last.question, plan: last.plan };
  if (req.allowTools !== undefined) out.allow_tools = [...req.allowTools];
  if (req.hubTopics !== undefined) out.hub_topics = [...req.hubTopics];
  return out;
}
