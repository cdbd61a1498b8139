import t from 'tap';
import { type HomeEvent } from '../../daemon/memory/index.js';
import { localDayRange } from '../../daemon/memory/time.js';
import { ManualClock } from '../../daemon/system/index.js';
import { ev, HOUR, MIN, openStore } from './support.js';

/**
 * A seeded household around both 2026 DST changes in Europe/Berlin, with the
 * answers worked out by hand (times below are UTC; local time in comments).
 */
const TZ = 'Europe/Berlin';
const Z = (s: string): number => Date.parse(s);
const clock = new ManualClock(Z('2026-10-26T00:00:00Z'));
const { store } = openStore(t, { clock });

const E: Record<string, HomeEvent> = {
  // 2026-03-29, spring forward (local day = 03-28T23:00Z … 03-29T22:00Z, 23 h)
  E1: ev({
    id: 'E1',
    identity: 'alice',
    camera: 'kitchen',
    activity: 'cooking',
    start: Z('2026-03-28T22:30:00Z'),
    end: Z('2026-03-28T23:30:00Z'),
  }), // 23:30–00:30 CET, crosses midnight
  E2: ev({
    id: 'E2',
    identity: 'alice',
    camera: 'kitchen',
    activity: 'cooking',
    start: Z('2026-03-29T06:00:00Z'),
    end: Z('2026-03-29T06:20:00Z'),
  }),
  E3: ev({
    id: 'E3',
    identity: 'alice',
    camera: 'kitchen',
    activity: 'cooking',
    start: Z('2026-03-29T06:20:30Z'),
    end: Z('2026-03-29T06:40:00Z'),
  }), // 30 s after E2: merges
  E4: ev({
    id: 'E4',
    identity: 'alice',
    camera: 'living',
    activity: 'reading',
    start: Z('2026-03-29T07:00:00Z'),
    end: Z('2026-03-29T08:00:00Z'),
  }),
  E5: ev({
    id: 'E5',
    identity: 'alice',
    camera: 'living',
    activity: 'reading',
    start: Z('2026-03-29T21:30:00Z'),
    end: Z('2026-03-29T22:30:00Z'),
  }), // 23:30–00:30 CEST
  E6: ev({
    id: 'E6',
    identity: 'bob',
    camera: 'porch',
    kind: 'identity',
    start: Z('2026-03-29T07:15:00Z'),
    end: Z('2026-03-29T07:20:00Z'),
  }),
  E7: ev({ id: 'E7', identity: null, camera: 'porch', kind: 'person', start: Z('2026-03-29T07:10:00Z'), end: Z('2026-03-29T07:12:00Z') }),
  E8: ev({
    id: 'E8',
    identity: null,
    camera: 'garage',
    kind: 'object',
    label: 'car',
    start: Z('2026-03-29T07:00:00Z'),
    end: Z('2026-03-29T07:30:00Z'),
  }),
  // 2026-10-25, fall back (local day = 10-24T22:00Z … 10-25T23:00Z, 25 h)
  F1: ev({
    id: 'F1',
    identity: 'alice',
    camera: 'bedroom',
    activity: 'sleeping',
    start: Z('2026-10-24T21:00:00Z'),
    end: Z('2026-10-25T05:00:00Z'),
  }), // 8 h, the longest event
  F2: ev({
    id: 'F2',
    identity: 'alice',
    camera: 'kitchen',
    activity: 'cooking',
    start: Z('2026-10-25T22:30:00Z'),
    end: Z('2026-10-25T23:30:00Z'),
  }), // 23:30 CET: the 25th hour
  // still ongoing
  F3: ev({ id: 'F3', identity: 'bob', camera: 'kitchen', activity: 'eating', start: Z('2026-10-25T12:00:00Z'), end: null }),
};

store.cameras.sync([
  { name: 'kitchen', room: 'kitchen' },
  { name: 'living', room: 'living room' },
  { name: 'porch', room: 'outside' },
  { name: 'garage', room: 'outside' },
  { name: 'bedroom', room: 'bedroom' },
]);
// Out of order, as tracks finish at different times; reads flush the queue.
for (const k of ['F3', 'E5', 'E1', 'E8', 'E2', 'E7', 'E4', 'E3', 'F1', 'E6', 'F2']) store.events.upsert(E[k]!);

const ids = (xs: HomeEvent[]): string[] => xs.map((x) => x.id);

t.test('eventsBetween: overlap semantics, filters, order, limit', async (t) => {
  const r = store.events.eventsBetween({ start: Z('2026-03-29T07:00:00Z'), end: Z('2026-03-29T07:30:00Z') });
  t.same(ids(r).sort(), ['E4', 'E6', 'E7', 'E8']);
  t.same(
    r.map((e) => e.start),
    [...r.map((e) => e.start)].sort((a, b) => a - b),
    'ordered by start',
  );
  t.same(
    r.find((e) => e.id === 'E4'),
    E.E4,
    'round-trips every field',
  );
  const w = { start: Z('2026-03-29T07:00:00Z'), end: Z('2026-03-29T07:30:00Z') };
  t.same(ids(store.events.eventsBetween({ ...w, camera: 'porch' })), ['E7', 'E6']);
  t.same(ids(store.events.eventsBetween({ ...w, identity: 'bob' })), ['E6']);
  t.same(ids(store.events.eventsBetween({ ...w, identity: null })).sort(), ['E7', 'E8']);
  t.same(ids(store.events.eventsBetween({ ...w, kind: 'object' })), ['E8']);
  t.same(ids(store.events.eventsBetween({ ...w, activity: 'reading' })), ['E4']);
  t.equal(store.events.eventsBetween({ ...w, limit: 2 }).length, 2);
});

t.test('eventsBetween: half-open boundaries', async (t) => {
  // E3 ends exactly at 06:40; E4 starts exactly at 07:00.
  t.same(ids(store.events.eventsBetween({ start: Z('2026-03-29T06:40:00Z'), end: Z('2026-03-29T07:00:00Z'), identity: 'alice' })), []);
  t.same(ids(store.events.eventsBetween({ start: Z('2026-03-29T06:39:59Z'), end: Z('2026-03-29T07:00:01Z'), identity: 'alice' })), [
    'E3',
    'E4',
  ]);
});

t.test('eventsBetween finds long and ongoing events that started long before the range', async (t) => {
  // F1 started 7 h before this window (the bounded scan must reach back 8 h).
  t.same(ids(store.events.eventsBetween({ start: Z('2026-10-25T04:00:00Z'), end: Z('2026-10-25T04:10:00Z') })), ['F1']);
  // F3 started 9 h before: further back than the longest closed event, found through the open-events index.
  t.same(ids(store.events.eventsBetween({ start: Z('2026-10-25T21:00:00Z'), end: Z('2026-10-25T21:10:00Z') })), ['F3']);
  t.same(ids(store.events.eventsBetween({ start: Z('2026-10-25T21:00:00Z'), end: Z('2026-10-25T21:10:00Z'), camera: 'kitchen' })), ['F3']);
});

t.test('whoWasWhere over the 23-hour day', async (t) => {
  const [s, e] = localDayRange('2026-03-29', TZ);
  const r = store.events.whoWasWhere({ start: s, end: e });
  t.same(
    r.map((p) => [p.identity, p.cameras, p.count]),
    [
      ['alice', ['kitchen', 'living'], 5],
      ['bob', ['porch'], 1],
      [null, ['porch'], 1],
    ],
    'the car (object) is not a person',
  );
  const alice = r[0]!;
  t.equal(alice.firstSeen, E.E1!.start, 'E1 started before local midnight but overlaps the day');
  t.equal(alice.lastSeen, E.E5!.end);
  t.same(
    alice.byCamera.find((c) => c.camera === 'kitchen'),
    { camera: 'kitchen', firstSeen: E.E1!.start, lastSeen: E.E3!.end, count: 3 },
  );
  // By room: porch and garage are "outside".
  t.same(
    store.events.whoWasWhere({ start: s, end: e, room: 'outside' }).map((p) => [p.identity, p.cameras]),
    [
      ['bob', ['porch']],
      [null, ['porch']],
    ],
  );
  t.same(
    store.events.whoWasWhere({ start: s, end: e, camera: 'living' }).map((p) => p.identity),
    ['alice'],
  );
  t.same(store.events.whoWasWhere({ start: s, end: e, room: 'attic' }), []);
  t.same(store.events.whoWasWhere({ start: s, end: e, room: 'outside', camera: 'garage' }), [], 'room and camera both apply');
});

t.test('whoWasWhere: an ongoing event counts as seen until now', async (t) => {
  const r = store.events.whoWasWhere({ start: Z('2026-10-25T12:00:00Z'), end: Z('2026-10-25T13:00:00Z') });
  t.same(
    r.map((p) => p.identity),
    ['bob'],
  );
  t.equal(r[0]!.lastSeen, clock.now());
});

t.test('lastSeen', async (t) => {
  t.equal(store.events.lastSeen('alice')?.id, 'F2');
  const bob = store.events.lastSeen('bob');
  t.equal(bob?.id, 'F3');
  t.equal(bob?.end, null, 'still ongoing');
  t.equal(store.events.lastSeen('zed'), null);
});

t.test('timeline on the spring-forward day (23 h), clipped and merged', async (t) => {
  const spans = store.events.timeline('alice', '2026-03-29', TZ);
  t.same(
    spans.map((s) => [s.activity, s.camera, new Date(s.start).toISOString(), new Date(s.end).toISOString(), s.events]),
    [
      ['cooking', 'kitchen', '2026-03-28T23:00:00.000Z', '2026-03-28T23:30:00.000Z', 1], // E1 from local midnight
      ['cooking', 'kitchen', '2026-03-29T06:00:00.000Z', '2026-03-29T06:40:00.000Z', 2], // E2 + E3
      ['reading', 'living', '2026-03-29T07:00:00.000Z', '2026-03-29T08:00:00.000Z', 1],
      ['reading', 'living', '2026-03-29T21:30:00.000Z', '2026-03-29T22:00:00.000Z', 1], // E5 up to local midnight
    ],
  );
  t.equal(spans[1]!.durationMs, 40 * MIN);
  // The day before holds E1's first half hour.
  t.same(
    store.events.timeline('alice', '2026-03-28', TZ).map((s) => [s.activity, s.durationMs]),
    [['cooking', 30 * MIN]],
  );
  // A wider merge gap does not merge across the long break.
  t.equal(store.events.timeline('alice', '2026-03-29', TZ, { mergeGapMs: 5 * MIN }).length, 4);
});

t.test('timeline on the fall-back day (25 h) includes the 25th hour', async (t) => {
  const spans = store.events.timeline('alice', '2026-10-25', TZ);
  t.same(
    spans.map((s) => [s.activity, s.camera, s.durationMs]),
    [
      ['sleeping', 'bedroom', 7 * HOUR], // from local midnight (22:00Z) to 05:00Z
      ['cooking', 'kitchen', 30 * MIN], // 23:30–24:00 CET, i.e. after 22:00Z + 24 h
    ],
  );
  const bob = store.events.timeline('bob', '2026-10-25', TZ);
  t.same(
    bob.map((s) => [s.activity, s.ongoing, s.durationMs]),
    [['eating', true, 11 * HOUR]],
    'ongoing, clipped at the end of the day',
  );
});

t.test('timeline of unlabeled presence only on request', async (t) => {
  t.same(store.events.timeline('bob', '2026-03-29', TZ), []);
  t.same(
    store.events.timeline('bob', '2026-03-29', TZ, { includeUnlabeled: true }).map((s) => [s.activity, s.camera, s.durationMs]),
    [[null, 'porch', 5 * MIN]],
  );
});

t.test('aggregate counts and durations', async (t) => {
  const [s, e] = localDayRange('2026-03-29', TZ);
  t.same(store.events.aggregate({ start: s, end: e, groupBy: 'identity', metric: 'count' }), [
    { key: 'alice', value: 5 },
    { key: null, value: 2 },
    { key: 'bob', value: 1 },
  ]);
  t.same(store.events.aggregate({ start: s, end: e, groupBy: 'camera', metric: 'count', kind: 'activity' }), [
    { key: 'kitchen', value: 3 },
    { key: 'living', value: 2 },
  ]);
  t.same(store.events.aggregate({ start: s, end: e, groupBy: 'activity', metric: 'duration', identity: 'alice' }), [
    { key: 'reading', value: 90 * MIN }, // 60 + 30 (E5 clipped at midnight)
    { key: 'cooking', value: 69.5 * MIN }, // 30 (E1 clipped) + 20 + 19.5
  ]);
  const [fs, fe] = localDayRange('2026-10-25', TZ);
  t.same(store.events.aggregate({ start: fs, end: fe, groupBy: 'activity', metric: 'duration' }), [
    { key: 'eating', value: 11 * HOUR },
    { key: 'sleeping', value: 7 * HOUR },
    { key: 'cooking', value: 30 * MIN },
  ]);
  t.throws(() => store.events.aggregate({ start: s, end: e, groupBy: 'mood' as 'camera', metric: 'count' }), { code: 'E_MEMORY_QUERY' });
});

t.test('upsert by id updates the stored event as the track evolves', async (t) => {
  const start = Z('2026-07-01T10:00:00Z');
  store.events.upsert(ev({ id: 'U1', camera: 'hall', kind: 'person', start }));
  t.equal(store.events.get('U1')?.end, null);
  const before = store.events.count;
  store.events.upsert(ev({ id: 'U1', camera: 'hall', kind: 'identity', identity: 'carol', start, end: start + 9 * HOUR }));
  t.equal(store.events.count, before, 'same row');
  const u = store.events.get('U1');
  t.equal(u?.identity, 'carol');
  t.equal(u?.end, start + 9 * HOUR);
  // 9 h is now the longest closed event: a window 8.5 h after its start still finds it.
  t.same(ids(store.events.eventsBetween({ start: start + 8.5 * HOUR, end: start + 8.6 * HOUR })), ['U1']);
});

t.test('timeline: an unlabeled sighting inside an activity span of the same camera is not listed again', async (t) => {
  store.events.upsert(
    ev({
      id: 'G1',
      identity: 'carol',
      camera: 'hall',
      activity: 'standing',
      start: Z('2026-05-01T10:00:00Z'),
      end: Z('2026-05-01T10:10:00Z'),
    }),
  );
  store.events.upsert(
    ev({ id: 'G2', identity: 'carol', camera: 'hall', kind: 'identity', start: Z('2026-05-01T10:00:00Z'), end: Z('2026-05-01T10:01:00Z') }),
  );
  store.events.upsert(
    ev({
      id: 'G3',
      identity: 'carol',
      camera: 'porch',
      kind: 'identity',
      start: Z('2026-05-01T10:05:00Z'),
      end: Z('2026-05-01T10:06:00Z'),
    }),
  );
  t.same(
    store.events.timeline('carol', '2026-05-01', TZ, { includeUnlabeled: true }).map((s) => [s.activity, s.camera, s.durationMs]),
    [
      ['standing', 'hall', 10 * MIN],
      [null, 'porch', MIN],
    ],
    'the hall sighting is inside the standing span; the porch one is on another camera',
  );
});
