import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { HomeSightError } from '../../daemon/system/index.js';
import { dialectSql, type SqlDriver, type SqlExecutor } from './driver.js';

/**
 * better-sqlite3 behind the async driver seam. Statements are synchronous, but a transaction's body awaits between
 * them, so every statement and transaction goes through one promise queue: nothing else interleaves with an open
 * transaction.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly db: Db;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
    } catch (err) {
      throw new HomeSightError('E_TEACHER_STORE', `cannot open SQLite store ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  private run<Row>(sql: string, params: readonly unknown[]): { rows: Row[]; rowCount: number } {
    const text = dialectSql(sql, 'sqlite');
    let st = this.statements.get(text);
    if (st === undefined) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    // $n placeholders became @pn (better-sqlite3 binds numbered ?n parameters positionally, not by number)
    const args =
      params.length === 0 ? [] : [Object.fromEntries(params.map((p, i) => [`p${i + 1}`, typeof p === 'boolean' ? Number(p) : p]))];
    if (st.reader) {
      const rows = st.all(...args) as Row[];
      return { rows, rowCount: rows.length };
    }
    return { rows: [], rowCount: st.run(...args).changes };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private readonly direct: SqlExecutor = {
    query: async <Row>(sql: string, params: readonly unknown[] = []) => this.run<Row>(sql, params),
  };

  query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<{ rows: Row[]; rowCount: number }> {
    return this.exclusive(async () => this.run<Row>(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn(this.direct);
        this.db.exec('COMMIT');
        return r;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  withMigrationLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // one process owns an embedded SQLite file; the queue is the lock
    return this.exclusive(() => fn(this.direct));
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      if (this.db.open) this.db.close();
    });
  }
}
