import { isValidTimezone, zonedToUtc } from '../../system/index.js';
import { namedArguments, type TaskPlan } from './plan.js';

/*
 * How plans are scored against gold: TaskBench's set F1 and HomeSight's value normalisation. The bench harness
 * (bench/harness/metrics) and the device's adapter evaluation (daemon/learning/adapters) both score with these, so a
 * number on the device means what it means in the leaderboard.
 */

/**
 * TaskBench's "no matching" F1 scores (evaluate.py): no graph matching, each
 * sample's predicted and gold items are compared as SETS, then all samples are
 * pooled (micro average).
 *
 * For each sample s with gold set G_s and predicted set P_s (duplicates
 * collapse), TaskBench flattens the union U_s = G_s ∪ P_s into (gold?, pred?)
 * label pairs and feeds them to sklearn's precision_recall_fscore_support. That
 * is exactly:
 *
 *   TP = Σ_s |G_s ∩ P_s|,  FP = Σ_s |P_s \ G_s|,  FN = Σ_s |G_s \ P_s|
 *   P = TP / (TP + FP),  R = TP / (TP + FN),  F1 = 2PR / (P + R) = 2TP / (2TP + FP + FN)
 *
 * With a vocabulary (node F1: the tool list of tool_desc.json, `labels=1..N`),
 * items outside it are dropped from both sides before counting: a hallucinated
 * tool name is neither a false positive nor a true positive (TaskBench quirk,
 * kept; the plan validity rate is what catches hallucinated tools).
 *
 * Undefined cases: sklearn returns 0 with a warning when a denominator is 0.
 * Here a ratio whose denominator is 0 is `null` ("nothing to measure"), so an
 * empty group does not drag a leaderboard down; `tp/fp/fn` are always given.
 */
export interface PRF {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  tp: number;
  fp: number;
  fn: number;
  /** Number of samples pooled. */
  samples: number;
}

export function setF1(pairs: ReadonlyArray<{ gold: Iterable<string>; pred: Iterable<string> }>, vocabulary?: ReadonlySet<string>): PRF {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { gold, pred } of pairs) {
    const g = new Set(gold);
    const p = new Set(pred);
    for (const x of p) {
      if (vocabulary !== undefined && !vocabulary.has(x)) continue;
      if (g.has(x)) tp++;
      else fp++;
    }
    for (const x of g) {
      if (vocabulary !== undefined && !vocabulary.has(x)) continue;
      if (!p.has(x)) fn++;
    }
  }
  const precision = tp + fp === 0 ? null : tp / (tp + fp);
  const recall = tp + fn === 0 ? null : tp / (tp + fn);
  const f1 = 2 * tp + fp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn);
  return { precision, recall, f1, tp, fp, fn, samples: pairs.length };
}

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

/** Replaces exact "<node-j>" values (deeply) by the name of node j, leaving anything else. */
export function resolveRefs(v: unknown, names: readonly string[]): unknown {
  if (typeof v === 'string') {
    const m = /^<node-(\d+)>$/.exec(v.trim());
    if (m !== null) {
      const name = names[Number(m[1])];
      return name ?? v;
    }
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => resolveRefs(x, names));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = resolveRefs(x, names);
    return out;
  }
  return v;
}

/** The items node F1 and value F1 compare for one plan (TaskBench's temporal mode: arguments by name). */
export function planScoreItems(plan: Pick<TaskPlan, 'task_nodes'>, timezone?: string): { names: string[]; argValues: string[] } {
  const names = plan.task_nodes.map((n) => n.task);
  const argValues: string[] = [];
  for (const node of plan.task_nodes) {
    for (const [name, value] of Object.entries(namedArguments(node))) {
      argValues.push(`${node.task}-${name}-${normalizeValue(resolveRefs(value, names), timezone)}`);
    }
  }
  return { names, argValues };
}
