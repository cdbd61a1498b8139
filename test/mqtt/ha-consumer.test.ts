import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/config/index.js';
import { haProblems } from './support/ha-shapes.js';
import { Consumer, freePort, waitFor } from './support/mqtt.js';

const repo = new URL('../../', import.meta.url).pathname;
const shared = process.env.HOMESIGHT_SHARED_DIR ?? new URL('../../../shared/', import.meta.url).pathname;

// "Done when": a Home Assistant-shaped consumer sees every entity of the daemon started with the default config.
t.test('a Home Assistant-shaped consumer sees all entities of the default daemon', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-ha-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HOMESIGHT_') && !k.startsWith('TAP')) env[k] = v;
  Object.assign(env, {
    HOMESIGHT_MQTT__EMBEDDED__PORT: String(port),
    HOMESIGHT_HEALTH__PORT: '0',
    HOMESIGHT_PATHS__DATA_DIR: join(dir, 'data'),
    HOMESIGHT_PATHS__CACHE_DIR: join(dir, 'cache'),
    HOMESIGHT_PATHS__RECORDINGS_DIR: join(dir, 'recordings'),
    HOMESIGHT_PATHS__MEDIA_DIR: join(shared, 'media'),
    HOMESIGHT_PATHS__MODELS_DIR: join(shared, 'models'),
  });
  const config = loadConfig({ env }).config;
  t.equal(config.mqtt.broker, 'embedded', 'the default config uses the embedded broker');

  const daemon = spawn(process.execPath, ['bin/homesight.js', 'run'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  daemon.stdout.on('data', (d: Buffer) => (log += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => daemon.once('exit', (code) => r(code)));
  t.teardown(() => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });

  // Home Assistant connects to the broker (3.1.1: the embedded broker is aedes) and listens to discovery.
  let ha: Consumer | null = null;
  await waitFor(() => log.includes('embedded MQTT broker listening'), 60_000, 'the embedded broker').catch((e: unknown) => {
    t.comment(log.slice(-3000));
    throw e;
  });
  ha = await Consumer.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, clientId: 'home-assistant' });
  t.teardown(() => ha?.close());
  await ha.subscribe(['homeassistant/#', `${config.mqtt.base_topic}/${config.device_id}/#`]);
  // Announce ourselves like HA does after its start.
  ha.client.publish('homeassistant/status', 'online');

  const node = `homesight_${config.device_id}`;
  const expected: string[] = [`sensor/${node}/status`, `event/${node}/agent_answer`, `button/${node}/reload`];
  for (const [cam, c] of Object.entries(config.cameras)) {
    if (!c.enabled) continue;
    expected.push(
      `binary_sensor/${node}/${cam}_occupancy`,
      `sensor/${node}/${cam}_person_count`,
      `sensor/${node}/${cam}_last_identity`,
      `sensor/${node}/${cam}_activity`,
      `camera/${node}/${cam}_snapshot`,
      `button/${node}/${cam}_restart_camera`,
    );
    for (const z of c.zones) expected.push(`binary_sensor/${node}/${cam}_${z.name}_occupancy`);
  }
  // Presence per household person (daemon/presence) and the daily digest (daemon/recaps), declared on the bridge.
  for (const p of config.household.people) {
    const id = p.name.toLowerCase();
    expected.push(`binary_sensor/${node}/person_${id}_home`, `sensor/${node}/person_${id}_room`, `sensor/${node}/person_${id}_last_seen`);
  }
  expected.push(`sensor/${node}/recap_digest`);
  const topics = expected.map((e) => `homeassistant/${e}/config`);
  await waitFor(() => topics.every((x) => ha!.last(x) !== undefined), 60_000, 'every expected entity').catch((e: unknown) => {
    t.comment(`seen: ${[...new Set(ha!.messages.map((m) => m.topic))].join(' ')}`);
    t.comment(log.slice(-3000));
    throw e;
  });
  const discovery = ha.messages.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config') && m.payload.length > 0);
  for (const topic of new Set(discovery.map((m) => m.topic))) {
    t.same(haProblems(topic, ha.last(topic)!.json()), [], `${topic} accepted`);
  }
  t.pass(`${new Set(discovery.map((m) => m.topic)).size} entities, including all ${topics.length} expected`);

  // What the entities point at exists: availability online, camera state, status.
  const base = `${config.mqtt.base_topic}/${config.device_id}`;
  await ha.waitTopic(`${base}/availability`, (m) => m.text() === 'online');
  const late = await Consumer.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4 });
  await late.subscribe(`${base}/availability`);
  const retained = await late.waitTopic(`${base}/availability`);
  t.match({ text: retained.text(), retain: retained.retain }, { text: 'online', retain: true }, 'availability is retained');
  await late.close();
  for (const cam of Object.keys(config.cameras)) {
    const st = await ha.waitTopic(`${base}/camera/${cam}/state`);
    t.type(st.json().persons, 'number', `${cam} state has a person count`);
  }
  // The entrance camera shows the household's one person: presence puts him home, in the entrance.
  const [person] = config.household.people;
  if (person !== undefined) {
    const seen = await ha.waitTopic(`${base}/presence/person/${person.name.toLowerCase()}`, (m) => m.json().home === true, 60_000);
    t.match(
      seen.json(),
      { name: person.name, home: true, room: 'entrance', camera: 'entrance' },
      `${person.name} is home, in the entrance`,
    );
  }
  const status = await ha.waitTopic(`${base}/status`, () => true, 30_000);
  t.ok(['ok', 'degraded', 'failed'].includes(status.json().status as string), 'status topic');

  const n = ha.on(`${base}/availability`).length;
  daemon.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit');
  // The embedded broker stops with the daemon; the offline message goes out before it closes.
  t.ok(
    ha
      .on(`${base}/availability`)
      .slice(n)
      .some((m) => m.text() === 'offline'),
    'offline sent before the broker closed',
  );
});
