/**
 * The persisted upload queue: a process killed with SIGKILL while the teacher is down loses nothing; when the
 * teacher comes back every sample arrives exactly once (counted by id on the server); backoff, bounds, window.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCloudApp, OracleReplayTeacher, openTeacherStore } from '../../cloud/index.js';
import { HttpTeacherClient } from '../../daemon/learning/index.js';
import { inWindow } from '../../daemon/learning/uploader.js';
import { ManualClock } from '../../daemon/system/index.js';
import { failedAnswer, makeEdge, tmp } from './support/edge-helpers.js';
import { writeFileSync } from 'node:fs';

const CHILD = fileURLToPath(new URL('./support/edge-queue-child.ts', import.meta.url));

/** A "down" teacher: holds the port (so nobody else takes it) and resets every connection. */
async function deadTeacher(): Promise<{ port: number; close(): Promise<void> }> {
  const s = createServer((sock) => sock.destroy());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  return { port, close: () => new Promise<void>((r) => s.close(() => r())) };
}

t.test('SIGKILL while the teacher is down, then the teacher comes back: nothing lost, nothing duplicated', async (t) => {
  const { dir, cleanup } = tmp();
  t.teardown(cleanup);
  const dead = await deadTeacher();
  const port = dead.port;
  const url = `http://127.0.0.1:${port}`;
  const N = 6;
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, url, String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(`queued ${N}\n`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  t.equal(child.signalCode, 'SIGKILL');

  // Restart: the queue is still there; the teacher is still down.
  const clock = new ManualClock(Date.parse('2024-05-02T11:00:00Z'));
  const { edge, store, uploader } = makeEdge(dir, null, clock);
  t.teardown(() => store.close());
  t.equal(uploader.stats().pending, N, 'every queued sample survived the kill');
  const ds = join(dir, 'gold.jsonl');
  writeFileSync(
    ds,
    JSON.stringify({
      household: 'h1',
      instruction: "When was Bob last seen near grandpa's car? Ask Ally.",
      task_nodes: [{ task: 'last_seen', arguments: { person: 'Bob' } }],
    }) + '\n',
  );
  const cloud = await openTeacherStore({ kind: 'sqlite', file: join(dir, 'cloud.db') });
  t.teardown(() => cloud.close());
  const { app, labeler } = buildCloudApp({ store: cloud, teacher: new OracleReplayTeacher(ds), enrollmentSecret: 'e' });
  const received = new Map<string, number>();
  app.addHook('preHandler', async (req) => {
    if (req.url === '/v1/samples')
      for (const s of (req.body as { samples: Array<{ id: string }> }).samples) received.set(s.id, (received.get(s.id) ?? 0) + 1);
  });
  // token known in advance (enroll directly in the store)
  await cloud.enroll('dev', 'h1', 'tok');
  edge.setClient(new HttpTeacherClient({ baseUrl: url, token: 'tok', timeoutMs: 500 }));
  clock.advance(3_600_000);
  let r = await edge.sync({ force: true });
  t.equal(r.upload?.failed, N, 'still down: all retried later');
  t.ok(r.error === undefined || r.error.length > 0);
  r = await edge.sync({ force: true });
  t.equal(r.upload?.failed ?? 0, 0, 'not due again before the backoff expires');
  t.equal(r.upload?.sent ?? 0, 0);

  await app.ready();
  await dead.close();
  await app.listen({ host: '127.0.0.1', port });
  t.teardown(async () => {
    await app.close();
    await labeler.drain();
  });
  clock.advance(24 * 3_600_000);
  r = await edge.sync({ force: true });
  t.equal(r.upload?.sent, N, 'all arrive once the teacher is back');
  await edge.sync({ force: true });
  t.equal(received.size, N, 'every id arrived');
  t.same(
    [...received.values()].filter((n) => n !== 1),
    [],
    'no id arrived twice',
  );
  t.equal((await cloud.counts('h1')).samples, N);
  t.equal(uploader.stats().pending, 0);
  await labeler.drain();
  r = await edge.sync({ force: true });
  t.equal(r.pseudoLabels.rejected, 0);
  const items = store.longTerm.list({ kind: 'pseudo_label' });
  t.equal(items.length, N, 'pseudo-labels came back and went into long-term memory, once each');
  t.same(
    (items[0]!.payload as { plan: { task_nodes: Array<{ arguments: { person: string } }> } }).plan.task_nodes[0]!.arguments.person,
    'Bob',
    'placeholders mapped back to the household name on the device',
  );
  t.equal(
    items[0]!.text,
    "When was Bob last seen near Bob's car? Ask Alice Liddell.",
    'the question with names restored (aliases come back as the canonical name)',
  );
});

t.test('bounds drop the lowest-value, oldest samples (counted); schedule with jitter and window', async (t) => {
  const { dir, cleanup } = tmp();
  t.teardown(cleanup);
  const { edge, store, uploader, audit, clock } = makeEdge(dir, null, undefined, { max_items: 3 });
  t.teardown(() => store.close());
  for (let i = 0; i < 4; i++) {
    await edge.onAnswered(failedAnswer(`f${i}`));
    clock.advance(1000);
  }
  await edge.feedback({ answer_id: 'f0', thumbs: 'down' });
  t.equal(uploader.stats().pending, 3);
  t.equal(uploader.stats().dropped, 2, 'two dropped to stay at max_items');
  const left = store.learning.samples.due(Number.MAX_SAFE_INTEGER, 10).map((s) => s.id);
  t.notOk(left.includes('f0'), 'the oldest of the low-value samples went first');
  t.ok(
    left.some((id) => id.startsWith('f0:fb:')),
    'the thumbs-down (higher value) stayed',
  );
  t.ok(
    (await audit.read()).some((e) => e.kind === 'dropped'),
    'drops are audited',
  );
  t.same(await uploader.tick(), null, 'not due before interval');
  clock.advance(60_000);
  const r = await uploader.tick();
  t.same(r, { sent: 0, duplicates: 0, failed: 0, skipped: 'empty', error: 'no teacher configured' });
  t.ok(inWindow(Date.parse('2024-05-02T00:30:00Z'), '01:00-05:00', 'Europe/Berlin'), '02:30 Berlin is inside 01:00-05:00');
  t.notOk(inWindow(Date.parse('2024-05-02T10:00:00Z'), '01:00-05:00', 'Europe/Berlin'));
  t.ok(inWindow(Date.parse('2024-05-02T21:30:00Z'), '22:00-02:00', 'Europe/Berlin'), 'wrapping midnight');
});

t.test('feedback: a corrected plan is validated, queued and remembered as a correction', async (t) => {
  const { dir, cleanup } = tmp();
  t.teardown(cleanup);
  const { edge, store } = makeEdge(dir, null);
  t.teardown(() => store.close());
  await edge.onAnswered(failedAnswer('q1'));
  const bad = await edge.feedback({ answer_id: 'q1', thumbs: 'down', corrected_plan: { task_nodes: [{ task: 'nope', arguments: {} }] } });
  t.equal(bad.stored_correction, false);
  t.ok(bad.issues.length > 0, 'invalid corrected plan refused');
  const good = await edge.feedback({
    answer_id: 'q1',
    thumbs: 'down',
    corrected_plan: { task_nodes: [{ task: 'last_seen', arguments: { person: 'Bob' } }] },
  });
  t.same(good, { queued: true, stored_correction: true, stored_confirmation: false, issues: [] });
  t.equal(store.longTerm.list({ kind: 'correction' }).length, 1);
  const unknown = await edge.feedback({ answer_id: 'nope', thumbs: 'down' });
  t.equal(unknown.queued, false);
  t.same(edge.reasons, { failed: 3, user_thumbs_down: 1, user_correction: 1 });
});

t.test("feedback: a thumbs up keeps the answered plan as the owner's label; nothing goes up", async (t) => {
  const { dir, cleanup } = tmp();
  t.teardown(cleanup);
  const { edge, store } = makeEdge(dir, null);
  t.teardown(() => store.close());
  await edge.onAnswered(failedAnswer('q2'));
  const up = await edge.feedback({ answer_id: 'q2', thumbs: 'up' });
  t.same(up, { queued: false, stored_correction: false, stored_confirmation: true, issues: [] });
  const labels = store.longTerm.list({ kind: 'correction' });
  t.equal(labels.length, 1);
  t.same((labels[0]!.payload as { plan: unknown }).plan, failedAnswer('q2').result.plan, 'the answered plan');
  t.same(edge.reasons, { failed: 1 }, 'a thumbs up is no mining reason');
});
