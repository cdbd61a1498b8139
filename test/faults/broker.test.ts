/**
 * Scenario 2: the MQTT broker (a real mosquitto) restarts twice while the
 * daemon publishes real person events (file camera → CPU vision). A consumer
 * with a persistent session, as Home Assistant keeps, counts events by id:
 * every event the daemon committed arrives, each message id once after
 * de-duplication (QoS 1 is at-least-once; transport duplicates are counted).
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Consumer, Mosquitto, eventSourceYaml, report, runDaemon, tempDir, waitFor, writeConfig } from './support.js';

t.test('scenario 2: broker restarted during event bursts: every QoS 1 event arrives, counted by id', async (t) => {
  const dir = tempDir(t);
  const broker = await Mosquitto.start({ dir: join(dir, 'broker') });
  t.teardown(() => broker.stop());
  const cfg = writeConfig(
    dir,
    `${eventSourceYaml()}mqtt:
  broker: external
  url: ${broker.url}
  protocol_version: 4
  reconnect: {min_ms: 100, max_ms: 500}
agent:
  enabled: false
`,
  );
  const ha = await Consumer.connect(broker.url, { protocolVersion: 4, clientId: 'faults-ha', clean: false, reconnectPeriod: 200 });
  t.teardown(() => ha.close());
  await ha.subscribe('homesight/hub1/events');
  const d = await runDaemon(t, dir, cfg);
  const events = () => ha.on('homesight/hub1/events').map((m) => m.json<{ id: string; event_id: string; change: string }>());
  await waitFor(() => events().length >= 5, 30_000, 'first events');
  const recovery: number[] = [];
  for (let i = 0; i < 2; i++) {
    await broker.stop();
    await new Promise((r) => setTimeout(r, 1500)); // events keep coming: they wait in the daemon's outbox
    const before = events().length;
    const t0 = Date.now();
    await broker.restart();
    await waitFor(() => events().length > before, 20_000, `events after restart ${i + 1}`);
    recovery.push(Date.now() - t0);
    await new Promise((r) => setTimeout(r, 1500));
  }
  const stop = await d.kill('SIGTERM');
  t.equal(stop.code, 0, 'daemon stopped cleanly');
  await new Promise((r) => setTimeout(r, 1000));
  const db = new Database(join(dir, 'data', 'homesight.db'), { readonly: true });
  const committed = db.prepare('SELECT id FROM events').pluck().all() as string[];
  db.close();
  const msgs = events();
  const ids = new Set(msgs.map((m) => m.id));
  const eventIds = new Set(msgs.map((m) => m.event_id));
  const missing = committed.filter((id) => !eventIds.has(id));
  const dupes = msgs.length - ids.size;
  t.ok(committed.length >= 5, `${committed.length} events committed`);
  t.same(missing, [], `every committed event (${committed.length}) arrived over MQTT`);
  t.ok(ids.size > 0, `${ids.size} unique messages (${dupes} transport duplicates, removed by id)`);
  t.same(d.find(/unhandled promise rejection/), []);
  const reconnects = d.find(/connected|reconnect/i).length;
  report({
    scenario: '2 mosquitto restarted ×2 during event bursts',
    result: missing.length === 0 && committed.length >= 5 ? 'pass' : 'fail',
    expected: `${committed.length} committed events`,
    received: `${committed.length - missing.length} events (${ids.size} messages by id, ${dupes} transport duplicates)`,
    recovery_ms: Math.max(...recovery),
    notes: `broker down 1.5 s twice; first event after restart ${recovery.join('/')} ms; ${reconnects} connect log lines`,
  });
});
