import { HomeSightError } from './errors.js';

/**
 * Wall-clock time in an IANA timezone, with Intl only (the ICU data bundled
 * with Node; no date library). Everything HomeSight stores is UTC
 * milliseconds; these turn instants into the household's local calendar
 * fields and back, right on DST change days (a local day can be 23 or 25
 * hours long; in some zones local midnight does not exist).
 */

/** Local calendar/clock fields, as zonedToUtc takes them. */
export interface ZonedFields {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31; may overflow like Date.UTC (day 0 = the last day of the month before, day 32 = into the next) */
  day: number;
  /** 0–23; may overflow like Date.UTC (24 = 00:00 of the next day) */
  hour?: number;
  minute?: number;
  second?: number;
}

/** The local wall-clock fields of an instant (zonedParts). */
export interface ZonedParts {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  /** 0–23 */
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const HOUR_MS = 3_600_000;
/** Offsets lie within −12 h … +14 h, so the instant of a wall time lies within ±14 h of it read as UTC. */
const SPAN_MS = 14 * HOUR_MS;

/**
 * One formatter per zone: building an Intl.DateTimeFormat is the slow part.
 * Formatters are immutable, so a process-wide memo is safe to share.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      });
    } catch (err) {
      throw new HomeSightError('E_TIMEZONE', `unknown timezone "${timezone}"`, {
        context: { timezone },
        hint: 'set household.timezone to an IANA name such as "Europe/Berlin" or "America/New_York"',
        cause: err,
      });
    }
    formatters.set(timezone, f);
  }
  return f;
}

/** Whether Intl knows the zone (an IANA name such as "Europe/Berlin", or "UTC"). Never throws. */
export function isValidTimezone(timezone: string): boolean {
  try {
    formatterFor(timezone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The local wall-clock fields of a UTC instant in a zone (seconds truncated).
 * Throws E_TIMEZONE for an unknown zone.
 */
export function zonedParts(utcMs: number, timezone: string): ZonedParts {
  const v: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of formatterFor(timezone).formatToParts(utcMs)) v[p.type] = p.value;
  return {
    year: Number(v.year),
    month: Number(v.month),
    day: Number(v.day),
    // Some ICU versions print midnight as "24" even with h23.
    hour: Number(v.hour) % 24,
    minute: Number(v.minute),
    second: Number(v.second),
    weekday: Math.max(0, WEEKDAYS.indexOf(v.weekday ?? '')),
  };
}

/** The zone's offset from UTC (local − UTC) at an instant, in ms (Berlin in winter: 3 600 000). */
export function zoneOffsetMs(utcMs: number, timezone: string): number {
  const p = zonedParts(utcMs, timezone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(utcMs / 1000) * 1000;
}

/** 'YYYY-MM-DD': the local calendar day an instant falls on. */
export function zonedDay(utcMs: number, timezone: string): string {
  const p = zonedParts(utcMs, timezone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/**
 * The UTC instant at which the zone's wall clock shows the given fields.
 * Fields may overflow like Date.UTC (day 0, hour 24, hour 30 = 06:00 the next day).
 *
 * - A repeated time (clocks go back) resolves to its first occurrence:
 *   Europe/Berlin 2026-10-25 02:30 → 00:30Z (+02:00), not 01:30Z (+01:00).
 * - A skipped time (clocks jump forward) is read with the offset in force
 *   before the jump, i.e. moved forward by the length of the gap (as
 *   Temporal's 'compatible' disambiguation and `new Date(y, m, d, h)` do):
 *   Europe/Berlin 2026-03-29 02:30 → 01:30Z = 03:30 +02:00. A time at the
 *   start of a gap thus lands on the first instant after it (Chile's skipped
 *   midnight 2026-09-06 00:00 → 01:00 -03:00).
 */
export function zonedToUtc(fields: ZonedFields, timezone: string): number {
  const wall = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0);
  const before = zoneOffsetMs(wall - SPAN_MS, timezone);
  const after = zoneOffsetMs(wall + SPAN_MS, timezone);
  const middle = zoneOffsetMs(wall, timezone);
  // No transition near: the one offset is the answer.
  if (before === after && after === middle) return wall - before;
  const candidates = [...new Set([before, middle, after])].map((o) => wall - o);
  const valid = candidates.filter((t) => wall - zoneOffsetMs(t, timezone) === t);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the offset before it is the smaller one, giving the later instant.
  return Math.max(...candidates);
}

export interface IsoInZoneOptions {
  /** Append ".mmm" when the instant has milliseconds (default true); false truncates to the second. */
  ms?: boolean;
  /** Write a zero offset as "Z" (default true) or as "+00:00" (false). */
  zulu?: boolean;
}

/**
 * ISO 8601 with the zone's offset: 2024-05-04T19:00:00+02:00 (2024-05-04T19:00:00.500+02:00
 * with milliseconds; …Z for a zero offset unless `zulu: false`).
 */
export function formatIsoInZone(utcMs: number, timezone: string, options: IsoInZoneOptions = {}): string {
  const p = zonedParts(utcMs, timezone);
  const off = Math.round(zoneOffsetMs(utcMs, timezone) / 60_000);
  const offset =
    off === 0 && options.zulu !== false ? 'Z' : `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  const frac = ((utcMs % 1000) + 1000) % 1000;
  const ms = options.ms !== false && frac !== 0 ? `.${pad(Math.floor(frac), 3)}` : '';
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${ms}${offset}`;
}

function pad(n: number, width = 2): string {
  return String(Math.abs(n)).padStart(width, '0');
}
