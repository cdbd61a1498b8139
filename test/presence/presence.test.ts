import { join } from 'node:path';
import { Registry } from 'prom-client';
import t from 'tap';
import type { HomeEvent, VisionEventPayload } from '../../daemon/contracts/index.js';
import { MemoryStore } from '../../daemon/memory/index.js';
import { MqttModule } from '../../daemon/mqtt/index.js';
import { PresenceModule } from '../../daemon/presence/module.js';
import { PresenceTracker } from '../../daemon/presence/tracker.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { ev as memoryEvent } from '../memory/support.js';
import { makeContext, type TestContext } from '../mqtt/support/context.js';
import { haProblems } from '../mqtt/support/ha-shapes.js';
import { Consumer, freePort, waitFor } from '../mqtt/support/mqtt.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const MIN = 60_000;

/** A memory event at T0 unless the test says when. */
const ev = (over: Partial<HomeEvent> & Pick<HomeEvent, 'id' | 'camera' | 'kind'>): HomeEvent => memoryEvent({ start: T0, ...over });

t.test('the tracker: tracks make a person home, their end and away_after make them away; unknown faces per camera', (t) => {
  const rooms: Record<string, string> = { cam_k: 'kitchen', porch: 'porch' };
  const tr = new PresenceTracker((c) => rooms[c] ?? c, 30 * MIN);
  const at = (m: number): number => T0 + m * MIN;
  const apply = (p: VisionEventPayload, m: number) => tr.onEvent(p, at(m));

  t.same(tr.personPresence('Alice', at(0)), {
    name: 'Alice',
    home: false,
    room: null,
    camera: null,
    activity: null,
    lastSeen: null,
    eventId: null,
    snapshot: null,
  });
  apply(
    { change: 'new', event: ev({ id: 'p1', camera: 'cam_k', kind: 'person', track_id: 't1', attributes: { identity_state: 'pending' } }) },
    0,
  );
  t.equal(tr.unknownPresence('cam_k').persons, 0, 'a face not yet read is not an unknown person');
  const touched = apply(
    { change: 'new', event: ev({ id: 'i1', camera: 'cam_k', kind: 'identity', track_id: 't1', identity: 'Alice', snapshot: 's/i1.jpg' }) },
    1,
  );
  t.same(touched, { people: ['Alice'], cameras: [] });
  apply(
    {
      change: 'update',
      event: ev({ id: 'p1', camera: 'cam_k', kind: 'person', track_id: 't1', identity: 'Alice', activity: 'cooking', attributes: {} }),
    },
    2,
  );
  t.match(tr.personPresence('Alice', at(2)), { home: true, room: 'kitchen', camera: 'cam_k', activity: 'cooking', lastSeen: at(2) });
  t.equal(tr.personPresence('Alice', at(2)).snapshot, 's/i1.jpg', 'evidence snapshot kept');
  t.same(
    tr.roomPresence('kitchen', ['cam_k']),
    { room: 'kitchen', persons: 0, people: [], cameras: ['cam_k'] },
    'rooms count from occupancy',
  );
  tr.onOccupancy({ camera: 'cam_k', persons: 2, identities: ['Alice'], activity: 'cooking' });
  t.same(tr.roomPresence('kitchen', ['cam_k']), { room: 'kitchen', persons: 2, people: ['Alice'], cameras: ['cam_k'] });

  // An unknown face on the porch.
  apply(
    { change: 'new', event: ev({ id: 'p2', camera: 'porch', kind: 'person', track_id: 't2', attributes: { identity_state: 'pending' } }) },
    3,
  );
  const u = apply(
    {
      change: 'update',
      event: ev({
        id: 'p2',
        camera: 'porch',
        kind: 'person',
        track_id: 't2',
        snapshot: 's/p2.jpg',
        attributes: { identity_state: 'unknown' },
      }),
    },
    4,
  );
  t.same(u.cameras, ['porch']);
  t.match(tr.unknownPresence('porch'), {
    camera: 'porch',
    room: 'porch',
    persons: 1,
    lastSeen: at(4),
    eventId: 'p2',
    snapshot: 's/p2.jpg',
  });
  apply(
    {
      change: 'end',
      event: ev({ id: 'p2', camera: 'porch', kind: 'person', track_id: 't2', end: at(5), attributes: { identity_state: 'unknown' } }),
    },
    6,
  );
  t.match(tr.unknownPresence('porch'), { persons: 0, lastSeen: at(5) }, 'gone, last seen kept');

  // Alice leaves the kitchen: home while within away_after, then away; the room stays the last one.
  apply({ change: 'end', event: ev({ id: 'i1', camera: 'cam_k', kind: 'identity', track_id: 't1', identity: 'Alice', end: at(10) }) }, 10);
  apply({ change: 'end', event: ev({ id: 'p1', camera: 'cam_k', kind: 'person', track_id: 't1', identity: 'Alice', end: at(10) }) }, 10);
  t.match(tr.personPresence('Alice', at(39)), { home: true, room: 'kitchen', activity: null, lastSeen: at(10) });
  t.match(tr.personPresence('Alice', at(40)), { home: false, room: 'kitchen', activity: null });

  // A track vision never ended (it stopped) does not keep anyone home forever.
  apply({ change: 'new', event: ev({ id: 'i3', camera: 'cam_k', kind: 'identity', track_id: 't3', identity: 'Bob' }) }, 50);
  t.equal(tr.personPresence('Bob', at(200)).home, true, 'an open track is home');
  t.same(tr.expire(at(200)), ['Bob']);
  t.equal(tr.personPresence('Bob', at(200)).home, false);

  // A track re-identified as someone else is no longer the first person's.
  apply({ change: 'new', event: ev({ id: 'i4', camera: 'cam_k', kind: 'identity', track_id: 't4', identity: 'Alice' }) }, 300);
  apply({ change: 'new', event: ev({ id: 'i5', camera: 'cam_k', kind: 'identity', track_id: 't4', identity: 'Bob' }) }, 301);
  t.equal(tr.onCamera('Alice'), false);
  t.equal(tr.onCamera('Bob', 'cam_k'), true);
  t.end();
});

const YAML = (port: number) => `device_id: hub1
household:
  timezone: Europe/Berlin
  people:
    - {name: Alice}
cameras:
  kitchen_cam:
    room: kitchen
    source: {kind: file, path: a.mp4}
  porch:
    source: {kind: file, path: b.mp4}
mqtt:
  embedded: {port: ${port}}
presence:
  away_after_min: 30
`;

interface Running {
  mqtt: MqttModule;
  presence: PresenceModule;
  store: MemoryStore;
}

async function startDaemonParts(ctx: TestContext, clock: ManualClock): Promise<Running> {
  const store = new MemoryStore({ file: join(ctx.dir, 'data', 'homesight.db'), log: silentLogger(), clock });
  // A fresh metrics registry per start, as a new daemon process has.
  const mqtt = new MqttModule({ ...ctx, metrics: new Registry() });
  const presence = new PresenceModule({
    config: ctx.config,
    log: ctx.log,
    clock,
    bus: ctx.bus,
    store: () => (store.isOpen ? store : null),
    bridge: () => mqtt.bridge,
  });
  await mqtt.start();
  await presence.start();
  return { mqtt, presence, store };
}

async function stopDaemonParts(r: Running): Promise<void> {
  await r.presence.stop();
  await r.mqtt.stop();
  r.store.close();
}

/** What vision does with an event: store it, then tell the bus. */
function see(r: Running, ctx: TestContext, change: VisionEventPayload['change'], event: HomeEvent): void {
  r.store.events.upsert(event);
  ctx.bus.emit('vision.event', { change, event });
}

t.test('a replayed event sequence through the real bus and the embedded broker: retained discovery and state, restart', async (t) => {
  const port = await freePort();
  const ctx = makeContext(YAML(port));
  t.teardown(() => ctx.cleanup());
  const clock = new ManualClock(T0);
  let r = await startDaemonParts(ctx, clock);
  t.teardown(() => (r.presence === undefined ? undefined : stopDaemonParts(r).catch(() => undefined)));

  const url = `mqtt://127.0.0.1:${port}`;
  const ha = await Consumer.connect(url, { protocolVersion: 4, clientId: 'home-assistant' });
  t.teardown(() => ha.close());
  await ha.subscribe(['homeassistant/#', 'homesight/hub1/presence/#']);

  const node = 'homeassistant/%s/homesight_hub1/%s/config';
  const cfg = (component: string, id: string): string => node.replace('%s', component).replace('%s', id);
  const expected = [
    cfg('binary_sensor', 'person_alice_home'),
    cfg('sensor', 'person_alice_room'),
    cfg('sensor', 'person_alice_activity'),
    cfg('sensor', 'person_alice_last_seen'),
    cfg('sensor', 'room_kitchen_persons'),
    cfg('sensor', 'room_porch_persons'),
    cfg('sensor', 'kitchen_cam_unknown_person'),
    cfg('sensor', 'porch_unknown_person'),
  ];
  await waitFor(() => expected.every((x) => ha.last(x) !== undefined), 10_000, 'presence discovery');
  for (const topic of expected) {
    const m = ha.last(topic)!;
    t.same(haProblems(topic, m.json()), [], `${topic.split('/')[3]} is accepted by the HA-shaped checker`);
    t.equal(m.json().qos, 1, 'state read with QoS 1');
  }
  // A subscriber that comes later (Home Assistant restarting) gets them retained.
  const later = await Consumer.connect(url, { protocolVersion: 4 });
  t.teardown(() => later.close());
  await later.subscribe('homeassistant/#');
  for (const topic of expected) t.equal((await later.waitTopic(topic)).retain, true, `${topic.split('/')[3]} discovery is retained`);
  const home = ha.last(cfg('binary_sensor', 'person_alice_home'))!.json();
  t.match(home, {
    device_class: 'presence',
    state_topic: 'homesight/hub1/presence/person/alice',
    unique_id: 'homesight_hub1_person_alice_home',
  });
  t.match(ha.last(cfg('sensor', 'person_alice_last_seen'))!.json(), { device_class: 'timestamp' });
  t.ok(
    ha.messages.some((m) => m.topic === cfg('sensor', 'kitchen_cam_person_count')),
    'the device keeps its camera entities',
  );

  const person = 'homesight/hub1/presence/person/alice';
  const first = await ha.waitTopic(person);
  t.match(first.json(), { name: 'Alice', home: false, room: null, last_seen: null }, 'never seen: away, no room');

  // Alice comes into the kitchen and cooks; an unknown person waits on the porch.
  clock.advance(MIN);
  see(r, ctx, 'new', ev({ id: 'p1', camera: 'kitchen_cam', kind: 'person', track_id: 't1', start: clock.now() }));
  see(r, ctx, 'new', ev({ id: 'i1', camera: 'kitchen_cam', kind: 'identity', track_id: 't1', identity: 'Alice', start: clock.now() }));
  clock.advance(MIN);
  see(
    r,
    ctx,
    'update',
    ev({ id: 'p1', camera: 'kitchen_cam', kind: 'person', track_id: 't1', identity: 'Alice', activity: 'cooking', start: T0 + MIN }),
  );
  ctx.bus.emit('camera.occupancy', { camera: 'kitchen_cam', persons: 1, identities: ['Alice'], activity: 'cooking' });
  see(
    r,
    ctx,
    'update',
    ev({
      id: 'p9',
      camera: 'porch',
      kind: 'person',
      track_id: 't9',
      start: clock.now(),
      snapshot: 'snapshots/porch/p9.jpg',
      attributes: { identity_state: 'unknown' },
    }),
  );
  const cooking = await ha.waitTopic(person, (m) => m.json().activity === 'cooking');
  t.match(cooking.json(), {
    name: 'Alice',
    home: true,
    room: 'kitchen',
    camera: 'kitchen_cam',
    activity: 'cooking',
    last_seen: '2026-03-02T09:02:00+01:00',
    event_id: 'p1',
  });
  const room = await ha.waitTopic('homesight/hub1/presence/room/kitchen', (m) => m.json().persons === 1);
  t.same(room.json().people, ['Alice']);
  const unknown = await ha.waitTopic('homesight/hub1/presence/unknown/porch', (m) => m.json().persons === 1);
  t.match(unknown.json(), { camera: 'porch', room: 'porch', event_id: 'p9', snapshot: 'snapshots/porch/p9.jpg' });

  // She leaves: still home for away_after_min, then away (the timer's tick, driven by hand).
  clock.advance(3 * MIN);
  see(
    r,
    ctx,
    'end',
    ev({ id: 'i1', camera: 'kitchen_cam', kind: 'identity', track_id: 't1', identity: 'Alice', start: T0 + MIN, end: clock.now() }),
  );
  see(
    r,
    ctx,
    'end',
    ev({ id: 'p1', camera: 'kitchen_cam', kind: 'person', track_id: 't1', identity: 'Alice', start: T0 + MIN, end: clock.now() }),
  );
  await ha.waitTopic(person, (m) => m.json().activity === null && m.json().home === true);
  clock.advance(29 * MIN);
  r.presence.tick();
  clock.advance(2 * MIN);
  r.presence.tick();
  const away = await ha.waitTopic(person, (m) => m.json().home === false && m.json().room === 'kitchen');
  t.match(away.json(), { last_seen: '2026-03-02T09:05:00+01:00', room: 'kitchen' }, 'away, last seen in the kitchen');
  t.match(r.presence.absenceOf('Alice'), { from: T0 + 5 * MIN, to: clock.now(), ongoing: true }, '"while I was away" span');

  // Bob is enrolled (the gallery changes): his entities appear; removed again: they disappear.
  r.store.identities.ensure('Bob');
  r.presence.refreshPeople();
  const bobHome = cfg('binary_sensor', 'person_bob_home');
  await ha.waitTopic(bobHome, (m) => m.payload.length > 0);
  await ha.waitTopic('homesight/hub1/presence/person/bob');
  r.store.identities.remove('Bob');
  r.presence.refreshPeople();
  await ha.waitTopic(bobHome, (m) => m.payload.length === 0);
  t.pass('an enrolled person gets entities; a removed one loses them');
  // Enrolled again and recognised before the next refresh: the sighting itself brings his entities back.
  const before = ha.on(bobHome).length;
  r.store.identities.ensure('Bob');
  see(r, ctx, 'new', ev({ id: 'b1', camera: 'porch', kind: 'identity', track_id: 'tb', identity: 'Bob', start: clock.now() }));
  await ha.waitTopic(bobHome, (m) => m.payload.length > 0 && ha.on(bobHome).indexOf(m) >= before);
  t.match((await ha.waitTopic('homesight/hub1/presence/person/bob', (m) => m.payload.length > 0 && m.json().home === true)).json(), {
    room: 'porch',
  });
  see(
    r,
    ctx,
    'end',
    ev({ id: 'b1', camera: 'porch', kind: 'identity', track_id: 'tb', identity: 'Bob', start: clock.now(), end: clock.now() }),
  );
  r.store.identities.remove('Bob');
  r.presence.refreshPeople();

  // Restart: a late subscriber sees the last state, restored from the stored events.
  await stopDaemonParts(r);
  clock.advance(10 * MIN);
  r = await startDaemonParts(ctx, clock);
  const late = await Consumer.connect(url, { protocolVersion: 4 });
  t.teardown(() => late.close());
  await late.subscribe(['homesight/hub1/presence/#']);
  const restored = await late.waitTopic(person);
  t.equal(restored.retain, true, 'retained');
  t.match(restored.json(), { home: false, room: 'kitchen', camera: 'kitchen_cam', last_seen: '2026-03-02T09:05:00+01:00' });
  const porch = await late.waitTopic('homesight/hub1/presence/unknown/porch');
  t.match(porch.json(), { persons: 0, event_id: 'p9', snapshot: 'snapshots/porch/p9.jpg' }, 'the last unknown visitor is remembered');
  t.same(r.presence.people(), ['Alice']);
});
