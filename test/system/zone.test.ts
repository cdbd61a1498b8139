import t from 'tap';
import fc from 'fast-check';
import {
  HomeSightError,
  formatIsoInZone,
  isValidTimezone,
  zonedDay,
  zoneOffsetMs,
  zonedParts,
  zonedToUtc,
} from '../../daemon/system/index.js';
import { type ZonedFields } from '../../daemon/system/zone.js';

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
/** UTC instant of the wall time, written back in the zone: what a person would read on the clock. */
const wall = (f: ZonedFields, tz: string): string => formatIsoInZone(zonedToUtc(f, tz), tz);

t.test('zonedParts: local fields with weekday (0 = Sunday); midnight is hour 0', async (t) => {
  t.same(zonedParts(Date.parse('2026-03-29T00:59:59.999Z'), 'Europe/Berlin'), {
    year: 2026,
    month: 3,
    day: 29,
    hour: 1,
    minute: 59,
    second: 59,
    weekday: 0,
  });
  t.same(
    zonedParts(Date.parse('2026-03-29T01:00:00Z'), 'Europe/Berlin'),
    { year: 2026, month: 3, day: 29, hour: 3, minute: 0, second: 0, weekday: 0 },
    'clocks jump 02:00 → 03:00',
  );
  t.same(zonedParts(Date.parse('2026-06-14T22:00:00Z'), 'Europe/Berlin'), {
    year: 2026,
    month: 6,
    day: 15,
    hour: 0,
    minute: 0,
    second: 0,
    weekday: 1,
  });
  t.same(zonedParts(Date.parse('2026-01-06T15:30:00Z'), 'Asia/Kolkata'), {
    year: 2026,
    month: 1,
    day: 6,
    hour: 21,
    minute: 0,
    second: 0,
    weekday: 2,
  });
  t.equal(zonedDay(Date.parse('2026-06-14T22:00:00Z'), 'Europe/Berlin'), '2026-06-15');
  t.equal(zonedDay(Date.parse('2026-06-14T22:00:00Z'), 'UTC'), '2026-06-14');
});

t.test('zoneOffsetMs: local − UTC, whole and half-hour zones, both hemispheres', async (t) => {
  const jan = Date.UTC(2026, 0, 15);
  const jul = Date.UTC(2026, 6, 15);
  t.equal(zoneOffsetMs(jan, 'Europe/Berlin'), 1 * HOUR);
  t.equal(zoneOffsetMs(jul, 'Europe/Berlin'), 2 * HOUR);
  t.equal(zoneOffsetMs(jan, 'America/New_York'), -5 * HOUR);
  t.equal(zoneOffsetMs(jul, 'America/New_York'), -4 * HOUR);
  t.equal(zoneOffsetMs(jan, 'Asia/Kolkata'), 5.5 * HOUR);
  t.equal(zoneOffsetMs(jan, 'Australia/Lord_Howe'), 11 * HOUR, 'Lord Howe summer: +11:00');
  t.equal(zoneOffsetMs(jul, 'Australia/Lord_Howe'), 10.5 * HOUR, 'Lord Howe winter: +10:30 (a 30-minute DST)');
  t.equal(zoneOffsetMs(jan + 999, 'UTC'), 0, 'milliseconds do not leak into the offset');
});

t.test('Europe/Berlin spring forward (2026-03-29, 02:00 → 03:00): a skipped time moves forward by the gap', async (t) => {
  t.equal(wall({ year: 2026, month: 3, day: 29, hour: 1, minute: 59 }, 'Europe/Berlin'), '2026-03-29T01:59:00+01:00');
  t.equal(
    wall({ year: 2026, month: 3, day: 29, hour: 2, minute: 0 }, 'Europe/Berlin'),
    '2026-03-29T03:00:00+02:00',
    'the start of the gap is the first instant after it',
  );
  t.equal(iso(zonedToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin')), '2026-03-29T01:30:00.000Z');
  t.equal(
    wall({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin'),
    '2026-03-29T03:30:00+02:00',
    'read with the offset before the gap (+01:00)',
  );
  t.equal(wall({ year: 2026, month: 3, day: 29, hour: 3, minute: 0 }, 'Europe/Berlin'), '2026-03-29T03:00:00+02:00');
  const day =
    zonedToUtc({ year: 2026, month: 3, day: 30 }, 'Europe/Berlin') - zonedToUtc({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin');
  t.equal(day, 23 * HOUR, 'the local day is 23 hours long');
});

t.test('Europe/Berlin fall back (2026-10-25, 03:00 → 02:00): a repeated time resolves to its first occurrence', async (t) => {
  const first = zonedToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin');
  t.equal(iso(first), '2026-10-25T00:30:00.000Z', '02:30 CEST, not 02:30 CET (01:30Z)');
  t.equal(zoneOffsetMs(first, 'Europe/Berlin'), 2 * HOUR);
  t.equal(formatIsoInZone(first + HOUR, 'Europe/Berlin'), '2026-10-25T02:30:00+01:00', 'the second occurrence is an hour later');
  t.equal(iso(zonedToUtc({ year: 2026, month: 10, day: 25, hour: 3 }, 'Europe/Berlin')), '2026-10-25T02:00:00.000Z', '03:00 happens once');
  t.equal(
    zonedToUtc({ year: 2026, month: 10, day: 26 }, 'Europe/Berlin') - zonedToUtc({ year: 2026, month: 10, day: 25 }, 'Europe/Berlin'),
    25 * HOUR,
  );
});

t.test('America/New_York: gaps move forward and overlaps take the first occurrence west of UTC too', async (t) => {
  // Two of the old copies (a two-pass offset fix-up) resolved 02:30 on the spring-forward night to 01:30 EST.
  t.equal(wall({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York'), '2026-03-08T03:30:00-04:00');
  t.equal(
    iso(zonedToUtc({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York')),
    '2026-11-01T05:30:00.000Z',
    '01:30 EDT, not 01:30 EST',
  );
  t.equal(wall({ year: 2026, month: 7, day: 4, hour: 21 }, 'America/New_York'), '2026-07-04T21:00:00-04:00');
});

t.test('Asia/Kolkata: a fixed +05:30 offset', async (t) => {
  t.equal(iso(zonedToUtc({ year: 2026, month: 1, day: 6, hour: 21 }, 'Asia/Kolkata')), '2026-01-06T15:30:00.000Z');
  t.equal(formatIsoInZone(Date.parse('2026-01-06T15:30:00Z'), 'Asia/Kolkata'), '2026-01-06T21:00:00+05:30');
});

t.test('Australia/Lord_Howe: a 30-minute DST', async (t) => {
  // 2026-10-04 02:00 → 02:30; 2026-04-05 02:00 → 01:30.
  t.equal(
    wall({ year: 2026, month: 10, day: 4, hour: 2, minute: 15 }, 'Australia/Lord_Howe'),
    '2026-10-04T02:45:00+11:00',
    'the gap is 30 minutes',
  );
  t.equal(wall({ year: 2026, month: 10, day: 4, hour: 2, minute: 30 }, 'Australia/Lord_Howe'), '2026-10-04T02:30:00+11:00');
  const first = zonedToUtc({ year: 2026, month: 4, day: 5, hour: 1, minute: 45 }, 'Australia/Lord_Howe');
  t.equal(iso(first), '2026-04-04T14:45:00.000Z', 'first 01:45 (+11:00)');
  t.equal(formatIsoInZone(first + 30 * 60_000, 'Australia/Lord_Howe'), '2026-04-05T01:45:00+10:30', 'the second one 30 minutes later');
});

t.test('offsets beyond ±12 h: Chatham (+13:45) and Auckland (+13) overlaps take the first occurrence', async (t) => {
  // The memory copy looked only ±12 h around the wall time and missed the +13:45 offset here.
  t.equal(iso(zonedToUtc({ year: 2026, month: 4, day: 5, hour: 2, minute: 45 }, 'Pacific/Chatham')), '2026-04-04T13:00:00.000Z');
  t.equal(wall({ year: 2026, month: 4, day: 5, hour: 2, minute: 45 }, 'Pacific/Chatham'), '2026-04-05T02:45:00+13:45');
  t.equal(wall({ year: 2026, month: 4, day: 5, hour: 2, minute: 30 }, 'Pacific/Auckland'), '2026-04-05T02:30:00+13:00');
});

t.test('Pacific/Apia skipped 2011-12-30 entirely (−10:00 → +14:00)', async (t) => {
  t.equal(wall({ year: 2011, month: 12, day: 29, hour: 23, minute: 59 }, 'Pacific/Apia'), '2011-12-29T23:59:00-10:00');
  t.equal(
    wall({ year: 2011, month: 12, day: 30, hour: 0 }, 'Pacific/Apia'),
    '2011-12-31T00:00:00+14:00',
    'the skipped midnight is the first instant after the gap',
  );
  t.equal(wall({ year: 2011, month: 12, day: 30, hour: 12 }, 'Pacific/Apia'), '2011-12-31T12:00:00+14:00', 'moved forward by the 24 h gap');
  t.equal(
    zonedToUtc({ year: 2011, month: 12, day: 30 }, 'Pacific/Apia'),
    zonedToUtc({ year: 2011, month: 12, day: 31 }, 'Pacific/Apia'),
    'the day has no length',
  );
  t.equal(zonedDay(Date.parse('2011-12-30T09:59:59Z'), 'Pacific/Apia'), '2011-12-29');
  t.equal(zonedDay(Date.parse('2011-12-30T10:00:00Z'), 'Pacific/Apia'), '2011-12-31');
});

t.test('fields overflow like Date.UTC', async (t) => {
  t.equal(wall({ year: 2026, month: 1, day: 31, hour: 30 }, 'Europe/Berlin'), '2026-02-01T06:00:00+01:00', 'hour 30 = 06:00 the next day');
  t.equal(
    wall({ year: 2026, month: 3, day: 0, hour: 24 }, 'Europe/Berlin'),
    '2026-03-01T00:00:00+01:00',
    'day 0 = the last day of the month before',
  );
  t.equal(
    wall({ year: 2026, month: 3, day: 28, hour: 24 + 2, minute: 30 }, 'Europe/Berlin'),
    '2026-03-29T03:30:00+02:00',
    'overflow into a gap',
  );
  t.equal(zonedToUtc({ year: 2026, month: 5, day: 1 }, 'UTC'), Date.UTC(2026, 4, 1), 'hour, minute, second default to 0');
});

t.test('property: a wall time read off an instant converts back to it (or to the first of its two occurrences)', async (t) => {
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'America/Santiago',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'America/St_Johns',
    'UTC',
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...zones),
      fc.integer({ min: Date.UTC(2024, 0, 1) / 1000, max: Date.UTC(2027, 0, 1) / 1000 }),
      (tz, sec) => {
        const at = sec * 1000;
        const p = zonedParts(at, tz);
        const back = zonedToUtc(p, tz);
        // Same wall clock, never later than the instant, at most the repeated hour earlier.
        return JSON.stringify(zonedParts(back, tz)) === JSON.stringify(p) && back <= at && at - back <= HOUR;
      },
    ),
    { numRuns: 2000, seed: 20260329 },
  );
  // Around every Berlin transition of 2026, minute by minute.
  for (const start of [Date.parse('2026-03-28T23:00:00Z'), Date.parse('2026-10-24T23:00:00Z')]) {
    for (let at = start; at < start + 4 * HOUR; at += 60_000) {
      const back = zonedToUtc(zonedParts(at, 'Europe/Berlin'), 'Europe/Berlin');
      if (back !== at && back !== at - HOUR) t.fail(`${iso(at)} came back as ${iso(back)}`);
    }
  }
});

t.test('formatIsoInZone', async (t) => {
  const ms = Date.parse('2024-05-04T17:00:00.500Z');
  t.equal(formatIsoInZone(ms, 'Europe/Berlin'), '2024-05-04T19:00:00.500+02:00', 'milliseconds when present');
  t.equal(formatIsoInZone(ms, 'Europe/Berlin', { ms: false }), '2024-05-04T19:00:00+02:00', 'ms: false truncates to the second');
  t.equal(formatIsoInZone(ms - 500, 'Europe/Berlin'), '2024-05-04T19:00:00+02:00');
  t.equal(formatIsoInZone(Date.UTC(2025, 0, 20, 9), 'Europe/London'), '2025-01-20T09:00:00Z', 'a zero offset is Z');
  t.equal(formatIsoInZone(Date.UTC(2025, 0, 20, 9), 'Europe/London', { zulu: false }), '2025-01-20T09:00:00+00:00');
  t.equal(formatIsoInZone(Date.UTC(2026, 0, 1, 12), 'America/St_Johns'), '2026-01-01T08:30:00-03:30', 'negative half-hour offset');
  const round = formatIsoInZone(ms, 'Asia/Kolkata');
  t.equal(Date.parse(round), ms, 'Date.parse reads it back to the same instant');
});

t.test('an unknown zone is E_TIMEZONE with a hint; isValidTimezone never throws', async (t) => {
  t.equal(isValidTimezone('Europe/Berlin'), true);
  t.equal(isValidTimezone('UTC'), true);
  t.equal(isValidTimezone('Mars/Olympus'), false);
  t.equal(isValidTimezone(''), false);
  for (const call of [
    () => zonedParts(0, 'Mars/Olympus'),
    () => zoneOffsetMs(0, 'Mars/Olympus'),
    () => zonedToUtc({ year: 2026, month: 1, day: 1 }, 'Mars/Olympus'),
    () => formatIsoInZone(0, 'Mars/Olympus'),
    () => zonedDay(0, 'Mars/Olympus'),
  ]) {
    t.throws(call, { code: 'E_TIMEZONE', context: { timezone: 'Mars/Olympus' }, hint: /household\.timezone.*Europe\/Berlin/ });
  }
  try {
    zonedParts(0, 'Mars/Olympus');
  } catch (err) {
    t.ok(err instanceof HomeSightError, 'a HomeSightError');
    t.match((err as Error).message, /unknown timezone "Mars\/Olympus"/);
  }
});
