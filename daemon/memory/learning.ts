import type { Database, Statement } from 'better-sqlite3';
import { HomeSightError, type Clock } from '../system/index.js';
import { durableTransaction } from './db.js';
import type { UploadSample } from './types.js';

/**
 * A generic, durable queue for the learning loop: samples waiting to go to the
 * cloud teacher. Policy (what to sample, when to upload) lives in the learning
 * module; the table only keeps state. Every write commits with
 * synchronous=FULL, so an accepted sample survives a power cut. (Adapters from
 * the teacher are kept by daemon/learning's adapter store, on disk.)
 */

interface SampleRow {
  id: string;
  kind: string;
  payload: string;
  bytes: number;
  value: number;
  created: number;
  attempts: number;
  next_attempt_at: number;
  uploaded_at: number | null;
  last_error: string | null;
}

function toSample(r: SampleRow): UploadSample {
  return { ...r, payload: JSON.parse(r.payload) as unknown };
}

export interface SampleInput {
  id: string;
  kind: string;
  payload: unknown;
  bytes: number;
  value: number;
  created?: number;
  next_attempt_at?: number;
}

export class SampleQueue {
  private readonly s: Record<'insert' | 'get' | 'due' | 'uploaded' | 'failed' | 'remove' | 'stats' | 'prune' | 'lowest', Statement>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO upload_samples (id, kind, payload, bytes, value, created, attempts, next_attempt_at)
         VALUES (@id, @kind, @payload, @bytes, @value, @created, 0, @next_attempt_at) ON CONFLICT(id) DO NOTHING`,
      ),
      get: db.prepare('SELECT * FROM upload_samples WHERE id = ?'),
      due: db.prepare(
        'SELECT * FROM upload_samples WHERE uploaded_at IS NULL AND next_attempt_at <= ? ORDER BY value DESC, created LIMIT ?',
      ),
      uploaded: db.prepare('UPDATE upload_samples SET uploaded_at = ?, last_error = NULL WHERE id = ? AND uploaded_at IS NULL'),
      failed: db.prepare('UPDATE upload_samples SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM upload_samples WHERE id = ?'),
      stats: db.prepare(
        `SELECT count(*) FILTER (WHERE uploaded_at IS NULL) AS pending,
                coalesce(sum(bytes) FILTER (WHERE uploaded_at IS NULL), 0) AS pending_bytes,
                count(*) FILTER (WHERE uploaded_at IS NOT NULL) AS uploaded FROM upload_samples`,
      ),
      prune: db.prepare('DELETE FROM upload_samples WHERE uploaded_at IS NOT NULL AND uploaded_at < ?'),
      lowest: db.prepare('SELECT id, bytes FROM upload_samples WHERE uploaded_at IS NULL ORDER BY value ASC, created ASC'),
    };
  }

  /** Queues samples (an id already queued is kept as it is); returns how many were new. */
  enqueue(samples: SampleInput | SampleInput[]): number {
    const list = Array.isArray(samples) ? samples : [samples];
    for (const x of list) {
      if (typeof x.id !== 'string' || x.id.length === 0 || !Number.isFinite(x.bytes) || !Number.isFinite(x.value)) {
        throw new HomeSightError('E_MEMORY_SAMPLE', 'a sample needs an id, bytes and a value score', { context: { id: x.id } });
      }
    }
    const now = this.clock.now();
    return durableTransaction(this.db, () => {
      let n = 0;
      for (const x of list) {
        n += this.s.insert.run({
          id: x.id,
          kind: x.kind,
          payload: JSON.stringify(x.payload ?? null),
          bytes: x.bytes,
          value: x.value,
          created: x.created ?? now,
          next_attempt_at: x.next_attempt_at ?? x.created ?? now,
        }).changes;
      }
      return n;
    });
  }

  get(id: string): UploadSample | null {
    const r = this.s.get.get(id) as SampleRow | undefined;
    return r === undefined ? null : toSample(r);
  }

  /** Samples not uploaded whose next attempt is due, highest value first. */
  due(now: number, limit: number): UploadSample[] {
    return (this.s.due.all(now, limit) as SampleRow[]).map(toSample);
  }

  markUploaded(ids: string[], at: number = this.clock.now()): number {
    return durableTransaction(this.db, () => ids.reduce((n, id) => n + this.s.uploaded.run(at, id).changes, 0));
  }

  /** Records a failed attempt and when to try again. */
  markFailed(id: string, nextAttemptAt: number, error: string): void {
    durableTransaction(this.db, () => this.s.failed.run(nextAttemptAt, error, id));
  }

  remove(ids: string[]): number {
    return durableTransaction(this.db, () => ids.reduce((n, id) => n + this.s.remove.run(id).changes, 0));
  }

  stats(): { pending: number; pendingBytes: number; uploaded: number } {
    const r = this.s.stats.get() as { pending: number; pending_bytes: number; uploaded: number };
    return { pending: r.pending, pendingBytes: r.pending_bytes, uploaded: r.uploaded };
  }

  /** Forgets uploaded samples older than `before`; returns how many. */
  pruneUploadedBefore(before: number): number {
    return durableTransaction(this.db, () => this.s.prune.run(before).changes);
  }

  /** Drops the lowest-value pending samples until pending bytes ≤ maxBytes; returns the ids dropped. */
  evictToBytes(maxBytes: number): string[] {
    return durableTransaction(this.db, () => {
      let total = this.stats().pendingBytes;
      const dropped: string[] = [];
      if (total <= maxBytes) return dropped;
      for (const r of this.s.lowest.iterate() as IterableIterator<{ id: string; bytes: number }>) {
        if (total <= maxBytes) break;
        dropped.push(r.id);
        total -= r.bytes;
      }
      for (const id of dropped) this.s.remove.run(id);
      return dropped;
    });
  }
}

export class LearningQueues {
  readonly samples: SampleQueue;
  constructor(db: Database, clock: Clock) {
    this.samples = new SampleQueue(db, clock);
  }
}
