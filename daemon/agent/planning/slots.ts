import { ACTIVITIES } from './activity-words.js';
import type { PlanRequest } from '../catalog/index.js';
import { detectMentions } from '../../grounding/index.js';
import { groundingContextFor } from './model-planner.js';
import { factToKeep, hubMessageOf } from './free-text.js';
import { statesFactToKeep } from './question-shape.js';
import { resolveTimePhrase } from './time.js';

/**
 * Slots of a question: the parts a plan's arguments are filled from (time
 * phrase, people, cameras, rooms, activity, a fact to remember). Used by the
 * retrieval planner to re-fill a past plan and to match questions by shape
 * rather than by names.
 */
export interface Slots {
  time: string | null;
  people: string[];
  cameras: string[];
  rooms: string[];
  /** Cameras of the rooms and zones named, for tools that take a camera but no room. */
  roomCameras: string[];
  activity: string | null;
  /** "remember that X" → X. */
  fact: string | null;
  /** "tell the hub that X" → X. */
  message: string | null;
  /** The question with slots replaced by placeholders, lower-case. */
  masked: string;
}

const TIME_PATTERNS: RegExp[] = [
  new RegExp(
    String.raw`\b(?:(?:yesterday|today|on (?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|tues|wednes|thurs|fri|` +
      String.raw`satur|sun)day) )?(?:between|from) \d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)? (?:and|to|till|until|` +
      String.raw`-) \d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?(?: (?:yesterday|today))?`,
  ),
  new RegExp(
    String.raw`\b(?:in |during |over |within )?(?:the )?(?:last|past|previous) (?:\d+ |a |an |one |two |three |` +
      String.raw`few |couple of |couple )?(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\b`,
  ),
  /\b\d+ (?:minutes?|hours?|days?) ago\b/,
  /\b(?:an|a|one|two|three) (?:minutes?|hours?) ago\b/,
  /\bsince (?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?|this morning|yesterday|the morning|noon)/,
  /\b(?:at|around) \d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)\b/,
  /\b(?:yesterday|this|today|(?:mon|tues|wednes|thurs|fri|satur|sun)day) (?:early |late )?(?:morning|afternoon|evening|night)\b/,
  /\blast night\b|\btonight\b/,
  /\b(?:the day before yesterday|yesterday|today|this week|last week|right now|now|recently)\b/,
  /\b(?:on |last )?(?:mon|tues|wednes|thurs|fri|satur|sun)day\b/,
  /\b\d{4}-\d{2}-\d{2}\b/,
  /\b(?:and )?(?:after that|before that|afterwards)\b/,
];

/** The longest span of at most 8 words that resolves as a time phrase (with the household's routines), or null. */
function longestTimeSpan(masked: string, nowMs: number, req: Pick<PlanRequest, 'household' | 'timezone'>): string | null {
  const words = masked.trim().split(' ');
  const opts = req.household.routines === undefined ? {} : { routines: req.household.routines };
  for (let len = Math.min(8, words.length); len >= 1; len--) {
    for (let i = 0; i + len <= words.length; i++) {
      const span = words.slice(i, i + len).join(' ');
      if (span.includes('<') || !/[\p{L}\d]/u.test(span)) continue;
      try {
        resolveTimePhrase(span, nowMs, req.timezone, opts);
        return span;
      } catch {
        // not a time
      }
    }
  }
  return null;
}

export function extractSlots(question: string, req: Pick<PlanRequest, 'household' | 'now' | 'timezone'>): Slots {
  const q = question.toLowerCase();
  let masked = ` ${q.replace(/[?!,;]/g, ' ').replace(/\s+/g, ' ')} `;
  let time: string | null = null;
  const nowMs = Date.parse(req.now);
  for (const re of TIME_PATTERNS) {
    const m = re.exec(masked);
    if (m === null) continue;
    const phrase = m[0].trim();
    try {
      resolveTimePhrase(
        phrase,
        Number.isFinite(nowMs) ? nowMs : Date.now(),
        req.timezone,
        req.household.routines === undefined ? {} : { routines: req.household.routines },
      );
      time = phrase;
      masked = masked.replace(m[0], ' <time> ');
      break;
    } catch {
      // "after that" without a previous range resolves later with the conversation; keep it
      if (/after that|before that|afterwards/.test(phrase)) {
        time = phrase;
        masked = masked.replace(m[0], ' <time> ');
        break;
      }
    }
  }
  if (time === null) {
    // Forms the patterns above do not list ("at 23:15", "18:30-19:00", "around five", "after dinner"
    // from the household's routines): the longest run of words the time resolver reads.
    const found = longestTimeSpan(masked, Number.isFinite(nowMs) ? nowMs : Date.now(), req);
    if (found !== null) {
      time = found;
      masked = masked.replace(` ${found} `, ' <time> ');
    }
  }
  // People and places as grounding reads them (names, nicknames, kinship words, camera and room words,
  // misspellings), the same mentions every planner is grounded on.
  const people: string[] = [];
  const cameras: string[] = [];
  const rooms: string[] = [];
  const roomCameras: string[] = [];
  const ctx = groundingContextFor(req);
  // the time slot is read below; resolving the time mentions too would double the cost of every candidate
  delete ctx.resolveTime;
  const { mentions } = detectMentions(question, ctx);
  const mask = (surface: string, slot: string): void => {
    const at = masked.indexOf(surface.toLowerCase());
    if (at >= 0) masked = `${masked.slice(0, at)}${slot}${masked.slice(at + surface.length)}`;
  };
  for (const m of mentions) {
    const r = m.resolved;
    if (r?.kind === 'person' && r.people.length === 1) {
      if (!people.includes(r.people[0]!)) people.push(r.people[0]!);
      mask(m.surface, '<person>');
    } else if (r?.kind === 'camera') {
      if (!cameras.includes(r.camera)) cameras.push(r.camera);
      mask(m.surface, '<camera>');
    } else if (r?.kind === 'room') {
      if (req.household.rooms.includes(r.room) && !rooms.includes(r.room)) rooms.push(r.room);
      roomCameras.push(...r.cameras.filter((c) => !roomCameras.includes(c)));
      mask(m.surface, '<room>');
    } else if (r?.kind === 'zone') {
      roomCameras.push(...r.cameras.filter((c) => !roomCameras.includes(c)));
      mask(m.surface, '<camera>');
    }
  }
  // Capitalised words that look like names of people the household did not list.
  if (people.length === 0) {
    const m = /\b(?:is|was|did|has|saw|seen|see|where|when|about)\s+([A-Z][a-z]{1,20})\b/.exec(question);
    const skip = new Set([
      'I',
      'The',
      'A',
      'An',
      'Anyone',
      'Someone',
      'Somebody',
      'Anybody',
      'Nobody',
      'Everyone',
      'There',
      'It',
      'This',
      'That',
      'My',
      'Our',
    ]);
    if (m !== null && !skip.has(m[1]!) && !req.household.cameras.some((c) => c.toLowerCase() === m[1]!.toLowerCase())) {
      people.push(m[1]!);
      masked = masked.replace(m[1]!.toLowerCase(), '<person>');
    }
  }
  let activity: string | null = null;
  for (const [re, a] of ACTIVITIES) {
    if (re.test(masked)) {
      activity = a;
      masked = masked.replace(re, '<activity>');
      break;
    }
  }
  const factM = /\bremember (?:that )?(.+)$/i.exec(question.trim());
  // "remember that …", or a naming or habit statement, kept as it is said ("the cat is called Mimi")
  const fact =
    (factM !== null && !/^(about|what|when|who|where|if)\b/i.test(factM[1]!)) || statesFactToKeep(question) ? factToKeep(question) : null;
  const message = hubMessageOf(question);
  return { time, people, cameras, rooms, roomCameras, activity, fact, message, masked: masked.trim().replace(/\s+/g, ' ') };
}

const STOP = new Set(
  (
    'a an and are as at be by did do does for from had has have i in is it its me my of on or our so ' +
    'that the their them they this to was were will with you your'
  ).split(' '),
);

/** Content words (and placeholders) of a masked question. */
export function shapeWords(masked: string): string[] {
  return (masked.match(/<[a-z]+>|[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOP.has(w));
}

/** Similarity of two questions by shape: cosine of word + bigram bags over masked text, 0..1. */
export function shapeSimilarity(a: string[], b: string[]): number {
  const bag = (ws: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    ws.forEach((w, i) => {
      m.set(w, (m.get(w) ?? 0) + 1);
      if (i > 0) m.set(`${ws[i - 1]} ${w}`, (m.get(`${ws[i - 1]} ${w}`) ?? 0) + 0.5);
    });
    return m;
  };
  const x = bag(a);
  const y = bag(b);
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (const [k, v] of x) {
    nx += v * v;
    dot += v * (y.get(k) ?? 0);
  }
  for (const v of y.values()) ny += v * v;
  return nx === 0 || ny === 0 ? 0 : dot / Math.sqrt(nx * ny);
}
