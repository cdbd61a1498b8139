/**
 * The learning module over MQTT (embedded broker, the daemon's own factories): an ask on agent/ask publishes its
 * answer_id on learning/answered; the `feedback` command queues it; the upload shows up on learning/audit; the
 * `audit` command returns the exact payloads that left (no household names).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { buildCloudApp, OracleReplayTeacher, openTeacherStore } from '../../cloud/index.js';
import { MODULES } from '../../daemon/modules.js';
import { freePort, makeContext, tempDir } from '../agent/support.js';

t.test('answered → feedback → upload → audit, over MQTT', async (t) => {
  const dir = tempDir(t, 'hs-learnmqtt-');
  writeFileSync(
    join(dir, 'gold.jsonl'),
    JSON.stringify({ instruction: 'When did <x> leave?', task_nodes: [{ task: 'last_seen', arguments: { person: 'x' } }] }) + '\n',
  );
  const cloud = await openTeacherStore({ kind: 'sqlite', file: join(dir, 'cloud.db') });
  const { app, labeler } = buildCloudApp({
    store: cloud,
    teacher: new OracleReplayTeacher(join(dir, 'gold.jsonl')),
    enrollmentSecret: 'e',
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    await app.close();
    await labeler.drain();
    await cloud.close();
  });
  await cloud.enroll('hub1', 'home', 'tok');
  writeFileSync(join(dir, 'token'), 'tok');
  const port = await freePort();
  const ctx = makeContext(
    `device_id: hub1
household:
  id: home
  timezone: Europe/Berlin
  people: [{name: Alice, aliases: [mum]}, {name: Bob}]
vision: {enabled: false}
mqtt:
  embedded: {port: ${port}}
agent: {planner: retrieval}
learning:
  enabled: true
  teacher: {url: "${url}", token_file: ${join(dir, 'token')}}
  upload: {interval_s: 1, jitter_s: 0}
`,
    dir,
  );
  for (const f of MODULES.filter((m) => ['memory', 'mqtt', 'agent', 'learning'].includes(m.name))) {
    ctx.container.register(await f.create({ ...ctx, log: ctx.log.child({ module: f.name }) }));
  }
  const started = await ctx.container.startAll();
  t.teardown(() => ctx.container.stopAll());
  t.same(started.failed, []);

  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  t.teardown(() => c.endAsync());
  const base = 'homesight/hub1';
  const inbox: Array<{ topic: string; body: Record<string, unknown> }> = [];
  c.on('message', (topic, payload) => {
    try {
      inbox.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> });
    } catch {
      // not JSON
    }
  });
  await c.subscribeAsync([`${base}/learning/#`, 'test/reply/#'], { qos: 1 });
  const waitFor = async (pred: (m: { topic: string; body: Record<string, unknown> }) => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const m = inbox.find(pred);
      if (m !== undefined) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await c.publishAsync(
    `${base}/agent/ask`,
    JSON.stringify({ question: 'When did mum leave the house?', reply_to: 'test/reply/ask', options: { execute: false } }),
    { qos: 1 },
  );
  await waitFor((m) => m.topic === 'test/reply/ask' && m.body.status === 'ok', 'the answer');
  const answered = await waitFor((m) => m.topic === `${base}/learning/answered`, 'learning/answered');
  const answerId = answered.body.answer_id as string;
  t.match(answerId, /^[0-9a-f-]{36}$/);

  await c.publishAsync(`${base}/command/feedback`, JSON.stringify({ answer_id: answerId, thumbs: 'down', reply_to: 'test/reply/fb' }), {
    qos: 1,
  });
  const fb = await waitFor((m) => m.topic === 'test/reply/fb', 'the feedback reply');
  t.equal(fb.body.status, 'ok', JSON.stringify(fb.body));
  t.same((fb.body.data as { queued: boolean }).queued, true);

  const auditMsg = await waitFor((m) => m.topic === `${base}/learning/audit` && m.body.kind === 'upload', 'an upload on learning/audit');
  t.equal((auditMsg.body.ids as string[]).length, 1);
  t.notOk('payloads' in auditMsg.body, 'the topic carries the summary');

  await c.publishAsync(`${base}/command/audit`, JSON.stringify({ limit: 5, reply_to: 'test/reply/audit' }), { qos: 1 });
  const au = await waitFor((m) => m.topic === 'test/reply/audit', 'the audit reply');
  const entries = (au.body.data as { entries: Array<{ kind: string; payloads?: Array<{ question: string }> }> }).entries;
  const up = entries.find((e) => e.kind === 'upload')!;
  t.match(up.payloads![0]!.question, /^When did <person-[0-9a-f]{8}> leave the house\?$/, 'the owner reads exactly what left');
  t.notOk(/Alice|mum/.test(JSON.stringify(entries)), 'no name in the audit of what left');
  t.equal((await cloud.counts('home')).samples, 1, 'the teacher has it');
});
