import pg from 'pg';
import { HomeSightError, silentLogger, type Logger } from '../../daemon/system/index.js';
import { dialectSql, type SqlDriver, type SqlExecutor } from './driver.js';

export interface PostgresOptions {
  /** libpq-style connection string (postgresql://user@host:port/db or ?host=/socket/dir). */
  connectionString: string;
  /** Password, when not in the connection string (read from a `_file` secret by the config). */
  password?: string;
  /** Pool size per replica. */
  maxConnections?: number;
  /** How long a query waits for a free pooled connection. */
  connectTimeoutMs?: number;
  /** Server-side cap per statement. */
  statementTimeoutMs?: number;
  log?: Logger;
}

/** bigint (COUNT, BIGSERIAL, epoch ms) as a JS number: every value the teacher keeps is far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** Key of the migration advisory lock (the same in every replica). */
const MIGRATION_LOCK_KEY = 0x4853_7465; // 'HSte'

function storeError(err: unknown, what: string): HomeSightError {
  if (err instanceof HomeSightError) return err;
  const e = err as Error & { code?: string };
  return new HomeSightError('E_TEACHER_STORE', `PostgreSQL ${what}: ${e.message}`, {
    context: { pgCode: e.code },
    cause: err,
    hint: 'check that PostgreSQL is up and the storage settings (url, password_file) are right',
  });
}

/**
 * node-postgres Pool behind the driver seam. A connection broken by a server restart is dropped by the pool (its
 * 'error' event is logged, not thrown); the next query opens a fresh one, so replicas reconnect on their own.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly pool: pg.Pool;

  constructor(o: PostgresOptions) {
    const log = o.log ?? silentLogger();
    this.pool = new pg.Pool({
      connectionString: o.connectionString,
      ...(o.password !== undefined ? { password: o.password } : {}),
      max: o.maxConnections ?? 10,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
      ...(o.statementTimeoutMs !== undefined ? { statement_timeout: o.statementTimeoutMs } : {}),
      idleTimeoutMillis: 30_000,
      types,
    });
    this.pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost; the pool opens a new one'));
    // pg-pool listens with client.once('error') while pool.query runs: a server restart emits two errors on that
    // client ("terminating connection due to administrator command", then "Connection terminated unexpectedly")
    // and the second, unheard, crashed the replica under load. Every client keeps one listener for its lifetime.
    this.pool.on('connect', (client) => {
      client.on('error', (err) => log.debug({ err: err.message }, 'PostgreSQL connection error (the query using it fails)'));
    });
  }

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<{ rows: Row[]; rowCount: number }> {
    try {
      const r = await this.pool.query(dialectSql(sql, 'postgres'), params as unknown[]);
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? 0 };
    } catch (err) {
      throw storeError(err, 'query failed');
    }
  }

  private async withClient<T>(fn: (client: pg.PoolClient, tx: SqlExecutor) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw storeError(err, 'unreachable');
    }
    const tx: SqlExecutor = {
      query: async <Row>(sql: string, params: readonly unknown[] = []) => {
        try {
          const r = await client.query(dialectSql(sql, 'postgres'), params as unknown[]);
          return { rows: r.rows as Row[], rowCount: r.rowCount ?? 0 };
        } catch (err) {
          throw storeError(err, 'query failed');
        }
      },
    };
    // a server restart while the client is checked out (between a transaction's statements) arrives as an 'error'
    // event; without a listener it would crash the process. The next statement then fails and the client is dropped.
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      return await fn(client, tx);
    } catch (err) {
      broken ??= err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      // a connection that failed mid-transaction is not reused
      client.release(broken);
    }
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient(async (_client, tx) => {
      await tx.query('BEGIN');
      try {
        const r = await fn(tx);
        await tx.query('COMMIT');
        return r;
      } catch (err) {
        await tx.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  withMigrationLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient(async (_client, tx) => {
      await tx.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        return await fn(tx);
      } finally {
        await tx.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
