import t from 'tap';
import { resolveTimePhrase, type Routine } from '../../daemon/agent/planning/index.js';
import { formatIsoInZone } from '../../daemon/system/index.js';

/**
 * Issue #18, Build item 2 (time, complete), in a household of our own: the Okafors in Dublin
 * (Europe/Dublin, DST) and the Tanakas in Chicago (America/Chicago, 12 h clock).
 */
const DUBLIN = 'Europe/Dublin';
const ROUTINES: Routine[] = [
  { name: 'dinner', aliases: ['tea', 'supper'], start: '18:30', end: '19:15', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
  { name: 'dinner', aliases: ['tea', 'supper'], start: '17:45', end: '18:45', days: ['sat', 'sun'] },
  {
    name: 'nap',
    aliases: ['siesta', 'afternoon nap'],
    start: '13:30',
    end: '15:00',
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  },
  { name: 'bedtime', aliases: ['lights out'], start: '20:00', end: '20:30', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
];

const at = (phrase: string, now: string, tz = DUBLIN, routines: Routine[] = ROUTINES): [string, string] => {
  const x = resolveTimePhrase(phrase, Date.parse(now), tz, { routines });
  return [formatIsoInZone(x.startMs, tz), formatIsoInZone(x.endMs, tz)];
};

t.test('weekdays: "on tuesday", "last friday" (a whole local day, never today by default)', async (t) => {
  // Thursday 2026-06-11 20:00 in Dublin (IST, +01:00)
  const now = '2026-06-11T20:00:00+01:00';
  t.same(at('on tuesday', now), ['2026-06-09T00:00:00+01:00', '2026-06-10T00:00:00+01:00']);
  t.same(at('last friday', now), ['2026-06-05T00:00:00+01:00', '2026-06-06T00:00:00+01:00']);
  t.same(at('last thursday', now), ['2026-06-04T00:00:00+01:00', '2026-06-05T00:00:00+01:00'], 'last <today> is a week ago');
  t.same(at('wednesday evening', now), ['2026-06-10T17:00:00+01:00', '2026-06-10T22:00:00+01:00']);
});

t.test('"around 5" is ±45 min around the latest 5 o\'clock, spoken and "-ish" forms alike; not half a day', async (t) => {
  const now = '2026-06-11T20:00:00+01:00';
  t.same(at('around 5', now), ['2026-06-11T16:15:00+01:00', '2026-06-11T17:45:00+01:00']);
  t.same(at('around five', now), ['2026-06-11T16:15:00+01:00', '2026-06-11T17:45:00+01:00']);
  t.same(at('5ish', now), ['2026-06-11T16:15:00+01:00', '2026-06-11T17:45:00+01:00']);
  t.same(at('at half past six', now), ['2026-06-11T18:00:00+01:00', '2026-06-11T19:00:00+01:00']);
  t.same(at('at quarter to seven', now), ['2026-06-11T18:15:00+01:00', '2026-06-11T19:15:00+01:00']);
  const [s, e] = at('yesterday around 5', now);
  t.equal(Date.parse(e) - Date.parse(s), 90 * 60_000);
});

t.test(
  'part-of-day words at any hour: "tonight" late in the evening is what has passed of it; "this morning" asked in the morning',
  async (t) => {
    // "did anyone come to the door tonight?" asked at 23:10 asks about 17:00 → 23:10: from now until the night ends
    // (the first wording) would only hold what has not happened yet; a standing order's "tonight" looks
    // forward in the watches module
    t.same(at('tonight', '2026-06-11T23:10:00+01:00'), ['2026-06-11T17:00:00+01:00', '2026-06-11T23:10:00+01:00']);
    t.same(
      at('tonight', '2026-06-12T01:20:00+01:00'),
      ['2026-06-11T17:00:00+01:00', '2026-06-12T01:20:00+01:00'],
      'after midnight it is still the night that began yesterday',
    );
    t.same(at('earlier tonight', '2026-06-11T23:10:00+01:00'), ['2026-06-11T17:00:00+01:00', '2026-06-11T23:10:00+01:00']);
    t.same(at('this morning', '2026-06-11T09:05:00+01:00'), ['2026-06-11T06:00:00+01:00', '2026-06-11T09:05:00+01:00']);
    t.throws(
      () => at('this evening', '2026-06-11T15:00:00+01:00'),
      { code: 'E_TIME_PHRASE', message: /not begun yet/ },
      'a span still to come is an error with its reason, not an empty range',
    );
    t.throws(() => at('tonight', '2026-06-11T10:00:00+01:00'), { code: 'E_TIME_PHRASE', message: /not begun yet/ });
  },
);

t.test('spans across midnight and night-time clock phrases', async (t) => {
  const now = '2026-06-11T10:00:00+01:00';
  t.same(at('between 11pm and 1am', now), ['2026-06-10T23:00:00+01:00', '2026-06-11T01:00:00+01:00']);
  t.same(at('last night between 11 and 1', now), ['2026-06-10T23:00:00+01:00', '2026-06-11T01:00:00+01:00']);
  t.same(at('last night around 3', now), ['2026-06-11T02:15:00+01:00', '2026-06-11T03:45:00+01:00']);
  t.same(at('yesterday night at 12', now), ['2026-06-10T23:30:00+01:00', '2026-06-11T00:30:00+01:00']);
  t.same(at('after midnight', now), ['2026-06-11T00:00:00+01:00', '2026-06-11T06:00:00+01:00']);
  t.same(at('between 23:00 and 01:30', now), ['2026-06-10T23:00:00+01:00', '2026-06-11T01:30:00+01:00'], '24 h clock');
});

t.test('DST days: 23 and 25 hour days and nights by the clock (Dublin 2026-03-29 / 2026-10-25)', async (t) => {
  const [s1, e1] = at('yesterday', '2026-03-30T12:00:00+01:00');
  t.equal(Date.parse(e1) - Date.parse(s1), 23 * 3600_000);
  const [s2, e2] = at('on sunday', '2026-10-27T12:00:00+00:00');
  t.same([s2, e2], ['2026-10-25T00:00:00+01:00', '2026-10-26T00:00:00Z']);
  t.equal(Date.parse(e2) - Date.parse(s2), 25 * 3600_000);
  const [s3, e3] = at('last night between 11 pm and 4 am', '2026-10-25T12:00:00+00:00');
  t.equal(Date.parse(e3) - Date.parse(s3), 6 * 3600_000, 'the autumn night has an extra hour');
});

t.test('12 and 24 hour clocks, "in the last N minutes/hours"', async (t) => {
  const chicago = 'America/Chicago';
  const now = '2026-06-11T21:00:00-05:00';
  t.same(at('at 5:30 pm', now, chicago), ['2026-06-11T17:00:00-05:00', '2026-06-11T18:00:00-05:00']);
  t.same(at('at 17:30', now, chicago), ['2026-06-11T17:00:00-05:00', '2026-06-11T18:00:00-05:00']);
  t.same(at('at 7 a.m.', now, chicago), ['2026-06-11T06:30:00-05:00', '2026-06-11T07:30:00-05:00']);
  t.same(at('in the last 20 minutes', now, chicago), ['2026-06-11T20:40:00-05:00', '2026-06-11T21:00:00-05:00']);
  t.same(at('the last 3 hours', now, chicago), ['2026-06-11T18:00:00-05:00', '2026-06-11T21:00:00-05:00']);
  t.same(at('past 2h', now, chicago), ['2026-06-11T19:00:00-05:00', '2026-06-11T21:00:00-05:00']);
});

t.test('routine phrases resolve from the household routines and name their source', async (t) => {
  // Thursday 21:30
  const thu = '2026-06-11T21:30:00+01:00';
  const after = resolveTimePhrase('after dinner', Date.parse(thu), DUBLIN, { routines: ROUTINES });
  t.same(
    [formatIsoInZone(after.startMs, DUBLIN), formatIsoInZone(after.endMs, DUBLIN)],
    ['2026-06-11T19:15:00+01:00', '2026-06-11T21:15:00+01:00'],
  );
  t.match(after.source, /dinner is 18:30–19:15 per your routine/);
  t.same(at('after tea', '2026-06-13T21:30:00+01:00'), ['2026-06-13T18:45:00+01:00', '2026-06-13T20:45:00+01:00'], 'alias, weekend dinner');
  t.same(at('during the nap', thu), ['2026-06-11T13:30:00+01:00', '2026-06-11T15:00:00+01:00']);
  t.same(at('nap time', thu), ['2026-06-11T13:30:00+01:00', '2026-06-11T15:00:00+01:00']);
  t.same(at('before bedtime', thu), ['2026-06-11T18:00:00+01:00', '2026-06-11T20:00:00+01:00']);
  t.same(at('yesterday after dinner', thu), ['2026-06-10T19:15:00+01:00', '2026-06-10T21:15:00+01:00']);
  t.same(
    at('after dinner', '2026-06-11T12:00:00+01:00'),
    ['2026-06-10T19:15:00+01:00', '2026-06-10T21:15:00+01:00'],
    'the latest dinner that has happened',
  );
  t.throws(() => at('after dinner', thu, DUBLIN, []), {
    code: 'E_TIME_PHRASE',
    message: /not one of the household's routines \(none are configured\)/,
    hint: /household\.routines/,
  });
  t.throws(() => at('after the school run', thu), {
    code: 'E_TIME_PHRASE',
    message: /school run" is not one of the household's routines \(dinner, nap, bedtime\)/,
  });
});

t.test('the retrieval planner takes the time from the question, never from its example plan', async (t) => {
  const { RetrievalPlanner } = await import('../../daemon/agent/index.js');
  const household = {
    people: [{ name: 'Aoife', aliases: ['my sister'] }],
    rooms: ['pantry'],
    cameras: ['pantry'],
    routines: [ROUTINES[0]!],
  };
  const base = { now: '2026-06-11T23:40:00+01:00', timezone: DUBLIN, household };
  const phraseOf = async (question: string): Promise<string | undefined> => {
    const r = await new RetrievalPlanner().plan({ ...base, question });
    const node = r.plan.task_nodes.find((n) => n.task === 'resolve_time');
    return node === undefined || Array.isArray(node.arguments) ? undefined : (node.arguments.phrase as string);
  };
  t.equal(await phraseOf('who was in the pantry at 23:15'), 'at 23:15');
  t.equal(await phraseOf('who was in the pantry around five'), 'around five');
  t.equal(await phraseOf('who was in the pantry after supper'), 'after supper', 'a routine alias');
});

t.test('household.routines: from the config to resolve_time, and the answer names the routine', async (t) => {
  const { configSchema } = await import('../../daemon/config/index.js');
  const { householdInfo } = await import('../../daemon/agent/index.js');
  const { createToolImpls, composeAnswer } = await import('../../daemon/agent/execution/index.js');
  const config = configSchema.parse({
    household: { timezone: DUBLIN, routines: [{ name: 'dinner', aliases: ['tea'], start: '18:30', end: '19:15', days: ['thu'] }] },
  });
  const household = householdInfo(config);
  t.same(household.routines, [{ name: 'dinner', aliases: ['tea'], start: '18:30', end: '19:15', days: ['thu'] }]);
  t.throws(() => configSchema.parse({ household: { routines: [{ name: 'nap', start: '1pm', end: '14:00' }] } }), /HH:MM/);
  const now = Date.parse('2026-06-11T21:30:00+01:00');
  const ctx = { household, now, ranges: [] } as unknown as Parameters<ReturnType<typeof createToolImpls>['resolve_time']>[1];
  const range = await createToolImpls().resolve_time({ phrase: 'after tea' }, ctx);
  t.same([range.start, range.end], ['2026-06-11T19:15:00+01:00', '2026-06-11T21:15:00+01:00']);
  const answer = composeAnswer(
    'who was in the kitchen after tea',
    [
      { kind: 'time_range', task: 'resolve_time', output: range },
      { kind: 'count', task: 'count_events', output: { count: 2 } },
    ],
    now,
    DUBLIN,
  );
  t.match(answer, /^19:15–21:15 \(dinner is 18:30–19:15 per your routine\): 2 events\./);
});

t.test('dates with month names, "N days ago", "earlier today", "at about", the night, 24 h clock with a day', async (t) => {
  const now = '2026-06-11T20:00:00+01:00'; // Thursday
  t.same(at('on the 3rd of June', now), ['2026-06-03T00:00:00+01:00', '2026-06-04T00:00:00+01:00']);
  t.same(at('June 9th between 14:00 and 15:00', now), ['2026-06-09T14:00:00+01:00', '2026-06-09T15:00:00+01:00']);
  t.same(at('on 20 December', now), ['2025-12-20T00:00:00Z', '2025-12-21T00:00:00Z'], "a date still to come this year is last year's");
  t.same(at('two days ago', now), ['2026-06-09T00:00:00+01:00', '2026-06-10T00:00:00+01:00']);
  t.same(at('earlier today', now), ['2026-06-11T00:00:00+01:00', '2026-06-11T20:00:00+01:00']);
  t.same(at('at about 17:30', now), ['2026-06-11T16:45:00+01:00', '2026-06-11T18:15:00+01:00']);
  t.same(at('during the night', now), ['2026-06-10T22:00:00+01:00', '2026-06-11T06:00:00+01:00']);
  t.same(at('yesterday from 08:00 to 09:30', now), ['2026-06-10T08:00:00+01:00', '2026-06-10T09:30:00+01:00'], '24 h clock: no pm guess');
  t.same(
    at('yesterday between 8 and 9', now),
    ['2026-06-10T20:00:00+01:00', '2026-06-10T21:00:00+01:00'],
    'bare hours with a day still read as the evening',
  );
});

t.test('a day of the month alone, lunch as lunchtime where no routine is called lunch, "after noon"', async (t) => {
  // Saturday 2026-12-05 10:00 in Dublin (GMT)
  const now = '2026-12-05T10:00:00+00:00';
  t.same(at('on the 3rd', now), ['2026-12-03T00:00:00Z', '2026-12-04T00:00:00Z']);
  t.same(at('the 5th', now), ['2026-12-05T00:00:00Z', '2026-12-05T10:00:00Z'], 'today, up to now');
  t.same(at('on the 6th', now), ['2026-11-06T00:00:00Z', '2026-11-07T00:00:00Z'], 'not begun this month: last month');
  t.same(at('on the 31st', now), ['2026-10-31T00:00:00Z', '2026-11-01T00:00:00Z'], 'November has no 31st');
  const late = '2026-12-04T20:00:00+00:00';
  t.same(at('at lunch', late), ['2026-12-04T11:00:00Z', '2026-12-04T14:00:00Z']);
  t.same(at('after lunch', late), ['2026-12-04T14:00:00Z', '2026-12-04T16:00:00Z'], 'two hours after, as for a routine');
  t.same(at('before lunch', late), ['2026-12-04T09:00:00Z', '2026-12-04T11:00:00Z']);
  t.same(at('after noon', late), ['2026-12-04T12:00:00Z', '2026-12-04T20:00:00Z']);
  const lunch: Routine = {
    name: 'lunch',
    aliases: [],
    start: '12:30',
    end: '13:15',
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  };
  t.same(at('after lunch', late, DUBLIN, [lunch]), ['2026-12-04T13:15:00Z', '2026-12-04T15:15:00Z'], "the household's lunch");
});

t.test('"after T" at night runs to the end of the night; "N minutes ago" is now − N ± N/2', async (t) => {
  const morning = '2026-12-05T08:00:00+00:00';
  t.same(at('after 11pm', morning), ['2026-12-04T23:00:00Z', '2026-12-05T06:00:00Z']);
  t.same(at('after 10', '2026-12-05T20:15:00+00:00'), ['2026-12-05T10:00:00Z', '2026-12-05T20:15:00Z'], 'to the end of the day, up to now');
  t.same(at('20 minutes ago', '2026-12-05T20:15:00+00:00'), ['2026-12-05T19:45:00Z', '2026-12-05T20:05:00Z']);
});

t.test('"at ten to eight" is 7:50, "around 20 past 7" 7:20; a bare "10 to 8" and "from 10 to 8" stay ranges', async (t) => {
  const now = '2026-06-11T21:30:00+01:00';
  t.same(at('at 10 to 8', now), ['2026-06-11T19:20:00+01:00', '2026-06-11T20:20:00+01:00']);
  t.same(at('at ten to eight', now), ['2026-06-11T19:20:00+01:00', '2026-06-11T20:20:00+01:00']);
  t.same(at('around 20 past 7', now), ['2026-06-11T18:35:00+01:00', '2026-06-11T20:05:00+01:00']);
  t.same(at('before twenty-five to six', now), ['2026-06-11T00:00:00+01:00', '2026-06-11T17:35:00+01:00']);
  t.same(at('from 10 to 8', now), ['2026-06-11T10:00:00+01:00', '2026-06-11T20:00:00+01:00']);
});
