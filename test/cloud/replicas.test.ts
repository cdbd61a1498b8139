/**
 * Two teacher replicas (separate processes: `node --import tsx cloud/server.ts`) against one real PostgreSQL,
 * devices uploading to both, labels from an OpenAI-compatible teacher endpoint served by the test. Mid-run one
 * replica is killed with SIGKILL while it holds job leases and is started again; later PostgreSQL restarts once.
 * At the end: every uploaded sample is stored exactly once (0 lost, 0 duplicated), every sample is labelled once,
 * every label job completed exactly once (one 'job done' line per job over all replica logs, none failed), the
 * killed replica's leases were taken over by the other, /readyz followed the store, and SIGTERM drains both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import pg from 'pg';
import { freePort, postgresUnavailable, startPostgres } from '../fixtures/postgres.js';

const repo = join(import.meta.dirname, '..', '..');
const HOUSEHOLDS = 8;
const DEVICES_PER_HOUSEHOLD = 2;
const BATCHES = 12;
const BATCH = 10;
/** Milliseconds the teacher endpoint takes per plan: long enough that a replica is killed while it holds leases. */
const TEACHER_MS = 15;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Replica {
  name: string;
  url: string;
  proc: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: string;
  exited: Promise<number | null>;
}

t.test(
  'two replicas on PostgreSQL: kill -9 and restart one, restart PostgreSQL; nothing lost, nothing twice',
  { skip: postgresUnavailable() ?? false },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-replicas-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startPostgres();
    t.teardown(() => server.stop());

    // the teacher endpoint (OpenAI-compatible): a valid plan after TEACHER_MS
    const teacherCalls = new Map<string, number>();
    const teacher: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const q = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages[1]!.content;
        teacherCalls.set(q, (teacherCalls.get(q) ?? 0) + 1);
        const plan = { task_steps: ['look up Bob'], task_nodes: [{ task: 'last_seen', arguments: { person: 'Bob' } }], task_links: [] };
        setTimeout(() => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ choices: [{ message: { content: JSON.stringify(plan) } }] }));
        }, TEACHER_MS);
      });
    });
    await new Promise<void>((r) => teacher.listen(0, '127.0.0.1', () => r()));
    t.teardown(() => new Promise((r) => teacher.close(r)));
    const teacherUrl = `http://127.0.0.1:${(teacher.address() as { port: number }).port}/v1`;

    writeFileSync(join(dir, 'enroll.secret'), 'enroll-me\n');
    const configFor = (name: string, port: number): string => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        [
          'host: 127.0.0.1',
          `port: ${port}`,
          'storage:',
          '  kind: postgres',
          `  url: ${server.url}`,
          '  max_connections: 4',
          'blobs:',
          '  kind: fs',
          '  dir: blobs',
          'keys_dir: keys',
          'enrollment_secret_file: enroll.secret',
          'rate_limit: { max_failures: 1000, window_s: 60 }',
          'jobs: { lease_s: 2, poll_ms: 50, concurrency: 2, drain_s: 5 }',
          'teacher:',
          '  kind: openai',
          `  url: ${teacherUrl}`,
          '  model: test-teacher',
          '  timeout_ms: 10000',
          '',
        ].join('\n'),
      );
      return file;
    };

    const replicas = new Map<string, Replica>();
    const readyz = (r: Replica): Promise<void> =>
      waitFor(`replica ${r.name} ready`, async () => {
        if (r.proc.exitCode !== null) throw new Error(`replica ${r.name} exited (${r.proc.exitCode}): ${r.stderr}`);
        return (await fetch(`${r.url}/readyz`)).status === 200;
      });
    const allLines: Array<Record<string, unknown>> = [];
    const ports = { a: await freePort(), b: await freePort() };
    const startReplica = async (name: 'a' | 'b'): Promise<Replica> => {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'cloud/server.ts', '--config', configFor(name, ports[name])], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const r: Replica = {
        name,
        url: `http://127.0.0.1:${ports[name]}`,
        proc,
        lines: [],
        stderr: '',
        exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))),
      };
      let buf = '';
      proc.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          try {
            const j = JSON.parse(line) as Record<string, unknown>;
            r.lines.push(j);
            allLines.push({ ...j, replica: name });
          } catch {
            // not a log line
          }
        }
      });
      proc.stderr!.on('data', (c: Buffer) => (r.stderr = (r.stderr + c.toString()).slice(-4000)));
      replicas.set(name, r);
      await readyz(r);
      return r;
    };
    t.teardown(() => {
      for (const r of replicas.values()) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    });

    await Promise.all([startReplica('a'), startReplica('b')]);
    const ready = (await (await fetch(`${replicas.get('a')!.url}/readyz`)).json()) as { ready: boolean; store: string };
    t.same(ready, { ready: true, store: 'postgres' }, 'ready: store reachable and migrated');
    t.equal((await fetch(`${replicas.get('b')!.url}/healthz`)).status, 200, 'live');

    /** A request to whichever replica answers: a device retries another replica on errors (a load balancer's job). */
    let rr = 0;
    const request = async (path: string, init: RequestInit): Promise<Response> => {
      for (let i = 0; ; i++) {
        const r = [...replicas.values()][rr++ % replicas.size]!;
        try {
          const res = await fetch(`${r.url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
          if (res.status < 500) return res;
        } catch {
          // connection refused (killed) or timed out: try another
        }
        if (i > 400) throw new Error(`${path}: no replica answered`);
        await sleep(50);
      }
    };
    const devices: Array<{ id: string; household: string; token: string }> = [];
    for (let h = 0; h < HOUSEHOLDS; h++) {
      for (let d = 0; d < DEVICES_PER_HOUSEHOLD; d++) {
        const id = `dev-${h}-${d}`;
        const res = await request('/v1/devices/enroll', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ device_id: id, household: `home-${h}`, enrollment_secret: 'enroll-me' }),
        });
        t.equal(res.status, 200);
        devices.push({ id, household: `home-${h}`, token: ((await res.json()) as { token: string }).token });
      }
    }

    const sent = new Set<string>();
    let uploads = 0;
    const upload = async (dev: (typeof devices)[number], batch: number): Promise<void> => {
      const samples = Array.from({ length: BATCH }, (_x, i) => {
        const id = `${dev.id}-${batch}-${i}`;
        return { id, question: `When was <person-0000abcd> last seen? (${dev.household}/${id})` };
      });
      // the same batch twice in a row sometimes: an upload whose answer was lost is sent again
      for (let rep = 0; rep < (batch % 3 === 0 ? 2 : 1); rep++) {
        const res = await request('/v1/samples', {
          method: 'POST',
          headers: { authorization: `Bearer ${dev.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ samples }),
        });
        if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
        await res.json();
        uploads++;
      }
      for (const s of samples) sent.add(`${dev.household}/${s.id}`);
    };
    const db = new pg.Pool({ connectionString: server.url, max: 2 });
    db.on('error', () => undefined);
    t.teardown(() => db.end());
    const q = async <R>(sql: string): Promise<R[]> => (await db.query(sql)).rows as R[];

    let phase = 'before the kill';
    const devicesRun = (async () => {
      for (let b = 0; b < BATCHES; b++) {
        await Promise.all(devices.map((d) => upload(d, b)));
        await sleep(100);
      }
    })();

    // kill -9 replica a while it holds leases, start it again
    const a = replicas.get('a')!;
    await waitFor('replica a holding a lease', async () => {
      const rows = await q<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state = 'running' AND owner LIKE '%-${a.proc.pid}-%'`);
      return rows[0]!.n > 0;
    });
    a.proc.kill('SIGKILL');
    t.equal(await a.exited, null, 'replica a was killed');
    replicas.delete('a');
    phase = 'replica a down';
    const orphaned = await q<{ id: number }>(`SELECT id::int AS id FROM jobs WHERE state = 'running' AND owner LIKE '%-${a.proc.pid}-%'`);
    t.ok(orphaned.length > 0, `replica a died holding ${orphaned.length} lease(s)`);
    await sleep(500);
    await startReplica('a');
    phase = 'replica a back';

    // PostgreSQL restarts once: readiness follows the store, the pools reconnect
    await sleep(500);
    await server.halt();
    const downReady = await fetch(`${replicas.get('b')!.url}/readyz`);
    t.equal(downReady.status, 503, '/readyz answers 503 while PostgreSQL is down');
    await sleep(1000);
    await server.start();
    phase = 'after the PostgreSQL restart';
    for (const r of replicas.values()) await readyz(r);
    t.pass('both replicas ready again after the PostgreSQL restart');

    await devicesRun;
    t.comment(`uploads: ${uploads} requests, ${sent.size} distinct samples; last phase: ${phase}`);
    await waitFor(
      'every sample labelled',
      async () => {
        const [r] = await q<{ pending: number; active: number }>(
          'SELECT (SELECT count(*)::int FROM samples WHERE labeled = 0) AS pending, ' +
            "(SELECT count(*)::int FROM jobs WHERE state IN ('queued', 'running')) AS active",
        );
        return r!.pending === 0 && r!.active === 0;
      },
      120_000,
    );

    const stored = await q<{ household: string; id: string }>('SELECT household, id FROM samples');
    const storedKeys = stored.map((s) => `${s.household}/${s.id}`);
    t.equal(new Set(storedKeys).size, storedKeys.length, '0 samples duplicated');
    t.same(
      [...sent].filter((k) => !storedKeys.includes(k)),
      [],
      '0 samples lost',
    );
    t.equal(storedKeys.length, sent.size, 'exactly the uploaded samples');
    const [labels] = await q<{ n: number; distinct: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT household || '/' || sample_id)::int AS distinct FROM pseudo_labels",
    );
    t.same(labels, { n: sent.size, distinct: sent.size }, 'every sample labelled exactly once');
    const [wrongHousehold] = await q<{ n: number }>(
      'SELECT count(*)::int AS n FROM pseudo_labels l JOIN samples s ON s.household = l.household AND s.id = l.sample_id ' +
        "WHERE s.payload NOT LIKE '%(' || l.household || '/%'",
    );
    t.equal(wrongHousehold!.n, 0, 'each label belongs to its own household');

    const jobs = await q<{ id: number; state: string; attempts: number }>(
      "SELECT id::int AS id, state, attempts FROM jobs WHERE kind = 'label'",
    );
    t.same(
      jobs.filter((j) => j.state !== 'done'),
      [],
      'every label job done, none failed',
    );
    const doneLines = new Map<number, number>();
    for (const l of allLines) if (l['msg'] === 'job done') doneLines.set(Number(l['job']), (doneLines.get(Number(l['job'])) ?? 0) + 1);
    t.same(
      jobs.map((j) => doneLines.get(j.id) ?? 0).filter((n) => n !== 1),
      [],
      `each of the ${jobs.length} label jobs completed exactly once over all replica logs`,
    );
    const retaken = jobs.filter((j) => orphaned.some((o) => Number(o.id) === j.id));
    t.ok(
      retaken.every((j) => j.attempts >= 2),
      `the ${retaken.length} job(s) replica a held when killed were retried (attempts ${retaken.map((j) => j.attempts).join(', ')})`,
    );
    const relabelled = [...teacherCalls.values()].filter((n) => n > 1).length;
    t.comment(
      `teacher calls: ${[...teacherCalls.values()].reduce((x, y) => x + y, 0)} for ${teacherCalls.size} questions; ` +
        `${relabelled} asked again after the kill`,
    );

    // graceful drain: SIGTERM → readiness off, no new claims, in-flight jobs finished or released, exit 0
    for (const r of replicas.values()) r.proc.kill('SIGTERM');
    for (const r of replicas.values()) t.equal(await r.exited, 0, `replica ${r.name} drained and exited 0 on SIGTERM`);
    const [running] = await q<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE state = 'running'");
    t.equal(running!.n, 0, 'no job left leased after the drain');
    t.ok(
      allLines.some((l) => l['msg'] === 'cloud teacher stopped'),
      'the replicas logged their stop',
    );
  },
);
