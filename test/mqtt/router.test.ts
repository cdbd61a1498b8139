import t from 'tap';
import { z } from 'zod';
import { MQTT_PUBLISHED, MQTT_REQUESTS, replyEnvelopeSchema, type ServeOptions } from '../../daemon/mqtt/index.js';
import { type MqttMessage, type ProtocolVersion, type PublishOptions, type ReplyEnvelope } from '../../daemon/mqtt/types.js';
import { TOPICS } from '../../daemon/mqtt/entities.js';
import { topicMatches } from '../../daemon/mqtt/topics.js';
import { clientKey, RequestRouter, type RouterTransport } from '../../daemon/mqtt/router.js';
import { HomeSightError, ManualClock, silentLogger } from '../../daemon/system/index.js';

const BASE = 'homesight/hub1';
const T0 = Date.parse('2026-05-04T19:00:00Z');

interface Published {
  topic: string;
  env: ReplyEnvelope & { topic?: string };
  correlationData: Buffer | undefined;
}

/** The router over an in-memory transport: what it publishes is recorded, messages are delivered by hand. */
function setup(opts: { protocolVersion?: ProtocolVersion; maxRequestBytes?: number } = {}) {
  const handlers: Array<{ filter: string; fn: (m: MqttMessage) => void | Promise<void> }> = [];
  const published: Published[] = [];
  const clock = new ManualClock(T0);
  const stop = new AbortController();
  const outcomes: Array<[string, string]> = [];
  let routesChanged = 0;
  const transport: RouterTransport = {
    baseTopic: BASE,
    protocolVersion: opts.protocolVersion ?? 4,
    topic: (sub) => (sub.startsWith('/') ? sub.slice(1) : `${BASE}/${sub}`),
    async publish(sub: string, payload: string | Buffer | object, o?: PublishOptions) {
      const env = replyEnvelopeSchema.parse(payload) as Published['env'];
      published.push({ topic: transport.topic(sub), env, correlationData: o?.properties?.correlationData });
    },
    subscribe(sub, _owner, fn) {
      const h = { filter: transport.topic(sub), fn };
      handlers.push(h);
      return () => handlers.splice(handlers.indexOf(h), 1);
    },
  };
  const router = new RequestRouter({
    transport,
    maxRequestBytes: opts.maxRequestBytes ?? 4096,
    discoveryPrefix: 'homeassistant',
    clock,
    log: silentLogger(),
    stopSignal: stop.signal,
    onRequest: (name, status) => outcomes.push([name, status]),
    onRoutesChanged: () => routesChanged++,
  });
  /** Delivers a request and lets the router finish (its handlers run on microtasks and immediate timers). */
  async function send(subtopic: string, payload: string | Buffer | object, extra: Partial<MqttMessage> = {}): Promise<void> {
    const msg: MqttMessage = {
      topic: `${BASE}/${subtopic}`,
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
      retain: false,
      protocolVersion: transport.protocolVersion ?? 4,
      ...extra,
    };
    await Promise.all(handlers.filter((h) => topicMatches(h.filter, msg.topic)).map((h) => h.fn(msg)));
    await settle();
  }
  const on = (topic: string): Published[] => published.filter((p) => p.topic === topic);
  return { router, send, on, published, clock, stop, outcomes, routesChanged: () => routesChanged };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

const ASK_RESULT = {
  answer: 'Alice',
  plan: { task_nodes: [] },
  evidence: [],
  planner: 'retrieval',
  executed: true,
  conversation_id: null,
  notes: [],
};

t.test('v3 correlation: reply_to and id from the payload; progress, ok, and the result topic', async (t) => {
  const s = setup();
  s.router.serve(
    'agent/ask',
    async (a, rc) => {
      await rc.progress({ stage: 'planned' });
      return { ...ASK_RESULT, answer: `you asked ${a.question}` };
    },
    { resultData: (data, args) => ({ question: (args as { question: string }).question, answer: (data as { answer: string }).answer }) },
  );
  await s.send('agent/ask', { id: 'q1', reply_to: 'replies/ha', question: 'who?' });
  const replies = s.on('replies/ha');
  t.same(
    replies.map((r) => r.env.status),
    ['progress', 'ok'],
  );
  t.ok(
    replies.every((r) => r.env.id === 'q1' && r.env.command === 'agent/ask'),
    'every reply carries the request id',
  );
  t.equal((replies[1]!.env.data as { answer: string }).answer, 'you asked who?');
  const answer = s.on(`${BASE}/agent/answer`);
  t.equal(answer.length, 1, 'the final reply also goes to the result topic');
  t.same(answer[0]!.env.data, { question: 'who?', answer: 'you asked who?' }, 'projected by the serving module');
  t.same(s.outcomes, [['agent/ask', 'ok']]);
});

t.test('v5 correlation: response topic and correlation data from the packet; the id is the correlation data in hex', async (t) => {
  const s = setup({ protocolVersion: 5 });
  s.router.serve('command/reload', () => ({ ok: true, applied: [], needsRestart: [], problems: [] }));
  const corr = Buffer.from('c0ffee', 'hex');
  await s.send('command/reload', '{}', { protocolVersion: 5, responseTopic: 'v5/replies', correlationData: corr });
  const r = s.on('v5/replies');
  t.equal(r.length, 1);
  t.same(r[0]!.correlationData, corr, 'correlation data echoed');
  t.match(r[0]!.env, { id: 'c0ffee', command: 'reload', status: 'ok' });
  t.equal(s.on(`${BASE}/command/reload/result`).length, 1, 'commands also publish on command/<name>/result');
  // An undecodable payload is still answered on the response topic: the correlation lives in the packet.
  await s.send('command/reload', 'not json', { protocolVersion: 5, responseTopic: 'v5/replies', correlationData: Buffer.from('c2') });
  const bad = s.on('v5/replies')[1]!;
  t.equal(bad.env.error?.code, 'E_BAD_JSON');
  t.same(bad.correlationData, Buffer.from('c2'));
});

t.test('malformed requests: a clear error (what, where, how to fix) to whatever reply address could be read', async (t) => {
  const s = setup();
  s.router.serve('agent/ask', () => ASK_RESULT);
  // Valid JSON, wrong argument: reply_to is read on its own, so the error reaches the client.
  await s.send('agent/ask', { id: 7, reply_to: 'replies/a', question: 42 });
  const wrong = s.on('replies/a')[0]!.env;
  t.equal(wrong.id, '7', 'a numeric id is echoed as text');
  t.equal(wrong.error?.code, 'E_BAD_REQUEST');
  t.match(wrong.error?.message, /question: Invalid input: expected string/, 'says where and what');
  t.match(wrong.error?.hint, /agent\/ask.*docs\/mqtt-api\.md/, 'says where the schema is');
  // Unknown fields are refused (nothing can be smuggled in).
  await s.send('agent/ask', { reply_to: 'replies/a', question: 'who?', tools: ['shell'] });
  t.equal(s.on('replies/a')[1]!.env.error?.code, 'E_BAD_REQUEST');
  // Undecodable 3.1.1 payload: no reply_to can be read (no regex over raw bytes), so the error goes to the result topic.
  await s.send('agent/ask', '{"question": "who?", "reply_to": "replies/a", ');
  t.equal(s.on('replies/a').length, 2, 'nothing sent to a reply_to that was never parsed');
  const viaResult = s.on(`${BASE}/agent/answer`).at(-1)!.env;
  t.equal(viaResult.error?.code, 'E_BAD_JSON');
  t.match(viaResult.error?.hint, /JSON object/);
  for (const [payload, code] of [
    [Buffer.from([0xff, 0xfe]), 'E_BAD_ENCODING'],
    ['[1,2]', 'E_BAD_REQUEST'],
  ] as const) {
    await s.send('agent/ask', payload);
    t.equal(s.on(`${BASE}/agent/answer`).at(-1)!.env.error?.code, code);
  }
  // A route without a result topic: the error goes to request/error, naming the topic.
  s.router.serve('agent/correct', () => ({ stored: true as const }));
  await s.send('agent/correct', '{');
  const orphan = s.on(`${BASE}/request/error`);
  t.equal(orphan.length, 1);
  t.match(orphan[0]!.env, { command: 'agent/correct', status: 'error', topic: 'agent/correct' });
  // A reply topic inside the device tree or HA's discovery is refused, not written to.
  await s.send('agent/ask', { reply_to: `${BASE}/availability`, question: 'who?' });
  t.equal(s.on(`${BASE}/availability`).length, 0);
  t.equal(s.on(`${BASE}/agent/answer`).at(-1)!.env.error?.code, 'E_BAD_REPLY_TO');
  // Retained requests are ignored (they would re-run on every reconnect).
  const before = s.published.length;
  await s.send('agent/ask', { reply_to: 'replies/a', question: 'who?' }, { retain: true });
  t.equal(s.published.length, before);
});

t.test('size limit: route default, overridden by the serving module', async (t) => {
  const s = setup({ maxRequestBytes: 100 });
  s.router.serve('command/audit', () => ({ entries: [] }));
  s.router.serve('agent/ask', () => ASK_RESULT, { maxBytes: 200 });
  await s.send('command/audit', { reply_to: 'r/1', limit: 5, pad: 'x'.repeat(200) });
  const big = s.on(`${BASE}/command/audit/result`)[0]!.env;
  t.equal(big.error?.code, 'E_PAYLOAD_TOO_LARGE');
  t.match(big.error?.message, /exceeds the limit of 100 bytes/);
  t.equal(s.on('r/1').length, 0, 'a payload too large to read has no readable reply_to');
  await s.send('agent/ask', { reply_to: 'r/2', question: 'x'.repeat(150) });
  t.equal(s.on('r/2')[0]!.env.status, 'ok', 'the module set a larger limit');
  await s.send('agent/ask', { reply_to: 'r/2', question: 'x'.repeat(250) });
  t.equal(s.on(`${BASE}/agent/answer`).at(-1)!.env.error?.code, 'E_PAYLOAD_TOO_LARGE');
  // command/enroll declares its own larger limit in the API map.
  t.equal(MQTT_REQUESTS['command/enroll'].maxBytes, 12_000_000);
});

t.test('rate limit: per client (reply topic without a random last level), shared by a group, refilled over time', async (t) => {
  const s = setup();
  const outcomes: string[] = [];
  const limits: ServeOptions = {
    rate: { perMinute: 3 },
    group: 'agent',
    onOutcome: (o) => outcomes.push(o.status === 'ok' ? 'ok' : o.code),
  };
  s.router.serve('agent/ask', () => ASK_RESULT, limits);
  s.router.serve('agent/plan', () => ({ ...ASK_RESULT, executed: false }), limits);
  const ask = (topic: string, reply: string) => s.send(topic, { reply_to: reply, question: 'who?' });
  await ask('agent/ask', 'c/reply/0b7e1f0a-55c3-4a57');
  await ask('agent/plan', 'c/reply/1c8f2a1b-66d4-5b68');
  await ask('agent/ask', 'c/reply/2d903b2c-77e5-6c79');
  await ask('agent/ask', 'c/reply/3ea14c3d-88f6-7d8a');
  const codes = s.published.filter((p) => p.topic.startsWith('c/reply/')).map((p) => p.env.error?.code ?? p.env.status);
  t.same(codes, ['ok', 'ok', 'ok', 'E_RATE_LIMITED'], 'ask and plan share the bucket; a new reply id does not reset it');
  t.same(outcomes, codes, "the routes' outcome hook sees every request, refusals by the router included");
  const limited = s.published.find((p) => p.env.error?.code === 'E_RATE_LIMITED')!.env;
  t.match(limited.error?.message, /retry in 20 s/);
  t.match(limited.error?.hint, /at most 3 per minute/);
  await ask('agent/ask', 'other/client');
  t.equal(s.on('other/client')[0]!.env.status, 'ok', 'another client is not limited');
  // Wrong requests count too (the limit applies before the schema check).
  await s.send('agent/ask', { reply_to: 'other/client', question: 1 });
  await s.send('agent/ask', { reply_to: 'other/client', question: 2 });
  await ask('agent/ask', 'other/client');
  t.same(
    s.on('other/client').map((p) => p.env.error?.code ?? 'ok'),
    ['ok', 'E_BAD_REQUEST', 'E_BAD_REQUEST', 'E_RATE_LIMITED'],
  );
  s.clock.advance(20_000);
  await ask('agent/ask', 'c/reply/4fb25d4e-99a7-8e9b');
  t.equal(s.published.at(-2)!.env.status, 'ok', 'one token back after 20 s');
  t.equal(clientKey(undefined), 'anonymous');
  t.equal(clientKey('ha/answers'), 'ha/answers');
});

t.test('cancellation: agent/cancel aborts the running request with that id; the daemon stopping aborts all', async (t) => {
  const s = setup();
  const seen: string[] = [];
  s.router.serve(
    'agent/ask',
    (_a, rc) =>
      new Promise((_resolve, reject) => {
        rc.signal.addEventListener('abort', () => {
          seen.push(rc.id);
          reject(rc.signal.reason);
        });
      }),
  );
  const running = s.send('agent/ask', { id: 'long-1', reply_to: 'r/ask', question: 'who?' });
  await settle();
  await s.send('agent/ask', { id: 'long-1', reply_to: 'r/ask', question: 'who?' });
  t.equal(s.on('r/ask')[0]!.env.error?.code, 'E_DUPLICATE_ID', 'an id runs once at a time');
  await s.send('agent/cancel', { id: 'long-1', reply_to: 'r/cancel' });
  await running;
  t.match(s.on('r/cancel')[0]!.env, { id: 'long-1', status: 'ok', data: { cancelled: true, id: 'long-1' } });
  t.match(s.on('r/ask')[1]!.env, { id: 'long-1', status: 'error', error: { code: 'E_CANCELLED' } });
  await s.send('agent/cancel', { id: 'nothing', reply_to: 'r/cancel' });
  t.same(s.on('r/cancel')[1]!.env.data, { cancelled: false, id: 'nothing' });
  await s.send('agent/cancel', { reply_to: 'r/cancel' });
  t.equal(s.on('r/cancel')[2]!.env.error?.code, 'E_BAD_REQUEST', 'cancel needs the id');
  const second = s.send('agent/ask', { id: 'long-2', reply_to: 'r/ask', question: 'who?' });
  await settle();
  s.stop.abort(new HomeSightError('E_CANCELLED', 'the daemon is stopping'));
  await second;
  t.same(seen, ['long-1', 'long-2']);
  t.match(s.on('r/ask').at(-1)!.env, { id: 'long-2', error: { code: 'E_CANCELLED', message: 'the daemon is stopping' } });
});

t.test('concurrency, unknown commands, serving twice, and the command list', async (t) => {
  const s = setup();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  s.router.serve('command/rollback', async () => {
    await gate;
    return { to: '0.1.0' };
  });
  const first = s.send('command/rollback', { reply_to: 'r/1' });
  await settle();
  await s.send('command/rollback', { reply_to: 'r/2' });
  t.equal(s.on('r/2')[0]!.env.error?.code, 'E_BUSY', 'rollback runs one at a time (the API map says so)');
  release();
  await first;
  await settle(); // commands share one subscription that does not wait for its handler
  t.same(s.on('r/1')[0]!.env.data, { to: '0.1.0' });

  // A group shares one concurrency count: a running ask keeps a plan waiting (agent.max_concurrent covers both).
  let answer: () => void = () => undefined;
  const asked = new Promise<void>((r) => (answer = r));
  const group = { group: 'agent', concurrency: 1 };
  s.router.serve(
    'agent/ask',
    async () => {
      await asked;
      return ASK_RESULT;
    },
    group,
  );
  s.router.serve('agent/plan', () => ({ ...ASK_RESULT, executed: false }), group);
  const asking = s.send('agent/ask', { reply_to: 'r/ask', question: 'who?' });
  await settle();
  await s.send('agent/plan', { reply_to: 'r/plan', question: 'who?' });
  t.equal(s.on('r/plan')[0]!.env.error?.code, 'E_BUSY');
  t.match(s.on('r/plan')[0]!.env.error?.message, /"agent" is already handling 1 requests/);
  answer();
  await asking;
  await s.send('agent/plan', { reply_to: 'r/plan', question: 'who?' });
  t.equal(s.on('r/plan')[1]!.env.status, 'ok', 'free again once the ask is answered');

  await s.send('command/self_destruct', { reply_to: 'r/u' });
  const unknown = s.on('r/u')[0]!.env;
  t.equal(unknown.error?.code, 'E_UNKNOWN_COMMAND');
  t.match(unknown.error?.hint, /rollback/);
  t.throws(() => s.router.serve('command/rollback', () => ({})), { code: 'E_MQTT_COMMAND_DUPLICATE' });

  const changed = s.routesChanged();
  const stop = s.router.serve('command/reload', () => ({ ok: true, applied: [], needsRestart: [], problems: [] }));
  t.equal(s.routesChanged(), changed + 1, 'the info topic and discovery hear of a new command');
  const cmds = s.router.commands();
  t.same(
    cmds.map((c) => c.name),
    ['reload', 'rollback'],
  );
  const reload = cmds.find((c) => c.name === 'reload')!;
  t.equal(reload.topic, `${BASE}/command/reload`);
  t.equal(reload.description, MQTT_REQUESTS['command/reload'].description, 'description from the API map');
  t.same(reload.button, { name: 'Reload config', icon: 'mdi:reload' });
  t.match(reload.schema, { type: 'object' }, 'JSON Schema derived from the zod request schema');
  stop();
  t.same(
    s.router.commands().map((c) => c.name),
    ['rollback'],
  );
});

t.test('the API map: request topics under agent/ or command/, JSON Schemas derivable for the docs, state topics declared', async (t) => {
  for (const [topic, route] of Object.entries(MQTT_REQUESTS)) {
    // Request topics sit under the prefixes an MQTT ACL grants (docs/mqtt.md).
    t.match(topic, /^(agent|command|watch|recap)\/[a-z_]+$/, `${topic}: a request topic`);
    t.equal(route.direction, 'request');
    t.ok(route.description.length > 10, `${topic}: described`);
    for (const which of ['request', 'response'] as const) {
      t.doesNotThrow(() => z.toJSONSchema(route[which], { unrepresentable: 'any', io: 'input' }), `${topic}: ${which} has a JSON Schema`);
    }
    if (topic.startsWith('command/')) t.equal(route.resultTopic, `${topic}/result`, `${topic}: results on ${topic}/result`);
  }
  for (const topic of [TOPICS.availability, TOPICS.status, TOPICS.info, TOPICS.events, TOPICS.learningAudit, TOPICS.agentAnswer]) {
    t.ok(topic in MQTT_PUBLISHED, `${topic} is declared`);
  }
  t.equal(TOPICS.cameraState('porch'), 'camera/porch/state');
  t.equal(TOPICS.cameraSnapshot('porch'), 'camera/porch/snapshot');
  t.equal(MQTT_REQUESTS['agent/ask'].resultTopic, TOPICS.agentAnswer);
});
