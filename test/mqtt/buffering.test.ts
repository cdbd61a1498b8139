import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MqttModule } from '../../daemon/mqtt/index.js';
import { emitRaw, makeContext } from './support/context.js';
import { makePki, Mosquitto } from './support/mosquitto.js';
import { Consumer, waitFor } from './support/mqtt.js';

const root = mkdtempSync(join(tmpdir(), 'hs-buf-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

t.test('events published while the broker restarts all arrive after it (QoS 1, on-disk outbox, counted by id)', async (t) => {
  const pki = makePki(join(root, 'pki'));
  const broker = await Mosquitto.start({ dir: join(root, 'broker'), pki, users: { homesight: 'pw', ha: 'ha-pw' } });
  t.teardown(() => broker.stop());
  writeFileSync(join(root, 'pw'), 'pw\n');
  const yaml = `device_id: buf
mqtt:
  broker: external
  url: ${broker.url}
  username: homesight
  password_file: ${join(root, 'pw')}
  reconnect: {min_ms: 100, max_ms: 300}
  tls: {ca_file: ${pki.caFile}}
`;
  const dir = join(root, 'daemon');
  // The consumer keeps a persistent session, as a hub would: what the broker accepted reaches it after the restart too.
  const ha = await Consumer.connect(broker.url, {
    protocolVersion: 5,
    clientId: 'ha-consumer',
    clean: false,
    properties: { sessionExpiryInterval: 600 },
    reconnectPeriod: 200,
    username: 'ha',
    password: 'ha-pw',
    ca: readFileSync(pki.caFile),
  });
  t.teardown(() => ha.close());
  await ha.subscribe('homesight/buf/events');
  const seen = (): Set<number> => new Set(ha.on('homesight/buf/events').map((m) => m.json<{ event_id: number }>().event_id));
  const ids = (): Set<string> => new Set(ha.on('homesight/buf/events').map((m) => m.json<{ id: string }>().id));

  const ctx = makeContext(yaml, { dir });
  let mod = new MqttModule(ctx);
  await mod.start();
  let seq = 0;
  const emit = (c: ReturnType<typeof makeContext>, n: number): void => {
    for (let i = 0; i < n; i++) emitRaw(c.bus, 'vision.event', { event: { id: seq++, camera: 'porch', kind: 'person' }, change: 'new' });
  };

  emit(ctx, 30);
  await waitFor(() => seen().size === 30, 10_000, '30 events before the restart');

  await broker.stop();
  await waitFor(() => !mod.bridge.connected, 5000, 'disconnect noticed');
  emit(ctx, 30);
  t.equal((mod.bridge as unknown as { buffered: number }).buffered, 30, 'the 30 events wait in the outbox on disk');
  t.equal((await mod.health()).status, 'degraded', 'health says the broker is away');
  await broker.restart(300);
  emit(ctx, 30);
  await waitFor(() => seen().size === 90, 15_000, 'all 90 events after the restart');
  t.same(
    [...seen()].sort((a, b) => a - b),
    Array.from({ length: 90 }, (_, i) => i),
    'every event, none missing',
  );
  t.equal(ids().size, 90, 'unique message ids');

  // The daemon stops (or crashes) while the broker is down: the outbox survives on disk.
  await broker.stop();
  await waitFor(() => !mod.bridge.connected, 5000, 'disconnect noticed');
  emit(ctx, 20);
  await mod.stop();
  const ctx2 = makeContext(yaml, { dir });
  mod = new MqttModule(ctx2, { connectWaitMs: 100 });
  await mod.start();
  t.teardown(() => mod.stop());
  t.equal((mod.bridge as unknown as { buffered: number }).buffered, 20, 'a new daemon process finds the 20 unsent events');
  await broker.restart();
  await waitFor(() => seen().size === 110, 15_000, 'the 20 events from the previous run');
  t.same(
    [...seen()].sort((a, b) => a - b),
    Array.from({ length: 110 }, (_, i) => i),
    'nothing lost across broker and daemon restarts',
  );
  await waitFor(() => (mod.bridge as unknown as { buffered: number }).buffered === 0, 5000, 'outbox drained');
  const dupes = ha.on('homesight/buf/events').length - ids().size;
  // QoS 1 is at-least-once: a broker that stops before it saw the consumer's PUBACK delivers again after
  // the restart. Every copy carries the same id, so consumers dedupe.
  t.comment(`messages received ${ha.on('homesight/buf/events').length}, unique ids ${ids().size}, duplicates ${dupes}`);
});

t.test('the outbox is bounded: beyond buffer_max the oldest events are dropped and counted', async (t) => {
  const ctx = makeContext(
    `mqtt:\n  broker: external\n  url: mqtt://127.0.0.1:9\n  buffer_max: 50\n  reconnect: {min_ms: 1000, max_ms: 1000}\n`,
  );
  t.teardown(() => ctx.cleanup());
  const mod = new MqttModule(ctx, { connectWaitMs: 50 });
  await mod.start();
  t.teardown(() => mod.stop());
  for (let i = 0; i < 80; i++) emitRaw(ctx.bus, 'vision.event', { event: { id: i, camera: 'porch', kind: 'person' }, change: 'new' });
  const core = mod.bridge as unknown as { buffered: number; dropped: number };
  t.equal(core.buffered, 50, 'kept at buffer_max');
  t.equal(core.dropped, 30, 'the oldest 30 dropped');
  t.match((await mod.health()).summary, /50 events buffered/);
});
