/**
 * Value normalisation for the parameter metrics (v-F1). TaskBench compares
 * argument values as exact strings; HomeSight's planners write times and names
 * in many equivalent spellings, so `v_f1` compares canonical forms:
 *
 *  - strings: trimmed, inner whitespace collapsed to one space, lower-cased;
 *  - ISO 8601 date-times ("2024-05-01T19:00", "2024-05-01 19:00:30+02:00",
 *    "…Z") become the UTC minute "YYYY-MM-DDTHH:MMZ" (seconds dropped); a time
 *    without offset is read in the sample's household timezone (UTC if unknown);
 *  - numbers and booleans: their JSON text; null: "null";
 *  - lists and mappings: canonical JSON (keys sorted) of normalised members.
 *
 * `v_f1_exact` keeps TaskBench's exact comparison (`pythonStr`).
 */

import { isValidTimezone, zonedToUtc } from '../../../daemon/system/index.js';

const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(z|[+-]\d{2}(?::?\d{2})?)?$/i;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** "YYYY-MM-DDTHH:MMZ" for an ISO 8601 date-time string, or null when it is not one. */
export function canonicalTime(text: string, timezone?: string): string | null {
  const m = ISO_DATETIME.exec(text.trim());
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => (m[i] === undefined ? 0 : Number(m[i])));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 24 || mi! > 59 || s! > 60) return null;
  const zone = m[7];
  let utc: number;
  if (zone === undefined) {
    // An unknown zone reads the time as UTC, like a missing one.
    utc =
      timezone === undefined || !isValidTimezone(timezone)
        ? Date.UTC(y!, mo! - 1, d!, h!, mi!, s!)
        : zonedToUtc({ year: y!, month: mo!, day: d!, hour: h!, minute: mi!, second: s! }, timezone);
  } else if (zone.toLowerCase() === 'z') {
    utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  } else {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0);
    utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) - sign * offMin * 60_000;
  }
  const t = new Date(Math.floor(utc / 60_000) * 60_000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}Z`;
}

function canonical(v: unknown, timezone: string | undefined): unknown {
  if (typeof v === 'string') return normalizeText(v, timezone);
  if (Array.isArray(v)) return v.map((x) => canonical(x, timezone));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k], timezone);
    return out;
  }
  return v === undefined ? null : v;
}

function normalizeText(s: string, timezone: string | undefined): string {
  return canonicalTime(s, timezone) ?? s.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The canonical string of an argument value (see the module comment). */
export function normalizeValue(v: unknown, timezone?: string): string {
  if (typeof v === 'string') return normalizeText(v, timezone);
  return JSON.stringify(canonical(v, timezone));
}

function pyRepr(v: unknown): string {
  if (typeof v === 'string') return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pythonStr(v);
}

/**
 * Python's `str(value)` for JSON values, as TaskBench's f-string
 * `f"{task}-{name}-{value}"` prints them (True/False/None, repr inside lists
 * and dicts). JSON does not keep Python's int/float distinction: 3.0 prints as "3".
 */
export function pythonStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  return String(v);
}
