/**
 * The learning module in a daemon container (memory + agent + learning) against a real cloud teacher API:
 * an answer on the bus, the user's thumbs-down (feedback) → privacy-filtered upload on the schedule → oracle label →
 * pseudo-label in long-term memory → the agent's few-shot retrieval uses it on the next request. Health and audit.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildCloudApp, OracleReplayTeacher, openTeacherStore } from '../../cloud/index.js';
import { AgentModule } from '../../daemon/agent/index.js';
import { LearningModule } from '../../daemon/learning/module.js';
import { startsAfter } from '../../daemon/context.js';
import { MODULES } from '../../daemon/modules.js';
import { makeContext, tempDir } from '../agent/support.js';

const Q = 'Where was grandpa sitting this evening?';
const GOLD = {
  household: 'home',
  instruction: Q,
  task_nodes: [
    { task: 'resolve_time', arguments: { phrase: 'this evening' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'grandpa', activity: 'sitting' } },
    { task: 'compose_answer', arguments: { question: Q, inputs: ['<node-1>'] } },
  ],
  task_links: [
    { source: 'resolve_time', target: 'query_events' },
    { source: 'query_events', target: 'compose_answer' },
  ],
};

t.test('feedback → upload → pseudo-label → next request uses it', async (t) => {
  const dir = tempDir(t, 'hs-learnmod-');
  writeFileSync(join(dir, 'gold.jsonl'), JSON.stringify(GOLD) + '\n');
  const cloud = await openTeacherStore({ kind: 'sqlite', file: join(dir, 'cloud.db') });
  const { app, labeler } = buildCloudApp({
    store: cloud,
    teacher: new OracleReplayTeacher(join(dir, 'gold.jsonl')),
    enrollmentSecret: 'e',
  });
  const bodies: string[] = [];
  app.addHook('preHandler', async (req) => {
    if (req.url === '/v1/samples') bodies.push(JSON.stringify(req.body));
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    await app.close();
    await labeler.drain();
    await cloud.close();
  });
  await cloud.enroll('dev1', 'home', 'device-token');
  writeFileSync(join(dir, 'token'), 'device-token\n');

  const ctx = makeContext(
    `household:
  id: home
  timezone: Europe/Berlin
  people: [{name: Bob, aliases: [grandpa]}]
vision: {enabled: false}
mqtt: {enabled: false}
agent: {planner: retrieval}
learning:
  enabled: true
  teacher: {url: "${url}", token_file: ${join(dir, 'token')}}
  upload: {interval_s: 1, jitter_s: 0}
`,
    dir,
  );
  for (const f of MODULES.filter((m) => ['memory', 'agent', 'learning'].includes(m.name))) {
    ctx.container.register(await f.create({ ...ctx, log: ctx.log.child({ module: f.name }), dependsOn: startsAfter(f, ctx.container) }));
  }
  const res = await ctx.container.startAll();
  t.teardown(() => ctx.container.stopAll());
  t.same(res.failed, []);
  const agent = ctx.container.find('agent', AgentModule)!;
  const learning = ctx.container.find('learning', LearningModule)!;
  t.same(learning.dependsOn, ['memory', 'agent']);

  const first = await agent.service.ask({ question: Q, options: { execute: false } });
  t.notOk(
    first.trace.notes.some((n) => n.includes(Q)),
    'nothing remembered for this question yet',
  );
  // What the agent module emits after an answer (its MQTT path does it; here the in-process service is used).
  ctx.bus.emit('agent.answered', { answer_id: 'ans-1', result: { ...first, question: Q }, at: Date.now() });
  await new Promise((r) => setTimeout(r, 50));
  const fb = await learning.edge.feedback({ answer_id: 'ans-1', thumbs: 'down' });
  t.same(fb, { queued: true, stored_correction: false, stored_confirmation: false, issues: [] });

  // The module's own schedule (interval 1 s) uploads and, on the next cycle, fetches the pseudo-label.
  const deadline = Date.now() + 20_000;
  while (learning.edge.counters.pseudoLabels === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  t.equal(learning.edge.counters.pseudoLabels, 1, 'the pseudo-label arrived');
  t.equal(bodies.length, 1, 'one upload');
  t.notOk(/Bob|grandpa/i.test(bodies[0]!), 'no household name or alias in what the teacher received');

  const examples = await agent.service.examples(Q, Date.now());
  t.equal(
    examples[0]?.question,
    'Where was Bob sitting this evening?',
    'the pseudo-label is the first few-shot (names restored on the device)',
  );
  const second = await agent.service.ask({ question: 'Where was Bob sitting yesterday?', options: { execute: false } });
  t.ok(
    second.trace.notes.some((n) => n.includes('nearest example: "Where was Bob sitting this evening?"')),
    'the next request is planned from it',
  );
  t.same(
    second.plan.task_nodes.map((n) => n.task),
    ['resolve_time', 'query_events', 'compose_answer'],
  );

  const h = await learning.health();
  t.equal(h.status, 'ok');
  t.match(h.summary, /0 samples queued, 1 uploaded, 1 pseudo-labels/);
  const { AuditLog, auditFile } = await import('../../daemon/learning/index.js');
  const entries = await new AuditLog(auditFile(ctx.config)).read();
  t.same(
    entries.map((e) => e.kind),
    ['upload', 'pseudo_labels'],
  );

  // The owner's CLI view of the same log.
  const cfg = join(dir, 'cli.yaml');
  writeFileSync(cfg, `paths: {data_dir: ${ctx.config.paths.data_dir}}\n`);
  const bin = fileURLToPath(new URL('../../bin/homesight.js', import.meta.url));
  const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, 'learning', 'audit', '--config', cfg, '--json'],
      { env: { ...process.env, HOMESIGHT_CONFIG: '' } },
      (err, stdout) => resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stdout }),
    );
  });
  t.equal(out.code, 0);
  const cli = JSON.parse(out.stdout) as Array<{ kind: string; payloads?: Array<{ question: string }> }>;
  t.same(
    cli.map((e) => e.kind),
    ['upload', 'pseudo_labels'],
    '`homesight learning audit --json` reads it',
  );
  t.match(cli[0]!.payloads![0]!.question, /^Where was <person-[0-9a-f]{8}> sitting this evening\?$/);
});
