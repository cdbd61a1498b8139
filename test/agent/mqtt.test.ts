import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import t, { type Test } from 'tap';
import { AgentClient, type Envelope } from '../../daemon/agent/index.js';
import { type HomeEvent, MemoryModule, newEventId } from '../../daemon/memory/index.js';
import { MODULES } from '../../daemon/modules.js';
import { clientKey } from '../../daemon/mqtt/index.js';
import { freePort, Mosquitto, makeContext, tempDir, VTEST } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function yaml(mqttBlock: string): string {
  return `device_id: hub1
household:
  timezone: Europe/Berlin
  people:
    - {name: Alice, aliases: [mum]}
    - {name: Bob}
  rooms: [plaza, entrance]
cameras:
  demo: {room: plaza, source: {kind: file, path: ${VTEST}}}
  porch: {room: entrance, source: {kind: file, path: ${VTEST}}}
vision: {enabled: false}
agent:
  planner: retrieval
  rate_limit_per_min: 6
  max_payload_bytes: 2048
${mqttBlock}
`;
}

/** memory + mqtt + agent, built by the daemon's own factories, started in dependency order. */
async function daemon(t: Test, dir: string, mqttBlock: string) {
  const ctx = makeContext(yaml(mqttBlock), dir);
  for (const f of MODULES.filter((m) => ['memory', 'mqtt', 'agent'].includes(m.name))) {
    const mod = await f.create({ ...ctx, log: ctx.log.child({ module: f.name }) });
    ctx.container.register(mod);
  }
  const started = await ctx.container.startAll();
  t.teardown(() => ctx.container.stopAll());
  t.same(started.failed, [], 'memory, mqtt and agent started');
  // Real detections of the last hour.
  const store = ctx.container.find('memory', MemoryModule)!.store;
  store.cameras.sync([
    { name: 'demo', room: 'plaza' },
    { name: 'porch', room: 'entrance' },
  ]);
  const now = Date.now();
  const ev = (camera: string, identity: string | null, activity: string, from: number, to: number | null): HomeEvent => ({
    id: newEventId(now - from),
    camera,
    kind: identity === null ? 'person' : 'identity',
    label: 'person',
    track_id: null,
    identity,
    activity,
    start: now - from,
    end: to === null ? null : now - to,
    confidence: 0.9,
    box: [0.1, 0.1, 0.2, 0.5],
    zones: [],
    snapshot: null,
    attributes: {},
  });
  store.events.upsertMany([
    ev('demo', 'Alice', 'walking', 40 * 60_000, 30 * 60_000),
    ev('porch', 'Bob', 'standing', 20 * 60_000, 10 * 60_000),
    ev('porch', 'Bob', 'sitting', 3 * 3600_000, 2.5 * 3600_000), // too long ago
  ]);
  store.events.flush();
  return ctx;
}

/** Publishes raw bytes with reply_to and waits for the reply envelope (on `listen`, by default the reply topic). */
async function raw(
  url: string,
  topic: string,
  replyTopic: string,
  payload: Buffer | string,
  version: 4 | 5 = 4,
  listen = replyTopic,
): Promise<Envelope> {
  const c = await mqtt.connectAsync(url, { protocolVersion: version, reconnectPeriod: 0 });
  try {
    await c.subscribeAsync(listen, { qos: 1 });
    const got = new Promise<Envelope>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply on ${listen}`)), 20_000);
      c.on('message', (tp, buf) => {
        if (tp !== listen) return;
        const env = JSON.parse(buf.toString('utf8')) as Envelope;
        if (env.status === 'progress') return;
        clearTimeout(timer);
        resolve(env);
      });
    });
    const opts: mqtt.IClientPublishOptions = { qos: 1 };
    if (version === 5) opts.properties = { responseTopic: replyTopic, correlationData: Buffer.from('abc') };
    await c.publishAsync(topic, payload, opts);
    return await got;
  } finally {
    await c.endAsync(true);
  }
}

t.test('rate-limit key ignores a random trailing id', async (t) => {
  t.equal(clientKey('homesight/hub1/reply/0b7e1f0a-55c3-4a57-9d1e-2c5b1f3b7a10'), 'homesight/hub1/reply');
  t.equal(clientKey('ha/answers'), 'ha/answers');
  t.equal(clientKey(undefined), 'anonymous');
});

t.test('MQTT 3.1.1 (embedded aedes): reply_to, progress, answer; bad input gets error replies; the daemon keeps serving', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const ctx = await daemon(t, dir, `mqtt:\n  embedded: {port: ${port}}`);
  const url = `mqtt://127.0.0.1:${port}`;
  const client = new AgentClient({ url, deviceTopic: 'homesight/hub1', protocolVersion: 4 });
  t.teardown(() => client.close());
  const progress: unknown[] = [];
  const env = await client.ask('Who was seen in the last hour?', {}, { onProgress: (p) => progress.push(p), timeoutMs: 20_000 });
  t.equal(client.protocolVersion, 4);
  t.equal(env.status, 'ok', JSON.stringify(env.error ?? ''));
  const data = env.data as {
    answer: string;
    planner: string;
    plan: { task_nodes: Array<{ task: string }> };
    evidence: unknown[];
    timings: { total_ms: number };
  };
  t.equal(data.planner, 'retrieval');
  // the last hour of the wall clock: a time before local midnight reads "yesterday 23:43" when asked just after it
  const at = String.raw`(?:yesterday )?\d\d:\d\d`;
  t.match(data.answer, new RegExp(`Alice at plaza from ${at} to ${at}, walking`));
  t.match(data.answer, new RegExp(`Bob at entrance from ${at} to ${at}, standing`));
  t.notMatch(data.answer, /sitting/, 'events outside the last hour are not in the answer');
  t.same(
    data.plan.task_nodes.map((n) => n.task),
    ['resolve_time', 'who_was_where', 'compose_answer'],
  );
  t.ok(
    progress.some((p) => (p as { stage: string }).stage === 'planned'),
    'progress messages while working',
  );
  t.ok(progress.some((p) => (p as { stage: string }).stage === 'node'));

  // Plan only.
  const planned = await client.ask('When was Bob last seen?', {}, { plan: true });
  t.equal(planned.status, 'ok');
  t.same((planned.data as { executed: boolean }).executed, false);

  const reply = 'replies/tester';
  const ask = 'homesight/hub1/agent/ask';
  // A 3.1.1 payload that does not decode has no readable reply_to: the error goes to agent/ask's result topic.
  const answers = 'homesight/hub1/agent/answer';
  const malformed = await raw(url, ask, reply, `{"question": "who?", "reply_to": "${reply}", `, 4, answers);
  t.equal(malformed.status, 'error');
  t.equal(malformed.error?.code, 'E_BAD_JSON');
  t.match(malformed.error?.hint, /JSON object/, 'the error says how to fix it');
  const big = await raw(url, ask, reply, JSON.stringify({ reply_to: reply, question: 'x'.repeat(5000) }), 4, answers);
  t.equal(big.error?.code, 'E_PAYLOAD_TOO_LARGE');
  t.match(big.error?.message, /exceeds the limit of 2048 bytes/);
  const wrongType = await raw(url, ask, reply, JSON.stringify({ reply_to: reply, question: 42 }));
  t.equal(wrongType.error?.code, 'E_BAD_REQUEST');
  t.match(wrongType.error?.message, /question: Invalid input: expected string/);
  t.match(wrongType.error?.hint, /agent\/ask/, 'the hint names the request');
  const extra = await raw(url, ask, reply, JSON.stringify({ reply_to: reply, question: 'who?', tools: ['shell'] }));
  t.equal(extra.error?.code, 'E_BAD_REQUEST', 'unknown fields are refused (no way to smuggle tools in)');
  const badOpt = await raw(url, ask, reply, JSON.stringify({ reply_to: reply, question: 'who?', options: { planner: 'gpt5' } }));
  t.equal(badOpt.error?.code, 'E_BAD_REQUEST');
  const household = await raw(url, ask, reply, JSON.stringify({ reply_to: reply, question: 'who?', household: 'neighbours' }));
  t.equal(household.error?.code, 'E_HOUSEHOLD');
  {
    // A reply_to inside the daemon's own tree is refused: nothing is written to its state topics.
    const c = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
    const seen: string[] = [];
    c.on('message', (_tp, buf) => seen.push(buf.toString('utf8')));
    await c.subscribeAsync('homesight/hub1/availability', { qos: 1 });
    await c.publishAsync(ask, JSON.stringify({ reply_to: 'homesight/hub1/availability', question: 'who?' }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    await c.endAsync(true);
    t.same(seen, ['online'], 'only the retained availability, no reply written there');
  }

  // Rate limit: 6 per minute per client (the reply topic); wrong requests count too: 4 used, 2 left.
  const again = await raw(url, ask, reply, JSON.stringify({ reply_to: reply, question: 'Who was seen in the last hour?' }));
  t.equal(again.status, 'ok', 'the daemon keeps serving after bad input');
  t.equal((await raw(url, ask, reply, JSON.stringify({ reply_to: reply, question: 'Who was seen today?' }))).status, 'ok');
  const limited = await raw(url, ask, reply, JSON.stringify({ reply_to: reply, question: 'Who was seen in the last hour?' }));
  t.equal(limited.error?.code, 'E_RATE_LIMITED');
  t.match(limited.error?.message, /retry in \d+ s/);
  const served = (await ctx.container.get('agent')!.health()).details?.mqtt as { rateLimited: number } | null;
  t.equal(served?.rateLimited, 1, "the agent's health counts the request the router's rate limit refused");
  const other = await raw(
    url,
    ask,
    'replies/other-client',
    JSON.stringify({ reply_to: 'replies/other-client', question: 'Who was seen in the last hour?' }),
  );
  t.equal(other.status, 'ok', 'another client is not limited');

  // The CLI against this daemon.
  const cfg = join(dir, 'cli.yaml');
  writeFileSync(cfg, yaml(`mqtt:\n  embedded: {port: ${port}}`) + `paths:\n  data_dir: ${join(dir, 'cli-data')}\n`);
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/homesight.js'), 'ask', 'Who was seen in the last hour?', '--config', cfg],
      { cwd: ROOT, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stdout, stderr }),
    );
  });
  t.equal(out.code, 0, out.stderr);
  t.match(out.stdout, /Alice at plaza/);
  t.match(out.stderr, /planned with retrieval/);
});

t.test('MQTT v5 (mosquitto): response topic + correlation data', async (t) => {
  const dir = tempDir(t);
  const broker = await Mosquitto.start(join(dir, 'mosq'));
  t.teardown(() => broker.stop());
  await daemon(t, dir, `mqtt:\n  broker: external\n  url: mqtt://127.0.0.1:${broker.port}\n  protocol_version: 5`);
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const client = new AgentClient({ url, deviceTopic: 'homesight/hub1', protocolVersion: 5 });
  t.teardown(() => client.close());
  const env = await client.ask('Who was seen in the last hour?', {}, { timeoutMs: 20_000 });
  t.equal(client.protocolVersion, 5);
  t.equal(env.status, 'ok');
  t.match((env.data as { answer: string }).answer, /Bob at entrance/);
  // Correlation data comes back; bad payloads get error replies on the response topic.
  const c = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  t.teardown(() => c.endAsync(true));
  await c.subscribeAsync('v5/replies', { qos: 1 });
  const got: Array<{ env: Envelope; corr: string | undefined }> = [];
  c.on('message', (_tp, buf, packet) =>
    got.push({ env: JSON.parse(buf.toString('utf8')) as Envelope, corr: packet.properties?.correlationData?.toString('utf8') }),
  );
  await c.publishAsync('homesight/hub1/agent/ask', 'not json', {
    qos: 1,
    properties: { responseTopic: 'v5/replies', correlationData: Buffer.from('corr-1') },
  });
  await c.publishAsync('homesight/hub1/agent/ask', JSON.stringify({ question: 'When was Bob last seen?' }), {
    qos: 1,
    properties: { responseTopic: 'v5/replies', correlationData: Buffer.from('corr-2') },
  });
  const deadline = Date.now() + 15_000;
  while (got.filter((g) => g.env.status !== 'progress').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const finals = got.filter((g) => g.env.status !== 'progress');
  const bad = finals.find((g) => g.corr === 'corr-1');
  const good = finals.find((g) => g.corr === 'corr-2');
  t.equal(bad?.env.error?.code, 'E_BAD_JSON');
  t.equal(good?.env.status, 'ok');
  // 10–20 min ago is "yesterday" in the first minutes after midnight in the household's timezone
  t.match((good?.env.data as { answer: string } | undefined)?.answer, /Bob was last seen (?:yesterday )?\d\d:\d\d at entrance, standing/);
  t.ok(
    got.some((g) => g.corr === 'corr-2' && g.env.status === 'progress'),
    'progress carries the correlation data too',
  );
});
