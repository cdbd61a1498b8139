import { z } from 'zod';

/**
 * What a standing watch is: the single source for the watch/* MQTT requests (mqtt/api.ts), the MCP watch_*
 * tools, the CLI, the SQLite row and the parser's output; here in contracts because both mqtt and watches use
 * it. A watch fires when a person event (daemon/vision emits one per track, updated as identity, activity and
 * zones change) matches its trigger inside its validity window; daemon/watches evaluates them.
 */

const name = z.string().trim().min(1).max(64);

/** Who the trigger is about: anyone, a person the household does not know, or one enrolled person. */
export const watchWhoSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('anyone') }),
    z.strictObject({ kind: z.literal('unknown') }),
    z.strictObject({ kind: z.literal('person'), name: name.describe("the person's canonical name") }),
  ])
  .describe('who: anyone, an unknown person, or one enrolled person');

export const watchTriggerSchema = z
  .strictObject({
    who: watchWhoSchema.default({ kind: 'anyone' }),
    cameras: z.array(name).max(32).default([]).describe('cameras it looks at; empty = every camera'),
    zones: z.array(name).max(32).default([]).describe('zones the person must be in; empty = anywhere on those cameras'),
    activity: name
      .nullable()
      .default(null)
      .describe('activity as the activity expert reports it (lying_down, sitting, standing, walking, cooking, …); null = any'),
    fall: z
      .boolean()
      .default(false)
      .describe(
        'only a possible fall: lying down outside zones named bed, sofa or couch (the rule recaps count falls by); ' +
          'activity is lying_down',
      ),
    on: z
      .enum(['start', 'end'])
      .default('start')
      .describe('start: fire when the condition begins (and has held min_duration_s); end: fire when a held activity stops ("gets up")'),
    min_duration_s: z.number().int().min(0).max(86_400).default(0).describe('the condition must hold this long first'),
    count: z.number().int().min(1).max(100).default(1).describe('fire on the n-th occurrence (distinct tracks) inside the window'),
  })
  .refine((t) => !t.fall || t.activity === 'lying_down', { message: 'a fall watch has activity lying_down', path: ['activity'] })
  .describe('what on the event stream fires the watch');

export const watchActionSchema = z
  .strictObject({
    mqtt: z.boolean().default(true).describe('publish watch/triggered (QoS 1)'),
    snapshot: z.boolean().default(true).describe("attach the event's snapshot (base64 JPEG) to the notification"),
    ha_event: z.boolean().default(true).describe("fire the watch's Home Assistant event entity"),
  })
  .describe('what happens when it fires');

export const watchSpecSchema = z
  .strictObject({
    trigger: watchTriggerSchema,
    /** Epoch ms. */
    starts_at: z.number().int().nonnegative().optional().describe('epoch ms it becomes active; default now'),
    expires_at: z.number().int().positive().optional().describe('epoch ms it ends; default 24 h after it starts'),
    action: watchActionSchema.default({ mqtt: true, snapshot: true, ha_event: true }),
    cooldown_s: z.number().int().min(0).max(86_400).default(300).describe('after firing, stay quiet this long'),
    once: z.boolean().default(false).describe('done after the first firing ("tell me when …")'),
    label: z.string().trim().min(1).max(200).optional().describe('what it watches for, in words (derived when absent)'),
  })
  .describe('a standing watch');

/** What a caller writes (defaults may be left out). */
export type WatchSpecInput = z.input<typeof watchSpecSchema>;
/** A parsed spec: every default filled in. */
export type WatchSpec = z.output<typeof watchSpecSchema>;
export type WatchTrigger = WatchSpec['trigger'];
export type WatchWho = WatchTrigger['who'];

export const WATCH_STATUSES = ['active', 'done', 'expired', 'cancelled'] as const;
export type WatchStatus = (typeof WATCH_STATUSES)[number];

export const watchIdSchema = z
  .string()
  .regex(/^w_[a-z0-9]{6,32}$/)
  .describe('watch id (w_…)');

/** A stored watch, as list/create return it. */
export const watchSchema = z.object({
  id: watchIdSchema,
  spec: watchSpecSchema,
  /** The description in words ("Opa gets up from lying down in the living room"). */
  description: z.string(),
  /** The request it came from, when it came from words. */
  question: z.string().nullable(),
  status: z.enum(WATCH_STATUSES),
  created_at: z.number().int(),
  starts_at: z.number().int(),
  expires_at: z.number().int(),
  fired: z.number().int().min(0),
  last_fired_at: z.number().int().nullable(),
});
export type Watch = z.output<typeof watchSchema>;

/** What a notification carries (watch/triggered and the HA event's attributes). */
export const watchNotificationSchema = z.object({
  id: z.string().describe('notification id (for dedupe)'),
  watch_id: watchIdSchema,
  description: z.string(),
  at: z.number().int().describe('epoch ms it fired'),
  ts: z.string().describe('ISO time it fired'),
  camera: z.string(),
  event_id: z.string(),
  identity: z.string().nullable(),
  activity: z.string().nullable(),
  zones: z.array(z.string()),
  snapshot: z.string().nullable().describe('base64 JPEG of the event, when the action asks for it and one exists'),
  fired: z.number().int().min(1).describe('how many times this watch has fired'),
});
export type WatchNotification = z.output<typeof watchNotificationSchema>;
