import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface DeviceRow {
  id: string;
  household: string;
}

export interface StoredSample {
  household: string;
  id: string;
  device: string;
  payload: Record<string, unknown>;
  created: number;
  labeled: number;
}

export interface StoredLabel {
  seq: number;
  household: string;
  sample_id: string;
  question: string;
  plan: unknown;
  teacher: string;
  created: number;
}

/**
 * The teacher's SQLite storage: devices (only sha256 of their tokens), samples per household (idempotent by
 * (household, id)), pseudo-labels with a per-database sequence for `since` paging, adapter manifests per household.
 */
export class CloudStore {
  readonly db: Db;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY, household TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS samples (household TEXT NOT NULL, id TEXT NOT NULL, device TEXT NOT NULL, payload TEXT NOT NULL,
        created INTEGER NOT NULL, labeled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (household, id));
      CREATE TABLE IF NOT EXISTS pseudo_labels (seq INTEGER PRIMARY KEY AUTOINCREMENT, household TEXT NOT NULL, sample_id TEXT NOT NULL,
        question TEXT NOT NULL, plan TEXT NOT NULL, teacher TEXT NOT NULL, created INTEGER NOT NULL, UNIQUE (household, sample_id));
      CREATE TABLE IF NOT EXISTS adapters (household TEXT NOT NULL, id TEXT NOT NULL, manifest TEXT NOT NULL, file TEXT NOT NULL,
        created INTEGER NOT NULL, PRIMARY KEY (household, id));
    `);
  }

  close(): void {
    this.db.close();
  }

  /** Registers (or re-keys) a device; only the token's hash is kept. */
  enroll(id: string, household: string, token: string): void {
    this.db
      .prepare(
        'INSERT INTO devices (id, household, token_hash, created) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO ' +
          'UPDATE SET token_hash = excluded.token_hash, household = excluded.household',
      )
      .run(id, household, hashToken(token), Date.now());
  }

  deviceByToken(token: string): DeviceRow | null {
    return (
      (this.db.prepare('SELECT id, household FROM devices WHERE token_hash = ?').get(hashToken(token)) as DeviceRow | undefined) ?? null
    );
  }

  /** Stores samples; returns which ids were new and which the household already had. */
  addSamples(device: DeviceRow, samples: Array<{ id: string } & Record<string, unknown>>): { accepted: string[]; duplicates: string[] } {
    const ins = this.db.prepare(
      'INSERT INTO samples (household, id, device, payload, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const accepted: string[] = [];
    const duplicates: string[] = [];
    this.db.transaction(() => {
      for (const s of samples)
        (ins.run(device.household, s.id, device.id, JSON.stringify(s), Date.now()).changes > 0 ? accepted : duplicates).push(s.id);
    })();
    return { accepted, duplicates };
  }

  unlabeled(limit: number): StoredSample[] {
    return (
      this.db.prepare('SELECT * FROM samples WHERE labeled = 0 ORDER BY created LIMIT ?').all(limit) as Array<
        Omit<StoredSample, 'payload'> & { payload: string }
      >
    ).map((r) => ({
      ...r,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
    }));
  }

  /** 1 = labeled, 2 = the teacher had no valid plan. */
  markLabeled(household: string, id: string, state: 1 | 2): void {
    this.db.prepare('UPDATE samples SET labeled = ? WHERE household = ? AND id = ?').run(state, household, id);
  }

  addLabel(l: Omit<StoredLabel, 'seq' | 'created'>): void {
    this.db
      .prepare(
        'INSERT INTO pseudo_labels (household, sample_id, question, plan, teacher, created) VALUES (?, ?, ' +
          '?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(l.household, l.sample_id, l.question, JSON.stringify(l.plan), l.teacher, Date.now());
  }

  labelsSince(household: string, since: number, limit: number): StoredLabel[] {
    return (
      this.db
        .prepare('SELECT * FROM pseudo_labels WHERE household = ? AND seq > ? ORDER BY seq LIMIT ?')
        .all(household, since, limit) as Array<Omit<StoredLabel, 'plan'> & { plan: string }>
    ).map((r) => ({
      ...r,
      plan: JSON.parse(r.plan) as unknown,
    }));
  }

  samplesOf(household: string): StoredSample[] {
    return (
      this.db.prepare('SELECT * FROM samples WHERE household = ? ORDER BY created').all(household) as Array<
        Omit<StoredSample, 'payload'> & { payload: string }
      >
    ).map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  }

  counts(household?: string): { samples: number; labels: number } {
    const w = household === undefined ? '' : ' WHERE household = ?';
    const a = household === undefined ? [] : [household];
    return {
      samples: (this.db.prepare(`SELECT count(*) AS n FROM samples${w}`).get(...a) as { n: number }).n,
      labels: (this.db.prepare(`SELECT count(*) AS n FROM pseudo_labels${w}`).get(...a) as { n: number }).n,
    };
  }

  addAdapter(household: string, id: string, manifest: unknown, file: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO adapters (household, id, manifest, file, created) VALUES (?, ?, ?, ?, ?)')
      .run(household, id, JSON.stringify(manifest), file, Date.now());
  }

  adapters(household: string): Array<{ id: string; manifest: unknown; file: string }> {
    return (
      this.db.prepare('SELECT id, manifest, file FROM adapters WHERE household = ? ORDER BY created').all(household) as Array<{
        id: string;
        manifest: string;
        file: string;
      }>
    ).map((r) => ({ ...r, manifest: JSON.parse(r.manifest) as unknown }));
  }
}
