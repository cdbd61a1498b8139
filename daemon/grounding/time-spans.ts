/**
 * The time-span detector: finds where a question talks about time, as
 * maximal spans ("yesterday between 11 pm and 1 am", "monday evening",
 * "around 5", "in the last hour", "after dinner"). It only finds spans; the
 * agent's time resolver turns them into intervals. Atomic pieces (a day word,
 * a part of the day, a clock time or range, a duration, a routine) are found
 * by pattern and adjacent pieces merge into one span. The idea set follows
 * chrono-node's casual parsers (casual dates, weekdays, time expressions,
 * "ago"/"last N" durations), restricted to what a household asks.
 */

import { foreignTimePieces } from './time-foreign.js';
import { TIME_FILLERS } from './time-words.js';

export interface TimeSpan {
  start: number;
  end: number;
  /** The span's text with known misspellings repaired ("yesturday" → "yesterday"). */
  phrase: string;
  /** Household routine id when the span is a routine phrase. */
  routine?: string;
}

/** Misspellings seen in typed questions, by the word they mean. */
const TYPOS: Record<string, readonly string[]> = {
  yesterday: ['yesturday', 'yesterdy', 'yesteday', 'ystrday', 'yday', 'yestreday', 'yesteray'],
  tonight: ['tonite', '2night', 'tonigth'],
  tomorrow: ['tmrw', 'tomorow', 'tommorow', 'tommorrow'],
  today: ['2day', 'todya'],
  morning: ['mornin', 'morming', 'mornign', 'moring', 'morn'],
  evening: ['evning', 'evenin', 'eveing'],
  afternoon: ['afternon', 'aftrnoon', 'arvo', 'aft'],
  night: ['nite'],
  monday: ['mondy'],
  tuesday: ['tuseday', 'teusday', 'tuesdy'],
  wednesday: ['wensday', 'wendsday', 'wedensday', 'wednsday', 'wedsday'],
  thursday: ['thurday', 'thrusday', 'thursdy'],
  friday: ['firday', 'fridy'],
  saturday: ['saterday', 'saturdy'],
  sunday: ['sundy'],
  minutes: ['minuts', 'mintues'],
  after: ['aftre', 'afetr', 'afer'],
  hours: ['hrs', 'hous'],
  // texting shorthand
  'right now': ['rn'],
  'at the moment': ['atm'],
};

const REPAIR = new Map<string, string>(Object.entries(TYPOS).flatMap(([word, typos]) => typos.map((t) => [t, word] as [string, string])));

/** A regex alternation of a word and its misspellings. */
function word(w: string): string {
  return `(?:${[w, ...(TYPOS[w] ?? [])].join('|')})`;
}

const WEEKDAY = `(?:${['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map(word).join('|')})`;
const WEEKDAY_SHORT = '(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)';
const PART =
  `(?:${word('morning')}|${word('afternoon')}|${word('evening')}|${word('night')}|midday|noon|midnight|` +
  `lunchtime|lunch time|dinnertime|dinner time|teatime|daytime)`;
const NUM_WORD = '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)';
const MER = "(?:\\s?(?:am|pm|a\\.m\\.?|p\\.m\\.?|o'?clock|oclock|h)(?![a-z]))";
/** A clock time that is a time on its own: with a meridian or minutes, or "23h". */
const CLOCK_SURE = `(?:\\d{1,2}[:.]\\d{2}${MER}?|\\d{1,2}${MER}|${NUM_WORD}${MER})`;
/** A clock time that needs a lead word ("at 5", "around five"). */
/** 24-hour time without a colon, as typed ("1500", "730 pm"): only after a lead word or in a range. */
const HHMM = '(?:[01]?\\d|2[0-3])[0-5]\\d';
// "half 12" is British for half past twelve
// "ten to eight", "20 past 7", "quarter to nine": before the bare number, which would take "10" of "10 to 8"
const SPOKEN_CLOCK = `(?:(?:5|10|20|25|five|ten|twenty|twenty[- ]five)(?: minutes)?|quarter|half) (?:past|to) (?:\\d{1,2}|${NUM_WORD})`;
const CLOCK_NUMBER = `(?:${SPOKEN_CLOCK}|\\d{1,2}(?:[:.]\\d{2})?(?!\\d)|${HHMM}(?!\\d)|${NUM_WORD}|half \\d{1,2})`;
const CLOCK_ANY = `(?:${CLOCK_NUMBER}${MER}?|noon|midday|midnight)`;
const LEAD = '(?:at|@|around|about|approximately|approx|roughly|circa|by|since|before|after|until|till|til|near|from)';
/** Words after a bare number that make it a count, not a clock time ("after 5 minutes", "at 3 cameras"). */
const NOT_CLOCK =
  '(?!\\s*(?:%|percent|min|minutes?|mins?|hours?|hrs?|h\\b|sec|seconds?|days?|weeks?|months?|times?|' +
  'people|persons?|events?|clips?|photos?|pictures?|snapshots?|cameras?|frames?|of))';
const COUNT =
  `(?:\\d+(?:\\.\\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|` +
  `twenty|thirty|forty|fifty|few|couple(?: of)?|half an|half|a few|a couple(?: of)?)`;
const UNIT = `(?:seconds?|secs?|${word('minutes')}|minute|mins?|hours?|hrs?|hr|days?|weeks?|months?)`;
const MONTH =
  '(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|' +
  'mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)';
/** Words before a routine that say which side of it ("after dinner", "during his nap"). */
const ROUTINE_SIDES = 'after|before|during|at|around|since|while|until|till';
// longest first: an alternation takes the first that fits ("before the school run", not "before the school")
const ROUTINE_WORDS = `(?:${[
  'bed',
  'breakfast',
  'brekkie',
  'brekky',
  'brunch',
  'lunchtime',
  'lunch time',
  'lunch',
  'dinnertime',
  'dinner time',
  'dinner',
  'supper',
  'teatime',
  'tea time',
  'tea',
  'bedtime',
  'bed time',
  'nap',
  'siesta',
  'naptime',
  'nap time',
  'homework time',
  'school',
  'the school run',
  'school run',
  'work',
  'homework',
  'the walk',
  'my walk',
  'church',
  'training',
  'practice',
]
  .sort((a, b) => b.length - a.length)
  .join('|')})`;

interface Piece {
  start: number;
  end: number;
  routine?: string;
  /** "now", "currently": never merged with a neighbour ("now this morning?" asks about this morning). */
  solo?: boolean;
}

/** Words for the present or the recent past that stand alone. */
const SOLO = /(?:right now|just now|at the moment|at present|currently|recently|lately|earlier|a moment ago|a minute ago|now|rn|atm)/g;

const PATTERNS: readonly RegExp[] = [
  // days and casual dates
  new RegExp(`(?:(?:on|since|until|till|before|by|from|during)\\s+)?(?:the\\s+)?day before ${word('yesterday')}`, 'g'),
  new RegExp(
    `(?:(?:since|until|till|before|by|from|for|of)\\s+)?` +
      `(?:${word('yesterday')}|${word('today')}|${word('tonight')}|overnight|${word('tomorrow')})`,
    'g',
  ),
  new RegExp(
    `(?:(?:since|until|till|before|by|from|during)\\s+)?(?:(?:early|late)\\s+(?=this|yesterday|last))?` +
      `(?:this|last|yesterday|tomorrow)\\s+` +
      `(?:early\\s+|late\\s+)?${PART}`,
    'g',
  ),
  new RegExp(`(?:(?:since|until|till|before|by|from)\\s+)?(?:(?:on|last|this past|this|past|previous)\\s+)?${WEEKDAY}s?`, 'g'),
  // (the future is detected too, so a plan can decline it)
  /(?:(?:since|during|over)\s+)?(?:this|last|the last|the past|previous|next) (?:weekend|week|month)|(?:over|during|at|on) the weekend/g,
  new RegExp(`next\\s+${WEEKDAY}`, 'g'),
  // weekdays as typed ("on tues", "wed evening"); bare only before a part of the day ("sat" and "sun" are words)
  new RegExp(`(?:(?:on|last|this|past|previous|next)\\s+${WEEKDAY_SHORT}(?:\\s+${PART})?|${WEEKDAY_SHORT}\\s+${PART})(?![a-z])`, 'g'),
  /(?:in\s+)?the middle of the night/g,
  /(?:after|since)\s+dark/g,
  // Scots "the day" for today, at the end of a question ("was isla in the lounge the day"), not "on / all / that the day"
  new RegExp(
    String.raw`(?<!\b(?:on|in|all|that|this|which|what|every|one|same|whole|of|for|during|by|per|over|through|at|` +
      String.raw`spend|spent|save|saved|seize|make|made|how was)\s+)the day(?=\s*[?.!]*\s*$)`,
    'g',
  ),
  /(?:earlier|later) (?:today|tonight|this (?:morning|afternoon|evening))|so far today|all day|the whole day|all night|the whole night/g,

  // parts of the day
  new RegExp(
    `(?:(?:since|until|till|before|by|from|during|through)\\s+)?(?:(?:early|late)\\s+)?(?:(?:in|` +
      `during)\\s+)?(?:the\\s+)?(?:(?:early|late)\\s+)?${PART}`,
    'g',
  ),
  new RegExp(`(?:at|around|about|by)\\s+(?:${word('night')}|noon|midnight|midday|lunchtime|dinnertime)`, 'g'),
  // clock times and ranges
  new RegExp(`(?:between|from)\\s+(?:about\\s+|around\\s+)?${CLOCK_ANY}\\s*(?:and|to|till|until|til|-|–)\\s*${CLOCK_ANY}`, 'g'),
  new RegExp(`${CLOCK_SURE}\\s*(?:-|–|to|till|until|til)\\s*${CLOCK_ANY}`, 'g'),
  new RegExp(`${CLOCK_ANY}\\s*(?:-|–|to|till|until|til)\\s*${CLOCK_SURE}`, 'g'),
  // a spoken filler after the lead word: "at like 3", "around um 5"
  new RegExp(`${LEAD}\\s+(?:(?:${TIME_FILLERS})\\s+)?(?:about\\s+|around\\s+|roughly\\s+)?${CLOCK_ANY}${NOT_CLOCK}`, 'g'),
  new RegExp(`(?:(?:about|around|roughly)\\s+)?${CLOCK_SURE}${NOT_CLOCK}`, 'g'),
  // "7ish", "at 5:30ish"
  /(?:(?:at|around|about)\s+)?\d{1,2}(?:[:.]\d{2})?ish/g,
  // durations
  new RegExp(`(?:(?:in|during|over|within|for)\\s+)?(?:the\\s+)?(?:last|past|previous)\\s+(?:${COUNT}\\s+)?${UNIT}`, 'g'),
  // not "around": "who was around 3 days ago" is about who was around
  new RegExp(`(?:about\\s+|roughly\\s+)?${COUNT}\\s+${UNIT}\\s+ago`, 'g'),
  /(?:on\s+)?\d{4}-\d{2}-\d{2}/g,
  new RegExp(`(?:on\\s+)?(?:the\\s+)?\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}`, 'g'),
  new RegExp(`(?:on\\s+)?${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?(?![\\d:])`, 'g'),
  // "on the 15th": a day of this month (the ordinal says it is a date)
  /(?:on\s+)?the\s+\d{1,2}(?:st|nd|rd|th)(?![a-z\d])/g,
  // conversation
  new RegExp(`(?:${word('after')} that|before that|afterwards|at that time|at the same time|around then|back then)`, 'g'),
  // a follow-up's day before or after the earlier question's ("the night before?"), said at the end of a clause
  new RegExp(
    String.raw`(?:the\s+)?(?:(?:day|night|evening|morning|afternoon)\s+(?:before|after)|` +
      String.raw`(?:previous|next|following)\s+(?:day|night|evening|morning|afternoon))(?=\s*(?:[?.!,]|$))`,
    'g',
  ),
  // routines, generic words (the household's own phrases are matched first)
  new RegExp(
    `(?:just\\s+)?(?:${ROUTINE_SIDES})\\s+(?:(?:my|our|the|his|her|` +
      `their|i was at|we were at|he was at|she was at)\\s+)?${ROUTINE_WORDS}(?![a-z])`,
    'g',
  ),
];

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lower-case copy of `text` with the same length (characters whose lower case is longer stay as they are). */
export function lowerSameLength(text: string): string {
  let out = '';
  for (const ch of text) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** The phrase with misspelled time words repaired and spacing normalised. */
export function repairTimePhrase(phrase: string): string {
  return (
    phrase
      .toLowerCase()
      .replace(/–/g, '-')
      // "@ 8" as typed for "at 8"
      .replace(/(^|\s)@(?=\s)/g, '$1at')
      // "1500" → "15:00", "730 pm" → "7:30 pm" (a 24-hour time typed without its colon)
      .replace(
        /(?<![\d:.-])([01]?\d|2[0-3])([0-5]\d)(?![\d:.-])/g,
        (_m, h: string, mm: string) => `${h.length === 2 && h.startsWith('0') ? h : String(Number(h))}:${mm}`,
      )
      .replace(/[\p{L}\d]+/gu, (w) => REPAIR.get(w) ?? w)
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^the day$/, 'today')
  );
}

/** Verbs of a visit that take "by" ("come by", "stopped by", "popped by"), as the words before a time. */
const VISIT_VERB =
  /(?:^|[^\p{L}])(?:come|comes|came|coming|stop|stops|stopped|drop|drops|dropped|pop|pops|popped|swing|swung|pass|passed|go|went)\s+$/u;

/** What may stand between two pieces of one time: spaces, or a spoken filler ("this morning like between …"). */
const JOINS_TIMES = new RegExp(`^\\s+(?:(?:${TIME_FILLERS})\\s+)?$`);
/** A bare part of the day ("morning", "the night"), as a span's whole text. */
const BARE_PART = new RegExp(`^(?:the\\s+)?${PART}$`);
/** Nouns a part of the day can qualify: "the night nurse", "her morning shift" are people and things, not times. */
const QUALIFIED_NOUN = new RegExp(
  String.raw`^\s+(?:nurse|nurses|carer|carers|caregiver|nanny|shift|staff|worker|workers|guard|watchman|porter|` +
    String.raw`light|lights|owl|visitor|visitors|bus|train|paper|post|news|person|people)(?![\p{L}])`,
  'u',
);

/**
 * A bare part of the day that is no time: a greeting ("morning! did anyone …", "good evening"), a word
 * qualifying a noun ("the night nurse") or "aft" on its own.
 */
function isGreetingOrModifier(lower: string, start: number, end: number): boolean {
  if (!BARE_PART.test(lower.slice(start, end))) return false;
  // "aft" is the afternoon only as a day's part ("this aft"), not on its own ("the aft deck")
  if (/aft$/.test(lower.slice(start, end))) return true;
  const before = lower.slice(0, start);
  if (/(?:^|[^\p{L}])good\s+$/u.test(before)) return true;
  if (/^[\s"'(]*(?:(?:hi|hey|oh|ok|okay)[\s,]+)?$/.test(before) && /^\s*[!,]/.test(lower.slice(end))) return true;
  return QUALIFIED_NOUN.test(lower.slice(end));
}

/**
 * Time spans of `text`, in order, non-overlapping. `routines` are the
 * household's routine phrases ("after dinner" → dinner).
 */
export function findTimeSpans(text: string, routines: ReadonlyArray<{ id: string; phrases: readonly string[] }> = []): TimeSpan[] {
  const lower = lowerSameLength(text);
  const pieces: Piece[] = [];
  const add = (from: number, end: number, routine?: string): void => {
    // whole words only
    if (isWordChar(lower[from - 1]) || isWordChar(lower[end])) return;
    // "come by yesterday" is a visit yesterday, not a deadline: the "by" stays with the verb
    const visit = /^by\s+(?![\d]|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midnight)\b)/.exec(
      lower.slice(from, end),
    );
    const start = visit !== null && VISIT_VERB.test(lower.slice(0, from)) ? from + visit[0].length : from;
    pieces.push(routine === undefined ? { start, end } : { start, end, routine });
  };
  for (const r of routines) {
    for (const p of r.phrases) {
      // with the word before it that says which side of the routine ("after grandpa's nap" is not the nap itself)
      const re = new RegExp(
        `(?:(?:just\\s+)?(?:${ROUTINE_SIDES}|through)\\s+)?(?:(?:the|my|our|his|her|their)\\s+)?` +
          escapeRe(p.toLowerCase()).replace(/\s+/g, '\\s+'),
        'g',
      );
      for (const m of lower.matchAll(re)) add(m.index, m.index + m[0].length, r.id);
    }
  }
  for (const m of lower.matchAll(SOLO)) {
    if (!isWordChar(lower[m.index - 1]) && !isWordChar(lower[m.index + m[0].length]))
      pieces.push({ start: m.index, end: m.index + m[0].length, solo: true });
  }
  for (const re of PATTERNS) {
    for (const m of lower.matchAll(re)) {
      if (!isGreetingOrModifier(lower, m.index, m.index + m[0].length)) add(m.index, m.index + m[0].length);
    }
  }
  // time words of other languages ("gestern abend", "hoje de manhã", "kal raat", "tối qua")
  for (const [start, end] of foreignTimePieces(lower)) add(start, end);
  // Longest first; earlier start on ties; drop pieces overlapping a kept one.
  pieces.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Piece[] = [];
  for (const p of pieces) if (!kept.some((k) => p.start < k.end && k.start < p.end)) kept.push(p);
  kept.sort((a, b) => a.start - b.start);
  // Merge pieces separated only by spaces or a spoken filler ("monday evening", "this morning like between ten and eleven").
  const merged: Piece[] = [];
  for (const p of kept) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.solo !== true && p.solo !== true && JOINS_TIMES.test(lower.slice(last.end, p.start))) {
      merged[merged.length - 1] = {
        start: last.start,
        end: p.end,
        ...(last.routine !== undefined ? { routine: last.routine } : p.routine !== undefined ? { routine: p.routine } : {}),
      };
    } else merged.push(p);
  }
  return merged.map((p) => ({
    start: p.start,
    end: p.end,
    phrase: repairTimePhrase(text.slice(p.start, p.end)),
    ...(p.routine !== undefined ? { routine: p.routine } : {}),
  }));
}
