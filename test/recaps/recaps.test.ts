import { join } from 'node:path';
import { Registry } from 'prom-client';
import t from 'tap';
import { MemoryStore } from '../../daemon/memory/index.js';
import { MqttModule } from '../../daemon/mqtt/index.js';
import { PresenceModule } from '../../daemon/presence/module.js';
import { DailyDigest, digestSpan, nextDailyAt } from '../../daemon/recaps/digest.js';
import { RecapsModule } from '../../daemon/recaps/module.js';
import type { RecapSpan } from '../../daemon/recaps/recap.js';
import { ManualClock, silentLogger, zonedToUtc } from '../../daemon/system/index.js';
import { ev } from '../memory/support.js';
import { makeContext } from '../mqtt/support/context.js';
import { haProblems } from '../mqtt/support/ha-shapes.js';
import { Consumer, freePort, waitFor } from '../mqtt/support/mqtt.js';

const TZ = 'Europe/Berlin';
const MIN = 60_000;
/** Local wall time in Berlin on 2026-03-02 (UTC+1). */
const at = (hh: number, mm = 0, day = 2): number => zonedToUtc({ year: 2026, month: 3, day, hour: hh, minute: mm }, TZ);

t.test('digest scheduling: the next local HH:MM, DST days, an injected clock', async (t) => {
  t.equal(nextDailyAt(at(20, 59), '21:00', TZ), at(21), 'later today');
  t.equal(nextDailyAt(at(21), '21:00', TZ), at(21, 0, 3), 'strictly after: tomorrow');
  // 2026-03-29 is 23 hours long in Berlin: the digest at 21:00 covers 23 hours.
  const dst = digestSpan(zonedToUtc({ year: 2026, month: 3, day: 29, hour: 21 }, TZ), '21:00', TZ);
  t.equal(dst.to - dst.from, 23 * 60 * MIN);
  t.equal(dst.label, 'daily digest');

  const clock = new ManualClock(at(12));
  const spans: RecapSpan[] = [];
  const digest = new DailyDigest({ clock, log: silentLogger(), at: '21:00', timezone: TZ, publish: async (s) => void spans.push(s) });
  t.equal(digest.nextAt, at(21));
  t.equal(await digest.check(), null, 'not due at noon');
  clock.advance(9 * 60 * MIN);
  t.same(await digest.check(), { from: at(21, 0, 1), to: at(21), label: 'daily digest' }, 'due at 21:00: the 24 hours before');
  t.equal(await digest.check(), null, 'once');
  t.equal(digest.nextAt, at(21, 0, 3));
  // The daemon slept through two digests: one is sent, for the last slot's day, and the schedule moves on.
  clock.advance(2 * 24 * 60 * MIN + 30 * MIN);
  t.same(await digest.check(), { from: at(21, 0, 2), to: at(21, 0, 3), label: 'daily digest' });
  t.equal(digest.nextAt, at(21, 0, 5));
  t.equal(spans.length, 2);
  t.equal(digest.published, 2);
  // A failing publish is logged and counted, never thrown at the timer.
  const failing = new DailyDigest({
    clock,
    log: silentLogger(),
    at: '21:00',
    timezone: TZ,
    publish: async () => {
      throw new Error('broker gone');
    },
  });
  clock.advance(24 * 60 * MIN);
  t.ok(await failing.check());
  t.equal(failing.lastError, 'broker gone');
  await digest.stop();
});

/** A household's Monday: Alice cooks in the morning, Bob passes through, visitors on the porch, Opa lies down. */
function seed(store: MemoryStore): void {
  const e = store.events;
  e.upsert(ev({ id: 'a-p1', camera: 'kitchen_cam', kind: 'person', track_id: 'a', identity: 'Alice', start: at(8), end: at(8, 30) }));
  e.upsert(
    ev({
      id: 'a-i1',
      camera: 'kitchen_cam',
      kind: 'identity',
      track_id: 'a',
      identity: 'Alice',
      start: at(8, 1),
      end: at(8, 30),
      snapshot: 'snapshots/a1.jpg',
    }),
  );
  e.upsert(
    ev({
      id: 'a-c1',
      camera: 'kitchen_cam',
      kind: 'activity',
      label: 'cooking',
      track_id: 'a',
      identity: 'Alice',
      activity: 'cooking',
      start: at(8, 5),
      end: at(8, 25),
      attributes: { person_event: 'a-p1' },
    }),
  );
  e.upsert(
    ev({
      id: 'a-i2',
      camera: 'hall_cam',
      kind: 'identity',
      track_id: 'a2',
      identity: 'Alice',
      start: at(12),
      end: at(12, 2),
      snapshot: 'snapshots/a2.jpg',
    }),
  );
  e.upsert(
    ev({
      id: 'b-i1',
      camera: 'hall_cam',
      kind: 'identity',
      track_id: 'b',
      identity: 'Bob',
      start: at(10),
      end: at(10, 10),
      snapshot: 'snapshots/b1.jpg',
    }),
  );
  // Two tracks of an unknown face 3 minutes apart (one visit), another at 16:00; a track whose face was never read.
  const unknown = { identity_state: 'unknown' };
  e.upsert(
    ev({
      id: 'u1',
      camera: 'porch',
      kind: 'person',
      track_id: 'u1',
      start: at(14),
      end: at(14, 2),
      snapshot: 'snapshots/u1.jpg',
      attributes: unknown,
    }),
  );
  e.upsert(ev({ id: 'u2', camera: 'porch', kind: 'person', track_id: 'u2', start: at(14, 5), end: at(14, 6), attributes: unknown }));
  e.upsert(
    ev({
      id: 'u3',
      camera: 'porch',
      kind: 'person',
      track_id: 'u3',
      start: at(16),
      end: at(16, 1),
      snapshot: 'snapshots/u3.jpg',
      attributes: unknown,
    }),
  );
  e.upsert(
    ev({
      id: 'x1',
      camera: 'hall_cam',
      kind: 'person',
      track_id: 'x1',
      start: at(9),
      end: at(9, 1),
      attributes: { identity_state: 'pending' },
    }),
  );
  // Opa lies on the hall floor for 4 minutes (a fall), and later on the sofa (resting).
  e.upsert(
    ev({
      id: 'o-p1',
      camera: 'hall_cam',
      kind: 'person',
      track_id: 'o',
      identity: 'Opa',
      start: at(15),
      end: at(15, 5),
      snapshot: 'snapshots/o1.jpg',
    }),
  );
  e.upsert(
    ev({
      id: 'o-l1',
      camera: 'hall_cam',
      kind: 'activity',
      label: 'lying_down',
      track_id: 'o',
      identity: 'Opa',
      activity: 'lying_down',
      start: at(15, 1),
      end: at(15, 5),
      attributes: { person_event: 'o-p1' },
    }),
  );
  e.upsert(
    ev({
      id: 'o-l2',
      camera: 'hall_cam',
      kind: 'activity',
      label: 'lying_down',
      track_id: 'o2',
      identity: 'Opa',
      activity: 'lying_down',
      start: at(17),
      end: at(17, 30),
      zones: ['sofa'],
    }),
  );
  // Yesterday: outside "today".
  e.upsert(
    ev({ id: 'old', camera: 'kitchen_cam', kind: 'identity', track_id: 'z', identity: 'Bob', start: at(20, 0, 1), end: at(20, 5, 1) }),
  );
  e.flush();
}

const YAML = (port: number): string => `device_id: hub1
household:
  timezone: ${TZ}
  people:
    - {name: Alice}
    - {name: Bob}
    - {name: Opa}
cameras:
  kitchen_cam: {room: kitchen, source: {kind: file, path: a.mp4}}
  hall_cam: {room: hall, source: {kind: file, path: b.mp4}}
  porch: {source: {kind: file, path: c.mp4}}
mqtt:
  embedded: {port: ${port}}
recaps:
  evidence_per_person: 2
  digest: {at: '21:00'}
`;

t.test('recaps of a seeded store over MQTT: today, from/to, while away, the daily digest; errors', async (t) => {
  const port = await freePort();
  const ctx = makeContext(YAML(port));
  t.teardown(() => ctx.cleanup());
  const clock = new ManualClock(at(18));
  const store = new MemoryStore({ file: join(ctx.dir, 'data', 'homesight.db'), log: silentLogger(), clock });
  t.teardown(() => store.close());
  seed(store);
  const mqtt = new MqttModule({ ...ctx, metrics: new Registry() });
  const presence = new PresenceModule({
    config: ctx.config,
    log: ctx.log,
    clock,
    bus: ctx.bus,
    store: () => store,
    bridge: () => mqtt.bridge,
  });
  const recaps = new RecapsModule({
    config: ctx.config,
    log: ctx.log,
    clock,
    store: () => store,
    bridge: () => mqtt.bridge,
    presence: () => presence,
  });
  await mqtt.start();
  await presence.start();
  await recaps.start();
  t.teardown(async () => {
    await recaps.stop();
    await presence.stop();
    await mqtt.stop();
  });

  // The recap itself, straight from the service.
  const today = recaps.recap({ when: 'today' });
  t.same(today.span, { from: '2026-03-02T00:00:00+01:00', to: '2026-03-02T18:00:00+01:00', label: 'today', timezone: TZ });
  t.same(
    today.people.map((p) => p.name),
    ['Alice', 'Bob', 'Opa'],
    "yesterday's Bob does not count",
  );
  const alice = today.people[0]!;
  t.same(
    alice.rooms.map((r) => [r.room, r.cameras, r.sightings]),
    [
      ['kitchen', ['kitchen_cam'], 3],
      ['hall', ['hall_cam'], 1],
    ],
  );
  t.match(alice, { first_seen: '2026-03-02T08:00:00+01:00', last_seen: '2026-03-02T12:02:00+01:00' });
  t.same(alice.activities, [
    { activity: 'cooking', room: 'kitchen', minutes: 20, first: '2026-03-02T08:05:00+01:00', last: '2026-03-02T08:25:00+01:00' },
  ]);
  t.same(
    alice.evidence.map((e) => [e.event_id, e.snapshot]),
    [
      ['a-i1', 'snapshots/a1.jpg'],
      ['a-i2', 'snapshots/a2.jpg'],
    ],
    'evidence: her snapshots, spread over the day',
  );
  t.same(
    today.unknown_visitors.map((v) => [v.camera, v.room, v.first_seen, v.last_seen, v.tracks, v.evidence?.snapshot]),
    [
      ['porch', 'porch', '2026-03-02T14:00:00+01:00', '2026-03-02T14:06:00+01:00', 2, 'snapshots/u1.jpg'],
      ['porch', 'porch', '2026-03-02T16:00:00+01:00', '2026-03-02T16:01:00+01:00', 1, 'snapshots/u3.jpg'],
    ],
    'tracks 3 minutes apart are one visit',
  );
  t.equal(today.unidentified, 1, 'a face never read is not an unknown visitor');
  t.same(today.falls, [
    {
      person: 'Opa',
      camera: 'hall_cam',
      room: 'hall',
      start: '2026-03-02T15:01:00+01:00',
      end: '2026-03-02T15:05:00+01:00',
      minutes: 4,
      evidence: { event_id: 'o-l1', camera: 'hall_cam', at: '2026-03-02T15:01:00+01:00', snapshot: 'snapshots/o1.jpg' },
    },
  ]);
  t.equal(today.truncated, false);
  t.equal(
    today.text,
    'Today (00:00–18:00): Alice was seen in kitchen and hall (08:00–12:02), cooking 20 min. ' +
      'Bob was seen in hall (10:00–10:10). Opa was seen in hall (15:00–17:30), lying down 34 min. ' +
      '2 unknown visitors: porch at 14:00 and porch at 16:00. Possible fall: Opa lying down in the hall at 15:01 for 4 min.',
  );

  // Over MQTT: recap/get with reply_to (an MQTT 3.1.1 client such as Home Assistant).
  const url = `mqtt://127.0.0.1:${port}`;
  const ha = await Consumer.connect(url, { protocolVersion: 4, clientId: 'home-assistant' });
  t.teardown(() => ha.close());
  await ha.subscribe(['replies/#', 'homesight/hub1/recap/#', 'homeassistant/sensor/homesight_hub1/recap_digest/config']);
  const ask = async (id: string, args: Record<string, unknown>) => {
    ha.client.publish('homesight/hub1/recap/get', JSON.stringify({ id, reply_to: `replies/${id}`, ...args }));
    return (await ha.waitTopic(`replies/${id}`)).json<{ status: string; data: typeof today; error: { code: string; hint?: string } }>();
  };
  const r1 = await ask('r1', { from: '2026-03-02T13:00:00+01:00', to: '2026-03-02T16:30:00+01:00' });
  t.equal(r1.status, 'ok');
  t.same(
    r1.data.people.map((p) => p.name),
    ['Opa'],
  );
  t.equal(r1.data.unknown_visitors.length, 2);
  t.match(r1.data.text, /^Recap \(13:00–16:30\): Opa was seen in hall/);

  // "While I was away": Alice was last seen at 12:02; presence says she is away since then.
  const r2 = await ask('r2', { away_of: 'alice' });
  t.equal(r2.status, 'ok');
  t.match(r2.data.span, { from: '2026-03-02T12:02:00+01:00', to: '2026-03-02T18:00:00+01:00', label: 'since Alice left' });
  t.same(
    r2.data.people.map((p) => p.name),
    ['Opa'],
  );

  const bad = await ask('r3', { when: 'today', from: '2026-03-02T13:00:00+01:00' });
  t.equal(bad.error.code, 'E_BAD_REQUEST', 'one way to name a span');
  const stranger = await ask('r4', { away_of: 'Mallory' });
  t.equal(stranger.error.code, 'E_RECAP_PERSON');
  t.match(stranger.error.hint, /Alice, Bob, Opa/);
  const future = await ask('r5', { when: 'tomorrow' });
  t.equal(future.status, 'error', 'a span that has not begun');

  // The daily digest at 21:00, retained, with its Home Assistant sensor.
  const sensor = await ha.waitTopic('homeassistant/sensor/homesight_hub1/recap_digest/config');
  t.same(haProblems(sensor.topic, sensor.json()), [], 'the digest sensor is accepted by the HA-shaped checker');
  t.match(sensor.json(), { device_class: 'timestamp', state_topic: 'homesight/hub1/recap/digest', qos: 1 });
  clock.advance(3 * 60 * MIN);
  t.same(await recaps.dailyDigest!.check(), { from: at(21, 0, 1), to: at(21), label: 'daily digest' });
  const late = await Consumer.connect(url, { protocolVersion: 4 });
  t.teardown(() => late.close());
  await late.subscribe('homesight/hub1/recap/digest');
  const digest = await late.waitTopic('homesight/hub1/recap/digest');
  t.equal(digest.retain, true, 'the digest is retained');
  t.match(digest.json(), { span: { from: '2026-03-01T21:00:00+01:00', to: '2026-03-02T21:00:00+01:00', label: 'daily digest' } });
  t.match(digest.json<{ text: string }>().text, /^Daily digest \(2026-03-01 21:00–21:00\): Alice was seen/);
  t.same(
    digest.json<{ people: Array<{ name: string }> }>().people.map((p) => p.name),
    ['Alice', 'Bob', 'Opa'],
    "yesterday 20:00 is before the digest's span",
  );
  await waitFor(() => recaps.health().details?.digests === 1, 1000, 'health counts the digest');
  t.match(recaps.health(), { status: 'ok', summary: /next digest 2026-03-03T21:00:00\+01:00/ });
});
