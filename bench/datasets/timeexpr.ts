/**
 * Time expressions in questions and the interval each one means in a given
 * household at a given "now". Three kinds:
 *   absolute  "between 7 and 8 pm", "on Monday from 9 to 11", "at 15:30"
 *   relative  "in the last hour", "yesterday", "3 days ago", "since 2 pm"
 *   vague     "this morning", "last night", "this arvo", "after dinner",
 *             "while I was at work" — resolved through the household's routines,
 *             so the same words mean different intervals in different homes.
 * Conventions (also in docs/datasets/q2a.md; where they are not household
 * specific they follow daemon/agent's resolve_time): "at T" = T ± 30 min,
 * "around T" = T ± 45 min; morning = wake-up (or 06:00) – 12:00; afternoon
 * 12:00–18:00; evening 17:00–22:00; last night = yesterday 22:00 – today's
 * wake-up (or 06:00);
 * "after X" = end of X + 2 h (capped at the next meal or bedtime);
 * "before X" = start of X − 2 h. Intervals never reach past "now".
 */
import { zonedParts } from '../../daemon/system/index.js';
import type { Rng } from './prng.js';
import type { Household, Routine } from './households.js';
import { addDays, atMinutes, formatIso, parseHm, weekdayOf, MONTH_NAMES, WEEKDAY_NAMES, type LocalDate } from './tz.js';

export type TimeKind = 'absolute' | 'relative' | 'vague';

export interface TimeExpression {
  kind: TimeKind;
  /** Pattern id, e.g. "vague.after_meal" (for statistics). */
  pattern: string;
  /** The words used in the question. */
  text: string;
  /** Resolved interval, ISO 8601 with the household's offset. */
  start: string;
  end: string;
  startMs: number;
  endMs: number;
}

interface Ctx {
  h: Household;
  nowMs: number;
  today: LocalDate;
  nowMin: number;
  rng: Rng;
}

const HOUR = 60;
/** Routines that end an "after X" window: the next meal or bedtime. */
const MEAL_OR_BED = new Set<Routine['id']>(['breakfast', 'lunch', 'dinner', 'tea_time', 'bedtime']);

/** "7 pm", "7:30 pm", "19:00" in the household's style. */
export function formatClock(minutes: number, h: Household, rng: Rng, withMeridiem = true): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  const hh = Math.floor(m / 60);
  const mm = m % 60;
  if (h.clock24) return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
  const h12 = hh % 12 === 0 ? 12 : hh % 12;
  const mer = hh < 12 ? 'am' : 'pm';
  const base = mm === 0 ? `${h12}` : `${h12}:${String(mm).padStart(2, '0')}`;
  if (!withMeridiem) return base;
  if (hh === 12 && mm === 0 && rng.chance(0.3)) return 'noon';
  return rng.chance(0.25) ? `${base}${mer}` : `${base} ${mer}`;
}

function clockRange(a: number, b: number, h: Household, rng: Rng): [string, string] {
  if (h.clock24) return [formatClock(a, h, rng), formatClock(b, h, rng)];
  const sameHalf = Math.floor(a / 720) === Math.floor(b / 720);
  if (sameHalf && rng.chance(0.6)) return [formatClock(a, h, rng, false), formatClock(b, h, rng)];
  return [formatClock(a, h, rng), formatClock(b, h, rng)];
}

function formatDate(d: LocalDate, h: Household, rng: Rng): string {
  const month = MONTH_NAMES[d.month - 1] as string;
  if (h.locale === 'en-US') return rng.chance(0.5) ? `${month} ${d.day}` : `${month} ${d.day}${ordinal(d.day)}`;
  return rng.chance(0.5) ? `${d.day} ${month}` : `the ${d.day}${ordinal(d.day)} of ${month}`;
}

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

function make(ctx: Ctx, kind: TimeKind, pattern: string, text: string, startMs: number, endMs: number): TimeExpression | null {
  const end = Math.min(endMs, ctx.nowMs);
  if (!(end > startMs)) return null;
  return {
    kind,
    pattern,
    text,
    start: formatIso(startMs, ctx.h.timezone),
    end: formatIso(end, ctx.h.timezone),
    startMs,
    endMs: end,
  };
}

const at = (ctx: Ctx, d: LocalDate, minutes: number): number => atMinutes(d, minutes, ctx.h.timezone);

function routineDays(r: Routine, weekday: number): boolean {
  if (r.days === 'daily') return true;
  if (r.days === 'weekdays') return weekday >= 1 && weekday <= 5;
  if (r.days === 'weekends') return weekday === 0 || weekday === 6;
  return r.days.includes(weekday);
}

function wakeMinutes(h: Household): number {
  const w = h.routines.find((r) => r.id === 'wake');
  return w === undefined ? 6 * HOUR : parseHm(w.start);
}

/** The routine occurrence (today or yesterday) that ended most recently before now. */
function lastOccurrence(
  ctx: Ctx,
  r: Routine,
  window: (s: number, e: number) => [number, number],
): { day: 0 | 1; startMs: number; endMs: number } | null {
  for (const back of [0, 1] as const) {
    const d = addDays(ctx.today, -back);
    if (!routineDays(r, weekdayOf(d))) continue;
    const [s, e] = window(parseHm(r.start), parseHm(r.end));
    const startMs = at(ctx, d, s);
    const endMs = at(ctx, d, e);
    if (endMs <= ctx.nowMs) return { day: back, startMs, endMs };
  }
  return null;
}

/** "at dinner" → "dinner"; the routine's noun for before/after phrasing. */
function routineNoun(phrase: string): string | null {
  const m = /^(?:at|during|around) (.+)$/.exec(phrase);
  return m === null ? null : (m[1] as string);
}

type Pattern = (ctx: Ctx) => TimeExpression | null;

const RELATIVE: Record<string, Pattern> = {
  last_hour: (c) =>
    make(
      c,
      'relative',
      'relative.last_hour',
      c.rng.pick(['in the last hour', 'in the past hour', 'over the last hour', 'within the last hour']),
      c.nowMs - 60 * 60_000,
      c.nowMs,
    ),
  last_minutes: (c) => {
    const n = c.rng.pick([10, 15, 20, 30, 45]);
    return make(
      c,
      'relative',
      'relative.last_minutes',
      c.rng.pick([`in the last ${n} minutes`, `in the past ${n} minutes`, `during the last ${n} minutes`]),
      c.nowMs - n * 60_000,
      c.nowMs,
    );
  },
  last_hours: (c) => {
    const n = c.rng.pick([2, 3, 4, 6]);
    return make(
      c,
      'relative',
      'relative.last_hours',
      c.rng.pick([`in the last ${n} hours`, `in the past ${n} hours`, `over the last ${n} hours`]),
      c.nowMs - n * 3_600_000,
      c.nowMs,
    );
  },
  today: (c) => make(c, 'relative', 'relative.today', c.rng.pick(['today', 'so far today', 'earlier today']), at(c, c.today, 0), c.nowMs),
  yesterday: (c) => make(c, 'relative', 'relative.yesterday', 'yesterday', at(c, addDays(c.today, -1), 0), at(c, c.today, 0)),
  days_ago: (c) => {
    const n = c.rng.int(2, 4);
    const d = addDays(c.today, -n);
    const text = n === 2 && c.rng.chance(0.5) ? 'the day before yesterday' : `${['', '', 'two', 'three', 'four'][n]} days ago`;
    return make(c, 'relative', 'relative.days_ago', text, at(c, d, 0), at(c, addDays(d, 1), 0));
  },
  since: (c) => {
    const hours = Math.floor(c.nowMin / 60) - c.rng.int(1, 4);
    if (hours < 6) return null;
    return make(c, 'relative', 'relative.since', `since ${formatClock(hours * HOUR, c.h, c.rng)}`, at(c, c.today, hours * HOUR), c.nowMs);
  },
};

const ABSOLUTE: Record<string, Pattern> = {
  between_today: (c) => {
    const endH = Math.floor(c.nowMin / 60) - c.rng.int(1, 3);
    const len = c.rng.pick([1, 1, 1, 2]);
    const startH = endH - len;
    if (startH < 6) return null;
    const half = c.rng.chance(0.2) ? 30 : 0;
    const [s, e] = clockRange(startH * HOUR + half, endH * HOUR + half, c.h, c.rng);
    const text = c.rng.pick([`between ${s} and ${e}`, `from ${s} to ${e}`, `between ${s} and ${e} today`]);
    return make(c, 'absolute', 'absolute.between_today', text, at(c, c.today, startH * HOUR + half), at(c, c.today, endH * HOUR + half));
  },
  between_yesterday: (c) => {
    const startH = c.rng.int(7, 21);
    const len = c.rng.pick([1, 1, 2, 3]);
    const [s, e] = clockRange(startH * HOUR, (startH + len) * HOUR, c.h, c.rng);
    const d = addDays(c.today, -1);
    return make(
      c,
      'absolute',
      'absolute.between_yesterday',
      c.rng.pick([`yesterday between ${s} and ${e}`, `between ${s} and ${e} yesterday`, `yesterday from ${s} to ${e}`]),
      at(c, d, startH * HOUR),
      at(c, d, (startH + len) * HOUR),
    );
  },
  at_time: (c) => {
    const t = (Math.floor(c.nowMin / 30) - c.rng.int(2, 10)) * 30;
    if (t < 6 * HOUR) return null;
    const word = c.rng.pick(['at', 'around', 'at about']);
    const w = word === 'at' ? 30 : 45;
    return make(c, 'absolute', 'absolute.at_time', `${word} ${formatClock(t, c.h, c.rng)}`, at(c, c.today, t - w), at(c, c.today, t + w));
  },
  weekday: (c) => {
    const back = c.rng.int(2, 6);
    const d = addDays(c.today, -back);
    const startH = c.rng.int(7, 20);
    const len = c.rng.pick([1, 2, 3]);
    const [s, e] = clockRange(startH * HOUR, (startH + len) * HOUR, c.h, c.rng);
    const wd = WEEKDAY_NAMES[weekdayOf(d)] as string;
    return make(
      c,
      'absolute',
      'absolute.weekday',
      c.rng.pick([`on ${wd} between ${s} and ${e}`, `last ${wd} from ${s} to ${e}`, `on ${wd} from ${s} to ${e}`]),
      at(c, d, startH * HOUR),
      at(c, d, (startH + len) * HOUR),
    );
  },
  date: (c) => {
    const back = c.rng.int(1, 6);
    const d = addDays(c.today, -back);
    const startH = c.rng.int(7, 20);
    const len = c.rng.pick([1, 2]);
    const [s, e] = clockRange(startH * HOUR, (startH + len) * HOUR, c.h, c.rng);
    return make(
      c,
      'absolute',
      'absolute.date',
      `on ${formatDate(d, c.h, c.rng)} between ${s} and ${e}`,
      at(c, d, startH * HOUR),
      at(c, d, (startH + len) * HOUR),
    );
  },
};

const VAGUE: Record<string, Pattern> = {
  this_morning: (c) => {
    if (c.nowMin < 9 * HOUR) return null;
    return make(c, 'vague', 'vague.part_of_day', 'this morning', at(c, c.today, wakeMinutes(c.h)), at(c, c.today, 12 * HOUR));
  },
  this_afternoon: (c) => {
    if (c.nowMin < 14 * HOUR) return null;
    const word = c.h.vocabulary.some((v) => v.phrase === 'arvo') && c.rng.chance(0.7) ? 'this arvo' : 'this afternoon';
    return make(c, 'vague', 'vague.part_of_day', word, at(c, c.today, 12 * HOUR), at(c, c.today, 18 * HOUR));
  },
  this_evening: (c) => {
    if (c.nowMin < 19 * HOUR) return null;
    return make(
      c,
      'vague',
      'vague.part_of_day',
      c.rng.pick(['this evening', 'tonight']),
      at(c, c.today, 17 * HOUR),
      at(c, c.today, 22 * HOUR),
    );
  },
  yesterday_part: (c) => {
    const d = addDays(c.today, -1);
    const [word, s, e] = c.rng.pick([
      ['yesterday morning', wakeMinutes(c.h), 12 * HOUR],
      [c.h.vocabulary.some((v) => v.phrase === 'arvo') ? 'yesterday arvo' : 'yesterday afternoon', 12 * HOUR, 18 * HOUR],
      ['yesterday evening', 17 * HOUR, 22 * HOUR],
    ] as const);
    return make(c, 'vague', 'vague.part_of_day', word, at(c, d, s), at(c, d, e));
  },
  last_night: (c) =>
    make(
      c,
      'vague',
      'vague.last_night',
      c.rng.pick(['last night', 'overnight', 'during the night']),
      at(c, addDays(c.today, -1), 22 * HOUR),
      at(c, c.today, wakeMinutes(c.h)),
    ),
  routine: (c) => {
    const candidates = c.h.routines.filter((r) => r.phrases.length > 0 && r.id !== 'wake');
    if (candidates.length === 0) return null;
    const r = c.rng.pick(candidates);
    const occ = lastOccurrence(c, r, (s, e) => [s, e]);
    if (occ === null) return null;
    const phrase = c.rng.pick(r.phrases);
    const text = occ.day === 0 ? phrase : c.rng.chance(0.5) ? `yesterday ${phrase}` : `${phrase} yesterday`;
    return make(c, 'vague', `vague.routine.${r.id}`, text, occ.startMs, occ.endMs);
  },
  after_meal: (c) => {
    const meals = c.h.routines.filter(
      (r) => ['breakfast', 'lunch', 'dinner', 'tea_time'].includes(r.id) && r.phrases.some((p) => routineNoun(p) !== null),
    );
    if (meals.length === 0) return null;
    const r = c.rng.pick(meals);
    const noun = c.rng.pick(r.phrases.map(routineNoun).filter((x): x is string => x !== null));
    const after = c.rng.chance(0.65);
    const occ = lastOccurrence(c, r, (s, e) => {
      if (!after) return [s - 2 * HOUR, s];
      const nextStart = c.h.routines
        .filter((x) => MEAL_OR_BED.has(x.id))
        .map((x) => parseHm(x.start))
        .filter((x) => x > e)
        .sort((x, y) => x - y)[0];
      return [e, Math.min(e + 2 * HOUR, nextStart ?? Infinity)];
    });
    if (occ === null) return null;
    const base = `${after ? 'after' : 'before'} ${noun}`;
    const text = occ.day === 0 ? base : c.rng.chance(0.5) ? `yesterday ${base}` : `${base} yesterday`;
    return make(c, 'vague', after ? 'vague.after_meal' : 'vague.before_meal', text, occ.startMs, occ.endMs);
  },
};

const PATTERNS: Record<TimeKind, Record<string, Pattern>> = { absolute: ABSOLUTE, relative: RELATIVE, vague: VAGUE };

export interface NowPick {
  nowMs: number;
  now: string;
}

/**
 * A moment in a round when someone asks: a day of the round and a local time
 * between 07:00 and 23:30, evenings more likely.
 */
export function pickNow(rng: Rng, h: Household, round: number): NowPick {
  const r = h.rounds[round];
  if (r === undefined) throw new RangeError(`household ${h.id} has no round ${round}`);
  const [y, m, d] = r.start.split('-').map(Number) as [number, number, number];
  const day = addDays({ year: y, month: m, day: d }, rng.int(0, r.days - 1));
  const hour = rng.weighted<number>([
    [7, 1],
    [8, 1],
    [9, 2],
    [10, 2],
    [11, 2],
    [12, 2],
    [13, 2],
    [14, 2],
    [15, 2],
    [16, 2],
    [17, 3],
    [18, 3],
    [19, 4],
    [20, 5],
    [21, 5],
    [22, 4],
    [23, 1],
  ]);
  const minute = rng.int(0, hour === 23 ? 30 : 59);
  const nowMs = atMinutes(day, hour * 60 + minute, h.timezone);
  return { nowMs, now: formatIso(nowMs, h.timezone) };
}

/**
 * Draws a time expression of the wanted kind (any kind when omitted) that
 * makes sense at `nowMs` in household `h`; null when none fits (rare).
 */
export function sampleTimeExpression(rng: Rng, h: Household, nowMs: number, kind?: TimeKind): TimeExpression | null {
  const p = zonedParts(nowMs, h.timezone);
  const ctx: Ctx = { h, nowMs, today: { year: p.year, month: p.month, day: p.day }, nowMin: p.hour * 60 + p.minute, rng };
  const k: TimeKind =
    kind ??
    rng.weighted<TimeKind>([
      ['absolute', 3],
      ['relative', 3],
      ['vague', 4],
    ]);
  const names = rng.shuffle(Object.keys(PATTERNS[k]));
  for (const name of names) {
    const e = (PATTERNS[k][name] as Pattern)(ctx);
    if (e !== null) return e;
  }
  return null;
}

/** Resolves one named pattern (tests use it to check a household-specific meaning). */
export function resolvePattern(rng: Rng, h: Household, nowMs: number, kind: TimeKind, name: string): TimeExpression | null {
  const p = zonedParts(nowMs, h.timezone);
  const fn = PATTERNS[kind][name];
  if (fn === undefined) throw new RangeError(`unknown time pattern ${kind}.${name}`);
  return fn({ h, nowMs, today: { year: p.year, month: p.month, day: p.day }, nowMin: p.hour * 60 + p.minute, rng });
}

export const TIME_PATTERN_NAMES: Record<TimeKind, string[]> = {
  absolute: Object.keys(ABSOLUTE),
  relative: Object.keys(RELATIVE),
  vague: Object.keys(VAGUE),
};
