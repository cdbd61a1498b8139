import { PARTS_OF_DAY, parseNumberWord } from '../grounding/index.js';
import { zonedParts, zonedToUtc } from '../system/index.js';

/**
 * The validity window a standing order names, looking forward from now: "tonight", "today", "this evening",
 * "until 8", "until tomorrow morning", "for the next 2 hours". The agent's resolveTimePhrase reads time phrases
 * about the past (it ends intervals at now and refuses spans that have not begun), so a window that lies ahead
 * is read here, with the same part-of-day bounds (evening 17–22, night until 06:00).
 */
export interface WatchWindow {
  startsAt: number;
  expiresAt: number;
  /** The words it came from (null: the default window). */
  phrase: string | null;
}

const HOUR = 3_600_000;
/** The window the text names, or null when it names none (the caller applies the default). */
export function resolveWindow(text: string, nowMs: number, tz: string): WatchWindow | null {
  const q = text.toLowerCase();
  const now = zonedParts(nowMs, tz);
  const at = (dayOffset: number, hour: number, minute = 0): number =>
    zonedToUtc({ year: now.year, month: now.month, day: now.day + dayOffset, hour, minute }, tz);
  const span = (start: number, end: number, phrase: string): WatchWindow => ({ startsAt: Math.max(start, nowMs), expiresAt: end, phrase });

  let m =
    /\b(?:for|during|in) the next (\d+|an?|one|two|three|four|five|six|ten|twelve|twenty-four) (minutes?|mins?|hours?|hrs?|days?)\b/.exec(
      q,
    );
  if (m !== null) {
    const n = parseNumberWord(m[1]!);
    const unit = m[2]!.startsWith('d') ? 24 * HOUR : m[2]!.startsWith('h') ? HOUR : 60_000;
    return span(nowMs, nowMs + n * unit, m[0]);
  }
  m = /\buntil (?:(tomorrow) )?(?:at )?(\d{1,2})(?::(\d{2}))? ?(am|pm)?(?: (tomorrow))?\b/.exec(q);
  if (m !== null && !/\buntil (?:tomorrow )?(?:morning|evening|night)\b/.test(q)) {
    let h = Number(m[2]);
    const min = Number(m[3] ?? 0);
    if (m[4] === 'pm' && h < 12) h += 12;
    if (m[4] === 'am' && h === 12) h = 0;
    if (h > 23 || min > 59) return null;
    let end = at(m[1] !== undefined || m[5] !== undefined ? 1 : 0, h, min);
    // "until 8" said at 21:00 means 08:00 tomorrow (or 20:00 when no am/pm and that is still ahead).
    if (end <= nowMs && m[4] === undefined && h < 12 && at(0, h + 12, min) > nowMs) end = at(0, h + 12, min);
    while (end <= nowMs) end += 24 * HOUR;
    return span(nowMs, end, m[0]);
  }
  m = /\buntil (tomorrow)(?: (morning|evening|night))?\b/.exec(q);
  if (m !== null) return span(nowMs, at(1, m[2] === 'evening' || m[2] === 'night' ? 22 : 8), m[0]);
  m = /\buntil (?:this )?(morning|evening|tonight)\b/.exec(q);
  if (m !== null) {
    const end = m[1] === 'morning' ? (now.hour < 8 ? at(0, 8) : at(1, 8)) : at(0, 17);
    return end > nowMs ? span(nowMs, end, m[0]) : null;
  }
  if (/\b(?:tonight|over ?night|this night|during the night)\b/.test(q)) {
    // Asked after midnight, "tonight" is the night that began yesterday evening.
    const night = now.hour < 6 ? -1 : 0;
    return span(at(night, 17), at(night + 1, 6), q.match(/\b(?:tonight|over ?night|this night|during the night)\b/)![0]);
  }
  m = /\b(?:this|today in the) (morning|afternoon|evening)\b/.exec(q);
  if (m !== null) {
    const [s, e] = PARTS_OF_DAY[m[1]!]!;
    return at(0, e) > nowMs ? span(at(0, s), at(0, e), m[0]) : null;
  }
  if (/\b(?:today|for the rest of the day|rest of today)\b/.test(q)) return span(nowMs, at(1, 0), 'today');
  m = /\btomorrow(?: (morning|afternoon|evening))?\b/.exec(q);
  if (m !== null) {
    const [s, e] = m[1] === undefined ? [0, 24] : PARTS_OF_DAY[m[1]]!;
    return span(at(1, s), at(1, e), m[0]);
  }
  if (/\bthis week\b/.test(q)) return span(nowMs, nowMs + 7 * 24 * HOUR, 'this week');
  return null;
}
