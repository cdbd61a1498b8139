import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { MqttModule } from '../../daemon/mqtt/index.js';
import { makeContext } from './support/context.js';
import { haProblems } from './support/ha-shapes.js';
import { makePki, Mosquitto } from './support/mosquitto.js';
import { Consumer, freePort, waitFor } from './support/mqtt.js';

const root = mkdtempSync(join(tmpdir(), 'hs-mosq-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const pki = makePki(join(root, 'pki'));
const pwFile = join(root, 'daemon.pw');
writeFileSync(pwFile, 's3cret-daemon\n', { mode: 0o600 });

function mqttYaml(url: string, extra = ''): string {
  return `mqtt:
  broker: external
  url: ${url}
  username: homesight
  password_file: ${pwFile}
  reconnect: {min_ms: 100, max_ms: 400}
  tls:
    ca_file: ${pki.caFile}
${extra}`;
}

const cams = `cameras:
  porch:
    source: {kind: file, path: a.mp4}
    zones:
      - {name: front-door, polygon: [[0, 0], [1, 0], [1, 1]]}
  garden:
    source: {kind: file, path: b.mp4}
`;

t.test('TLS + password with real mosquitto: MQTT 5, discovery in Home Assistant shapes, v5 request/response', async (t) => {
  const broker = await Mosquitto.start({ dir: join(root, 'm1'), pki, users: { homesight: 's3cret-daemon', ha: 'ha-pass' } });
  t.teardown(() => broker.stop());
  const ctx = makeContext(`device_id: edge-7\n${cams}${mqttYaml(broker.url)}`);
  t.teardown(() => ctx.cleanup());
  const ha = await Consumer.connect(broker.url, { protocolVersion: 5, username: 'ha', password: 'ha-pass', ca: readFileSync(pki.caFile) });
  t.teardown(() => ha.close());
  await ha.subscribe(['homeassistant/#', 'homesight/#']);

  const mod = new MqttModule(ctx);
  mod.bridge.serve('command/rollback', () => ({ to: '0.1.0' }));
  await mod.start();
  t.teardown(() => mod.stop());
  t.equal(mod.bridge.protocolVersion, 5, 'mosquitto speaks MQTT 5');
  await ha.waitTopic('homesight/edge-7/availability', (m) => m.text() === 'online');

  // Every discovery message as HA would judge it.
  const expected = [
    'binary_sensor/homesight_edge-7/porch_occupancy',
    'binary_sensor/homesight_edge-7/porch_front-door_occupancy',
    'sensor/homesight_edge-7/porch_person_count',
    'sensor/homesight_edge-7/porch_last_identity',
    'sensor/homesight_edge-7/porch_activity',
    'camera/homesight_edge-7/porch_snapshot',
    'binary_sensor/homesight_edge-7/garden_occupancy',
    'sensor/homesight_edge-7/garden_person_count',
    'sensor/homesight_edge-7/garden_last_identity',
    'sensor/homesight_edge-7/garden_activity',
    'camera/homesight_edge-7/garden_snapshot',
    'sensor/homesight_edge-7/status',
    'event/homesight_edge-7/agent_answer',
    'button/homesight_edge-7/rollback',
    'button/homesight_edge-7/reload',
  ].map((s) => `homeassistant/${s}/config`);
  await waitFor(() => expected.every((e) => ha.last(e) !== undefined), 5000, 'all discovery topics');
  for (const topic of expected) {
    const m = ha.last(topic)!;
    t.same(haProblems(topic, m.json()), [], `${topic} is accepted by HA's shape`);
  }
  const occ = ha.last(expected[1]!)!.json();
  t.equal(occ.value_template, "{{ 'ON' if value_json.zones['front-door'].occupancy else 'OFF' }}");
  t.equal(ha.last(expected[0]!)!.json<{ device: { identifiers: string[] } }>().device.identifiers[0], 'homesight_edge-7');
  t.equal(new Set(expected.map((e) => ha.last(e)!.json().unique_id)).size, expected.length, 'unique ids are unique');

  // The state topics the entities point at exist (retained) so HA shows a value at once.
  const state = await ha.waitTopic('homesight/edge-7/camera/porch/state');
  t.match(state.json(), { occupancy: false, persons: 0, zones: { 'front-door': { occupancy: false } } });

  // MQTT 5 request/response: response topic + correlation data, no reply_to needed.
  const corr = Buffer.from('c0ffee', 'hex');
  await ha.subscribe('ha/responses/#');
  ha.client.publish('homesight/edge-7/command/rollback', '{}', {
    qos: 1,
    properties: { responseTopic: 'ha/responses/1', correlationData: corr },
  });
  const resp = await ha.waitTopic('ha/responses/1');
  t.same(resp.correlationData, corr, 'correlation data echoed');
  t.match(resp.json(), { status: 'ok', data: { to: '0.1.0' }, id: 'c0ffee' });

  // HA restarts: re-announce when homeassistant/status says online.
  mod.discovery.haOnlineDelayMs = 10;
  const before = mod.discovery.announcements;
  ha.client.publish('homeassistant/status', 'online');
  await waitFor(() => mod.discovery.announcements > before, 5000, 're-announce');
  t.pass('re-announced after homeassistant/status online');
});

t.test('TLS and auth failures keep the module up, degraded, with the reason', async (t) => {
  const broker = await Mosquitto.start({ dir: join(root, 'm2'), pki, users: { homesight: 'other-password' } });
  t.teardown(() => broker.stop());
  const wrongCa = makeContext(mqttYaml(broker.url).replace(pki.caFile, pki.otherCaFile));
  t.teardown(() => wrongCa.cleanup());
  const a = new MqttModule(wrongCa, { connectWaitMs: 1500 });
  await a.start();
  t.teardown(() => a.stop());
  t.equal(a.bridge.connected, false, 'a broker certificate from another CA is refused');
  const ha = await a.health();
  t.equal(ha.status, 'degraded');
  t.match(ha.summary, /certificate/i);

  const wrongPw = makeContext(mqttYaml(broker.url));
  t.teardown(() => wrongPw.cleanup());
  const b = new MqttModule(wrongPw, { connectWaitMs: 1500 });
  await b.start();
  t.teardown(() => b.stop());
  t.equal(b.bridge.connected, false, 'wrong password refused');
  t.match((await b.health()).summary, /Not authorized|Bad User Name or Password|authori/i);
});

t.test('client certificate (mutual TLS) when the broker requires one', async (t) => {
  const broker = await Mosquitto.start({ dir: join(root, 'm3'), pki, users: { homesight: 's3cret-daemon' }, requireCertificate: true });
  t.teardown(() => broker.stop());
  const ctx = makeContext(`${mqttYaml(broker.url)}    cert_file: ${pki.clientCertFile}\n    key_file: ${pki.clientKeyFile}\n`);
  t.teardown(() => ctx.cleanup());
  const mod = new MqttModule(ctx);
  await mod.start();
  t.teardown(() => mod.stop());
  t.equal(mod.bridge.connected, true, 'connected with a client certificate');
});

t.test('v5 refused by a 3.1.1-only broker: falls back to 3.1.1', async (t) => {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  t.teardown(async () => {
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });
  const ctx = makeContext(
    `mqtt:\n  broker: external\n  url: mqtt://127.0.0.1:${port}\n  protocol_version: 5\n  reconnect: {min_ms: 100, max_ms: 400}\n`,
  );
  t.teardown(() => ctx.cleanup());
  const mod = new MqttModule(ctx);
  await mod.start();
  t.teardown(() => mod.stop());
  t.equal(mod.bridge.connected, true);
  t.equal(mod.bridge.protocolVersion, 4, 'fell back to MQTT 3.1.1');
  t.ok(
    ctx.logLines.some((l) => l.includes('falling back to 3.1.1')),
    'fallback logged',
  );
});

t.test('a camera removed from the config removes its entities (empty retained config)', async (t) => {
  const broker = await Mosquitto.start({ dir: join(root, 'm4'), pki, users: { homesight: 's3cret-daemon' } });
  t.teardown(() => broker.stop());
  const dir = mkdtempSync(join(tmpdir(), 'hs-disc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = new MqttModule(makeContext(`${cams}${mqttYaml(broker.url)}`, { dir }));
  await first.start();
  await waitFor(() => first.discovery.announcements > 0, 5000, 'first announce');
  await first.stop();

  const onlyPorch = cams.slice(0, cams.indexOf('  garden:'));
  const second = new MqttModule(makeContext(`${onlyPorch}${mqttYaml(broker.url)}`, { dir }));
  await second.start();
  t.teardown(() => second.stop());
  await waitFor(() => second.discovery.announcements > 0, 5000, 'second announce');

  // A fresh subscriber sees only what is retained now.
  const ha = await Consumer.connect(broker.url, { username: 'homesight', password: 's3cret-daemon', ca: readFileSync(pki.caFile) });
  t.teardown(() => ha.close());
  await ha.subscribe('homeassistant/#');
  await waitFor(() => ha.messages.some((m) => m.topic.includes('porch_occupancy')), 5000, 'porch entity');
  await new Promise((r) => setTimeout(r, 300));
  const topics = ha.messages.map((m) => m.topic);
  t.notOk(
    topics.some((x) => x.includes('garden')),
    'no garden entity is retained any more',
  );
  t.ok(
    topics.some((x) => x.includes('porch_person_count')),
    'porch entities stay',
  );
});
