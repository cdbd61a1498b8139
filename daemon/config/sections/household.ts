import { z } from 'zod';
import { isValidTimezone } from '../../system/index.js';

export const personSchema = z.strictObject({
  name: z.string().min(1).describe('display name, e.g. "Alice"'),
  aliases: z.array(z.string().min(1)).default([]).describe('nicknames and relations used in questions: "mum", "my daughter"'),
  relation: z.string().optional().describe('relation to the owner, e.g. "daughter"'),
  faces: z
    .array(z.string().min(1))
    .default([])
    .describe(
      "photos of this person's face (relative to paths.media_dir), " +
        'enrolled into the identity gallery at start; each photo once, by content',
    ),
});

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a wall-clock time HH:MM');

export const routineSchema = z.strictObject({
  name: z.string().min(1).describe('what the household calls it, e.g. "dinner"'),
  aliases: z.array(z.string().min(1)).default([]).describe('other words for it: "tea", "supper"'),
  start: clock.describe('local start time HH:MM'),
  end: clock.describe('local end time HH:MM; earlier than start means the next day'),
  days: z
    .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
    .min(1)
    .default(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])
    .describe('days it happens (one entry per routine and time: weekday and weekend dinners are two entries)'),
  people: z
    .array(z.string().min(1))
    .optional()
    .describe('whose routine it is (names from household.people); the whole household when left out'),
});

export const householdSchema = z
  .strictObject({
    id: z.string().min(1).default('home').describe('household id (one device serves one household)'),
    name: z.string().default('Home').describe('display name of the household'),
    timezone: z
      .string()
      .default('UTC')
      .refine(isValidTimezone, { message: 'unknown IANA timezone (e.g. "Europe/Berlin", "America/New_York")' })
      .describe('IANA timezone for phrases like "yesterday evening"'),
    people: z.array(personSchema).default([]),
    rooms: z.array(z.string().min(1)).default([]).describe('room names; cameras refer to them'),
    routines: z
      .array(routineSchema)
      .default([])
      .describe(
        'meals, naps, bedtimes and the like: questions such as "after dinner" or "during the nap" resolve ' +
          'against them, and the answer says so',
      ),
  })
  .prefault({});
