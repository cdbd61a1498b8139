import { englishTimePhrase, PARTS_OF_DAY, parseNumberWord, repairTimePhrase, TIME_FILLERS } from '../../grounding/index.js';
import { HomeSightError, formatIsoInZone, zonedParts, zonedToUtc } from '../../system/index.js';

/**
 * Time phrases → explicit intervals in the household timezone, without a
 * date library: the zone arithmetic (wall time, DST) is daemon/system's
 * zonedParts/zonedToUtc.
 */

/** Weekday names in full and as typed ("tues", "wed", "thurs"), Sunday first as zonedParts counts. */
const WEEKDAY_WORDS = [
  'sunday|sun',
  'monday|mon',
  'tuesday|tues|tue',
  'wednesday|wed',
  'thursday|thurs|thur|thu',
  'friday|fri',
  'saturday|sat',
];

export interface ResolvedRange {
  startMs: number;
  endMs: number;
  /** Where a range came from when it is not the words alone, for the answer: "dinner is 18:30–19:15 per your routine". */
  source?: string;
}

/** A household routine (config household.routines): "after dinner", "during the nap", "bedtime" resolve against these. */
export interface Routine {
  name: string;
  aliases: readonly string[];
  /** Local wall clock, HH:MM; an end before the start is on the next day. */
  start: string;
  end: string;
  days: ReadonlyArray<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'>;
  /**
   * Where the household said so, as the answer should put it after the times: "per your routine" (the config,
   * the default) or, for a routine learned from long-term memory, e.g. "as you told me on 2026-09-01".
   */
  origin?: string;
}

/**
 * Why a phrase did not resolve (E_TIME_PHRASE's context.reason): words the resolver does not read, a time
 * still to come, a routine the household does not have (or not on that day), "after that" with nothing before.
 */
export type TimePhraseFailure = 'not_understood' | 'not_begun' | 'unknown_routine' | 'no_routine_that_day' | 'needs_previous';

export interface ResolveTimeOptions {
  /** The previous range of this conversation, for "after that" / "before that" / "then". */
  previous?: ResolvedRange;
  /** The household's routines (meals, naps, bedtimes). */
  routines?: readonly Routine[];
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const UNIT_MS: Record<string, number> = { second: 1000, sec: 1000, minute: MIN, min: MIN, hour: HOUR, hr: HOUR, day: DAY, week: 7 * DAY };

const ROUTINE_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** "at 7pm" is 18:30–19:30. */
const AT_WIDTH = 30 * MIN;
/** "around 7", "about 7", "7ish": 18:15–19:45, vaguer than "at". */
const AROUND_WIDTH = 45 * MIN;

/** The parts of the day (PARTS_OF_DAY's words) a phrase may name: "this morning", "late afternoon". */
const PART_WORDS = 'morning|noon|lunchtime|afternoon|evening|night|midnight';
/** A part of the day, optionally early or late in it, after "in/during/at/over the". */
const PART_RE = new RegExp(`^(?:(?:in|during|at|over|around|about) )?(?:the )?(early |late )?(${PART_WORDS})$`);

/** Minutes said in words before "past" / "to" ("twenty to six"). */
const MINUTE_WORDS: Readonly<Record<string, number>> = { five: 5, ten: 10, twenty: 20, 'twenty five': 25, 'twenty-five': 25 };

/**
 * Spoken clock forms → digits, so one clock grammar reads them: "around five" → "around 5",
 * "half past six" → "6:30", "half 12" (British: half past) → "12:30", "quarter to 8" → "7:45",
 * "at ten to 8" → "at 7:50", "5ish" → "around 5", "last 2h" → "last 2 hours".
 */
function spokenClock(p: string): string {
  const H = '(\\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)';
  return (
    p
      .replace(/\s*o'?clock\b/g, '')
      // "at ten to eight" is 7:50, "around 20 past 7" 7:20 (a bare "10 to 8" stays a range)
      .replace(
        new RegExp(
          `\\b(at|around|about|by|before|after|since|until|till|near) (5|10|20|25|five|ten|twenty|twenty[- ]five)` +
            `(?: minutes)? (past|to) ${H}\\b`,
          'g',
        ),
        (_, lead: string, m: string, dir: string, h: string) => {
          const minutes = MINUTE_WORDS[m] ?? Number(m);
          const hour = parseNumberWord(h);
          if (dir === 'past') return `${lead} ${hour}:${String(minutes).padStart(2, '0')}`;
          const before = hour <= 12 ? (hour + 11) % 12 || 12 : hour - 1;
          return `${lead} ${before}:${String(60 - minutes).padStart(2, '0')}`;
        },
      )
      .replace(new RegExp(`\\bhalf past ${H}\\b`, 'g'), (_, h: string) => `${parseNumberWord(h)}:30`)
      .replace(new RegExp(`\\bhalf ${H}\\b(?!:)`, 'g'), (_, h: string) => `${parseNumberWord(h)}:30`)
      .replace(new RegExp(`\\bquarter past ${H}\\b`, 'g'), (_, h: string) => `${parseNumberWord(h)}:15`)
      .replace(new RegExp(`\\bquarter to ${H}\\b`, 'g'), (_, h: string) => `${(parseNumberWord(h) + 11) % 12 || 12}:45`)
      .replace(/\b(?:(?:at|around|about) )?(\d{1,2}(?::\d{2})?)ish\b/g, 'around $1')
      .replace(/\bat (?:about|around|roughly)\b|\b(?:roughly|approximately)\b/g, 'around')
      .replace(/^(?:earlier|so far|sometime|at some point|anytime)\s+(?=today|this|yesterday|on\b)|\s+(?:so far|earlier)$/g, '')
      .replace(/^(?:during|in|over|through) the night$|^overnight$/, 'last night')
      .replace(
        new RegExp(
          String.raw`\b(at|around|about|near|between|from|and|to|till|until|since) (one|two|three|four|five|six|seven|` +
            String.raw`eight|nine|ten|eleven|twelve)\b(?! (?:minutes?|mins?|hours?|hrs?|days?|weeks?)\b)`,
          'g',
        ),
        (_, pre: string, w: string) => `${pre} ${parseNumberWord(w)}`,
      )
      // noon and midnight as clock times after a clock word ("around noon", "between midnight and 3"); "after
      // midnight" stays the small hours, "at midnight" is 00:00 ± 30 min
      .replace(/\b(at|around|about|near|between|from|and|to|till|until|since|before|by|after) (?:noon|midday)\b/g, '$1 12pm')
      .replace(/\b(at|around|about|near|between|from|and|to|till|until|since|before|by) midnight\b/g, '$1 12am')
      .replace(/\b(last|past|previous) half (?:an )?hour\b/g, '$1 30 minutes')
      .replace(/\b(last|past|previous) (\d+)\s*h\b/g, '$1 $2 hours')
      .replace(/\b(last|past|previous) (\d+)\s*m\b/g, '$1 $2 minutes')
  );
}

/** "Bed time", "bedtime", "naptime" and "nap" compare equal. */
function routineKey(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]/g, '')
    .replace(/time$/, '');
}

/**
 * Words people use for the same routine ("supper" or "tea" for dinner, "brekkie" for breakfast), as routineKeys: a
 * routine is found by another word of its group when the household has no routine called that word itself.
 */
const ROUTINE_SYNONYMS: ReadonlyArray<ReadonlySet<string>> = [
  ['dinner', 'supper', 'tea', 'evening meal'],
  ['breakfast', 'brekkie', 'brekky', 'morning meal'],
  ['lunch', 'luncheon', 'midday meal'],
  ['nap', 'siesta', 'kip', 'afternoon nap', 'snooze'],
  ['bed', 'lights out', 'sleep'],
  ['school run', 'school drop off', 'school dropoff', 'drop off'],
].map((group) => new Set(group.map(routineKey)));

/** The household's routines a routine word names: by name or alias, else by another word for the same routine. */
function routinesNamed(routines: readonly Routine[], key: string): Routine[] {
  const keys = (x: Routine): string[] => [x.name, ...x.aliases].map(routineKey);
  const named = routines.filter((x) => keys(x).includes(key));
  if (named.length > 0) return named;
  const group = ROUTINE_SYNONYMS.find((g) => g.has(key));
  const other = group === undefined ? [] : routines.filter((x) => keys(x).some((k) => group.has(k)));
  // one routine (one name, perhaps on several day sets), or none: "tea" does not pick between dinner and supper
  return new Set(other.map((x) => x.name)).size === 1 ? other : [];
}

function clockMinutes(hm: string): number {
  const [h, m] = hm.split(':').map(Number);
  return h! * 60 + m!;
}

function unitMs(u: string): number {
  const base = u.replace(/s$/, '');
  return UNIT_MS[base] ?? NaN;
}

/** A day or a part of one, as a follow-up shifts it ("the night before", "the previous morning"). */
const DAY_PARTS = 'day|night|evening|morning|afternoon';

/** Spoken fillers inside a phrase, skipped (grounding's list). */
const FILLERS = new RegExp(`\\b(?:${TIME_FILLERS})\\b`, 'g');

/**
 * Resolves a phrase relative to `nowMs` in `tz`. Supported: now; today /
 * yesterday / tonight; this|yesterday|<weekday> morning|afternoon|evening|night;
 * last night; last|past N minutes|hours|days (also "the last hour", "in the
 * last 30 min"); N hours ago; since 6pm / since yesterday; between 7 and 8 pm /
 * from 19:00 to 20:30 (optionally with a day); at|around 7pm; this week / last
 * week; on monday; YYYY-MM-DD; after that / before that (with a previous range).
 * Intervals never end after now when they are about the past.
 */
export function resolveTimePhrase(phrase: string, nowMs: number, tz: string, opts: ResolveTimeOptions = {}): ResolvedRange {
  // misspelt and texted time words as the mention detector repairs them ("2day", "this mornin", "rn")
  const p = spokenClock(
    repairTimePhrase(
      // time words of other languages in English ("gestern abend" → "yesterday evening")
      englishTimePhrase(phrase.normalize('NFKC'))
        .replace(/\b([ap])\.m\b\.?/g, '$1m')
        .replace(/[?!,]/g, ' ')
        .replace(/\.(?!\d)/g, ' ')
        // spoken fillers inside a time ("this morning, like between ten and eleven")
        .replace(FILLERS, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
  );
  // "a clip from this morning": "from" before a time that starts no range is that time
  const bare = /^from (?!.*\b(?:to|till|until|til)\b)(.+)$/.exec(p)?.[1];
  let r: ResolvedRange;
  try {
    r = resolve(phrase, p, nowMs, tz, opts);
  } catch (err) {
    if (bare === undefined) throw err;
    r = resolve(phrase, bare, nowMs, tz, opts);
  }
  if (r.startMs > nowMs) {
    throw new HomeSightError(
      'E_TIME_PHRASE',
      `"${phrase}" has not begun yet (it starts ${formatIsoInZone(r.startMs, tz)}); I can only look at what already happened`,
      {
        context: { phrase, reason: 'not_begun' satisfies TimePhraseFailure, start: formatIsoInZone(r.startMs, tz) },
        hint: 'ask about a time that has begun, e.g. "so far today" or "in the last hour"',
      },
    );
  }
  return r;
}

function resolve(phrase: string, p: string, nowMs: number, tz: string, opts: ResolveTimeOptions): ResolvedRange {
  const now = zonedParts(nowMs, tz);
  const at = (dayOffset: number, hour: number, minute = 0): number =>
    zonedToUtc({ year: now.year, month: now.month, day: now.day + dayOffset, hour, minute }, tz);
  const clampPast = (r: ResolvedRange): ResolvedRange => ({ startMs: r.startMs, endMs: Math.min(r.endMs, Math.max(nowMs, r.startMs)) });
  const fail = (why: TimePhraseFailure = 'not_understood', message?: string, hint?: string): never => {
    throw new HomeSightError('E_TIME_PHRASE', message ?? `cannot understand the time "${phrase}"`, {
      context: { phrase, reason: why },
      hint:
        hint ??
        'say e.g. "last night", "between 7 and 8 pm", "yesterday evening", "in the last hour", "today", "since 6pm" or a date 2024-05-04',
    });
  };
  if (p.length === 0) fail();

  // Day qualifier: today / yesterday / day before yesterday / tomorrow / weekday / date.
  let dayOffset: number | null = null;
  let rest = p;
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (m !== null) rest = (rest.slice(0, m.index) + ' ' + rest.slice(m.index + m[0].length)).replace(/\s+/g, ' ').trim();
    return m;
  };
  /**
   * The evening a night-time phrase belongs to ("last night", "tonight"), as a day offset: clock
   * times in it from noon on are on that day, earlier ones on the next ("last night at 2" = 02:00 today).
   */
  let night: number | null = null;
  let tonight = false;
  // A weekday first, so "this past monday" and "this monday" are that day, not today.
  const wd = take(new RegExp(`\\b(?:on |last |this past |past |previous |this |next )?(${WEEKDAY_WORDS.join('|')})\\b`));
  if (wd !== null) {
    const target = WEEKDAY_WORDS.findIndex((w) => w.split('|').includes(wd[1]!));
    let diff = target - now.weekday;
    if (wd[0].startsWith('next')) {
      if (diff <= 0) diff += 7;
    } else {
      if (diff > 0) diff -= 7;
      if (wd[0].startsWith('last') && diff === 0) diff = -7;
    }
    dayOffset = diff;
  }
  if (take(/\b(the )?day before yesterday\b/)) dayOffset = -2;
  else if (take(/\b(last|yesterday) ?night\b/)) night = -1;
  else if (take(/\btonight\b|\bthis night\b/)) {
    // Asked after midnight, "tonight" is still the night that began yesterday evening.
    night = now.hour < 6 ? -1 : 0;
    tonight = true;
  } else if (take(/\byesterday\b/)) dayOffset = -1;
  else if (take(/\btomorrow\b/)) dayOffset = 1;
  else if (take(/\b(today|this)\b/)) dayOffset ??= 0;
  const date = take(/\b(?:on )?(\d{4})-(\d{2})-(\d{2})\b/);
  let baseDay: { year: number; month: number; day: number } | null = null;
  if (date !== null) baseDay = { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) };
  const MONTHS =
    'january|february|march|april|may|june|july|august|september|october|november|december|' +
    'jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec';
  const dm =
    take(new RegExp(`\\b(?:on )?(?:the )?(\\d{1,2})(?:st|nd|rd|th)? (?:of )?(${MONTHS})\\b`)) ??
    take(new RegExp(`\\b(?:on )?(${MONTHS}) (?:the )?(\\d{1,2})(?:st|nd|rd|th)?\\b`));
  if (dm !== null && baseDay === null) {
    const [a, b] = /^\d/.test(dm[1]!) ? [dm[2]!, dm[1]!] : [dm[1]!, dm[2]!];
    const month = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(a.slice(0, 3)) + 1;
    // The latest such date that has begun: "on 28 February" asked in March is this year's, asked in January last year's.
    const thisYear = zonedToUtc({ year: now.year, month, day: Number(b), hour: 0, minute: 0 }, tz);
    baseDay = { year: thisYear > nowMs ? now.year - 1 : now.year, month, day: Number(b) };
  }
  // A day of the month alone ("on the 15th"): the latest month in which that day exists and has begun.
  const dom = baseDay === null && dayOffset === null ? take(/\b(?:on )?(?:the )?(\d{1,2})(?:st|nd|rd|th)\b/) : null;
  if (dom !== null && Number(dom[1]) >= 1 && Number(dom[1]) <= 31) {
    const day = Number(dom[1]);
    for (let back = 0; back <= 2 && baseDay === null; back++) {
      const first = zonedParts(zonedToUtc({ year: now.year, month: now.month - back, day: 1, hour: 0, minute: 0 }, tz), tz);
      const start = zonedToUtc({ year: first.year, month: first.month, day, hour: 0, minute: 0 }, tz);
      if (zonedParts(start, tz).day === day && start <= nowMs) baseDay = { year: first.year, month: first.month, day };
    }
  }
  rest = rest.replace(/^(on|in|during|at the|the)\s+/, '').trim();
  /** A clock time on the named date (plus `next` days), else `off` days from today (plus `next`). */
  const onDay = (off: number, next: number, h: number, min: number): number =>
    baseDay !== null ? zonedToUtc({ ...baseDay, day: baseDay.day + next, hour: h, minute: min }, tz) : at(off + next, h, min);
  const dayStart = (h: number, min = 0): number => onDay(dayOffset ?? 0, 0, h, min);
  /** Local midnight at the start of the day an instant falls on. */
  const startOfDayOf = (ms: number): number => {
    const x = zonedParts(ms, tz);
    return zonedToUtc({ year: x.year, month: x.month, day: x.day, hour: 0, minute: 0 }, tz);
  };

  /** The earlier question's range a follow-up's time leans on, or the reason there is none. */
  const previous = (hint: string): ResolvedRange =>
    opts.previous ??
    fail('needs_previous', `"${phrase}" refers to an earlier question of this conversation, and there is none with a time`, hint);

  // after that / before that / then
  if (/^(and )?(after that|afterwards|then|later)$/.test(rest) || /^(and )?before that$/.test(rest)) {
    const prev = previous('ask with the time itself, e.g. "between 8 and 9 pm"');
    const dur = Math.max(prev.endMs - prev.startMs, HOUR);
    if (rest.includes('before')) return { startMs: prev.startMs - dur, endMs: prev.startMs };
    return clampPast({ startMs: prev.endMs, endMs: prev.endMs + dur });
  }
  // "the night before?", "the day after", "the previous evening": the earlier question's time a day earlier or later
  const dayShift = new RegExp(`^(?:and )?(?:the )?(?:(?:${DAY_PARTS}) (before|after)|(previous|next|following) (?:${DAY_PARTS}))$`).exec(
    rest,
  );
  if (dayShift !== null) {
    const prev = previous('ask with the day itself, e.g. "on tuesday night"');
    const sign = dayShift[1] === 'before' || dayShift[2] === 'previous' ? -1 : 1;
    return clampPast({ startMs: prev.startMs + sign * DAY, endMs: prev.endMs + sign * DAY });
  }

  // now
  if (/^(now|right now|currently|at the moment|at present)$/.test(p)) return { startMs: nowMs - 5 * MIN, endMs: nowMs };

  // weeks and weekends
  if (/^(?:(?:over|during|in) )?(?:the )?(last|previous|this|next) week$/.test(p) || /^(?:during |over )?this week$/.test(p)) {
    const monday = now.weekday === 0 ? -6 : 1 - now.weekday;
    const thisMon = at(monday, 0);
    if (/\bthis week$/.test(p)) return { startMs: thisMon, endMs: nowMs };
    if (/\bnext week$/.test(p)) return { startMs: at(monday + 7, 0), endMs: at(monday + 14, 0) };
    return { startMs: at(monday - 7, 0), endMs: thisMon };
  }
  const weekend = /^(?:(?:over|during|at|on|in) )?(?:the )?(last|previous|past|this|next)? ?weekend$/.exec(p);
  if (weekend !== null) {
    // The latest Saturday that has begun; "last weekend" asked on a weekend is the one before.
    const saturday = -((now.weekday + 1) % 7);
    const onWeekend = now.weekday === 6 || now.weekday === 0;
    const which = weekend[1];
    const sat =
      which === 'next'
        ? saturday + 7
        : which === 'this' && !onWeekend
          ? saturday + 7
          : which !== undefined && which !== 'this' && onWeekend
            ? saturday - 7
            : saturday;
    return clampPast({ startMs: at(sat, 0), endMs: at(sat + 2, 0) });
  }
  // last/past N units, the last hour, recently
  let m = new RegExp(
    String.raw`^(?:in |during |over |within |for )?(?:the )?(?:last|past|previous) (?:(\d+(?:\.\d+)?|a|an|one|two|three|` +
      'four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|few|couple)(?: of)? )?(seconds?|' +
      'secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)$',
  ).exec(rest);
  if (m !== null && dayOffset === null) {
    const n = m[1] === undefined ? 1 : parseNumberWord(m[1]);
    return { startMs: nowMs - n * unitMs(m[2]!), endMs: nowMs };
  }
  if (/^(recently|lately|just now)$/.test(p)) return { startMs: nowMs - HOUR, endMs: nowMs };
  if (/^(half an hour|30 min(ute)?s?) ago$/.test(rest)) return { startMs: nowMs - 45 * MIN, endMs: nowMs - 15 * MIN };
  // "a few minutes ago", "a couple of minutes ago": the last ten minutes
  if (/^(?:a )?(?:few|couple)(?: of)? (?:minutes?|mins?) ago$/.test(rest)) return { startMs: nowMs - 10 * MIN, endMs: nowMs };
  m = new RegExp(
    '^(\\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|(?:a )?few|(?:a )?couple)(?: of)? ' +
      '(minutes?|mins?|hours?|hrs?|days?) ago$',
  ).exec(rest);
  const count = m === null ? Number.NaN : parseNumberWord(m[1]!.replace(/^a (?=few|couple)/, ''));
  // "three days ago": that whole day
  if (m !== null && /^day/.test(m[2]!)) return clampPast({ startMs: at(-count, 0), endMs: at(-count + 1, 0) });
  if (m !== null) {
    // "N minutes ago" is now − N ± N/2: "20 minutes ago" 10 to 30 minutes ago, "2 hours ago" 1 to 3 hours ago
    const span = count * unitMs(m[2]!);
    const c = nowMs - span;
    return { startMs: c - span / 2, endMs: Math.min(nowMs, c + span / 2) };
  }

  if (tonight && /^(so far|earlier)?$/.test(rest)) {
    // A question about tonight asks what the cameras saw of it: asked during the evening or the night, 17:00 → now,
    // as "this evening" is the part that has passed; asked before the evening it has not begun. A standing order's
    // "tonight" looks forward, from now until 06:00: the watches module reads that (daemon/watches/window.ts).
    return clampPast({ startMs: at(night!, 17), endMs: at(night! + 1, 6) });
  }
  if (night !== null && /^since$/.test(rest)) return { startMs: at(night, tonight ? 17 : 22), endMs: nowMs };
  if (night !== null && /^late$/.test(rest)) return clampPast({ startMs: at(night, 23), endMs: at(night + 1, 3) });
  if (night !== null && /^(in the |during the |at )?(night|evening)?$/.test(rest)) {
    // "last night": the night that ended (or ends) this morning; "last night in the evening" from 17:00.
    const startH = tonight || rest.endsWith('evening') ? 17 : 22;
    return clampPast({ startMs: at(night, startH), endMs: at(night + 1, 6) });
  }
  if (dayOffset === -1 && /^night$/.test(rest)) return clampPast({ startMs: at(-1, 22), endMs: at(0, 6) });
  // "all night" and "in the middle of the night" are about the latest night (22:00–06:00, 00:00–04:00)
  if (dayOffset === null && baseDay === null && /^(all night|the whole night)$/.test(rest))
    return clampPast(now.hour >= 22 ? { startMs: at(0, 22), endMs: at(1, 6) } : { startMs: at(-1, 22), endMs: at(0, 6) });
  if (/^(?:in )?the middle of the night$/.test(rest)) return clampPast({ startMs: dayStart(0), endMs: dayStart(4) });
  if (/^earlier$/.test(p)) return { startMs: at(0, 0), endMs: nowMs };

  if (/^(after|past) midnight$/.test(rest))
    return clampPast({
      startMs: dayStart(0) + (night !== null ? (night + 1) * DAY : 0),
      endMs: dayStart(6) + (night !== null ? (night + 1) * DAY : 0),
    });

  // "after dark": from the evening's start to the night's end (the night before, asked before the evening)
  if (/^(?:after|since) dark$/.test(rest)) {
    let r = { startMs: dayStart(PARTS_OF_DAY.evening![0]), endMs: dayStart(PARTS_OF_DAY.night![1]) };
    if (dayOffset === null && r.startMs > nowMs) r = { startMs: r.startMs - DAY, endMs: r.endMs - DAY };
    return clampPast(r);
  }

  // "lunch" is the part of the day lunchtime unless the household has a routine of that name.
  if (!(opts.routines ?? []).some((x) => [x.name, ...x.aliases].some((n) => routineKey(n) === 'lunch')))
    rest = rest.replace(/\blunch\b/, 'lunchtime');
  // Household routines: "after dinner", "during the nap", "bedtime", "since breakfast".
  // A part of the day beside a routine only says which day's ("at pill time this morning"): the routine has the times.
  for (const words of [rest, rest.replace(/(?:^| )(?:in the )?(?:morning|afternoon|evening)(?= |$)/, '').trim()]) {
    const routineMatch = new RegExp(
      '^(?:(after|before|during|at|since|around|till|until) )?(?:the |my |our |his |her |their |' +
        String.raw`(?:[a-z]+'s) )?([a-z\u00c0-\u024f' -]+?)$`,
    ).exec(words);
    if (routineMatch === null || (opts.routines?.length ?? 0) === 0) continue;
    const key = routineKey(routineMatch[2]!);
    const named = routinesNamed(opts.routines ?? [], key);
    if (named.length > 0) return routineRange(named, routineMatch[1] ?? 'during', onDay, dayOffset, baseDay, nowMs, tz, now.weekday, fail);
  }
  if (/^(after|before|during|since|until|till) /.test(rest) && !/\d/.test(rest) && !PART_RE.test(rest.replace(/^\S+ /, ''))) {
    fail(
      'unknown_routine',
      `"${phrase}": "${rest.replace(/^\S+ (the |my |our |his |her |their )?/, '')}" is not one of the household's routines` +
        ((opts.routines?.length ?? 0) > 0
          ? ` (${[...new Set((opts.routines ?? []).map((x) => x.name))].join(', ')})`
          : ' (none are configured)'),
      'add it to household.routines in the config (name, aliases, start, end, days), or give a clock time',
    );
  }

  /**
   * A part of the day said with a clock time stands for its meridian: "at 6 this morning", "yesterday morning
   * around 8", "since 6 this morning", "until 8 this morning" (this/yesterday/the weekday name the day).
   */
  let partMer: string | undefined;
  if (/\d/.test(rest)) {
    const part = take(/\b(?:in the |this )?(morning|afternoon|evening)\b/);
    if (part !== null) partMer = part[1] === 'morning' ? 'am' : 'pm';
  }

  // Clock times.
  const clock = '(\\d{1,2})(?:[:.h](\\d{2}))?\\s*(am|pm|a\\.m|p\\.m|in the morning|in the evening|in the afternoon|at night)?';
  const toHour = (h: number, mer: string | undefined, otherMer?: string): number => {
    const mm = mer ?? otherMer ?? partMer;
    if (mm === undefined) return h;
    if (/^(pm|p\.m|in the evening|in the afternoon|at night)/.test(mm)) return (h % 12) + 12;
    return h % 12;
  };
  // Pick the most recent past occurrence when neither a day nor am/pm is given.
  const build = (off: number, sh: number, startMin: number, eh: number, endMin: number): ResolvedRange => {
    // An end at or before the start on the clock is on the next day ("10 pm to 6 am"). Decided on
    // the wall clock, not on instants: on DST nights 24 h later is not the same clock time, and
    // a range inside the skipped hour ("2 to 3 am" on a spring-forward night) is empty, not a day.
    const next = eh * 60 + endMin <= sh * 60 + startMin ? 1 : 0;
    return { startMs: onDay(off, 0, sh, startMin), endMs: onDay(off, next, eh, endMin) };
  };
  /** An hour without am/pm read at night: 6–11 are evening hours, 12 is midnight, 1–5 the small hours. */
  const nightHour = (h: number, mer: string | undefined): number =>
    mer !== undefined ? toHour(h, mer) : h === 12 ? 0 : h >= 6 && h < 12 ? h + 12 : h;
  const pickNight = (nightOff: number, sh: number, startMin: number, eh: number, endMin: number): ResolvedRange =>
    build(sh >= 12 ? nightOff : nightOff + 1, sh, startMin, eh, endMin);
  const pickRecent = (startH: number, startMin: number, endH0: number, endMin: number, hasMer0: boolean): ResolvedRange => {
    // "from 9 till 5", "between 11 and 1": a bare end before the start is after noon, not the next morning
    const dayRange = !hasMer0 && startH <= 12 && endH0 < startH && endH0 + 12 > startH;
    const endH = dayRange ? endH0 + 12 : endH0;
    const hasMer = hasMer0 || dayRange;
    const build2 = (off: number, sh: number, eh: number): ResolvedRange => build(off, sh, startMin, eh, endMin);
    if (dayOffset !== null || baseDay !== null) {
      const off = dayOffset ?? 0;
      if (!hasMer && startH < 12 && endH <= 12) {
        const pm = build2(off, startH + 12, endH + 12);
        if (startH < 7) return pm; // "between 1 and 3" means the afternoon
        const am = build2(off, startH, endH);
        return pm.startMs <= nowMs ? pm : am;
      }
      return build2(off, startH, endH);
    }
    const candidates: ResolvedRange[] = [];
    for (const off of [0, -1]) {
      candidates.push(build2(off, startH, endH));
      if (!hasMer && startH < 12 && endH <= 12) candidates.push(build2(off, startH + 12, endH + 12));
    }
    const past = candidates.filter((c) => c.startMs <= nowMs).sort((a, b) => b.startMs - a.startMs);
    return past[0] ?? candidates[0]!;
  };
  /** "07:00" / "19:30" written with two hour digits and minutes is the 24 h clock: no am/pm guessing. */
  const is24h = (h: string, min: string | undefined): boolean => min !== undefined && h.length === 2;
  /** One clock time: on the night, else its latest past occurrence (on the named day when there is one). */
  const pointAt = (h1: string, m1: string | undefined, mer1: string | undefined): number => {
    if (Number(h1) > 24 || Number(m1 ?? 0) > 59) fail();
    const h = toHour(Number(h1), mer1);
    return night !== null
      ? pickNight(night, nightHour(Number(h1), mer1), Number(m1 ?? 0), 0, 0).startMs
      : pickRecent(h, Number(m1 ?? 0), h, Number(m1 ?? 0), mer1 !== undefined || partMer !== undefined || is24h(h1, m1)).startMs;
  };

  m =
    new RegExp(`^(?:between|from) ${clock} (?:and|to|till|until|-) ${clock}$`).exec(rest) ??
    new RegExp(`^${clock}\\s*(?:-|to|till|until)\\s*${clock}$`).exec(rest);
  if (m !== null) {
    const [, h1, m1, mer1, h2, m2, mer2] = m;
    if (Number(h1) > 24 || Number(h2) > 24 || Number(m1 ?? 0) > 59 || Number(m2 ?? 0) > 59) fail();
    if (night !== null)
      return clampPast(pickNight(night, nightHour(Number(h1), mer1), Number(m1 ?? 0), nightHour(Number(h2), mer2), Number(m2 ?? 0)));
    const hasMer = mer1 !== undefined || mer2 !== undefined || partMer !== undefined || is24h(h1!, m1) || is24h(h2!, m2);
    let sh = toHour(Number(h1), mer1, mer2);
    const eh = toHour(Number(h2), mer2, mer1);
    // "between 11 and 1 pm": start am when shifting would put it after the end
    if (mer1 === undefined && mer2 !== undefined && sh > eh) sh = Number(h1) % 12;
    if (sh > 24 || eh > 24) fail();
    return clampPast(pickRecent(sh, Number(m1 ?? 0), eh, Number(m2 ?? 0), hasMer));
  }
  m = new RegExp(`^(at|around|about|near) ${clock}$`).exec(rest);
  if (m !== null) {
    const [, kind, h1, m1, mer1] = m;
    const t = pointAt(h1!, m1, mer1);
    const w = kind === 'at' ? AT_WIDTH : AROUND_WIDTH;
    return clampPast({ startMs: t - w, endMs: t + w });
  }
  m = new RegExp(`^since ${clock}$`).exec(rest);
  if (m !== null) return { startMs: pointAt(m[1]!, m[2], m[3]), endMs: nowMs };
  // "until 11pm", "before 7am": from the start of that time's day; "after 9pm": until that day ends.
  m = new RegExp(`^(until|till|before|by|after) ${clock}$`).exec(rest);
  if (m !== null) {
    const t = pointAt(m[2]!, m[3], m[4]);
    if (m[1] === 'after') {
      // to the end of T's day; after a time at night ("after 11pm") to the end of that night, 06:00
      const x = zonedParts(t, tz);
      const end = zonedToUtc({ year: x.year, month: x.month, day: x.day + 1, hour: x.hour >= 20 ? 6 : 0, minute: 0 }, tz);
      return clampPast({ startMs: t, endMs: end });
    }
    return clampPast({ startMs: startOfDayOf(t), endMs: t });
  }
  m = /^since(?: (?:the )?(morning|noon|lunchtime|afternoon|evening|night))?$/.exec(rest);
  if (m !== null && (m[1] !== undefined || dayOffset !== null || baseDay !== null)) {
    const part = m[1] === undefined ? null : PARTS_OF_DAY[m[1]]!;
    return { startMs: dayStart(part === null ? 0 : part[0]), endMs: nowMs };
  }

  // Before / after lunchtime: two hours before its start or after its end, as for a routine.
  m = /^(after|before) (?:the )?lunchtime$/.exec(rest);
  if (m !== null) {
    const [s, e] = PARTS_OF_DAY.lunchtime!;
    const r = m[1] === 'after' ? { startMs: dayStart(e), endMs: dayStart(e + 2) } : { startMs: dayStart(s - 2), endMs: dayStart(s) };
    return clampPast(r);
  }
  // Parts of the day.
  m = PART_RE.exec(rest);
  if (m !== null) {
    let [s, e] = PARTS_OF_DAY[m[2]!]!;
    if (m[1] === 'early ') e = s + (e - s) / 2;
    if (m[1] === 'late ') s = s + (e - s) / 2;
    let r = { startMs: dayStart(Math.floor(s), (s % 1) * 60), endMs: dayStart(Math.floor(e), (e % 1) * 60) };
    if (dayOffset === null && baseDay === null && r.startMs > nowMs) r = { startMs: r.startMs - DAY, endMs: r.endMs - DAY };
    return clampPast(r);
  }
  // Whole days.
  if (rest === '' || /^(all day|the whole day|day|whole day)$/.test(rest)) {
    // "all day" alone is today's; a bare day word needs its day
    if (dayOffset === null && baseDay === null && !/^(all|the whole|whole) day$/.test(rest)) fail();
    const r = { startMs: dayStart(0), endMs: dayStart(24) };
    return clampPast(r);
  }
  return fail();
}

/**
 * A routine's range: its span on the named day (or its latest occurrence that has begun), "after"
 * = its end → +2 h, "before" = its start − 2 h → start, "since" = its start → now. The range names
 * its source so the answer can say which routine times it used.
 */
function routineRange(
  routines: readonly Routine[],
  relation: string,
  onDay: (off: number, next: number, h: number, min: number) => number,
  dayOffset: number | null,
  baseDay: { year: number; month: number; day: number } | null,
  nowMs: number,
  tz: string,
  todayWeekday: number,
  fail: (why: TimePhraseFailure, message: string, hint: string) => never,
): ResolvedRange {
  const occurrence = (off: number, x: Routine): ResolvedRange => {
    const s = clockMinutes(x.start);
    const e = clockMinutes(x.end);
    const span = { startMs: onDay(off, 0, Math.floor(s / 60), s % 60), endMs: onDay(off, e <= s ? 1 : 0, Math.floor(e / 60), e % 60) };
    const r =
      relation === 'after'
        ? { startMs: span.endMs, endMs: span.endMs + 2 * HOUR }
        : relation === 'before'
          ? { startMs: span.startMs - 2 * HOUR, endMs: span.startMs }
          : relation === 'since'
            ? { startMs: span.startMs, endMs: nowMs }
            : span;
    return {
      startMs: r.startMs,
      endMs: Math.min(r.endMs, Math.max(nowMs, r.startMs)),
      source: `${x.name} is ${x.start}–${x.end} ${x.origin ?? 'per your routine'}`,
    };
  };
  const weekdayAt = (off: number): string => {
    if (baseDay === null) return ROUTINE_DAYS[(((todayWeekday + off) % 7) + 7) % 7]!;
    return ROUTINE_DAYS[new Date(Date.UTC(baseDay.year, baseDay.month - 1, baseDay.day + off)).getUTCDay()]!;
  };
  if (dayOffset !== null || baseDay !== null) {
    const off = dayOffset ?? 0;
    const x = routines.find((r) => (r.days as readonly string[]).includes(weekdayAt(off)));
    if (x === undefined)
      fail(
        'no_routine_that_day',
        `the household has no ${routines[0]!.name} routine on ${weekdayAt(off)}`,
        'check household.routines (days), or give a clock time',
      );
    return occurrence(off, x!);
  }
  // The latest occurrence that has begun, looking back a week.
  for (let off = 0; off >= -7; off--) {
    const found = routines
      .filter((r) => (r.days as readonly string[]).includes(weekdayAt(off)))
      .map((r) => occurrence(off, r))
      .filter((r) => r.startMs <= nowMs)
      .sort((a, b) => b.startMs - a.startMs)[0];
    if (found !== undefined) return found;
  }
  return fail('no_routine_that_day', `the ${routines[0]!.name} routine has no days`, 'check household.routines (days)');
}
