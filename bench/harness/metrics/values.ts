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

export { canonicalTime, normalizeValue } from '../agent.js';

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
