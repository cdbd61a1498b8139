/**
 * Loader of the hand-written natural evaluation set (DATASHEET.md): households
 * shaped like the daemon config, and questions whose lines are Q2A samples
 * (the bench harness reads them with `format: "q2a"`) plus gold facts for the
 * understanding benchmark (people, cameras, interval, side effects, refusal,
 * standing order). The set measures planners; nothing may be tuned on it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type TaskPlan, taskPlanSchema, type ValidateOptions } from '../../../daemon/agent/index.js';
import type { ConfigInput } from '../../../daemon/config/index.js';
import { HomeSightError } from '../../../daemon/system/index.js';

/** The folder the set lives in. */
export const NATURAL_SET_DIR = dirname(fileURLToPath(import.meta.url));
export const QUESTIONS_FILE = 'questions.jsonl';
export const HOUSEHOLDS_FILE = 'households.json';
export const SHA256SUMS_FILE = 'SHA256SUMS';

const isoWithOffset = z.iso.datetime({ offset: true });
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

const personSchema = z.strictObject({ name: z.string().min(1), aliases: z.array(z.string().min(1)), relation: z.string().min(1) });

const cameraSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
  room: z.string().min(1),
  // the daemon's camera source and zones, passed to the config as written
  source: z.record(z.string(), z.unknown()),
  zones: z.array(z.record(z.string(), z.unknown())),
});

/** A routine as the household lives it: "after dinner" resolves against these. */
const routineSchema = z.strictObject({
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)),
  start: clock,
  end: clock,
  days: z.array(weekday).min(1),
  people: z.array(z.string().min(1)).optional(),
});

const groupSchema = z.strictObject({
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)),
  members: z.array(z.string().min(1)).min(2),
});

export const naturalHouseholdSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  timezone: z.string().min(1),
  /** Who asks the questions: kinship words ("my son") are relative to this person. */
  asker: z.string().min(1),
  people: z.array(personSchema).min(1),
  groups: z.array(groupSchema),
  rooms: z.array(z.string().min(1)).min(1),
  cameras: z.array(cameraSchema).min(1),
  routines: z.array(routineSchema),
  allow_tools: z.array(z.enum(['remember', 'publish_to_hub'])),
  hub_topics: z.array(z.string().min(1)),
});
export type NaturalHousehold = z.infer<typeof naturalHouseholdSchema>;

const householdsFileSchema = z.strictObject({ description: z.string(), households: z.array(naturalHouseholdSchema).min(1) });

export const REFUSAL_CATEGORIES = [
  'actuation',
  'data_leaves_device',
  'other_household',
  'injection',
  'side_effect_not_allowed',
  'not_supported',
] as const;
/**
 * Categories HomeSight must always refuse (issue #18's "refusals 100 % refused"); the others depend on what the device allows or supports.
 */
export const MUST_REFUSE: readonly RefusalCategory[] = ['actuation', 'data_leaves_device', 'other_household', 'injection'];
export type RefusalCategory = (typeof REFUSAL_CATEGORIES)[number];

/** A standing order ("let me know if …") as structured data; the catalog cannot express it yet. */
const watchSchema = z.strictObject({
  trigger: z.strictObject({
    event: z.enum(['person_seen', 'not_seen', 'activity']),
    people: z.array(z.string()),
    cameras: z.array(z.string()),
    activity: z.string().optional(),
  }),
  window: z.strictObject({ start: isoWithOffset, end: isoWithOffset }).nullable(),
  repeat: z.enum(['once', 'each', 'daily']),
  action: z.enum(['notify', 'publish']),
});

const goldFactsSchema = z.strictObject({
  /** Canonical names of the people the question is about (groups and kinship words resolved). */
  people: z.array(z.string()),
  /** Camera ids the question names (by room, camera or zone). */
  cameras: z.array(z.string()),
  rooms: z.array(z.string()),
  /** The span asked about, in the household timezone; null when the question has no time. */
  interval: z.strictObject({ start: isoWithOffset, end: isoWithOffset }).nullable(),
  /** Side-effect tools the request asks for (and only those may run). */
  side_effects: z.array(z.enum(['remember', 'publish_to_hub'])),
  refuse: z.strictObject({ category: z.enum(REFUSAL_CATEGORIES), reason: z.string().min(1) }).nullable(),
  watch: watchSchema.nullable(),
});
export type NaturalGold = z.infer<typeof goldFactsSchema>;

/** The tag vocabulary (DATASHEET.md says what each means); per-category scores group by these. */
export const NATURAL_TAGS = [
  // what is asked
  'who',
  'where',
  'when',
  'what-did',
  'events',
  'yes-no',
  'count',
  'distinct',
  'duration',
  'aggregate',
  'last-seen',
  'live',
  'evidence',
  'activity',
  'arrival-departure',
  'memory-write',
  'naming',
  'habit',
  'memory-recall',
  'publish',
  'standing-order',
  // refusals
  'refuse',
  'actuation',
  'exfiltration',
  'other-household',
  'injection',
  'not-allowed',
  // how it is written
  'typo',
  'typo-room',
  'fragment',
  'texting',
  'voice',
  'politeness',
  'mixed-language',
  'dialect',
  // people and places
  'name',
  'alias',
  'kinship',
  'role-word',
  'asker',
  'group',
  'two-people',
  'unknown-person',
  'visitor',
  'multiword-room',
  'partial-room',
  'camera-id-differs',
  'zone',
  'person-and-place',
  // time
  'today',
  'yesterday',
  'part-of-day',
  'night',
  'tonight-late',
  'clock-12h',
  'clock-24h',
  'clock-minutes',
  'clock-words',
  'around',
  'at',
  'range',
  'across-midnight',
  'weekday',
  'date',
  'this-week',
  'last-week',
  'weekend',
  'last-n',
  'open-range',
  'routine',
  'dst',
  // conversation
  'follow-up',
  'pronoun',
  'ellipsis',
  'relative-to-turn',
] as const;
export type NaturalTag = (typeof NATURAL_TAGS)[number];

const turnSchema = z.strictObject({ question: z.string().min(1), answer: z.string().min(1), plan: taskPlanSchema.optional() });

/** One line of questions.jsonl: a Q2A sample (instruction = the question as typed) plus gold facts. */
export const naturalItemSchema = z.strictObject({
  id: z.string().min(1),
  household: z.string().min(1),
  split: z.literal('test'),
  type: z.enum(['single', 'chain', 'dag']),
  n_tools: z.number().int().min(1),
  instruction: z.string().min(1).max(280),
  task_steps: z.array(z.string()),
  task_nodes: taskPlanSchema.shape.task_nodes,
  task_links: z.array(z.strictObject({ source: z.string(), target: z.string() })),
  context: z.strictObject({
    now: isoWithOffset,
    timezone: z.string().min(1),
    conversation_id: z.string().min(1).optional(),
    history: z.array(turnSchema).min(1).optional(),
  }),
  gold: goldFactsSchema,
  tags: z.array(z.enum(NATURAL_TAGS)).min(1),
  note: z.string().min(1),
});
export type NaturalItem = z.infer<typeof naturalItemSchema>;

export interface NaturalSet {
  households: Map<string, NaturalHousehold>;
  items: NaturalItem[];
  /** sha256 (hex) of the two files as read. */
  sha256: { questions: string; households: string };
}

function setError(message: string, context: Record<string, unknown> = {}): HomeSightError {
  return new HomeSightError('E_BENCH_DATASET', message, {
    context,
    hint: 'the natural set is hand-written: fix the line by hand and update SHA256SUMS (see bench/data/natural/DATASHEET.md)',
  });
}

function describe(e: z.ZodError): string {
  const i = e.issues[0];
  return `${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads and checks the shape of both files (plans are checked against the catalog by the test). */
export function loadNaturalSet(dir: string = NATURAL_SET_DIR): NaturalSet {
  const hhText = readFileSync(join(dir, HOUSEHOLDS_FILE), 'utf8');
  const qText = readFileSync(join(dir, QUESTIONS_FILE), 'utf8');
  let hhRaw: unknown;
  try {
    hhRaw = JSON.parse(hhText);
  } catch (err) {
    throw setError(`${HOUSEHOLDS_FILE}: not valid JSON (${(err as Error).message})`);
  }
  const hh = householdsFileSchema.safeParse(hhRaw);
  if (!hh.success) throw setError(`${HOUSEHOLDS_FILE}: ${describe(hh.error)}`);
  const households = new Map(hh.data.households.map((h) => [h.id, h]));
  const items: NaturalItem[] = [];
  qText.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      throw setError(`${QUESTIONS_FILE}:${i + 1}: not valid JSON (${(err as Error).message})`, { line: i + 1 });
    }
    const r = naturalItemSchema.safeParse(raw);
    if (!r.success) throw setError(`${QUESTIONS_FILE}:${i + 1}: ${describe(r.error)}`, { line: i + 1 });
    if (!households.has(r.data.household))
      throw setError(`${QUESTIONS_FILE}:${i + 1}: unknown household "${r.data.household}"`, { line: i + 1 });
    items.push(r.data);
  });
  return { households, items, sha256: { questions: sha256Hex(qText), households: sha256Hex(hhText) } };
}

/** The gold plan of an item in the agent's TaskPlan form. */
export function goldPlan(item: NaturalItem): TaskPlan {
  return taskPlanSchema.parse({ task_steps: item.task_steps, task_nodes: item.task_nodes, task_links: item.task_links });
}

/** What validatePlan needs to know about the household (people, cameras, rooms, allow-list, hub topics). */
export function catalogContext(h: NaturalHousehold): ValidateOptions {
  return {
    people: h.people.map((p) => p.name),
    cameras: h.cameras.map((c) => c.id),
    rooms: [...h.rooms],
    allowTools: [...h.allow_tools],
    hubTopics: [...h.hub_topics],
  };
}

/** The household as daemon config (household, cameras and agent sections); groups, routines and asker have no config key yet. */
export function householdConfig(h: NaturalHousehold): ConfigInput {
  return {
    household: {
      id: h.id,
      name: h.name,
      timezone: h.timezone,
      people: h.people.map((p) => ({ name: p.name, aliases: [...p.aliases], relation: p.relation })),
      rooms: [...h.rooms],
    },
    cameras: Object.fromEntries(h.cameras.map((c) => [c.id, { room: c.room, source: c.source, zones: c.zones }])) as ConfigInput['cameras'],
    agent: { allow_tools: [...h.allow_tools], hub_topics: [...h.hub_topics] },
  };
}
