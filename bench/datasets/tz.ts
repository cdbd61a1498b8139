/**
 * Wall-clock arithmetic in IANA time zones without a date library: offsets come
 * from Intl (the ICU data bundled with Node), local→UTC conversion is a fixed
 * point over the offset, and every timestamp the datasets write is ISO 8601
 * with the household's offset ("2025-03-14T19:00:00+01:00").
 */

export interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The local wall-clock fields of a UTC instant in a zone (weekday 0 = Sunday). */
export function localParts(utcMs: number, timeZone: string): LocalDateTime & { second: number; weekday: number } {
  const parts = formatter(timeZone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: WEEKDAYS.indexOf(get('weekday')),
  };
}

/** Offset of the zone from UTC at that instant, in minutes (Berlin in winter: +60). */
export function offsetMinutes(utcMs: number, timeZone: string): number {
  const p = localParts(utcMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/**
 * The UTC instant of a local wall-clock time. A time skipped by a DST jump
 * resolves forward (02:30 on a spring-forward night → 03:30); a repeated one
 * resolves to its first occurrence.
 */
export function localToUtc(t: LocalDateTime, timeZone: string): number {
  const naive = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  let guess = naive - offsetMinutes(naive, timeZone) * 60_000;
  for (let i = 0; i < 3; i++) {
    const next = naive - offsetMinutes(guess, timeZone) * 60_000;
    if (next === guess) break;
    guess = next;
  }
  // first occurrence of an ambiguous (repeated) time
  const earlier = naive - offsetMinutes(guess - 3_600_000, timeZone) * 60_000;
  if (earlier < guess) {
    const p = localParts(earlier, timeZone);
    if (p.hour === t.hour && p.minute === t.minute && p.day === t.day) guess = earlier;
  }
  return guess;
}

const pad = (n: number, w = 2): string => String(Math.abs(n)).padStart(w, '0');

/** ISO 8601 with the zone's offset, seconds precision: 2025-03-14T19:00:00+01:00. */
export function formatIso(utcMs: number, timeZone: string): string {
  const p = localParts(utcMs, timeZone);
  const off = offsetMinutes(utcMs, timeZone);
  const sign = off < 0 ? '-' : '+';
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** Calendar arithmetic on a local date (no zone involved). */
export function addDays(d: LocalDate, days: number): LocalDate {
  const ms = Date.UTC(d.year, d.month - 1, d.day) + days * 86_400_000;
  const x = new Date(ms);
  return { year: x.getUTCFullYear(), month: x.getUTCMonth() + 1, day: x.getUTCDate() };
}

/** Weekday of a local date, 0 = Sunday. */
export function weekdayOf(d: LocalDate): number {
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

/** "HH:MM" → minutes after midnight. */
export function parseHm(hm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hm);
  if (m === null) throw new RangeError(`not a HH:MM time: "${hm}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Local date + minutes after its midnight (may exceed 24 h) → UTC instant. */
export function atMinutes(d: LocalDate, minutes: number, timeZone: string): number {
  const day = addDays(d, Math.floor(minutes / 1440));
  const m = ((minutes % 1440) + 1440) % 1440;
  return localToUtc({ ...day, hour: Math.floor(m / 60), minute: m % 60 }, timeZone);
}

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
