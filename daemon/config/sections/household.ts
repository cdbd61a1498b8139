import { z } from 'zod';
import { isValidTimezone } from '../../system/index.js';

export const personSchema = z.strictObject({
  name: z.string().min(1).describe('display name, e.g. "Alice"'),
  aliases: z.array(z.string().min(1)).default([]).describe('nicknames and relations used in questions: "mum", "my daughter"'),
  relation: z.string().optional().describe('relation to the owner, e.g. "daughter"'),
  faces: z
    .array(z.string().min(1))
    .default([])
    .describe('photos of this person\'s face (relative to paths.media_dir), enrolled into the identity gallery at start; each photo once, by content'),
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
  })
  .prefault({});
