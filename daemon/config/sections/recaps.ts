import { z } from 'zod';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a wall-clock time HH:MM');

export const recapsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('recaps ("what happened today / while I was away") over MQTT (recap/get) and MCP'),
    evidence_per_person: z.number().int().min(0).max(20).default(3).describe('evidence snapshots per person in a recap'),
    digest: z
      .strictObject({
        enabled: z.boolean().default(true).describe('publish a daily digest (a recap of the last 24 hours) on recap/digest'),
        at: clock.default('21:00').describe('local time (household.timezone) of the daily digest, HH:MM'),
      })
      .prefault({}),
  })
  .prefault({});
