/**
 * The JobRunner on the embedded SQLite store: jobs run through their handlers and complete with their effects;
 * a failing handler is retried until the attempt cap; a job whose lease another owner took over is aborted and
 * applies nothing; stop() releases a job that does not finish within the grace period without counting the attempt.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { JobRunner } from '../../cloud/jobs/index.js';
import { openTeacherStore } from '../../cloud/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hs-jobs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = () => openTeacherStore({ kind: 'sqlite', file: join(dir, `j${n++}.db`) });

const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

t.test('handlers run, effects apply with the completion, failures retry up to the cap', async (t) => {
  const store = await open();
  t.teardown(() => store.close());
  let calls = 0;
  const runner = new JobRunner({
    store,
    owner: 'r1',
    retryMs: 0,
    handlers: {
      label: async (job) => ({
        result: { household: job.household },
        enqueue: [{ kind: 'train', household: job.household, key: 'train:x' }],
      }),
      train: async () => {
        calls++;
        throw new Error('trainer exploded');
      },
    },
  });
  await store.enqueue({ kind: 'label', household: 'h1', key: 'label:h1' });
  t.equal(await runner.runUntilIdle(['label']), 1);
  t.match((await store.jobs({ kind: 'label' }))[0], { state: 'done', result: { household: 'h1' } });
  const [train] = await store.jobs({ kind: 'train' });
  t.match(train, { state: 'queued', maxAttempts: 5 });
  t.equal(await runner.runUntilIdle(['train']), 5, 'tried five times');
  t.equal(calls, 5);
  t.match(await store.job(train!.id), { state: 'failed', attempts: 5, error: 'trainer exploded' });
});

t.test('a job whose lease was taken over is aborted and applies nothing', async (t) => {
  const store = await open();
  t.teardown(() => store.close());
  await store.enqueue({ kind: 'label', household: 'h1', key: 'label:h1' });
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  let abortedWith = '';
  const slow = new JobRunner({
    store,
    owner: 'slow',
    leaseMs: 300,
    handlers: {
      label: async (_job, ctx) => {
        started();
        try {
          return await untilAborted(ctx.signal);
        } catch (err) {
          abortedWith = (err as { code?: string }).code ?? '';
          throw err;
        }
      },
    },
  });
  const first = slow.runOne();
  await running;
  // another replica finds the lease expired (as if heartbeats had stopped) and takes the job; both statements are
  // queued on the store at once, so no heartbeat of the runner comes between them
  const [job] = await store.jobs({ kind: 'label' });
  const [expired, other] = await Promise.all([
    store.heartbeat({ id: job!.id, owner: 'slow', attempt: 1 }, -1),
    store.claim('other', ['label'], 60_000),
  ]);
  t.ok(expired);
  t.match(other, { id: job!.id, owner: 'other', attempts: 2 });
  await first;
  t.equal(abortedWith, 'E_JOB_LEASE_LOST', 'the heartbeat noticed and aborted the handler');
  t.match(await store.job(job!.id), { state: 'running', owner: 'other', attempts: 2, error: null }, 'untouched by the old owner');
});

t.test('stop() releases a job that outlives the grace period, without counting the attempt', async (t) => {
  const store = await open();
  t.teardown(() => store.close());
  await store.enqueue({ kind: 'label', household: 'h1', key: 'label:h1' });
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const runner = new JobRunner({
    store,
    owner: 'r1',
    pollMs: 20,
    handlers: {
      label: async (_job, ctx) => {
        started();
        return untilAborted(ctx.signal);
      },
    },
  });
  runner.start();
  await running;
  t.equal(runner.inFlight, 1);
  await runner.stop(100);
  t.equal(runner.inFlight, 0);
  const [job] = await store.jobs({ kind: 'label' });
  t.match(job, { state: 'queued', attempts: 0, owner: null }, 'released for another replica');
});
