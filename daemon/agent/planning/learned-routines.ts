import { parseNumberWord } from '../../grounding/index.js';
import { zonedDay } from '../../system/index.js';
import type { Routine } from './time.js';

/**
 * Routines the household told the agent rather than wrote in the config: habit statements kept in long-term
 * memory by `remember` ("we usually have dinner at 7", "Leo naps from 1 to 2:30 on weekdays", "the kids go to
 * bed at 8"). Each becomes a Routine whose origin names the statement's date, so "after dinner" resolves from it
 * and the answer says "dinner is 19:00–19:45 as you told me on 2026-09-01".
 */

/** A fact as long-term memory returns it: the words and when they were stored. */
export interface StoredFact {
  text: string;
  /** Epoch ms the fact was stored. */
  created: number;
}

type Day = Routine['days'][number];
const ALL_DAYS: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * Routine nouns and the verb phrases that say them ("naps" → nap, "goes to bed" → bedtime), with the minutes a
 * routine said with one time lasts (a meal 45 min, a nap 90, going to bed 30).
 */
const ROUTINE_NOUNS: ReadonlyArray<{ name: string; words: string; verbs?: string; minutes: number }> = [
  { name: 'breakfast', words: 'breakfast', minutes: 30 },
  { name: 'brunch', words: 'brunch', minutes: 60 },
  { name: 'lunch', words: 'lunch', minutes: 45 },
  { name: 'dinner', words: 'dinner|supper', minutes: 45 },
  { name: 'tea', words: 'tea', minutes: 45 },
  { name: 'nap', words: 'nap|naptime|nap time', verbs: 'naps|nap|takes (?:a|his|her|their) nap', minutes: 90 },
  { name: 'bedtime', words: 'bedtime|bed time|lights out', verbs: 'goes to bed|go to bed|gets put to bed', minutes: 30 },
  { name: 'school', words: 'school|the school run', verbs: 'goes to school|go to school|is at school|are at school', minutes: 420 },
  { name: 'homework', words: 'homework|homework time', verbs: 'does (?:his|her|their) homework|do (?:their|our) homework', minutes: 60 },
  { name: 'walk', words: 'walk|the walk|the dog walk', verbs: 'walks the dog|walk the dog', minutes: 45 },
];

const H = String.raw`(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.?|p\.m\.?)?`;
const NUM = '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)';

/** "half past 6" → "6:30", "seven" → "7", "noon" → "12pm": one clock grammar reads the rest. */
function clockWords(s: string): string {
  return s
    .replace(new RegExp(`\\bhalf past (\\d{1,2}|${NUM})\\b`, 'g'), (_, h: string) => `${parseNumberWord(h)}:30`)
    .replace(new RegExp(`\\bquarter past (\\d{1,2}|${NUM})\\b`, 'g'), (_, h: string) => `${parseNumberWord(h)}:15`)
    .replace(new RegExp(`\\bquarter to (\\d{1,2}|${NUM})\\b`, 'g'), (_, h: string) => `${(parseNumberWord(h) + 11) % 12 || 12}:45`)
    .replace(
      new RegExp(`\\b(at|around|about|from|between|to|and|until|till|by) (${NUM})\\b`, 'g'),
      (_, w: string, n: string) => `${w} ${parseNumberWord(n)}`,
    )
    .replace(/\b(noon|midday)\b/g, '12pm')
    .replace(/\s*o'?clock\b/g, '');
}

/** A clock time as HH:MM, reading a bare hour in the routine's part of the day (breakfast in the morning, the rest after noon). */
function hhmm(h: string, min: string | undefined, mer: string | undefined, routine: string): string | null {
  let hour = Number(h);
  const minute = Number(min ?? 0);
  if (hour > 23 || minute > 59) return null;
  if (mer !== undefined) hour = (hour % 12) + (mer.startsWith('p') ? 12 : 0);
  else if (hour <= 12 && !(min !== undefined && h.length === 2)) {
    const morning = routine === 'breakfast' || (routine === 'school' && hour >= 7) || (routine === 'lunch' && hour >= 11);
    if (!morning && hour < 12) hour += 12;
  }
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

function plusMinutes(hm: string, minutes: number): string {
  const [h, m] = hm.split(':').map(Number);
  const t = (h! * 60 + m! + minutes) % (24 * 60);
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

/** The routine's other words, so "after supper" finds a dinner the household told about. */
function aliasesOf(r: (typeof ROUTINE_NOUNS)[number]): string[] {
  return r.words.split('|').filter((w) => w !== r.name);
}

function daysOf(s: string): Day[] {
  if (/\b(?:on )?weekdays\b|\bduring the week\b|\bmonday to friday\b/.test(s)) return ['mon', 'tue', 'wed', 'thu', 'fri'];
  if (/\b(?:on |at )?(?:the )?weekends?\b/.test(s)) return ['sat', 'sun'];
  const named = [...s.matchAll(/\b(mon|tues|wednes|thurs|fri|satur|sun)days?\b/g)].map((m) => m[1]!.slice(0, 3) as Day);
  return named.length > 0 ? [...new Set(named)] : [...ALL_DAYS];
}

/** The routine a habit statement gives, or null when it gives none. */
export function routineFromStatement(text: string): Omit<Routine, 'origin'> | null {
  const s = clockWords(
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[.!?,;]+(?=\s|$)/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  // something that happened once is not a routine ("Tom had dinner at 9 yesterday")
  if (/\b(?:yesterday|today|tonight|tomorrow|last|ago|once|this (?:morning|afternoon|evening|week))\b/.test(s)) return null;
  const range = new RegExp(`(?:from|between) ${H} (?:to|until|till|and|-) ${H}|${H}\\s*(?:-|–|to|until|till)\\s*${H}`);
  const single = new RegExp(`(?:at|around|about|by|is|are) ${H}(?![\\d:])`);
  for (const r of ROUTINE_NOUNS) {
    const noun = new RegExp(`\\b(?:${r.words})\\b`);
    const verb = r.verbs === undefined ? null : new RegExp(`\\b(?:${r.verbs})\\b`);
    const nounAt = noun.exec(s);
    const verbAt = verb?.exec(s) ?? null;
    const hit = nounAt ?? verbAt;
    if (hit === null) continue;
    // the times after the routine's words: "dinner is at 7", "Leo naps from 1 to 2:30"
    const after = s.slice(hit.index + hit[0].length);
    const rm = range.exec(after);
    if (rm !== null) {
      const [a, b, c, d, e, f] = rm[1] !== undefined ? rm.slice(1, 7) : rm.slice(7, 13);
      const start = hhmm(a!, b, c ?? f, r.name);
      const end = hhmm(d!, e, f ?? c, r.name);
      if (start === null || end === null) return null;
      return { name: r.name, aliases: aliasesOf(r), start, end, days: daysOf(s) };
    }
    const sm = single.exec(after);
    if (sm !== null) {
      const start = hhmm(sm[1]!, sm[2], sm[3], r.name);
      if (start === null) return null;
      return { name: r.name, aliases: aliasesOf(r), start, end: plusMinutes(start, r.minutes), days: daysOf(s) };
    }
  }
  return null;
}

/**
 * The routines the household's stored facts state, newest statement first for each routine and days, as
 * told on their date. A routine the config already has (by name or alias) is the config's: `known` names it.
 */
export function learnedRoutines(facts: readonly StoredFact[], timezone: string, known: readonly Routine[] = []): Routine[] {
  const taken = new Set(known.flatMap((r) => [r.name, ...r.aliases].map((n) => n.toLowerCase())));
  const out: Routine[] = [];
  const seen = new Set<string>();
  for (const f of [...facts].sort((a, b) => b.created - a.created)) {
    const r = routineFromStatement(f.text);
    if (r === null || taken.has(r.name)) continue;
    // a later statement about other days adds to the routine; about the same days it replaces it
    const key = `${r.name}:${r.days.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...r, origin: `as you told me on ${zonedDay(f.created, timezone)}` });
  }
  return out;
}

/** What a long-term memory search for routine statements asks for: the routines' words, verbs included. */
export const ROUTINE_QUERY = 'breakfast brunch lunch dinner supper tea nap naps naptime bedtime bed lights school homework walk walks';
