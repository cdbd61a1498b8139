/**
 * The teacher's storage: one async TeacherStore interface over SQLite (embedded default) and PostgreSQL (replicas),
 * versioned migrations for both, and the jobs table the replicas claim work from.
 */
import type { Logger } from '../../daemon/system/index.js';
import { PostgresDriver } from './postgres.js';
import { SqliteDriver } from './sqlite.js';
import { SqlTeacherStore } from './sql-store.js';

export { SqlTeacherStore, labelJob } from './sql-store.js';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export {
  hashToken,
  JOB_KINDS,
  type DeviceRow,
  type Job,
  type JobCounts,
  type JobEffects,
  type JobKind,
  type JobSpec,
  type JobState,
  type LabelOutcome,
  type Lease,
  type SampleState,
  type StoredAdapter,
  type StoredLabel,
  type StoredSample,
  type TeacherStore,
} from './types.js';

export type StorageSettings =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; password?: string; maxConnections?: number; statementTimeoutMs?: number };

/** Opens the configured store and migrates it. */
export function openTeacherStore(s: StorageSettings, log?: Logger): Promise<SqlTeacherStore> {
  if (s.kind === 'sqlite') return SqlTeacherStore.open(new SqliteDriver(s.file));
  return SqlTeacherStore.open(
    new PostgresDriver({
      connectionString: s.url,
      ...(s.password !== undefined ? { password: s.password } : {}),
      ...(s.maxConnections !== undefined ? { maxConnections: s.maxConnections } : {}),
      ...(s.statementTimeoutMs !== undefined ? { statementTimeoutMs: s.statementTimeoutMs } : {}),
      ...(log !== undefined ? { log } : {}),
    }),
  );
}
