import { z } from 'zod';

export const personSchema = z.strictObject({
  name: z.string().min(1).describe('display name, e.g. "Alice"'),
  aliases: z.array(z.string().min(1)).default([]).describe('nicknames and relations used in questions: "mum", "my daughter"'),
  relation: z.string().optional().describe('relation to the owner, e.g. "daughter"'),
  faces: z
    .array(z.string().min(1))
    .default([])
    .describe('photos of this person\'s face (relative to paths.media_dir), enrolled into the identity gallery at start; each photo once, by content'),
});

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const householdSchema = z
  .strictObject({
    id: z.string().min(1).default('home').describe('household id (one device serves one household)'),
    name: z.string().default('Home'),
    timezone: z
      .string()
      .default('UTC')
      .refine(validTimezone, { message: 'unknown IANA timezone (e.g. "Europe/Berlin", "America/New_York")' })
      .describe('IANA timezone for phrases like "yesterday evening"'),
    people: z.array(personSchema).default([]),
    rooms: z.array(z.string().min(1)).default([]).describe('room names; cameras refer to them'),
  })
  .prefault({});
