import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import t from 'tap';
import { loadConfig } from '../../daemon/config/index.js';
import { watchNotificationSchema } from '../../daemon/contracts/index.js';
import { Daemon } from '../../daemon/main.js';
import { MODULES } from '../../daemon/modules.js';
import { ManualClock } from '../../daemon/system/index.js';
import { tempDir } from '../agent/support.js';
import { haProblems } from '../mqtt/support/ha-shapes.js';
import { Mosquitto } from '../mqtt/support/mosquitto.js';
import { Consumer, waitFor } from '../mqtt/support/mqtt.js';
import { personEvent, see } from './support.js';

/**
 * The watch notification path against a real broker: the daemon's MQTT client (broker: external) publishing to a
 * mosquitto started here, Home Assistant as a plain MQTT client with a persistent session. What the embedded broker
 * cannot show: QoS 1 notifications queued by mosquitto for a subscriber that is offline, and notifications fired
 * while mosquitto itself is down reaching Home Assistant after it comes back (the daemon's outbox).
 */

const NOW = Date.parse('2026-05-02T21:30:00+02:00');

function daemonAt(dir: string, url: string, clock: ManualClock): Daemon {
  const file = join(dir, 'homesight.yaml');
  writeFileSync(
    file,
    `device_id: hub1
paths:
  data_dir: ${join(dir, 'data')}
  cache_dir: ${join(dir, 'cache')}
health: {port: 0}
household:
  timezone: Europe/Berlin
  people:
    - {name: Heinrich, aliases: [Opa]}
cameras:
  living_room: {source: {kind: file, path: b.mp4}}
vision: {enabled: false}
mqtt:
  broker: external
  url: ${url}
  reconnect: {min_ms: 100, max_ms: 400}
`,
  );
  return new Daemon(loadConfig({ file, env: {} }), {
    load: { file, env: {} },
    env: { PATH: process.env.PATH ?? '' },
    clock,
    modules: MODULES.filter((m) => ['memory', 'mqtt', 'watches'].includes(m.name)),
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
}

t.test('watch notifications through mosquitto: discovery, QoS 1 to an offline subscriber, a broker outage', async (t) => {
  const dir = tempDir(t, 'hs-watch-mosq-');
  const broker = await Mosquitto.start({ dir: join(dir, 'mosquitto') });
  t.teardown(() => broker.stop());
  const clock = new ManualClock(NOW);
  const daemon = daemonAt(dir, broker.url, clock);
  t.teardown(() => daemon.stop());
  t.equal(await daemon.start(), null, 'daemon started against mosquitto');

  // Home Assistant: a persistent session (clean: false), so mosquitto queues QoS 1 messages while it is away.
  const haOptions = { protocolVersion: 4 as const, clientId: 'home-assistant', clean: false };
  // The listener is attached before the connection: mosquitto sends a session's queued messages right after CONNACK.
  const connectHa = async (): Promise<Consumer> => {
    const c = new Consumer(mqtt.connect(broker.url, { ...haOptions, reconnectPeriod: 0, connectTimeout: 5000 }));
    t.teardown(() => c.close());
    await new Promise<void>((resolve, reject) => {
      c.client.once('connect', () => resolve());
      c.client.once('error', reject);
    });
    return c;
  };
  let ha = await connectHa();
  await ha.subscribe(['homeassistant/#', 'homesight/hub1/watch/#']);

  const watches = daemon.module('watches')!;
  const w = watches.create({
    trigger: { who: { kind: 'person', name: 'Heinrich' }, cameras: ['living_room'], activity: 'lying_down' },
    cooldown_s: 0,
    action: { snapshot: false },
  });

  // Its event entity and device trigger reach Home Assistant through mosquitto, retained.
  const eventCfg = `homeassistant/event/homesight_hub1/watch_${w.id}/config`;
  const triggerCfg = `homeassistant/device_automation/homesight_hub1/watch_${w.id}/config`;
  for (const topic of [eventCfg, triggerCfg]) {
    const m = await ha.waitTopic(topic);
    t.same(haProblems(topic, m.json()), [], `${topic.split('/')[1]} accepted by the HA-shaped checker`);
  }
  t.equal(ha.last(triggerCfg)!.json().topic, `homesight/hub1/watch/${w.id}/event`, 'the device trigger listens on the event topic');

  // A firing: watch/triggered (QoS 1) and the watch's event topic, which is what the device trigger fires on.
  see(daemon, 'new', personEvent('ev-1', 'living_room', clock.now(), { identity: 'Heinrich', activity: 'lying_down' }));
  const first = await ha.waitTopic('homesight/hub1/watch/triggered');
  t.match(watchNotificationSchema.parse(first.json()), { watch_id: w.id, event_id: 'ev-1', identity: 'Heinrich', fired: 1 });
  const fired = await ha.waitTopic(`homesight/hub1/watch/${w.id}/event`);
  t.match(fired.json(), { event_type: 'triggered', watch_id: w.id, id: `${w.id}-1` });

  // Home Assistant is offline when the next one fires: mosquitto keeps it for the persistent session.
  await ha.close();
  see(daemon, 'new', personEvent('ev-2', 'living_room', clock.now(), { identity: 'Heinrich', activity: 'lying_down' }));
  await waitFor(() => watches.get(w.id)?.fired === 2, 10_000, 'the second firing');
  ha = await connectHa();
  const queued = await ha.waitTopic('homesight/hub1/watch/triggered', (m) => m.json().event_id === 'ev-2');
  t.match(queued.json(), { id: `${w.id}-2`, fired: 2 }, 'the notification fired while HA was away arrives when it reconnects');

  // mosquitto is down when the third one fires: the daemon's outbox sends it once the broker is back.
  await broker.stop();
  await ha.close();
  see(daemon, 'new', personEvent('ev-3', 'living_room', clock.now(), { identity: 'Heinrich', activity: 'lying_down' }));
  await waitFor(() => watches.get(w.id)?.fired === 3, 10_000, 'the third firing');
  // Started again on its port with its persistence file: the session of Home Assistant survives.
  await broker.restart();
  ha = await connectHa();
  const late = await ha.waitTopic('homesight/hub1/watch/triggered', (m) => m.json().event_id === 'ev-3', 15_000);
  t.match(late.json(), { id: `${w.id}-3`, fired: 3 }, 'the notification fired during the outage arrives after it');
  const lateEvent = await ha.waitTopic(`homesight/hub1/watch/${w.id}/event`, (m) => m.json().event_id === 'ev-3', 15_000);
  t.equal(lateEvent.json().event_type, 'triggered', 'and so does the device trigger’s message');
  await new Promise((r) => setTimeout(r, 300));
  const ids = ha.on('homesight/hub1/watch/triggered').map((m) => m.json().id);
  t.same(ids.filter((id) => id === `${w.id}-3`).length, 1, 'once');

  // Cancelled: both discovery configs are cleared (retained empty payloads) on mosquitto.
  t.ok(watches.cancel(w.id), 'cancelled');
  await waitFor(() => [eventCfg, triggerCfg].every((topic) => ha.last(topic)?.payload.length === 0), 10_000, 'discovery removed');
  const fresh = await Consumer.connect(broker.url, { protocolVersion: 4 });
  t.teardown(() => fresh.close());
  await fresh.subscribe('homeassistant/+/homesight_hub1/#');
  await new Promise((r) => setTimeout(r, 300));
  t.notOk(
    fresh.messages.some((m) => m.topic.includes(w.id)),
    'a client that subscribes later sees no retained config of the cancelled watch',
  );
  t.end();
});
