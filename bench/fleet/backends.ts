import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { stringify } from 'yaml';
import { postgresUnavailable, startPostgres } from '../../test/fixtures/postgres.js';
import { KeepAliveClient } from './http.js';
import { freePort } from '../support/processes.js';
import { TeacherProcess, cpuDelta, cpuSeconds, treeCpuSeconds } from './processes.js';

/** Where a backend keeps the fleet's data, and how the bench counts it afterwards. */
export interface StoreCount {
  /** household\tsample id of every stored sample. */
  samples: Set<string>;
  labels: number;
  /** Bytes on disk per stored sample and per label (tables with their indexes). */
  bytesPerSample: number;
  bytesPerLabel: number;
  /** The jobs table (a label job per upload batch, kept when done) per stored sample. */
  jobBytesPerSample: number;
}

/** A teacher deployment under test: replicas, their clients, CPU accounting, the fault knobs and the final count. */
export interface Backend {
  readonly name: string;
  readonly replicas: TeacherProcess[];
  readonly clients: KeepAliveClient[];
  /** CPU seconds used so far by the teacher processes and by the database server (0 for in-process SQLite). */
  cpu(): { teacher: number; store: number };
  /** Restarts the database server (PostgreSQL); undefined where the store lives in the teacher process. */
  restartStore?: () => Promise<void>;
  count(): Promise<StoreCount>;
  /** Samples and labels stored now (cheap; polled while the labelling backlog drains). */
  totals(): Promise<{ samples: number; labels: number }>;
  close(): Promise<void>;
}

export interface BackendFiles {
  workDir: string;
  goldFile: string;
  secretFile: string;
}

/** Sockets per replica: a few keep-alive connections, like a load balancer's pool (the machine has 2 cores). */
export const SOCKETS_PER_REPLICA = 8;

/** (a) Today's embedded default: one teacher process on one SQLite file. */
export async function sqliteBackend(f: BackendFiles): Promise<Backend> {
  const dbFile = join(f.workDir, 'sqlite', 'teacher.db');
  const config = join(f.workDir, 'teacher-sqlite.yaml');
  const port = await freePort();
  writeFileSync(
    config,
    stringify({
      host: '127.0.0.1',
      port,
      storage: { kind: 'sqlite', file: dbFile },
      blobs: { kind: 'fs', dir: join(f.workDir, 'sqlite', 'blobs') },
      keys_dir: join(f.workDir, 'sqlite', 'keys'),
      enrollment_secret_file: f.secretFile,
      teacher: { kind: 'oracle', dataset: [f.goldFile] },
    }),
  );
  const replica = new TeacherProcess('sqlite-teacher', config, port, join(f.workDir, 'teacher-sqlite.log'));
  await replica.start();
  const clients = [new KeepAliveClient(replica.url, SOCKETS_PER_REPLICA)];
  return {
    name: 'sqlite',
    replicas: [replica],
    clients,
    cpu: () => ({ teacher: cpuSeconds(replica.pid), store: 0 }),
    async totals() {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        const n = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
        return { samples: n('samples'), labels: n('pseudo_labels') };
      } finally {
        db.close();
      }
    },
    async count() {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare('SELECT household, id FROM samples').all() as Array<{ household: string; id: string }>;
        const labels = (db.prepare('SELECT count(*) AS n FROM pseudo_labels').get() as { n: number }).n;
        const size = (table: string): number => {
          // dbstat is compiled into better-sqlite3's SQLite: pages of the table and its indexes
          const r = db
            .prepare('SELECT sum(pgsize) AS b FROM dbstat WHERE name = ? OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = ?)')
            .get(table, table) as { b: number | null };
          return r.b ?? 0;
        };
        return {
          samples: new Set(rows.map((r) => `${r.household}\t${r.id}`)),
          labels,
          bytesPerSample: rows.length > 0 ? size('samples') / rows.length : 0,
          bytesPerLabel: labels > 0 ? size('pseudo_labels') / labels : 0,
          jobBytesPerSample: rows.length > 0 ? size('jobs') / rows.length : 0,
        };
      } finally {
        db.close();
      }
    },
    async close() {
      for (const c of clients) c.close();
      await replica.stop();
    },
  };
}

/** PostgreSQL connections per replica (storage.max_connections). */
const PG_POOL = 10;

/** (b) Two teacher replicas sharing one PostgreSQL (test/fixtures/postgres.ts, a throwaway cluster). */
export async function postgresBackend(f: BackendFiles): Promise<Backend | string> {
  const why = postgresUnavailable();
  if (why !== null) return why;
  const server = await startPostgres({ durable: true });
  const replicas: TeacherProcess[] = [];
  for (const name of ['replica-a', 'replica-b']) {
    const port = await freePort();
    const config = join(f.workDir, `teacher-${name}.yaml`);
    writeFileSync(
      config,
      stringify({
        host: '127.0.0.1',
        port,
        storage: { kind: 'postgres', url: server.url, max_connections: PG_POOL },
        blobs: { kind: 'fs', dir: join(f.workDir, 'pg', 'blobs') },
        keys_dir: join(f.workDir, 'pg', 'keys'),
        enrollment_secret_file: f.secretFile,
        teacher: { kind: 'oracle', dataset: [f.goldFile] },
      }),
    );
    const r = new TeacherProcess(name, config, port, join(f.workDir, `teacher-${name}.log`));
    // one after the other: the first creates the shared signing key, as an operator would before scaling out
    await r.start();
    replicas.push(r);
  }
  const clients = replicas.map((r) => new KeepAliveClient(r.url, SOCKETS_PER_REPLICA));
  const postmaster = (): number => Number(readFileSync(join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  let storeBase = 0;
  let last = new Map<number, number>();
  const storeCpu = (): number => {
    // a restart replaces every PostgreSQL process: bank what the old ones used
    const now = treeCpuSeconds(postmaster());
    if (![...now.keys()].some((pid) => last.has(pid))) storeBase += cpuDelta(new Map(), last);
    last = now;
    return storeBase + cpuDelta(new Map(), now);
  };
  return {
    name: 'postgres',
    replicas,
    clients,
    cpu: () => ({ teacher: replicas.reduce((s, r) => s + cpuSeconds(r.pid), 0), store: storeCpu() }),
    restartStore: () => server.restart(),
    async totals() {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      try {
        const n = async (table: string): Promise<number> =>
          Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
        return { samples: await n('samples'), labels: await n('pseudo_labels') };
      } finally {
        await c.end();
      }
    },
    async count() {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      try {
        const rows = (await c.query<{ household: string; id: string }>('SELECT household, id FROM samples')).rows;
        const n = async (sql: string): Promise<number> => Number((await c.query<{ n: string }>(sql)).rows[0]!.n);
        const labels = await n('SELECT count(*) AS n FROM pseudo_labels');
        const size = (table: string): Promise<number> => n(`SELECT pg_total_relation_size('${table}') AS n`);
        return {
          samples: new Set(rows.map((r) => `${r.household}\t${r.id}`)),
          labels,
          bytesPerSample: rows.length > 0 ? (await size('samples')) / rows.length : 0,
          bytesPerLabel: labels > 0 ? (await size('pseudo_labels')) / labels : 0,
          jobBytesPerSample: rows.length > 0 ? (await size('jobs')) / rows.length : 0,
        };
      } finally {
        await c.end();
      }
    },
    async close() {
      for (const c of clients) c.close();
      await Promise.all(replicas.map((r) => r.stop()));
      await server.stop();
    },
  };
}
