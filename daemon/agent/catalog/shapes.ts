import { z } from 'zod';

/** Value shapes that tool inputs and outputs share (times, frames, observations, events…). */

/** ISO-8601 instant with an offset, e.g. 2024-05-04T19:00:00+02:00. */
export const isoTime = z.iso.datetime({ offset: true });

export const timeRangeSchema = z.object({
  start: isoTime,
  end: isoTime,
  timezone: z.string(),
  phrase: z.string(),
  /** Where the range came from when not the words alone ("dinner is 18:30–19:15 per your routine"). */
  source: z.string().optional(),
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
