/**
 * The TeacherStore contract on a real PostgreSQL (started by the test: test/fixtures/postgres.ts), plus what only
 * several processes can show: two stores migrating at once (advisory lock), concurrent claimers each getting
 * distinct jobs (FOR UPDATE SKIP LOCKED), and a store that carries on after the server restarts.
 */
import t from 'tap';
import pg from 'pg';
import { openTeacherStore, SCHEMA_VERSION, type TeacherStore } from '../../cloud/store/index.js';
import { PostgresDriver } from '../../cloud/store/postgres.js';
import { postgresUnavailable, startPostgres, type PostgresServer } from '../fixtures/postgres.js';
import { storeContract } from './support/store-contract.js';

t.test('TeacherStore on PostgreSQL', { skip: postgresUnavailable() ?? false }, async (t) => {
  const server: PostgresServer = await startPostgres();
  t.teardown(() => server.stop());
  let n = 0;
  /** A fresh database per test, so the contract starts empty every time. */
  const freshDb = async (): Promise<string> => {
    const name = `t${n++}`;
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return server.url.replace(/\/[^/]+$/, `/${name}`);
  };
  storeContract(t, async () => openTeacherStore({ kind: 'postgres', url: await freshDb() }));

  t.test('two replicas migrating at once: both open, each version applied once', async (t) => {
    const url = await freshDb();
    const stores = await Promise.all([openTeacherStore({ kind: 'postgres', url }), openTeacherStore({ kind: 'postgres', url })]);
    t.teardown(() => Promise.all(stores.map((s) => s.close())));
    const c = new pg.Client(url);
    await c.connect();
    const { rows } = await c.query('SELECT version FROM schema_migrations ORDER BY version');
    await c.end();
    t.same(
      rows.map((r: { version: number }) => r.version),
      Array.from({ length: SCHEMA_VERSION }, (_x, i) => i + 1),
    );
  });

  t.test('concurrent claimers get distinct jobs (SKIP LOCKED); every job is claimed once', async (t) => {
    const url = await freshDb();
    const jobsN = 400;
    const claimers = 8;
    const seed = await openTeacherStore({ kind: 'postgres', url });
    for (let i = 0; i < jobsN; i++) await seed.enqueue({ kind: 'label', household: `h${i}`, key: `label:h${i}` });
    const stores: TeacherStore[] = await Promise.all(
      Array.from({ length: claimers }, () => openTeacherStore({ kind: 'postgres', url, maxConnections: 2 })),
    );
    t.teardown(() => Promise.all([seed, ...stores].map((s) => s.close())));
    const claimed = new Map<number, string>();
    let doubles = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      stores.map(async (s, k) => {
        const owner = `r${k}`;
        for (;;) {
          const j = await s.claim(owner, ['label'], 60_000);
          if (j === null) return;
          if (claimed.has(j.id)) doubles++;
          claimed.set(j.id, owner);
          await s.complete({ id: j.id, owner, attempt: j.attempts });
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    t.equal(doubles, 0, 'no job claimed twice');
    t.equal(claimed.size, jobsN, 'every job claimed');
    t.same(await seed.jobCounts(), { queued: 0, running: 0, done: jobsN, failed: 0 });
    const per = new Set(claimed.values()).size;
    t.ok(per > 1, `the work was spread over ${per} claimers`);
    t.comment(`claim+complete: ${jobsN} jobs by ${claimers} claimers in ${seconds.toFixed(2)} s = ${(jobsN / seconds).toFixed(0)} jobs/s`);
  });

  t.test('a store carries on after PostgreSQL restarts (the pool reconnects)', async (t) => {
    const url = await freshDb();
    const s = await openTeacherStore({ kind: 'postgres', url });
    t.teardown(() => s.close());
    await s.enroll('d', 'h', 'tok');
    await server.restart();
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      try {
        await s.ping();
        ok = true;
      } catch (err) {
        t.match((err as { code?: string }).code, 'E_TEACHER_STORE', 'a broken connection surfaces as E_TEACHER_STORE');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    t.ok(ok, 'reachable again');
    t.same(await s.deviceByToken('tok'), { id: 'd', household: 'h' }, 'the data survived the restart');
  });

  t.test('statements and transactions cut by a PostgreSQL restart fail as E_TEACHER_STORE; the driver answers again', async (t) => {
    // bench/fleet's fault run once saw both replicas die of an unhandled client 'error' event during a restart
    // under load; every client now keeps an error listener (postgres.ts). This test did not reproduce that race
    // here without the listener; it checks what the listener must not change.
    const driver = new PostgresDriver({ connectionString: await freshDb(), maxConnections: 6 });
    t.teardown(() => driver.close());
    // half as single statements (pool.query), half inside transactions (a checked-out client)
    const settled = Promise.allSettled(
      Array.from({ length: 6 }, (_x, i) =>
        i % 2 === 0 ? driver.query('SELECT pg_sleep(5)') : driver.transaction((tx) => tx.query('SELECT pg_sleep(5)')),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    await server.restart();
    const outcomes = await settled;
    const codes = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'fulfilled'));
    t.same(new Set(codes), new Set(['E_TEACHER_STORE']), 'every query cut by the restart failed with the store error');
    await new Promise((r) => setTimeout(r, 200));
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = await driver.query('SELECT 1').then(
        () => true,
        () => new Promise<boolean>((r) => setTimeout(() => r(false), 100)),
      );
    }
    t.ok(ok, 'the same driver answers again after the restart');
  });
});
