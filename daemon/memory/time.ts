import { HomeSightError, zonedToUtc } from '../system/index.js';

/**
 * Household-time helpers. Everything in the store is UTC milliseconds; these
 * turn local calendar phrases ("yesterday", "this evening") into UTC ranges
 * with the zone arithmetic of daemon/system (zonedToUtc), so they stay right
 * on DST change days (a local day can be 23 or 25 hours long, and in some
 * zones local midnight does not exist). An unknown zone throws E_TIMEZONE.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses 'YYYY-MM-DD' (a calendar date, no zone). */
export function parseDay(day: string): { year: number; month: number; day: number } {
  const m = DAY_RE.exec(day);
  const year = Number(m?.[1]);
  const month = Number(m?.[2]);
  const d = Number(m?.[3]);
  const check = new Date(Date.UTC(year, month - 1, d));
  if (m === null || check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== d) {
    throw new HomeSightError('E_MEMORY_DAY', `not a calendar day: "${day}"`, {
      context: { day },
      hint: 'write days as YYYY-MM-DD, e.g. 2026-03-29',
    });
  }
  return { year, month, day: d };
}

/** 'YYYY-MM-DD' shifted by n calendar days. */
export function addDays(day: string, n: number): string {
  const p = parseDay(day);
  return new Date(Date.UTC(p.year, p.month - 1, p.day + n)).toISOString().slice(0, 10);
}

/**
 * [startMs, endMs) of a local calendar day in UTC milliseconds. On DST change
 * days the range is 23 or 25 hours long (2026-03-29 in Europe/Berlin: 23 h).
 */
export function localDayRange(day: string, timezone: string): [number, number] {
  const p = parseDay(day);
  const next = parseDay(addDays(day, 1));
  const start = zonedToUtc({ ...p, hour: 0, minute: 0, second: 0 }, timezone);
  const end = zonedToUtc({ ...next, hour: 0, minute: 0, second: 0 }, timezone);
  return [start, end];
}

/**
 * [startMs, endMs) between two local times of a day, e.g. ('2026-03-28',
 * '19:00', '21:00') for "yesterday evening". An end at or before the start
 * runs into the next day ('22:00'–'06:00' = the night).
 */
export function localTimeRange(day: string, from: string, to: string, timezone: string): [number, number] {
  const p = parseDay(day);
  const hm = (s: string): { hour: number; minute: number } => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(s);
    const hour = Number(m?.[1]);
    const minute = Number(m?.[2]);
    if (m === null || hour > 24 || minute > 59 || (hour === 24 && minute !== 0)) {
      throw new HomeSightError('E_MEMORY_TIME', `not a time of day: "${s}"`, { context: { time: s }, hint: 'write times as HH:MM (24 h)' });
    }
    return { hour, minute };
  };
  const a = hm(from);
  const b = hm(to);
  const start = zonedToUtc({ ...p, ...a, second: 0 }, timezone);
  const endDay = b.hour * 60 + b.minute <= a.hour * 60 + a.minute || b.hour === 24 ? parseDay(addDays(day, 1)) : p;
  const end = zonedToUtc({ ...endDay, hour: b.hour === 24 ? 0 : b.hour, minute: b.minute, second: 0 }, timezone);
  return [start, end];
}

export const TIME = { HOUR, DAY } as const;
