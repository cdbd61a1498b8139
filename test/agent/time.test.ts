import t from 'tap';
import { RetrievalPlanner, validatePlan } from '../../daemon/agent/index.js';
import { extractSlots, resolveTimePhrase } from '../../daemon/agent/planning/index.js';
import { formatIsoInZone } from '../../daemon/system/index.js';
import { NOW, TZ, planRequest } from './support.js';

const r = (phrase: string, now = NOW, tz = TZ, previous?: { startMs: number; endMs: number }): [string, string] => {
  const x = resolveTimePhrase(phrase, now, tz, previous === undefined ? {} : { previous });
  return [formatIsoInZone(x.startMs, tz), formatIsoInZone(x.endMs, tz)];
};

t.test('time phrases resolve to explicit intervals in the household timezone (now: Sat 21:30 Berlin)', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['last night', '2024-05-03T22:00:00+02:00', '2024-05-04T06:00:00+02:00'],
    ['between 7 and 8 pm', '2024-05-04T19:00:00+02:00', '2024-05-04T20:00:00+02:00'],
    ['between 7 and 8', '2024-05-04T19:00:00+02:00', '2024-05-04T20:00:00+02:00'],
    ['from 19:15 to 19:45', '2024-05-04T19:15:00+02:00', '2024-05-04T19:45:00+02:00'],
    ['yesterday between 19:00 and 20:30', '2024-05-03T19:00:00+02:00', '2024-05-03T20:30:00+02:00'],
    ['yesterday evening', '2024-05-03T17:00:00+02:00', '2024-05-03T22:00:00+02:00'],
    ['this morning', '2024-05-04T06:00:00+02:00', '2024-05-04T12:00:00+02:00'],
    ['in the last hour', '2024-05-04T20:30:00+02:00', '2024-05-04T21:30:00+02:00'],
    ['past 30 minutes', '2024-05-04T21:00:00+02:00', '2024-05-04T21:30:00+02:00'],
    ['2 hours ago', '2024-05-04T18:30:00+02:00', '2024-05-04T20:30:00+02:00'],
    ['today', '2024-05-04T00:00:00+02:00', '2024-05-04T21:30:00+02:00'],
    ['yesterday', '2024-05-03T00:00:00+02:00', '2024-05-04T00:00:00+02:00'],
    ['since 6pm', '2024-05-04T18:00:00+02:00', '2024-05-04T21:30:00+02:00'],
    ['at 7pm', '2024-05-04T18:30:00+02:00', '2024-05-04T19:30:00+02:00'],
    ['on monday', '2024-04-29T00:00:00+02:00', '2024-04-30T00:00:00+02:00'],
    ['monday evening', '2024-04-29T17:00:00+02:00', '2024-04-29T22:00:00+02:00'],
    ['last week', '2024-04-22T00:00:00+02:00', '2024-04-29T00:00:00+02:00'],
    ['2024-05-01', '2024-05-01T00:00:00+02:00', '2024-05-02T00:00:00+02:00'],
  ];
  for (const [phrase, start, end] of cases) t.same(r(phrase), [start, end], phrase);
  t.same(
    r('and after that?', NOW, TZ, { startMs: Date.parse('2024-05-04T19:00:00+02:00'), endMs: Date.parse('2024-05-04T20:00:00+02:00') }),
    ['2024-05-04T20:00:00+02:00', '2024-05-04T21:00:00+02:00'],
  );
  t.throws(() => resolveTimePhrase('after that', NOW, TZ), { code: 'E_TIME_PHRASE' }, '"after that" needs a previous range');
  t.throws(() => resolveTimePhrase('when the moon is blue', NOW, TZ), { code: 'E_TIME_PHRASE', hint: /last night/ });
});

t.test('DST: "yesterday" is 23 hours on the spring-forward day; other timezones', async (t) => {
  const now = Date.parse('2024-04-01T12:00:00+02:00'); // the day after 31 March (DST start in Europe)
  const [s, e] = r('yesterday', now);
  t.same([s, e], ['2024-03-31T00:00:00+01:00', '2024-04-01T00:00:00+02:00']);
  t.equal(Date.parse(e) - Date.parse(s), 23 * 3600_000);
  t.same(r('between 7 and 8 pm', Date.parse('2024-05-04T21:30:00-04:00'), 'America/New_York'), [
    '2024-05-04T19:00:00-04:00',
    '2024-05-04T20:00:00-04:00',
  ]);
  t.same(r('today', Date.parse('2024-05-04T10:00:00Z'), 'UTC'), ['2024-05-04T00:00:00Z', '2024-05-04T10:00:00Z']);
  t.equal(
    formatIsoInZone(Date.parse('2024-05-04T19:00:00.500+02:00'), TZ),
    '2024-05-04T19:00:00.500+02:00',
    'milliseconds kept when present',
  );
});

t.test('DST edges: repeated hours count from their first occurrence, clock ranges cross DST nights by the clock', async (t) => {
  const berlin = (phrase: string, now: string): [string, string] => r(phrase, Date.parse(now), 'Europe/Berlin');
  // 2026-10-25 in Berlin: 03:00 CEST → 02:00 CET, so 02:00–03:00 happens twice and the range is 2 real hours.
  t.same(berlin('yesterday between 2 and 3 am', '2026-10-26T12:00:00+01:00'), ['2026-10-25T02:00:00+02:00', '2026-10-25T03:00:00+01:00']);
  // 2026-03-29: 02:00 CET → 03:00 CEST. A night range ends at 06:00 on the clock (7 real hours), not 24 h after 06:00 CET.
  t.same(berlin('yesterday between 10 pm and 6 am', '2026-03-29T12:00:00+02:00'), [
    '2026-03-28T22:00:00+01:00',
    '2026-03-29T06:00:00+02:00',
  ]);
  t.same(berlin('2026-03-28 between 22:00 and 06:00', '2026-03-29T12:00:00+02:00'), [
    '2026-03-28T22:00:00+01:00',
    '2026-03-29T06:00:00+02:00',
  ]);
  // The skipped hour never showed on the clock: an empty range where the clocks resumed, not a whole day.
  t.same(berlin('yesterday between 2 and 3 am', '2026-03-30T12:00:00+02:00'), ['2026-03-29T03:00:00+02:00', '2026-03-29T03:00:00+02:00']);
  t.same(r('yesterday between 2 and 3 am', Date.parse('2026-03-09T12:00:00-04:00'), 'America/New_York'), [
    '2026-03-08T03:00:00-04:00',
    '2026-03-08T03:00:00-04:00',
  ]);
});

t.test('slots and the retrieval planner re-fill past plans from the new question', async (t) => {
  const req = planRequest('What did mum do on monday evening on the porch?');
  const s = extractSlots(req.question, req);
  t.equal(s.time, 'monday evening');
  t.same(s.people, ['Alice'], 'alias resolved');
  t.same(s.cameras, ['porch']);
  const p = new RetrievalPlanner();
  const cases: Array<[string, string[], RegExp]> = [
    ['When was my son last seen?', ['last_seen', 'get_snapshot', 'compose_answer'], /"person":"Bob"/],
    ['Who was seen between 6 and 7 pm?', ['resolve_time', 'who_was_where', 'compose_answer'], /"phrase":"between 6 and 7 pm"/],
    ['Did anyone fall yesterday evening?', ['resolve_time', 'query_events', 'evidence_clip', 'compose_answer'], /"activity":"lying_down"/],
    ['How many times was someone on the demo camera today?', ['resolve_time', 'count_events', 'compose_answer'], /"camera":"demo"/],
    ['What did Alice do yesterday?', ['activity_timeline', 'compose_answer'], /"day":"2024-05-03"/],
    ['What do you remember about the bike?', ['recall_memory', 'compose_answer'], /"query":"What do you remember about the bike\?"/],
  ];
  for (const [q, tasks, arg] of cases) {
    const res = await p.plan(planRequest(q));
    t.same(
      res.plan.task_nodes.map((n) => n.task),
      tasks,
      q,
    );
    t.match(JSON.stringify(res.plan.task_nodes), arg);
    t.same(validatePlan(res.plan, { cameras: ['demo', 'porch'] }), []);
    // ln of the nearest example's shape similarity: ≤ 0, 0 for the same shape
    t.ok(res.confidence !== null && res.confidence <= 0);
    t.match(res.notes?.[0] ?? '', /^nearest example: /);
  }
  // The camera of the seed ("porch") is dropped when the new question names none.
  const any = await p.plan(planRequest('List everything that happened yesterday evening'));
  t.notOk(JSON.stringify(any.plan).includes('"camera"'));
});
