import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MqttModule } from '../../daemon/mqtt/index.js';
import { HA_COMPONENTS, type HaComponent } from '../../daemon/mqtt/ha.js';
import { HomeSightError } from '../../daemon/system/index.js';
import { emitRaw, makeContext } from './support/context.js';
import { Consumer, freePort, waitFor } from './support/mqtt.js';

// The default set-up: aedes in the daemon (MQTT 3.1.1), loopback, auth from a mosquitto_passwd file.
t.test('embedded aedes broker: auth, availability, discovery, commands and requests over MQTT 3.1.1', async (t) => {
  const port = await freePort();
  const ctx0 = makeContext('');
  const passwd = join(ctx0.dir, 'passwd');
  writeFileSync(passwd, '');
  execFileSync('mosquitto_passwd', ['-b', passwd, 'ha', 'ha-secret']);
  const ctx = makeContext(
    `device_id: hub1
cameras:
  porch:
    source: {kind: file, path: a.mp4}
    zones:
      - {name: door, polygon: [[0, 0], [1, 0], [1, 1]]}
  kitchen:
    source: {kind: file, path: b.mp4}
mqtt:
  embedded: {port: ${port}, require_auth: true, password_file: ${passwd}}
  max_request_bytes: 2048
  snapshot_min_interval_s: 0
`,
    { dir: ctx0.dir },
  );
  t.teardown(() => ctx.cleanup());
  const mod = new MqttModule(ctx, { reload: async () => ({ ok: true, applied: ['log.level'], needsRestart: [], problems: [] }) });
  const bridge = mod.bridge;
  // A module serves its command before mqtt starts (serving is just a record until the connection is up).
  bridge.serve('command/restart_camera', async (args, rc) => {
    await rc.progress({ stage: 'stopping', camera: args.camera });
    if (args.camera === 'kitchen') throw new HomeSightError('E_BUSY', 'kitchen is recording', { hint: 'try later' });
    return { camera: args.camera, restarted: true };
  });
  await mod.start();
  t.teardown(() => mod.stop());
  t.equal(bridge.connected, true, 'connected to its own broker');
  t.equal(bridge.protocolVersion, 4, 'MQTT 3.1.1 with aedes');
  t.equal(bridge.baseTopic, 'homesight/hub1');

  const url = `mqtt://127.0.0.1:${port}`;
  await t.rejects(Consumer.connect(url, { protocolVersion: 4 }), 'anonymous client refused');
  await t.rejects(Consumer.connect(url, { protocolVersion: 4, username: 'ha', password: 'wrong' }), 'wrong password refused');
  const ha = await Consumer.connect(url, { protocolVersion: 4, username: 'ha', password: 'ha-secret' });
  t.teardown(() => ha.close());
  await ha.subscribe(['homesight/#', 'homeassistant/#']);

  const avail = await ha.waitTopic('homesight/hub1/availability');
  t.equal(avail.text(), 'online');
  t.equal(avail.retain, true, 'availability is retained');

  // Discovery: every config validates against its component schema; buttons per camera from the registered command.
  await waitFor(() => ha.messages.filter((m) => m.topic.endsWith('/config')).length >= 16, 5000, 'discovery configs');
  const configs = new Map(
    ha.messages.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config')).map((m) => [m.topic, m]),
  );
  for (const [topic, m] of configs) {
    const component = topic.split('/')[1] as HaComponent;
    t.ok(HA_COMPONENTS[component].safeParse(m.json()).success, `${topic} matches the ${component} schema`);
    t.equal(m.retain, true);
  }
  t.ok(configs.has('homeassistant/binary_sensor/homesight_hub1/porch_door_occupancy/config'), 'zone occupancy entity');
  t.ok(configs.has('homeassistant/button/homesight_hub1/kitchen_restart_camera/config'), 'per-camera button');
  t.ok(configs.has('homeassistant/button/homesight_hub1/reload/config'), 'reload button');
  const btn = configs.get('homeassistant/button/homesight_hub1/porch_restart_camera/config')!.json();
  t.equal(btn.command_topic, 'homesight/hub1/command/restart_camera');
  t.equal(btn.payload_press, '{"camera":"porch"}');

  // A command with reply_to (3.1.1 clients): progress, then the result; also on …/result.
  await ha.subscribe('replies/ha/#');
  ha.client.publish('homesight/hub1/command/restart_camera', JSON.stringify({ id: 'r1', camera: 'porch', reply_to: 'replies/ha/1' }), {
    qos: 1,
  });
  const ok = await ha.waitTopic('replies/ha/1', (m) => m.json().status === 'ok');
  t.same(ok.json().data, { camera: 'porch', restarted: true });
  t.equal(ok.json().id, 'r1');
  t.ok(
    ha.on('replies/ha/1').some((m) => m.json().status === 'progress'),
    'progress before the answer',
  );
  const result = await ha.waitTopic('homesight/hub1/command/restart_camera/result', (m) => m.json().id === 'r1');
  t.equal(result.json().status, 'ok');

  // Handler error → error envelope with the HomeSightError code and hint.
  ha.client.publish('homesight/hub1/command/restart_camera', JSON.stringify({ id: 'r2', camera: 'kitchen', reply_to: 'replies/ha/2' }));
  const err = await ha.waitTopic('replies/ha/2', (m) => m.json().status === 'error');
  t.match(err.json().error, { code: 'E_BUSY', message: 'kitchen is recording', hint: 'try later' });

  // Bad input never crashes: each gets an error reply with a stable code.
  const bad: Array<[string, string | Buffer, string]> = [
    ['b1', '{"id":"b1","reply_to":"replies/ha/b1","camera":""}', 'E_BAD_REQUEST'],
    ['b2', '{"id":"b2","reply_to":"replies/ha/b2","camera":"porch","extra":1}', 'E_BAD_REQUEST'],
  ];
  for (const [id, payload, code] of bad) {
    ha.client.publish('homesight/hub1/command/restart_camera', payload);
    const r = await ha.waitTopic(`replies/ha/${id}`);
    t.equal(r.error().code, code, `${id}: ${code}`);
  }
  const before = ha.on('homesight/hub1/command/restart_camera/result').length;
  ha.client.publish('homesight/hub1/command/restart_camera', '{not json');
  ha.client.publish('homesight/hub1/command/restart_camera', Buffer.from([0xff, 0xfe, 0x00]));
  ha.client.publish('homesight/hub1/command/restart_camera', JSON.stringify({ camera: 'porch', pad: 'x'.repeat(4000) }));
  ha.client.publish('homesight/hub1/command/restart_camera', '[1,2,3]');
  await waitFor(() => ha.on('homesight/hub1/command/restart_camera/result').length >= before + 4, 5000, 'four error results');
  const codes = ha
    .on('homesight/hub1/command/restart_camera/result')
    .slice(before)
    .map((m) => m.json<{ error: { code: string } }>().error.code)
    .sort();
  t.same(codes, ['E_BAD_ENCODING', 'E_BAD_JSON', 'E_BAD_REQUEST', 'E_PAYLOAD_TOO_LARGE']);

  // Reply topics that would let a request overwrite state or HA entities are refused.
  ha.client.publish(
    'homesight/hub1/command/restart_camera',
    JSON.stringify({ id: 'x1', camera: 'porch', reply_to: 'homeassistant/sensor/x/config' }),
  );
  const refused = await ha.waitTopic('homesight/hub1/command/restart_camera/result', (m) => m.json().id === 'x1');
  t.equal(refused.error().code, 'E_BAD_REPLY_TO');

  ha.client.publish('homesight/hub1/command/self_destruct', JSON.stringify({ reply_to: 'replies/ha/u' }));
  const unknown = await ha.waitTopic('replies/ha/u');
  t.equal(unknown.error().code, 'E_UNKNOWN_COMMAND');
  t.match(unknown.error().hint, /restart_camera/);

  ha.client.publish('homesight/hub1/command/reload', JSON.stringify({ reply_to: 'replies/ha/reload' }));
  const reload = await ha.waitTopic('replies/ha/reload');
  t.same(reload.json().data, { ok: true, applied: ['log.level'], needsRestart: [], problems: [] });

  // Any route of the API map (agent/ask here): progress + answer to reply_to, every final reply also on its result topic.
  bridge.serve('agent/ask', async (args, rc) => {
    await rc.progress({ stage: 'planned' });
    return {
      answer: `you asked: ${args.question}`,
      plan: { task_nodes: [] },
      evidence: [],
      planner: 'test',
      executed: true,
      conversation_id: null,
      notes: [],
    };
  });
  await new Promise((r) => setTimeout(r, 100));
  ha.client.publish('homesight/hub1/agent/ask', JSON.stringify({ id: 'q1', question: 'who is home?', reply_to: 'replies/ha/q1' }));
  const answer = await ha.waitTopic('replies/ha/q1', (m) => m.json().status === 'ok');
  t.equal((answer.json().data as { answer: string }).answer, 'you asked: who is home?');
  const evt = await ha.waitTopic('homesight/hub1/agent/answer');
  t.match(evt.json(), { id: 'q1', command: 'agent/ask', status: 'ok' }, "the event entity's template reads status");

  // Bus → MQTT: person events with ids (QoS 1), per-camera state, snapshots.
  const homeEvent = {
    id: '0190a1b2-0000-7000-8000-000000000042',
    camera: 'porch',
    kind: 'identity' as const,
    label: 'Alice',
    track_id: 't1',
    identity: 'Alice',
    activity: 'walking',
    start: Date.now(),
    end: null,
    confidence: 0.8,
    box: null,
    zones: [],
    snapshot: null,
    attributes: {},
  };
  ctx.bus.emit('vision.event', { event: homeEvent, change: 'new' });
  // Zone counts are optional in camera.occupancy: a richer payload than vision's type is accepted.
  emitRaw(ctx.bus, 'camera.occupancy', {
    camera: 'porch',
    persons: 2,
    identities: ['Alice', 'unknown'],
    activity: 'standing',
    zones: { door: 1 },
  });
  ctx.bus.emit('camera.snapshot', { camera: 'porch', jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xd9]) });
  emitRaw(ctx.bus, 'vision.event', { nonsense: true });
  const ev = await ha.waitTopic('homesight/hub1/events');
  t.match(ev.json(), { type: 'identity', change: 'new', camera: 'porch', event_id: homeEvent.id });
  t.match(ev.json().id, /^[0-9a-z]{9}-[0-9a-f]{12}$/, 'event id for dedupe');
  const state = await ha.waitTopic('homesight/hub1/camera/porch/state', (m) => m.json().persons === 2);
  t.match(state.json(), {
    occupancy: true,
    persons: 2,
    last_identity: 'Alice',
    last_activity: 'standing',
    zones: { door: { occupancy: true, persons: 1 } },
  });
  const snap = await ha.waitTopic('homesight/hub1/camera/porch/snapshot');
  t.same([...snap.payload], [0xff, 0xd8, 0xff, 0xd9], 'snapshot bytes as they are');
  // Vision writes snapshots to files and names them in its events: the file's bytes become the camera's snapshot.
  const jpeg = Buffer.from([0xff, 0xd8, 0x01, 0x02, 0xff, 0xd9]);
  mkdirSync(join(ctx.dir, 'data', 'snapshots', 'porch'), { recursive: true });
  writeFileSync(join(ctx.dir, 'data', 'snapshots', 'porch', 'e1.jpg'), jpeg);
  emitRaw(ctx.bus, 'vision.event', { event: { ...homeEvent, id: 'e2', snapshot: '../../../etc/passwd' }, change: 'update' });
  ctx.bus.emit('vision.event', { event: { ...homeEvent, id: 'e1', snapshot: 'snapshots/porch/e1.jpg' }, change: 'update' });
  const fromFile = await ha.waitTopic('homesight/hub1/camera/porch/snapshot', (m) => m.payload.length === 6);
  t.same(fromFile.payload, jpeg, 'snapshot file published');
  t.equal(ha.on('homesight/hub1/camera/porch/snapshot').length, 2, 'a path outside data_dir/snapshots is never read');
  t.equal(mod.events.rejected, 1, 'malformed bus event counted, not published');

  // info topic lists commands with their JSON Schemas.
  const info = await ha.waitTopic('homesight/hub1/info', (m) => (m.json().commands as unknown[]).length >= 2);
  const cmds = info.json<{ commands: Array<{ name: string; schema: { properties?: Record<string, unknown> } }> }>().commands;
  t.ok(cmds.find((c) => c.name === 'restart_camera')?.schema.properties?.camera, 'argument schema derived from zod');

  t.equal((await mod.health()).status, 'ok');
});
