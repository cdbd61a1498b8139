import t from 'tap';
import { addDays, localDayRange, localTimeRange } from '../../daemon/memory/time.js';
import { HomeSightError, zonedDay, zoneOffsetMs, zonedToUtc } from '../../daemon/system/index.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const HOUR = 3_600_000;

t.test('a normal day is 24 h and starts at local midnight', async (t) => {
  const [s, e] = localDayRange('2026-06-15', 'Europe/Berlin');
  t.equal(iso(s), '2026-06-14T22:00:00.000Z');
  t.equal(iso(e), '2026-06-15T22:00:00.000Z');
  const [us, ue] = localDayRange('2026-06-15', 'UTC');
  t.equal(iso(us), '2026-06-15T00:00:00.000Z');
  t.equal(ue - us, 24 * HOUR);
});

t.test('spring forward: 2026-03-29 in Europe/Berlin has 23 hours', async (t) => {
  const [s, e] = localDayRange('2026-03-29', 'Europe/Berlin');
  t.equal(iso(s), '2026-03-28T23:00:00.000Z', 'midnight CET (+01:00)');
  t.equal(iso(e), '2026-03-29T22:00:00.000Z', 'next midnight CEST (+02:00)');
  t.equal(e - s, 23 * HOUR);
});

t.test('fall back: 2026-10-25 in Europe/Berlin has 25 hours', async (t) => {
  const [s, e] = localDayRange('2026-10-25', 'Europe/Berlin');
  t.equal(iso(s), '2026-10-24T22:00:00.000Z');
  t.equal(iso(e), '2026-10-25T23:00:00.000Z');
  t.equal(e - s, 25 * HOUR);
});

t.test('US zones change on other dates (2026-03-08 New York: 23 h)', async (t) => {
  const [s, e] = localDayRange('2026-03-08', 'America/New_York');
  t.equal(iso(s), '2026-03-08T05:00:00.000Z');
  t.equal(e - s, 23 * HOUR);
});

t.test('a day whose midnight does not exist starts when clocks resume (Santiago 2026-09-06)', async (t) => {
  // Chile springs forward at 24:00 → 01:00: local 00:00 never happens.
  const [s, e] = localDayRange('2026-09-06', 'America/Santiago');
  t.equal(iso(s), '2026-09-06T04:00:00.000Z', 'local 01:00 (-03:00)');
  t.equal(e - s, 23 * HOUR);
  t.equal(zonedDay(s, 'America/Santiago'), '2026-09-06');
  t.equal(zonedDay(s - 1, 'America/Santiago'), '2026-09-05');
});

t.test('ambiguous local time resolves to its first occurrence', async (t) => {
  // 02:30 happens twice in Berlin on 2026-10-25.
  const at = zonedToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin');
  t.equal(iso(at), '2026-10-25T00:30:00.000Z');
  t.equal(zoneOffsetMs(at, 'Europe/Berlin'), 2 * HOUR);
});

t.test('evening ranges and ranges across midnight', async (t) => {
  const [s, e] = localTimeRange('2026-03-28', '19:00', '21:00', 'Europe/Berlin');
  t.equal(iso(s), '2026-03-28T18:00:00.000Z');
  t.equal(iso(e), '2026-03-28T20:00:00.000Z');
  // The night into the spring-forward day: 22:00 CET → 06:00 CEST is 7 real hours.
  const [ns, ne] = localTimeRange('2026-03-28', '22:00', '06:00', 'Europe/Berlin');
  t.equal(iso(ns), '2026-03-28T21:00:00.000Z');
  t.equal(iso(ne), '2026-03-29T04:00:00.000Z');
  t.equal(ne - ns, 7 * HOUR);
  const [ds, de] = localTimeRange('2026-10-25', '00:00', '24:00', 'Europe/Berlin');
  t.same([ds, de], localDayRange('2026-10-25', 'Europe/Berlin'));
});

t.test('day arithmetic and bad input', async (t) => {
  t.equal(addDays('2026-02-28', 1), '2026-03-01');
  t.equal(addDays('2028-02-28', 1), '2028-02-29');
  t.equal(addDays('2026-01-01', -1), '2025-12-31');
  t.throws(() => localDayRange('2026-02-30', 'UTC'), HomeSightError);
  t.throws(() => localDayRange('yesterday', 'UTC'), { code: 'E_MEMORY_DAY' });
  t.throws(() => localDayRange('2026-01-01', 'Mars/Olympus'), { code: 'E_TIMEZONE' });
  t.throws(() => localTimeRange('2026-01-01', '7pm', '21:00', 'UTC'), { code: 'E_MEMORY_TIME' });
});
