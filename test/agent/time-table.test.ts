import t from 'tap';
import { requestIssues, resolveTimePhrase, type Routine } from '../../daemon/agent/planning/index.js';
import { detectMentions, repairTimePhrase } from '../../daemon/grounding/index.js';
import { formatIsoInZone } from '../../daemon/system/index.js';

/**
 * Issue #18 Build item 2 (time, complete) as one table: a phrase, the moment it is asked, the household's
 * timezone and the exact interval it must resolve to. Written by hand from the issue's wording and the way people
 * ask, before looking at any benchmark set. The household (the Brandts in Berlin, a second one in New York for
 * the US clock changes) has routines of its own: dinner, breakfast, Mia's bedtime and school, Leo's weekday nap.
 *
 * Conventions the rows pin (docs/agent.md, "Time phrases"):
 * - "at T" is T ± 30 min, "around/about T", "T-ish" T ± 45 min; a bare hour is its latest past occurrence;
 * - an interval about the past never ends after now; one that has not begun is an error, never a default;
 * - "tonight" asked during the evening or the night is the part of it that has passed (17:00 → now), like "this
 *   evening" and "this afternoon"; "earlier tonight" is 17:00 → now too (a standing order's "tonight" looks
 *   forward: the watches module's window, not this resolver);
 * - "after T" runs to the end of T's day, "until/before T" from the start of T's day;
 * - routines: "after R" = R's end → +2 h, "before R" = R's start − 2 h → start, "during/at R" = R, "since R" =
 *   R's start → now, on R's latest occurrence that has begun (or on the named day).
 */
const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

const ALL_DAYS: Routine['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WEEKDAYS: Routine['days'] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const ROUTINES: Routine[] = [
  { name: 'dinner', aliases: ['supper', 'tea'], start: '18:30', end: '19:15', days: ALL_DAYS },
  { name: 'breakfast', aliases: [], start: '07:00', end: '07:30', days: ALL_DAYS },
  { name: 'bedtime', aliases: ['lights out', 'bed'], start: '20:00', end: '20:30', days: ALL_DAYS },
  { name: 'nap', aliases: ['naptime'], start: '13:00', end: '14:30', days: WEEKDAYS },
  { name: 'school', aliases: [], start: '08:00', end: '15:00', days: WEEKDAYS },
];

// Wednesday 16 September 2026 in Berlin (CEST, +02:00) at various hours.
const W0700 = '2026-09-16T07:00:00+02:00';
const W1000 = '2026-09-16T10:00:00+02:00';
const W1330 = '2026-09-16T13:30:00+02:00';
const W1500 = '2026-09-16T15:00:00+02:00';
const W1700 = '2026-09-16T17:00:00+02:00';
const W2100 = '2026-09-16T21:00:00+02:00';
const W2330 = '2026-09-16T23:30:00+02:00';
const TH0100 = '2026-09-17T01:00:00+02:00';
const TH0200 = '2026-09-17T02:00:00+02:00';
const MON0900 = '2026-09-14T09:00:00+02:00';
const SAT1700 = '2026-09-19T17:00:00+02:00';

type Row = readonly [phrase: string, now: string, tz: string, start: string, end: string];

const d = (day: string, hm: string, off = '+02:00'): string => `2026-${day}T${hm}:00${off}`;

const ROWS: readonly Row[] = [
  // weekdays: the latest such day, never today by default; "this <today>" is today so far
  ['on tuesday', W1500, BERLIN, d('09-15', '00:00'), d('09-16', '00:00')],
  ['last friday', W1500, BERLIN, d('09-11', '00:00'), d('09-12', '00:00')],
  ['on sunday', W1500, BERLIN, d('09-13', '00:00'), d('09-14', '00:00')],
  ['on thursday', W1500, BERLIN, d('09-10', '00:00'), d('09-11', '00:00')],
  ['this monday', W1500, BERLIN, d('09-14', '00:00'), d('09-15', '00:00')],
  ['this past monday', W1500, BERLIN, d('09-14', '00:00'), d('09-15', '00:00')],
  ['last wednesday', W1500, BERLIN, d('09-09', '00:00'), d('09-10', '00:00')],
  ['this monday', MON0900, BERLIN, d('09-14', '00:00'), d('09-14', '09:00')],
  ['tuesday evening', W1500, BERLIN, d('09-15', '17:00'), d('09-15', '22:00')],
  ['friday night', W1500, BERLIN, d('09-11', '22:00'), d('09-12', '06:00')],
  ['monday morning', W1500, BERLIN, d('09-14', '06:00'), d('09-14', '12:00')],
  ['last saturday afternoon', W1500, BERLIN, d('09-12', '12:00'), d('09-12', '18:00')],
  ['on monday at 8pm', W1500, BERLIN, d('09-14', '19:30'), d('09-14', '20:30')],
  ['saturday between 2 and 4', W1500, BERLIN, d('09-12', '14:00'), d('09-12', '16:00')],
  ['sunday around 11am', W1500, BERLIN, d('09-13', '10:15'), d('09-13', '11:45')],

  // "at" ±30 min, "around"/"about"/"-ish" ±45 min, spoken clock forms
  ['around 5', W2100, BERLIN, d('09-16', '16:15'), d('09-16', '17:45')],
  ['around five', W2100, BERLIN, d('09-16', '16:15'), d('09-16', '17:45')],
  ['about half past 7', W2100, BERLIN, d('09-16', '18:45'), d('09-16', '20:15')],
  ['7ish', W2100, BERLIN, d('09-16', '18:15'), d('09-16', '19:45')],
  ['at 7pm', W2100, BERLIN, d('09-16', '18:30'), d('09-16', '19:30')],
  ['at 7', W2100, BERLIN, d('09-16', '18:30'), d('09-16', '19:30')],
  ['at 7', W1000, BERLIN, d('09-16', '06:30'), d('09-16', '07:30')],
  ['around noon', W2100, BERLIN, d('09-16', '11:15'), d('09-16', '12:45')],
  ['at noon', W2100, BERLIN, d('09-16', '11:30'), d('09-16', '12:30')],
  ['at midnight', W1000, BERLIN, d('09-15', '23:30'), d('09-16', '00:30')],
  ['roughly quarter past 6', W2100, BERLIN, d('09-16', '17:30'), d('09-16', '19:00')],
  ['at quarter to 8', W2100, BERLIN, d('09-16', '19:15'), d('09-16', '20:15')],
  ['at 6 this morning', W2100, BERLIN, d('09-16', '05:30'), d('09-16', '06:30')],
  ['at 8 in the evening', W2100, BERLIN, d('09-16', '19:30'), d('09-16', '20:30')],
  ['around 3 in the afternoon', W2100, BERLIN, d('09-16', '14:15'), d('09-16', '15:45')],
  ['yesterday morning around 8', W2100, BERLIN, d('09-15', '07:15'), d('09-15', '08:45')],
  ['around 10 last night', W1000, BERLIN, d('09-15', '21:15'), d('09-15', '22:45')],
  ['at about 17:30', W2100, BERLIN, d('09-16', '16:45'), d('09-16', '18:15')],
  ["at 5 o'clock", W2100, BERLIN, d('09-16', '16:30'), d('09-16', '17:30')],

  // parts of the day, asked at different hours
  ['tonight', W2330, BERLIN, d('09-16', '17:00'), d('09-16', '23:30')],
  ['tonight', TH0100, BERLIN, d('09-16', '17:00'), d('09-17', '01:00')],
  ['tonight', W2100, BERLIN, d('09-16', '17:00'), d('09-16', '21:00')],
  ['earlier tonight', W2330, BERLIN, d('09-16', '17:00'), d('09-16', '23:30')],
  ['this morning', W0700, BERLIN, d('09-16', '06:00'), d('09-16', '07:00')],
  ['this morning', W1500, BERLIN, d('09-16', '06:00'), d('09-16', '12:00')],
  ['this afternoon', W2100, BERLIN, d('09-16', '12:00'), d('09-16', '18:00')],
  ['this afternoon', W1330, BERLIN, d('09-16', '12:00'), d('09-16', '13:30')],
  ['this evening', W2100, BERLIN, d('09-16', '17:00'), d('09-16', '21:00')],
  ['this evening', W2330, BERLIN, d('09-16', '17:00'), d('09-16', '22:00')],
  ['in the morning', W1500, BERLIN, d('09-16', '06:00'), d('09-16', '12:00')],
  ['in the evening', W1000, BERLIN, d('09-15', '17:00'), d('09-15', '22:00')],
  ['at night', W1000, BERLIN, d('09-15', '22:00'), d('09-16', '06:00')],
  ['early this morning', W1500, BERLIN, d('09-16', '06:00'), d('09-16', '09:00')],
  ['late this afternoon', W2100, BERLIN, d('09-16', '15:00'), d('09-16', '18:00')],
  ['at lunchtime', W2100, BERLIN, d('09-16', '11:00'), d('09-16', '14:00')],

  // spans across midnight
  ['between 11pm and 1am', W1000, BERLIN, d('09-15', '23:00'), d('09-16', '01:00')],
  ['overnight', W1000, BERLIN, d('09-15', '22:00'), d('09-16', '06:00')],
  ['last night', W1000, BERLIN, d('09-15', '22:00'), d('09-16', '06:00')],
  ['last night', TH0200, BERLIN, d('09-16', '22:00'), d('09-17', '02:00')],
  ['from 10pm to 2am', W1000, BERLIN, d('09-15', '22:00'), d('09-16', '02:00')],
  ['between 22:00 and 02:00', W1000, BERLIN, d('09-15', '22:00'), d('09-16', '02:00')],
  ['last night after midnight', W1000, BERLIN, d('09-16', '00:00'), d('09-16', '06:00')],
  ['between 11 and 1 last night', W1000, BERLIN, d('09-15', '23:00'), d('09-16', '01:00')],
  ['yesterday between 11pm and 1am', W1000, BERLIN, d('09-15', '23:00'), d('09-16', '01:00')],
  ['during the night', W1000, BERLIN, d('09-15', '22:00'), d('09-16', '06:00')],

  // 12 and 24 hour clocks, noon and midnight
  ['at 19:30', W2100, BERLIN, d('09-16', '19:00'), d('09-16', '20:00')],
  ['at 07:30', W2100, BERLIN, d('09-16', '07:00'), d('09-16', '08:00')],
  ['between noon and 2', W2100, BERLIN, d('09-16', '12:00'), d('09-16', '14:00')],
  ['from midnight to 6am', W2100, BERLIN, d('09-16', '00:00'), d('09-16', '06:00')],
  ['at 12pm', W2100, BERLIN, d('09-16', '11:30'), d('09-16', '12:30')],
  ['at 12am', W1000, BERLIN, d('09-15', '23:30'), d('09-16', '00:30')],
  ['between 2 and 3pm', W2100, BERLIN, d('09-16', '14:00'), d('09-16', '15:00')],
  ['since noon', W2100, BERLIN, d('09-16', '12:00'), d('09-16', '21:00')],
  ['since midnight', W2100, BERLIN, d('09-16', '00:00'), d('09-16', '21:00')],

  // whole days
  ['yesterday evening', W2100, BERLIN, d('09-15', '17:00'), d('09-15', '22:00')],
  ['the day before yesterday', W2100, BERLIN, d('09-14', '00:00'), d('09-15', '00:00')],
  ['day before yesterday in the afternoon', W2100, BERLIN, d('09-14', '12:00'), d('09-14', '18:00')],
  ['yesterday at 3pm', W2100, BERLIN, d('09-15', '14:30'), d('09-15', '15:30')],
  ['two days ago', W2100, BERLIN, d('09-14', '00:00'), d('09-15', '00:00')],
  ['yesterday', W2100, BERLIN, d('09-15', '00:00'), d('09-16', '00:00')],
  ['today', W2100, BERLIN, d('09-16', '00:00'), d('09-16', '21:00')],
  ['earlier today', W2100, BERLIN, d('09-16', '00:00'), d('09-16', '21:00')],
  ['so far today', W2100, BERLIN, d('09-16', '00:00'), d('09-16', '21:00')],

  // durations, "since", "until", "before", "after", "ago", weeks
  ['in the last 2 hours', W2100, BERLIN, d('09-16', '19:00'), d('09-16', '21:00')],
  ['in the last hour', W2100, BERLIN, d('09-16', '20:00'), d('09-16', '21:00')],
  ['for the last half hour', W2100, BERLIN, d('09-16', '20:30'), d('09-16', '21:00')],
  ['this morning like between 9 and 10', W1500, BERLIN, d('09-16', '09:00'), d('09-16', '10:00')],
  ['in the past 15 minutes', W2100, BERLIN, d('09-16', '20:45'), d('09-16', '21:00')],
  ['the last couple of hours', W2100, BERLIN, d('09-16', '19:00'), d('09-16', '21:00')],
  ['in the last half hour', W2100, BERLIN, d('09-16', '20:30'), d('09-16', '21:00')],
  ['since 6', W2100, BERLIN, d('09-16', '18:00'), d('09-16', '21:00')],
  ['since 6', W1000, BERLIN, d('09-16', '06:00'), d('09-16', '10:00')],
  ['since 6 this morning', W2100, BERLIN, d('09-16', '06:00'), d('09-16', '21:00')],
  ['since yesterday', W2100, BERLIN, d('09-15', '00:00'), d('09-16', '21:00')],
  ['until 11pm', W2330, BERLIN, d('09-16', '00:00'), d('09-16', '23:00')],
  ['until 8 this morning', W2100, BERLIN, d('09-16', '00:00'), d('09-16', '08:00')],
  ['before 7am', W1000, BERLIN, d('09-16', '00:00'), d('09-16', '07:00')],
  ['after 9pm', W2330, BERLIN, d('09-16', '21:00'), d('09-16', '23:30')],
  ['2 hours ago', W2100, BERLIN, d('09-16', '18:00'), d('09-16', '20:00')],
  ['30 minutes ago', W2100, BERLIN, d('09-16', '20:15'), d('09-16', '20:45')],
  ['this week', W2100, BERLIN, d('09-14', '00:00'), d('09-16', '21:00')],
  ['last week', W2100, BERLIN, d('09-07', '00:00'), d('09-14', '00:00')],
  ['last weekend', W2100, BERLIN, d('09-12', '00:00'), d('09-14', '00:00')],
  ['over the weekend', W2100, BERLIN, d('09-12', '00:00'), d('09-14', '00:00')],
  ['recently', W2100, BERLIN, d('09-16', '20:00'), d('09-16', '21:00')],

  // DST in Berlin: spring forward Sun 29 Mar 2026 02:00 → 03:00, fall back Sun 25 Oct 2026 03:00 → 02:00
  ['yesterday', '2026-03-30T12:00:00+02:00', BERLIN, d('03-29', '00:00', '+01:00'), d('03-30', '00:00')],
  ['last night', '2026-03-29T10:00:00+02:00', BERLIN, d('03-28', '22:00', '+01:00'), d('03-29', '06:00')],
  ['between 1am and 4am', '2026-03-29T10:00:00+02:00', BERLIN, d('03-29', '01:00', '+01:00'), d('03-29', '04:00')],
  ['last night', '2026-10-25T10:00:00+01:00', BERLIN, d('10-24', '22:00'), d('10-25', '06:00', '+01:00')],
  ['between 2 and 3 am', '2026-10-25T10:00:00+01:00', BERLIN, d('10-25', '02:00'), d('10-25', '03:00', '+01:00')],
  ['in the last 3 hours', '2026-10-25T03:30:00+01:00', BERLIN, d('10-25', '01:30'), d('10-25', '03:30', '+01:00')],
  ['today', '2026-10-25T12:00:00+01:00', BERLIN, d('10-25', '00:00'), d('10-25', '12:00', '+01:00')],

  // DST in New York: spring forward Sun 8 Mar 2026 02:00 → 03:00, fall back Sun 1 Nov 2026 02:00 → 01:00
  ['last night', '2026-03-08T09:00:00-04:00', NEW_YORK, d('03-07', '22:00', '-05:00'), d('03-08', '06:00', '-04:00')],
  ['yesterday', '2026-11-02T12:00:00-05:00', NEW_YORK, d('11-01', '00:00', '-04:00'), d('11-02', '00:00', '-05:00')],
  ['between midnight and 3am', '2026-11-01T10:00:00-05:00', NEW_YORK, d('11-01', '00:00', '-04:00'), d('11-01', '03:00', '-05:00')],
  ['at 1:30am', '2026-11-01T10:00:00-05:00', NEW_YORK, d('11-01', '01:00', '-04:00'), d('11-01', '01:00', '-05:00')],
  ['in the last 2 hours', '2026-11-01T01:30:00-05:00', NEW_YORK, d('11-01', '00:30', '-04:00'), d('11-01', '01:30', '-05:00')],
  ['yesterday evening', '2026-09-16T21:00:00-04:00', NEW_YORK, d('09-15', '17:00', '-04:00'), d('09-15', '22:00', '-04:00')],
  ['around 5', '2026-09-16T21:00:00-04:00', NEW_YORK, d('09-16', '16:15', '-04:00'), d('09-16', '17:45', '-04:00')],

  // more of how people put it
  ['a few minutes ago', W2100, BERLIN, d('09-16', '20:50'), d('09-16', '21:00')],
  ['a couple of hours ago', W2100, BERLIN, d('09-16', '18:00'), d('09-16', '20:00')],
  ['since last night', W2100, BERLIN, d('09-15', '22:00'), d('09-16', '21:00')],
  ['around lunchtime', W2100, BERLIN, d('09-16', '11:00'), d('09-16', '14:00')],
  ['all night', W1000, BERLIN, d('09-15', '22:00'), d('09-16', '06:00')],
  ['in the middle of the night', W1000, BERLIN, d('09-16', '00:00'), d('09-16', '04:00')],
  ['late last night', W1000, BERLIN, d('09-15', '23:00'), d('09-16', '03:00')],
  ['from 9 till 5', W2100, BERLIN, d('09-16', '09:00'), d('09-16', '17:00')],
  ['yesterday between 9 and 5', W2100, BERLIN, d('09-15', '09:00'), d('09-15', '17:00')],
  ['between 11 and 1', W2100, BERLIN, d('09-16', '11:00'), d('09-16', '13:00')],
  ['earlier', W2100, BERLIN, d('09-16', '00:00'), d('09-16', '21:00')],
  ['on tues', W1500, BERLIN, d('09-15', '00:00'), d('09-16', '00:00')],
  ['tues evening', W1500, BERLIN, d('09-15', '17:00'), d('09-15', '22:00')],
  ['last thurs', W1500, BERLIN, d('09-10', '00:00'), d('09-11', '00:00')],
  ['this afternoon around 3', W2100, BERLIN, d('09-16', '14:15'), d('09-16', '15:45')],
  ['last night around 11', W1000, BERLIN, d('09-15', '22:15'), d('09-15', '23:45')],
  ['this morning before 8', W2100, BERLIN, d('09-16', '00:00'), d('09-16', '08:00')],
  ['since monday', W2100, BERLIN, d('09-14', '00:00'), d('09-16', '21:00')],
  ['between 5 and 6 yesterday', W2100, BERLIN, d('09-15', '17:00'), d('09-15', '18:00')],
  ['at 3 in the morning', W2100, BERLIN, d('09-16', '02:30'), d('09-16', '03:30')],
  ['monday between 9am and noon', W2100, BERLIN, d('09-14', '09:00'), d('09-14', '12:00')],

  // the household's routines
  ['after dinner', W2330, BERLIN, d('09-16', '19:15'), d('09-16', '21:15')],
  ['after dinner', W1000, BERLIN, d('09-15', '19:15'), d('09-15', '21:15')],
  ['after supper', W2330, BERLIN, d('09-16', '19:15'), d('09-16', '21:15')],
  ['during dinner', W2330, BERLIN, d('09-16', '18:30'), d('09-16', '19:15')],
  ['before bedtime', W2330, BERLIN, d('09-16', '18:00'), d('09-16', '20:00')],
  ['at bedtime', W2330, BERLIN, d('09-16', '20:00'), d('09-16', '20:30')],
  ['during his nap', W1500, BERLIN, d('09-16', '13:00'), d('09-16', '14:30')],
  ['after school', W1700, BERLIN, d('09-16', '15:00'), d('09-16', '17:00')],
  ['after school', SAT1700, BERLIN, d('09-18', '15:00'), d('09-18', '17:00')],
  ['since breakfast', W1000, BERLIN, d('09-16', '07:00'), d('09-16', '10:00')],
  // a part of the day beside a routine only names the day
  ['at breakfast this morning', W1000, BERLIN, d('09-16', '07:00'), d('09-16', '07:30')],
  ['this morning at breakfast', W1000, BERLIN, d('09-16', '07:00'), d('09-16', '07:30')],
  ['yesterday after dinner', W2100, BERLIN, d('09-15', '19:15'), d('09-15', '21:15')],
  ['on monday during the nap', W2100, BERLIN, d('09-14', '13:00'), d('09-14', '14:30')],
  // texting shorthand and dropped letters, as people type them
  ['rn', W2100, BERLIN, d('09-16', '20:55'), d('09-16', '21:00')],
  ['atm', W2100, BERLIN, d('09-16', '20:55'), d('09-16', '21:00')],
  ['2day', W1500, BERLIN, d('09-16', '00:00'), d('09-16', '15:00')],
  ['yday', W1500, BERLIN, d('09-15', '00:00'), d('09-16', '00:00')],
  ['this mornin', W1500, BERLIN, d('09-16', '06:00'), d('09-16', '12:00')],
  ['yesterday arvo', W1500, BERLIN, d('09-15', '12:00'), d('09-15', '18:00')],
  ['this aft', W1500, BERLIN, d('09-16', '12:00'), d('09-16', '15:00')],
  ['this morn', W1500, BERLIN, d('09-16', '06:00'), d('09-16', '12:00')],
  ['@ 8', W2100, BERLIN, d('09-16', '19:30'), d('09-16', '20:30')],
  ['the day', W1500, BERLIN, d('09-16', '00:00'), d('09-16', '15:00')],
  // "all day" alone is today's; "after dark" from the evening to the night's end, the night before before evening
  ['all day', W1500, BERLIN, d('09-16', '00:00'), d('09-16', '15:00')],
  ['after dark', W2100, BERLIN, d('09-16', '17:00'), d('09-16', '21:00')],
  ['after dark', W1500, BERLIN, d('09-15', '17:00'), d('09-16', '06:00')],
  // "a clip from this morning": "from" that starts no range
  ['from this morning', W1500, BERLIN, d('09-16', '06:00'), d('09-16', '12:00')],
  ['from yesterday', W1500, BERLIN, d('09-15', '00:00'), d('09-16', '00:00')],
  // an ISO date with "on" before it (the resolver read only the bare date)
  ['on 2026-09-14', W1500, BERLIN, d('09-14', '00:00'), d('09-15', '00:00')],
  // "half 12" is British for half past twelve
  ['around half 12', W1500, BERLIN, d('09-16', '11:45'), d('09-16', '13:15')],
  ['at half 7', W2100, BERLIN, d('09-16', '19:00'), d('09-16', '20:00')],
];

const resolve = (phrase: string, now: string, tz: string, routines: readonly Routine[] = ROUTINES): [string, string] => {
  const r = resolveTimePhrase(phrase, Date.parse(now), tz, { routines });
  return [formatIsoInZone(r.startMs, tz), formatIsoInZone(r.endMs, tz)];
};

t.test(`the time table: ${ROWS.length} phrases resolve to their exact intervals`, async (t) => {
  t.ok(ROWS.length >= 80, 'at least 80 rows');
  for (const [phrase, now, tz, start, end] of ROWS) {
    let got: [string, string] | string;
    try {
      got = resolve(phrase, now, tz);
    } catch (err) {
      got = `${(err as { code?: string }).code}: ${(err as Error).message}`;
    }
    t.same(got, [start, end], `"${phrase}" asked ${now} (${tz})`);
  }
});

t.test('grounding finds every phrase of the table in a question as one time mention with the same interval', async (t) => {
  // The planner model plans over these mentions and the retrieval planner's slots come from them: a phrase cut
  // short here would reach resolve_time cut short, whichever planner runs.
  for (const [phrase, now, tz, start, end] of ROWS) {
    const { mentions } = detectMentions(`who was in the kitchen ${phrase}?`, {
      timezone: tz,
      now,
      people: [],
      cameras: [{ id: 'kitchen', room: 'kitchen' }],
      routines: ROUTINES.map((r) => ({ id: r.name, phrases: [r.name, ...r.aliases] })),
      resolveTime: (p, nowMs, zone) => resolveTimePhrase(p, nowMs, zone, { routines: ROUTINES }),
    });
    // (a household routine's phrase also names the routine: not part of the interval)
    const times = mentions
      .filter((m) => m.kind === 'time')
      .map((m) => {
        const { routine: _routine, ...rest } = m.resolved as Extract<NonNullable<typeof m.resolved>, { kind: 'time' }>;
        return rest;
      });
    // the mention carries the phrase with texted and misspelt words repaired ("rn" → "right now")
    t.same(times, [{ kind: 'time', phrase: repairTimePhrase(phrase), start, end, day: start.slice(0, 10) }], `"${phrase}" asked ${now}`);
  }
});

t.test('routine phrases name their source, so the answer can say which routine it used', async (t) => {
  const after = resolveTimePhrase('after dinner', Date.parse(W2330), BERLIN, { routines: ROUTINES });
  t.equal(after.source, 'dinner is 18:30–19:15 per your routine');
  const nap = resolveTimePhrase('during his nap', Date.parse(W1500), BERLIN, { routines: ROUTINES });
  t.equal(nap.source, 'nap is 13:00–14:30 per your routine');
  const learned: Routine = { ...ROUTINES[0]!, start: '19:00', end: '19:45', origin: 'as you told me on 2026-09-01' };
  const fromMemory = resolveTimePhrase('after dinner', Date.parse(W2330), BERLIN, { routines: [learned] });
  t.equal(fromMemory.source, 'dinner is 19:00–19:45 as you told me on 2026-09-01', 'a routine learned from memory says so');
  t.equal(resolveTimePhrase('yesterday', Date.parse(W2100), BERLIN, { routines: ROUTINES }).source, undefined);
});

t.test('a routine is found by another word for it when the household has no routine called that word', async (t) => {
  const at = (phrase: string, routines: readonly Routine[]) => {
    const r = resolveTimePhrase(phrase, Date.parse(W2330), BERLIN, { routines });
    return [r.startMs, r.endMs, r.source];
  };
  const dinner: Routine = { name: 'dinner', aliases: [], start: '18:30', end: '19:15', days: ALL_DAYS };
  const breakfast: Routine = { name: 'breakfast', aliases: [], start: '07:00', end: '07:30', days: ALL_DAYS };
  t.same(at('after supper', [dinner, breakfast]), at('after dinner', [dinner, breakfast]), 'supper is dinner');
  t.same(at('at tea', [dinner]), at('at dinner', [dinner]), 'tea is dinner');
  t.same(at('before brekkie', [dinner, breakfast]), at('before breakfast', [dinner, breakfast]), 'brekkie is breakfast');
  // a routine called that word wins; two routines the word could mean are not guessed between
  const tea: Routine = { name: 'tea', aliases: [], start: '16:00', end: '16:30', days: ALL_DAYS };
  t.same(at('after tea', [dinner, tea]), at('after tea', [tea]), "the household's own tea");
  const supper: Routine = { name: 'supper', aliases: [], start: '21:00', end: '21:30', days: ALL_DAYS };
  t.throws(() => at('after tea', [dinner, supper]), { code: 'E_TIME_PHRASE', context: { reason: 'unknown_routine' } });
  t.throws(() => at('after the walk', [dinner]), { code: 'E_TIME_PHRASE', context: { reason: 'unknown_routine' } });
});

/** Phrases that cannot be resolved: an E_TIME_PHRASE error whose reason says why, never a silent default. */
const FAILS: ReadonlyArray<readonly [phrase: string, now: string, reason: string, message: RegExp]> = [
  ['when the moon is blue', W2100, 'not_understood', /cannot understand the time "when the moon is blue"/],
  ['tomorrow', W2100, 'not_begun', /has not begun yet/],
  ['next tuesday', W2100, 'not_begun', /has not begun yet/],
  ['next week', W2100, 'not_begun', /has not begun yet/],
  ['this evening', W1500, 'not_begun', /has not begun yet/],
  ['tonight', W1500, 'not_begun', /has not begun yet/],
  ['after the walk', W2100, 'unknown_routine', /"walk" is not one of the household's routines \(dinner, breakfast, bedtime, nap, school\)/],
  ['saturday during the nap', W2100, 'no_routine_that_day', /no nap routine on sat/],
  ['at 25:00', W2100, 'not_understood', /cannot understand/],
  ['between 7 and', W2100, 'not_understood', /cannot understand/],
  ['after that', W2100, 'needs_previous', /earlier question/],
  ['the night before', W2100, 'needs_previous', /earlier question/],
];

t.test('"the night before?" after an earlier question is its time a day earlier; "the next day" a day later', async (t) => {
  const lastNight = resolveTimePhrase('last night', Date.parse(W2100), BERLIN);
  const shifted = (phrase: string) => resolveTimePhrase(phrase, Date.parse(W2100), BERLIN, { previous: lastNight });
  for (const phrase of ['the night before', 'and the day before', 'the previous night']) {
    t.same([shifted(phrase).startMs, shifted(phrase).endMs], [Date.parse(d('09-14', '22:00')), Date.parse(d('09-15', '06:00'))], phrase);
  }
  const yesterdayMorning = resolveTimePhrase('yesterday morning', Date.parse(W2100), BERLIN);
  const next = resolveTimePhrase('the next day', Date.parse(W2100), BERLIN, { previous: yesterdayMorning });
  t.same([next.startMs, next.endMs], [Date.parse(d('09-16', '06:00')), Date.parse(d('09-16', '12:00'))], 'the next day');
});

t.test('phrases that cannot be resolved fail with E_TIME_PHRASE and their reason', async (t) => {
  for (const [phrase, now, reason, message] of FAILS) {
    t.throws(() => resolve(phrase, now, BERLIN), { code: 'E_TIME_PHRASE', message, context: { phrase, reason } }, phrase);
  }
});

t.test('an unresolvable phrase is a validation issue before the plan runs', async (t) => {
  const household = { people: [], rooms: ['hall'], cameras: ['hall'], routines: ROUTINES };
  const plan = (phrase: string) => ({
    task_steps: ['Step 1: resolve_time', 'Step 2: query_events'],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase } },
      { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>' } },
    ],
    task_links: [{ source: 'resolve_time', target: 'query_events' }],
  });
  const issues = (question: string, phrase: string) =>
    requestIssues(plan(phrase), { question, now: W2100, timezone: BERLIN, household }).filter((i) => i.code === 'E_TIME_PHRASE');
  t.same(issues('what happened after dinner', 'after dinner'), [], 'a routine phrase resolves');
  const walk = issues('what happened after the walk', 'after the walk');
  t.equal(walk.length, 1);
  t.match(walk[0]!.message, /"walk" is not one of the household's routines.*household\.routines/);
  t.match(issues('who came by tomorrow', 'tomorrow')[0]?.message, /has not begun yet/);
  // a colon after the phrase is punctuation, one inside a clock time is not
  t.same(issues('the hall yesterday: who was there?', 'yesterday'), [], 'a phrase before a colon is in the question');
  t.same(issues('the hall in the past 6 hours: anyone?', 'in the past 6 hours'), []);
  t.same(issues('who was in the hall at 13:00', 'at 13:00'), []);
  t.equal(issues('who was in the hall at 13:00', 'at 13').length, 1, 'a clock time is not cut at its colon');
});
