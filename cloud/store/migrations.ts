import { HomeSightError } from '../../daemon/system/index.js';
import type { SqlDriver } from './driver.js';

interface Migration {
  version: number;
  what: string;
  sqlite: string[];
  postgres: string[];
}

/**
 * The teacher schema, versioned. Version 1 is the schema the embedded SQLite teacher always had (so existing
 * teacher.db files upgrade in place); version 2 adds the jobs table and keeps adapters in the blob store. JSON
 * columns are TEXT in both dialects: adapter manifests are signed, so their bytes must come back unchanged.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    what: 'devices, samples, pseudo-labels, adapters',
    sqlite: [
      `CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY, household TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS samples (household TEXT NOT NULL, id TEXT NOT NULL, device TEXT NOT NULL, payload TEXT NOT NULL,
        created INTEGER NOT NULL, labeled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (household, id))`,
      `CREATE TABLE IF NOT EXISTS pseudo_labels (seq INTEGER PRIMARY KEY AUTOINCREMENT, household TEXT NOT NULL,
        sample_id TEXT NOT NULL, question TEXT NOT NULL, plan TEXT NOT NULL, teacher TEXT NOT NULL, created INTEGER NOT NULL,
        UNIQUE (household, sample_id))`,
      `CREATE TABLE IF NOT EXISTS adapters (household TEXT NOT NULL, id TEXT NOT NULL, manifest TEXT NOT NULL, file TEXT NOT NULL,
        created INTEGER NOT NULL, PRIMARY KEY (household, id))`,
    ],
    postgres: [
      `CREATE TABLE devices (id TEXT PRIMARY KEY, household TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created BIGINT NOT NULL)`,
      `CREATE TABLE samples (household TEXT NOT NULL, id TEXT NOT NULL, device TEXT NOT NULL, payload TEXT NOT NULL,
        created BIGINT NOT NULL, labeled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (household, id))`,
      `CREATE TABLE pseudo_labels (seq BIGSERIAL PRIMARY KEY, household TEXT NOT NULL, sample_id TEXT NOT NULL,
        question TEXT NOT NULL, plan TEXT NOT NULL, teacher TEXT NOT NULL, created BIGINT NOT NULL, UNIQUE (household, sample_id))`,
      `CREATE TABLE adapters (household TEXT NOT NULL, id TEXT NOT NULL, manifest TEXT NOT NULL, file TEXT NOT NULL,
        created BIGINT NOT NULL, PRIMARY KEY (household, id))`,
    ],
  },
  {
    version: 2,
    what: 'jobs with leases; adapters by blob key; per-household indexes',
    sqlite: [
      'ALTER TABLE adapters RENAME COLUMN file TO blob',
      'ALTER TABLE adapters ADD COLUMN labels INTEGER NOT NULL DEFAULT 0',
      'CREATE INDEX samples_pending ON samples (household, labeled, created)',
      'CREATE INDEX pseudo_labels_household ON pseudo_labels (household, seq)',
      `CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, household TEXT NOT NULL, key TEXT NOT NULL,
        payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,
        owner TEXT, lease_until INTEGER, run_after INTEGER NOT NULL, again INTEGER NOT NULL DEFAULT 0, error TEXT, result TEXT,
        created INTEGER NOT NULL, updated INTEGER NOT NULL)`,
      "CREATE UNIQUE INDEX jobs_active_key ON jobs (key) WHERE state IN ('queued', 'running')",
      'CREATE INDEX jobs_runnable ON jobs (state, kind, run_after)',
      // samples an older embedded teacher left unlabelled get their label jobs
      "INSERT INTO jobs (kind, household, key, payload, state, max_attempts, run_after, created, updated) SELECT DISTINCT 'label', " +
        "household, 'label:' || household, '{}', 'queued', 5, 0, 0, 0 FROM samples WHERE labeled = 0",
    ],
    postgres: [
      'ALTER TABLE adapters RENAME COLUMN file TO blob',
      'ALTER TABLE adapters ADD COLUMN labels INTEGER NOT NULL DEFAULT 0',
      'CREATE INDEX samples_pending ON samples (household, labeled, created)',
      'CREATE INDEX pseudo_labels_household ON pseudo_labels (household, seq)',
      `CREATE TABLE jobs (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, household TEXT NOT NULL, key TEXT NOT NULL,
        payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,
        owner TEXT, lease_until BIGINT, run_after BIGINT NOT NULL, again INTEGER NOT NULL DEFAULT 0, error TEXT, result TEXT,
        created BIGINT NOT NULL, updated BIGINT NOT NULL)`,
      "CREATE UNIQUE INDEX jobs_active_key ON jobs (key) WHERE state IN ('queued', 'running')",
      'CREATE INDEX jobs_runnable ON jobs (state, kind, run_after)',
      // samples an older embedded teacher left unlabelled get their label jobs
      "INSERT INTO jobs (kind, household, key, payload, state, max_attempts, run_after, created, updated) SELECT DISTINCT 'label', " +
        "household, 'label:' || household, '{}', 'queued', 5, 0, 0, 0 FROM samples WHERE labeled = 0",
    ],
  },
  {
    version: 3,
    what: 'households with unlabelled samples, for the label sweep',
    sqlite: ['CREATE INDEX samples_unlabeled ON samples (household) WHERE labeled = 0'],
    postgres: ['CREATE INDEX samples_unlabeled ON samples (household) WHERE labeled = 0'],
  },
  {
    version: 4,
    what: "a label's confidence (the teacher's vote share) and why a sample got no label",
    sqlite: ['ALTER TABLE pseudo_labels ADD COLUMN confidence REAL', 'ALTER TABLE samples ADD COLUMN note TEXT'],
    postgres: ['ALTER TABLE pseudo_labels ADD COLUMN confidence DOUBLE PRECISION', 'ALTER TABLE samples ADD COLUMN note TEXT'],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the schema to SCHEMA_VERSION under the migration lock (two replicas starting at once: the second waits,
 * then finds nothing to do). Each version runs in its own transaction with its row in schema_migrations.
 * Returns the versions applied.
 */
export async function migrate(driver: SqlDriver): Promise<number[]> {
  return driver.withMigrationLock(async (tx) => {
    const intType = driver.dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied ${intType} NOT NULL)`);
    const { rows } = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = Number(rows[0]?.v ?? 0);
    if (current > SCHEMA_VERSION) {
      throw new HomeSightError('E_TEACHER_MIGRATION', `the store is at schema version ${current}; this teacher knows ${SCHEMA_VERSION}`, {
        hint: 'run the newer teacher, or restore a backup made before it migrated',
      });
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      try {
        await tx.query('BEGIN');
        for (const stmt of m[driver.dialect]) await tx.query(stmt);
        await tx.query('INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)', [m.version, Date.now()]);
        await tx.query('COMMIT');
      } catch (err) {
        await tx.query('ROLLBACK').catch(() => undefined);
        throw new HomeSightError('E_TEACHER_MIGRATION', `schema version ${m.version} (${m.what}): ${(err as Error).message}`, {
          cause: err,
        });
      }
      applied.push(m.version);
    }
    return applied;
  });
}
