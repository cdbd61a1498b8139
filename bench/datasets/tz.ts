import { formatIsoInZone, zonedToUtc } from '../../daemon/system/index.js';

/**
 * Calendar helpers for the datasets. The zone arithmetic (local fields,
 * offsets, local→UTC with DST) is daemon/system's zonedParts/zonedToUtc; every
 * timestamp the datasets write is ISO 8601 with the household's offset
 * ("2025-03-14T19:00:00+01:00").
 */

export interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

/** The datasets' timestamp format: seconds precision, always a numeric offset (2025-01-20T09:00:00+00:00). */
export function formatIso(utcMs: number, timeZone: string): string {
  return formatIsoInZone(utcMs, timeZone, { ms: false, zulu: false });
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
  return zonedToUtc({ ...day, hour: Math.floor(m / 60), minute: m % 60 }, timeZone);
}

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
