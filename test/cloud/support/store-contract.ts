/**
 * The TeacherStore contract, run against SQLite (store-sqlite.test.ts) and PostgreSQL (store-postgres.test.ts):
 * idempotent samples per (household, id), household isolation, labels paged by sequence, label jobs enqueued with
 * uploads, and the job lease rules (claim, heartbeat, keyed completion, expiry and retry by another owner,
 * attempts capped, release, run-again).
 */
import type { Test } from 'tap';
import type { TeacherStore } from '../../../cloud/store/index.js';

export type OpenStore = () => Promise<TeacherStore>;

const plan = { task_steps: [], task_nodes: [{ task: 'last_seen', arguments: { person: '<person-0000abcd>' } }], task_links: [] };

export function storeContract(t: Test, open: OpenStore): void {
  t.test('samples are idempotent by (household, id) and households are isolated', async (t) => {
    const s = await open();
    t.teardown(() => s.close());
    await s.enroll('d1', 'h1', 'tok1');
    await s.enroll('d2', 'h2', 'tok2');
    const d1 = (await s.deviceByToken('tok1'))!;
    t.same(d1, { id: 'd1', household: 'h1' });
    t.equal(await s.deviceByToken('nope'), null);
    const r1 = await s.addSamples(d1, [
      { id: 'a', question: 'q a' },
      { id: 'b', question: 'q b' },
    ]);
    t.same(r1, { accepted: ['a', 'b'], duplicates: [] });
    t.same(await s.addSamples(d1, [{ id: 'a', question: 'q a' }]), { accepted: [], duplicates: ['a'] });
    const d2 = (await s.deviceByToken('tok2'))!;
    t.same(await s.addSamples(d2, [{ id: 'a', question: 'q a of h2' }]), { accepted: ['a'], duplicates: [] }, 'same id, other household');
    t.same(await s.counts('h1'), { samples: 2, labels: 0 });
    t.same(await s.counts(), { samples: 3, labels: 0 });
    t.same(
      (await s.unlabeled('h2', 10)).map((x) => [x.household, x.id, x.payload['question']]),
      [['h2', 'a', 'q a of h2']],
    );
    const jobs = await s.jobs({ kind: 'label' });
    t.same(
      jobs.map((j) => [j.household, j.state]),
      [
        ['h1', 'queued'],
        ['h2', 'queued'],
      ],
      'one label job per household, however many uploads',
    );

    await s.recordLabel('h1', 'a', { question: 'q a', plan, teacher: 't' });
    await s.recordLabel('h1', 'a', { question: 'q a', plan, teacher: 't' });
    await s.recordLabel('h1', 'b', null);
    await s.recordLabel('h2', 'a', { question: 'q a of h2', plan, teacher: 't' });
    t.same(await s.counts('h1'), { samples: 2, labels: 1 }, 'a label is kept once');
    t.same(await s.unlabeled('h1', 10), []);
    const h1 = await s.labelsSince('h1', 0, 10);
    t.same(
      h1.map((l) => [l.household, l.sample_id, l.plan]),
      [['h1', 'a', plan]],
    );
    const h2 = await s.labelsSince('h2', 0, 10);
    t.same(
      h2.map((l) => l.sample_id),
      ['a'],
    );
    t.same(await s.labelsSince('h2', h2[0]!.seq, 10), [], 'paged by sequence');
    t.same(await s.labelsSince('h1', h2[0]!.seq, 10), [], "a later sequence of another household's label shows nothing of it");

    const manifest = { id: 'x', sig: 'AAA=', metrics: { b: 1, a: 2 } };
    await s.addAdapter('h1', 'x', manifest, 'adapters/h1/x.gguf', 2);
    t.same(await s.adapters('h1'), [{ id: 'x', manifest, blob: 'adapters/h1/x.gguf', labels: 2 }]);
    t.equal(JSON.stringify((await s.adapters('h1'))[0]!.manifest), JSON.stringify(manifest), 'manifest bytes unchanged');
    t.same(await s.adapters('h2'), []);
  });

  t.test('an id twice in one upload is stored once; a large upload in one go', async (t) => {
    const s = await open();
    t.teardown(() => s.close());
    await s.enroll('d1', 'h1', 'tok1');
    const d1 = (await s.deviceByToken('tok1'))!;
    t.same(
      await s.addSamples(d1, [
        { id: 'c', question: 'first' },
        { id: 'c', question: 'second' },
      ]),
      { accepted: ['c'], duplicates: ['c'] },
    );
    t.equal((await s.unlabeled('h1', 10))[0]!.payload['question'], 'first', 'the first copy wins');
    const many = Array.from({ length: 600 }, (_x, i) => ({ id: `m${i}`, question: `q${i}` }));
    const r = await s.addSamples(d1, [...many, { id: 'c', question: 'again' }]);
    t.equal(r.accepted.length, 600);
    t.same(r.duplicates, ['c']);
    t.equal((await s.counts('h1')).samples, 601);
  });

  t.test('the label sweep: samples left waiting by a label job that failed for good get a new job', async (t) => {
    const s = await open();
    t.teardown(() => s.close());
    await s.enroll('d1', 'h1', 'tok1');
    await s.addSamples((await s.deviceByToken('tok1'))!, [{ id: 'a', question: 'q' }]);
    t.equal(await s.enqueuePendingLabels(), 0, 'none while its label job is queued');
    for (;;) {
      const j = await s.claim('x', ['label'], 60_000);
      if (j === null) break;
      await s.fail({ id: j.id, owner: 'x', attempt: j.attempts }, 'teacher down', 0);
    }
    t.same(
      (await s.jobs({ kind: 'label' })).map((j) => j.state),
      ['failed'],
    );
    t.equal(await s.enqueuePendingLabels(), 1, 'the household gets a new label job');
    t.equal(await s.enqueuePendingLabels(), 0, 'once');
    await s.recordLabel('h1', 'a', null);
    const j = (await s.claim('x', ['label'], 60_000))!;
    await s.complete({ id: j.id, owner: 'x', attempt: 1 });
    t.equal(await s.enqueuePendingLabels(), 0, 'nothing waits once labelled');
  });

  t.test('job leases: claim, heartbeat, keyed completion, expiry, retry, cap, release, run again', async (t) => {
    const s = await open();
    t.teardown(() => s.close());
    await s.enqueue({ kind: 'train', household: 'h1', key: 'train:h1', maxAttempts: 2 });
    await s.enqueue({ kind: 'train', household: 'h1', key: 'train:h1' });
    t.equal((await s.jobs({ kind: 'train' })).length, 1, 'one active job per key');
    t.equal(await s.claim('A', ['label'], 60_000), null, 'only the kinds asked for');
    const a = (await s.claim('A', ['train'], 60_000))!;
    t.match(a, { kind: 'train', household: 'h1', state: 'running', attempts: 1, owner: 'A' });
    t.equal(await s.claim('B', ['train'], 60_000), null, 'a leased job is not claimed again');
    const leaseA = { id: a.id, owner: 'A', attempt: 1 };
    t.ok(await s.heartbeat(leaseA, 60_000));
    // the lease runs out: B takes the job over, A can neither extend nor complete it
    t.ok(await s.heartbeat(leaseA, -1000));
    const b = (await s.claim('B', ['train'], 60_000))!;
    t.match(b, { id: a.id, attempts: 2, owner: 'B' }, 'an expired lease is claimed by another owner');
    t.notOk(await s.heartbeat(leaseA, 60_000), 'the old owner lost its lease');
    t.notOk(
      await s.complete(leaseA, { enqueue: [{ kind: 'publish', household: 'h1', key: 'publish:x' }] }),
      'its completion applies nothing',
    );
    t.equal((await s.jobs({ kind: 'publish' })).length, 0);
    const leaseB = { id: b.id, owner: 'B', attempt: 2 };
    await s.enqueue({ kind: 'train', household: 'h1', key: 'train:h1' });
    t.ok(
      await s.complete(leaseB, {
        result: { ok: true },
        adapter: { household: 'h1', id: 'h1-j1', manifest: { m: 1 }, blob: 'adapters/h1/h1-j1.gguf', labels: 5 },
        enqueue: [{ kind: 'publish', household: 'h1', key: 'publish:x' }],
      }),
    );
    t.notOk(await s.complete(leaseB), 'completion happens once');
    t.match(await s.job(b.id), { state: 'done', result: { ok: true } });
    t.equal((await s.adapters('h1')).length, 1, 'the effects were applied with the completion');
    t.equal((await s.jobs({ kind: 'publish' })).length, 1);
    const again = (await s.jobs({ kind: 'train' })).filter((j) => j.state === 'queued');
    t.equal(again.length, 1, 'enqueued while running: it runs once more');

    // attempts are capped
    const c = (await s.claim('C', ['train'], 60_000))!;
    await s.fail({ id: c.id, owner: 'C', attempt: c.attempts }, 'boom', 0);
    t.match(await s.job(c.id), { state: 'queued', error: 'boom' });
    const c2 = (await s.claim('C', ['train'], 60_000))!;
    await s.release({ id: c2.id, owner: 'C', attempt: c2.attempts });
    t.match(await s.job(c.id), { state: 'queued', attempts: 1 }, 'a released job does not count the attempt');
    const c3 = (await s.claim('C', ['train'], 60_000))!;
    await s.fail({ id: c3.id, owner: 'C', attempt: c3.attempts }, 'boom again', 0);
    t.match(await s.job(c.id), { state: 'failed', attempts: c3.maxAttempts }, 'failed for good at the cap');
    t.equal(await s.claim('C', ['train'], 60_000), null);
    // a lease that expires on the last attempt fails instead of running a third time
    await s.enqueue({ kind: 'label', household: 'h9', key: 'label:h9', maxAttempts: 1 });
    const d = (await s.claim('D', ['label'], -1000))!;
    t.equal(await s.claim('E', ['label'], 60_000), null);
    t.match(await s.job(d.id), { state: 'failed' });
    t.same(await s.jobCounts(), { queued: 1, running: 0, done: 1, failed: 2 });
  });
}
