import type { Database, Statement } from 'better-sqlite3';
import { HomeSightError } from '../system/index.js';
import { watchSpecSchema, type Watch, type WatchStatus } from '../contracts/index.js';

interface Row {
  id: string;
  spec: string;
  description: string;
  question: string | null;
  status: WatchStatus;
  created_at: number;
  starts_at: number;
  expires_at: number;
  fired: number;
  last_fired_at: number | null;
}

/**
 * The `watches` table of the memory database (migration 6): one row per watch, its spec as JSON. Writes are
 * single statements (a firing updates two columns), so evaluation never waits on a long transaction.
 */
export class WatchStore {
  private readonly insertStmt: Statement;
  private readonly statusStmt: Statement;
  private readonly firedStmt: Statement;
  private readonly getStmt: Statement;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO watches (id, spec, description, question, status, created_at, starts_at, expires_at, fired, last_fired_at)
       VALUES (@id, @spec, @description, @question, @status, @created_at, @starts_at, @expires_at, @fired, @last_fired_at)`,
    );
    this.statusStmt = db.prepare(`UPDATE watches SET status = ? WHERE id = ? AND status = 'active'`);
    this.firedStmt = db.prepare(`UPDATE watches SET fired = ?, last_fired_at = ?, status = ? WHERE id = ?`);
    this.getStmt = db.prepare(`SELECT * FROM watches WHERE id = ?`);
  }

  insert(w: Watch): void {
    this.insertStmt.run({ ...w, spec: JSON.stringify(w.spec) });
  }

  get(id: string): Watch | null {
    const row = this.getStmt.get(id) as Row | undefined;
    return row === undefined ? null : toWatch(row);
  }

  /** Watches with the given status (all when omitted), newest first. */
  list(status?: WatchStatus, limit = 100_000): Watch[] {
    const rows = (
      status === undefined
        ? this.db.prepare('SELECT * FROM watches ORDER BY created_at DESC, id DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM watches WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(status, limit)
    ) as Row[];
    return rows.map(toWatch);
  }

  /** Moves an active watch to a final status; false when it was not active. */
  finish(id: string, status: Exclude<WatchStatus, 'active'>): boolean {
    return this.statusStmt.run(status, id).changes > 0;
  }

  recordFiring(w: Pick<Watch, 'id' | 'fired' | 'last_fired_at' | 'status'>): void {
    this.firedStmt.run(w.fired, w.last_fired_at, w.status, w.id);
  }
}

function toWatch(r: Row): Watch {
  const spec = watchSpecSchema.safeParse(JSON.parse(r.spec));
  if (!spec.success) {
    throw new HomeSightError('E_WATCH_INVALID', `stored watch ${r.id} no longer matches the watch schema`, {
      context: { id: r.id, issues: spec.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) },
      hint: 'cancel it (homesight watch cancel <id>) and create it again',
    });
  }
  return { ...r, spec: spec.data };
}
