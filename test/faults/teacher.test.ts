/**
 * Scenario 3: the cloud teacher is unreachable for a simulated day, then comes back. The learning edge (real
 * persisted queue in memory's SQLite, Uploader, HttpTeacherClient) runs in a child process on a manual clock
 * (fixtures/teacher-edge.ts): 24 h of hard samples arrive in 5-minute steps, more than learning.upload.max_items,
 * with the scheduled uploader tick failing against a port that resets every connection. The child is SIGKILLed
 * 20 simulated hours in and restarted on the same data folder. Then the real teacher app (cloud/index.ts) listens on that port
 * and counts sample ids as they arrive. Asserted: the queue never exceeded its bound, every drop counted (audit
 * log, across the restart), everything within the bound survived the kill and arrives exactly once, nothing else.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCloudApp, OracleReplayTeacher, openTeacherStore } from '../../cloud/index.js';
import { report, tempDir, waitFor } from './support.js';

const CHILD = fileURLToPath(new URL('./fixtures/teacher-edge.ts', import.meta.url));
const DAY = 86_400_000;
const N = 288; // one hard sample every 5 simulated minutes for 24 h
const STEP = DAY / N;
const MAX = 100; // learning.upload.max_items
const KILL_AT = 240; // the child is SIGKILLed after this many samples (20 h): 52 of the 100 delivered were queued before the kill
const T0 = Date.parse('2026-11-24T08:00:00Z');

type Line = Record<string, unknown>;
interface Child {
  proc: ChildProcess;
  lines: Line[];
  exited: Promise<void>;
}

function startChild(t: { teardown(fn: () => unknown): void }, args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    if (l.startsWith('{')) lines.push(JSON.parse(l) as Line);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  });
  return { proc, lines, exited };
}

const id = (i: number): string => `s-${String(i).padStart(4, '0')}`;

t.test('scenario 3: teacher down for a simulated day, SIGKILL during the outage, then back', async (t) => {
  const dir = tempDir(t);
  // The teacher is "down": the port is held and every connection is reset.
  const dead = createServer((sock) => sock.destroy());
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  let deadOpen = true;
  t.teardown(() => (deadOpen ? new Promise<void>((r) => dead.close(() => r())) : undefined));

  // Phase 1: 20 simulated hours of samples, then SIGKILL.
  const a = startChild(t, [dir, url, '0', String(KILL_AT), String(T0), String(STEP), String(MAX)]);
  await waitFor(() => a.lines.some((l) => l.done === true) || a.proc.exitCode !== null, 30_000, 'first child done');
  const doneA = a.lines.find((l) => l.done === true)!;
  t.ok(doneA, 'first child queued 20 h of samples');
  a.proc.kill('SIGKILL');
  await a.exited;
  t.equal(a.proc.signalCode, 'SIGKILL', 'first child SIGKILLed');

  // Phase 2: restarted on the same data folder, the clock continuing; the teacher still down.
  const b = startChild(t, [dir, url, String(KILL_AT), String(N), String(Number(doneA.now)), String(STEP), String(MAX)]);
  await waitFor(() => b.lines.some((l) => l.done === true) || b.proc.exitCode !== null, 30_000, 'second child done');
  const doneB = b.lines.find((l) => l.done === true)!;
  t.ok(doneB, 'second child queued the rest of the day');
  const started = b.lines.find((l) => l.started === true)!;
  t.equal(started.pending, doneA.pending, `the queue survived the SIGKILL (${String(doneA.pending)} pending)`);

  const perSample = [...a.lines, ...b.lines].filter((l) => typeof l.i === 'number');
  t.equal(perSample.length, N, 'one line per sample');
  const maxPending = Math.max(...perSample.map((l) => Number(l.pending)));
  t.ok(maxPending <= MAX, `queue never above max_items (max ${maxPending} ≤ ${MAX})`);
  t.equal(maxPending, MAX, 'the bound was reached');
  const failedAttempts = Number(doneA.failed) + Number(doneB.failed);
  t.ok(failedAttempts > 0, `uploads were attempted and failed during the outage (${failedAttempts} sample attempts)`);
  t.equal(
    perSample.reduce((s, l) => s + Number(l.sent), 0),
    0,
    'nothing sent while the teacher was down',
  );

  // Drops are counted in the audit log (persisted, so across the restart too).
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; ids: string[] });
  const droppedIds = audit.filter((e) => e.kind === 'dropped').flatMap((e) => e.ids);
  t.equal(droppedIds.length, N - MAX, `${N - MAX} dropped and counted`);
  t.equal(new Set(droppedIds).size, droppedIds.length, 'each dropped once');
  t.equal(Number(doneA.dropped) + Number(doneB.dropped), N - MAX, 'in-process dropped counters agree (both runs)');
  const expected = new Set(Array.from({ length: N }, (_, i) => id(i)).filter((x) => !droppedIds.includes(x)));
  t.equal(expected.size, MAX, 'the newest max_items samples are the ones kept');
  const beforeKill = [...expected].filter((x) => Number(x.slice(2)) < KILL_AT).length;
  t.equal(beforeKill, MAX - (N - KILL_AT), `${beforeKill} of them were queued before the SIGKILL`);
  t.ok(
    droppedIds.every((x) => Number(x.slice(2)) < N - MAX),
    'the oldest samples (equal value) were the ones dropped',
  );

  // Phase 3: the real teacher comes up on the same port; ids counted on the server.
  const ds = join(dir, 'gold.jsonl');
  writeFileSync(
    ds,
    JSON.stringify({
      household: 'h1',
      instruction: 'When was Bob last seen?',
      task_nodes: [{ task: 'last_seen', arguments: { person: 'Bob' } }],
    }) + '\n',
  );
  const cloud = await openTeacherStore({ kind: 'sqlite', file: join(dir, 'cloud.db') });
  t.teardown(() => cloud.close());
  await cloud.enroll('dev', 'h1', 'tok');
  const { app, labeler } = buildCloudApp({ store: cloud, teacher: new OracleReplayTeacher(ds), enrollmentSecret: 'e' });
  const received = new Map<string, number>();
  app.addHook('preHandler', async (req) => {
    if (req.url === '/v1/samples')
      for (const s of (req.body as { samples: Array<{ id: string }> }).samples) received.set(s.id, (received.get(s.id) ?? 0) + 1);
  });
  await app.ready();
  await new Promise<void>((r) => dead.close(() => r()));
  deadOpen = false;
  await app.listen({ host: '127.0.0.1', port });
  t.teardown(async () => {
    await app.close();
    await labeler.drain();
  });
  const back = performance.now();
  process.kill(b.proc.pid!, 'SIGUSR2');
  await waitFor(() => b.lines.some((l) => l.drained === true), 20_000, 'drained');
  const drainMs = Math.round(performance.now() - back);
  const drained = b.lines.find((l) => l.drained === true)!;
  t.equal(drained.pending, 0, 'queue empty after the teacher came back');
  t.equal(drained.sent, MAX, `${MAX} sent`);
  // A second flush must not send anything again.
  process.kill(b.proc.pid!, 'SIGUSR2');
  await waitFor(() => b.lines.filter((l) => l.drained === true).length === 2, 20_000, 'second flush');
  const again = b.lines.filter((l) => l.drained === true)[1]!;
  t.equal(again.sent, 0, 'nothing re-sent');

  const dupIds = [...received.entries()].filter(([, n]) => n !== 1).map(([k]) => k);
  const missing = [...expected].filter((x) => !received.has(x));
  const extra = [...received.keys()].filter((x) => !expected.has(x));
  t.same(dupIds, [], 'no id arrived twice');
  t.same(missing, [], 'every sample within the bound arrived');
  t.same(extra, [], 'no dropped sample arrived');
  t.equal((await cloud.counts('h1')).samples, MAX, 'the teacher stored each once');
  t.comment(
    JSON.stringify({
      N,
      MAX,
      KILL_AT,
      beforeKill,
      maxPending,
      dropped: droppedIds.length,
      failedAttempts,
      received: received.size,
      dup: dupIds.length,
      drainMs,
    }),
  );
  const ok =
    maxPending <= MAX &&
    droppedIds.length === N - MAX &&
    dupIds.length === 0 &&
    missing.length === 0 &&
    extra.length === 0 &&
    started.pending === doneA.pending;
  report({
    scenario: '3 teacher unreachable for a simulated day (clock-scaled), SIGKILL + restart during the outage, then back',
    result: ok ? 'pass' : 'fail',
    expected: `${N} samples in 24 h, max_items ${MAX}: queue ≤ ${MAX}, ${N - MAX} dropped (counted), ${MAX} delivered once each`,
    received:
      `queue max ${maxPending}; ${String(doneA.pending)} pending survived SIGKILL (${beforeKill} of them ` +
      `still within the bound at the end, all delivered); ${droppedIds.length} dropped ` +
      `(audited); ${failedAttempts} failed sample attempts in the outage; ${received.size} unique ids at ` +
      `the teacher, ${dupIds.length} duplicates, ${missing.length} missing, ${extra.length} ` +
      `dropped-but-arrived`,
    recovery_ms: drainMs,
  });
  b.proc.kill('SIGKILL');
  await b.exited;
});
