import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { HomeSightError, errorMessage, type Clock, type Logger } from '../system/index.js';
import { migrate, schemaVersion, MIGRATIONS, type Migration } from './migrations.js';

/** full: PRAGMA integrity_check; quick: quick_check; auto: full up to AUTO_FULL_CHECK_BYTES, quick above; off: none. */
export type IntegrityCheckMode = 'auto' | 'full' | 'quick' | 'off';

/** In auto mode, files up to this size get the full check (about 15 s per GiB on a small ARM/x86 core). */
export const AUTO_FULL_CHECK_BYTES = 1024 * 2 ** 20;

/**
 * Page cache during the check at open, in KiB. The check reads every page once: through the connection's full
 * cache (memory.cache_mb) it would leave that many MiB of pages resident that no query asked for. Measured on a
 * 118 MiB database of 500k events: 2 MiB checks as fast (0.94–0.96 s vs 0.99–1.10 s) and adds 5.6 MiB of RSS
 * instead of 37 (bench/results/runtime.md, restart row).
 */
export const CHECK_CACHE_KIB = 2048;

/** What happened when a corrupt database was found at start. */
export interface RecoveryInfo {
  /** Why the old file was judged corrupt. */
  reason: string;
  /** Where the old file went (`<file>.corrupt-<timestamp>`). */
  movedTo: string;
  at: number;
}

export interface OpenOptions {
  file: string;
  log: Logger;
  clock: Clock;
  integrityCheck?: IntegrityCheckMode;
  /** Page cache size in MiB. */
  cacheMb?: number;
  /** Tests building old schemas: the migration list and target version. */
  migrations?: readonly Migration[];
  targetVersion?: number;
  /**
   * Another process's database, read only (`homesight mcp` beside the running daemon): the file must exist and
   * have this code's schema; no integrity check, no migration, nothing moved aside.
   */
  readOnly?: boolean;
}

export interface OpenedDatabase {
  db: Db;
  recovery: RecoveryInfo | null;
  migrated: { from: number; to: number };
  integrityMs: number;
  /** Which check ran at open. */
  integrity: 'full' | 'quick' | 'off';
}

/** Error codes from SQLite that mean the file itself is damaged. */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

class CorruptDatabase extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Applies the connection settings every HomeSight connection uses. */
export function configureConnection(db: Db, cacheMb: number): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = ${-Math.round(cacheMb * 1024)}`);
  db.pragma('temp_store = MEMORY');
}

function fileBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // missing: nothing to count
    }
  }
  return n;
}

/** Runs the check; returns which one ran. Throws CorruptDatabase when it fails. */
function checkIntegrity(db: Db, mode: IntegrityCheckMode, file: string): 'full' | 'quick' | 'off' {
  if (mode === 'off') return 'off';
  const kind = mode === 'auto' ? (fileBytes(file) <= AUTO_FULL_CHECK_BYTES ? 'full' : 'quick') : mode;
  const rows = db.pragma(kind === 'full' ? 'integrity_check(20)' : 'quick_check(20)') as Array<Record<string, string>>;
  const messages = rows.map((r) => Object.values(r)[0] ?? '');
  if (!(messages.length === 1 && messages[0] === 'ok')) {
    throw new CorruptDatabase(`${kind === 'full' ? 'integrity_check' : 'quick_check'} failed: ${messages.slice(0, 3).join('; ')}`);
  }
  return kind;
}

function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Moves a damaged database (and its -wal/-shm) aside; returns the new name. */
function moveAside(file: string, now: number): string {
  let target = `${file}.corrupt-${stamp(now)}`;
  for (let i = 1; existsSync(target); i++) target = `${file}.corrupt-${stamp(now)}-${i}`;
  renameSync(file, target);
  // Keep the WAL next to the moved file under the name SQLite looks for, so the
  // pair can still be opened for forensics; the shm is only an index.
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}

function tryOpen(options: OpenOptions): OpenedDatabase {
  const mode = options.integrityCheck ?? 'auto';
  const cacheMb = options.cacheMb ?? 32;
  let db: Db | null = null;
  try {
    db = new Database(options.file, options.readOnly === true ? { readonly: true, fileMustExist: true } : {});
    configureConnection(db, cacheMb);
    if (options.readOnly === true) {
      const version = schemaVersion(db);
      const known = (options.migrations ?? MIGRATIONS).at(-1)?.version ?? 0;
      if (version !== known) {
        throw new HomeSightError(
          'E_MEMORY_SCHEMA_MISMATCH',
          `database ${options.file} has schema version ${version}, this HomeSight reads ${known}`,
          {
            context: { file: options.file, version, known },
            hint: 'run the same HomeSight version as the daemon that writes the database (start the daemon once to migrate it)',
          },
        );
      }
      return { db, recovery: null, migrated: { from: version, to: version }, integrityMs: 0, integrity: 'off' };
    }
    const t0 = options.clock.monotonic();
    db.pragma(`cache_size = ${-CHECK_CACHE_KIB}`);
    const integrity = checkIntegrity(db, mode, options.file);
    db.pragma(`cache_size = ${-Math.round(cacheMb * 1024)}`);
    const integrityMs = options.clock.monotonic() - t0;
    const migrated = migrate(db, options.file, options.migrations ?? MIGRATIONS, options.targetVersion);
    return { db, recovery: null, migrated, integrityMs, integrity };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already broken; nothing more to release
    }
    if (err instanceof CorruptDatabase) throw err;
    if (isCorruption(err)) throw new CorruptDatabase(`${(err as { code: string }).code}: ${errorMessage(err)}`);
    throw err;
  }
}

/**
 * Opens (or creates) the memory database: WAL, synchronous=NORMAL, an
 * integrity check, then migrations. A damaged file is moved aside to
 * `<file>.corrupt-<timestamp>` and a fresh database is created, so the daemon
 * comes up (degraded, with the reason in health) instead of crash-looping.
 * A database from newer code is refused with E_MEMORY_SCHEMA_NEWER and left
 * untouched.
 */
export function openDatabase(options: OpenOptions): OpenedDatabase {
  if (options.readOnly === true && !existsSync(options.file)) {
    throw new HomeSightError('E_MEMORY_NO_DB', `the memory database ${options.file} does not exist`, {
      context: { file: options.file },
      hint: 'start the daemon once (homesight run) with the same config, so it creates the database',
    });
  }
  if (options.readOnly !== true) mkdirSync(dirname(options.file), { recursive: true });
  try {
    return tryOpen(options);
  } catch (err) {
    if (!(err instanceof CorruptDatabase) || options.readOnly === true) {
      if (err instanceof HomeSightError) throw err;
      throw new HomeSightError('E_MEMORY_OPEN', `cannot open the memory database ${options.file}: ${errorMessage(err)}`, {
        context: { file: options.file },
        hint: 'check that the folder exists and is writable by the homesight user, and that the disk is not full',
        cause: err,
      });
    }
    const at = options.clock.now();
    const movedTo = moveAside(options.file, at);
    options.log.error(
      { file: options.file, moved_to: movedTo, reason: err.reason },
      `memory database is corrupt (${err.reason}); moved it to ${movedTo} and starting with an empty database`,
    );
    const fresh = tryOpen(options);
    return { ...fresh, recovery: { reason: err.reason, movedTo, at } };
  }
}

/** Runs `fn` in a transaction committed with synchronous=FULL (learning queues). */
export function durableTransaction<T>(db: Db, fn: () => T): T {
  // Inside an outer transaction the outer commit decides durability.
  if (db.inTransaction) return db.transaction(fn)();
  db.pragma('synchronous = FULL');
  try {
    return db.transaction(fn).immediate();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}

export { schemaVersion };
