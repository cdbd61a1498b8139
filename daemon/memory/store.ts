import type { Database } from 'better-sqlite3';
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, rmSync, statSync } from 'node:fs';
import { HomeSightError, errorMessage, type Clock, type Logger } from '../system/index.js';
import { CameraRegistry } from './cameras.js';
import { ConversationStore } from './conversations.js';
import { configureConnection, openDatabase, type IntegrityCheckMode, type RecoveryInfo } from './db.js';
import { LexicalEmbedder, type Embedder } from './embedder.js';
import { EventStore, type FlushInfo } from './events.js';
import { IdentityStore } from './identities.js';
import { LearningQueues } from './learning.js';
import { LongTermMemory, registerVectorFunctions } from './longterm.js';
import { APPLICATION_ID, schemaVersion } from './migrations.js';
import { SqliteRecordingIndex } from './recordings.js';

export interface MemoryStoreOptions {
  /** The SQLite file (created with its folder if missing). */
  file: string;
  log: Logger;
  clock: Clock;
  /** Event batching (memory.batch_ms / memory.batch_max). */
  batchMs?: number;
  batchMax?: number;
  /** At open: 'auto' (default: full check up to 1 GiB, quick_check above), 'full', 'quick' or 'off'. */
  integrityCheck?: IntegrityCheckMode;
  /** SQLite page cache in MiB (default 32). */
  cacheMb?: number;
  /** Text embedder for long-term memory (default: LexicalEmbedder). */
  embedder?: Embedder;
  onFlush?: (info: FlushInfo) => void;
  /** Reads another process's database without writing to it (openDatabase's readOnly). */
  readOnly?: boolean;
}

export interface MemoryStats {
  file: string;
  fileBytes: number;
  walBytes: number;
  events: number;
  pending: number;
  written: number;
  dropped: number;
  lastFlushMs: number;
  lastFlushError: string | null;
  schemaVersion: number;
}

export interface BackupResult {
  file: string;
  bytes: number;
  events: number;
  recordings: number;
  memories: number;
  identities: number;
  schemaVersion: number;
}

/**
 * The daemon's memory: one SQLite database (WAL) holding events, the
 * recordings index, identities and face embeddings, conversations, long-term
 * memory items and the learning queues. Opening runs the integrity check and
 * the migrations (see openDatabase); a corrupt file is moved aside and
 * reported in `recovery`.
 */
export class MemoryStore {
  readonly file: string;
  readonly db: Database;
  readonly events: EventStore;
  readonly recordings: SqliteRecordingIndex;
  readonly identities: IdentityStore;
  readonly conversations: ConversationStore;
  readonly longTerm: LongTermMemory;
  readonly learning: LearningQueues;
  readonly cameras: CameraRegistry;
  readonly embedder: Embedder;
  /** Set when a corrupt database was moved aside at open. */
  readonly recovery: RecoveryInfo | null;
  /** Schema versions before and after this open's migrations. */
  readonly migrated: { from: number; to: number };
  /** How long the integrity check at open took (ms), and which one ran. */
  readonly integrityMs: number;
  readonly integrity: 'full' | 'quick' | 'off';
  private closed = false;

  constructor(private readonly options: MemoryStoreOptions) {
    this.file = options.file;
    const opened = openDatabase({
      file: options.file,
      log: options.log,
      clock: options.clock,
      ...(options.integrityCheck === undefined ? {} : { integrityCheck: options.integrityCheck }),
      ...(options.cacheMb === undefined ? {} : { cacheMb: options.cacheMb }),
      ...(options.readOnly === true ? { readOnly: true } : {}),
    });
    this.db = opened.db;
    this.recovery = opened.recovery;
    this.migrated = opened.migrated;
    this.integrityMs = opened.integrityMs;
    this.integrity = opened.integrity;
    const log = options.log;
    this.embedder = options.embedder ?? new LexicalEmbedder();
    try {
      registerVectorFunctions(this.db);
      this.events = new EventStore(this.db, options.clock, log, {
        batchMs: options.batchMs ?? 250,
        batchMax: options.batchMax ?? 1000,
        ...(options.onFlush === undefined ? {} : { onFlush: options.onFlush }),
      });
      this.recordings = new SqliteRecordingIndex(this.db);
      this.identities = new IdentityStore(this.db, options.clock);
      this.conversations = new ConversationStore(this.db);
      this.longTerm = new LongTermMemory(this.db, options.clock, this.embedder);
      this.learning = new LearningQueues(this.db, options.clock);
      this.cameras = new CameraRegistry(this.db, options.clock);
    } catch (err) {
      this.db.close();
      throw err;
    }
    if (this.migrated.from !== this.migrated.to) {
      log.info({ file: this.file, from: this.migrated.from, to: this.migrated.to }, 'memory database migrated');
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  stats(): MemoryStats {
    const size = (f: string): number => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    return {
      file: this.file,
      fileBytes: size(this.file),
      walBytes: size(`${this.file}-wal`),
      events: this.events.count,
      pending: this.events.pending,
      written: this.events.written,
      dropped: this.events.dropped,
      lastFlushMs: this.events.lastFlushMs,
      lastFlushError: this.events.lastError,
      schemaVersion: schemaVersion(this.db),
    };
  }

  /** PRAGMA integrity_check on the open database; ['ok'] when healthy. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as Array<Record<string, string>>).map((r) => Object.values(r)[0] ?? '');
  }

  /** Online backup of the open database to `dest` (events pending are committed first). */
  async backup(dest: string): Promise<BackupResult> {
    this.events.flush();
    return backupDatabase(this.db, dest);
  }

  /** Commits pending events, refreshes planner statistics and closes the database. */
  close(): void {
    if (this.closed) return;
    this.events.close();
    try {
      if (this.options.readOnly !== true) this.db.pragma('optimize');
    } catch (err) {
      this.options.log.warn({ err: errorMessage(err) }, 'PRAGMA optimize failed at close');
    }
    this.db.close();
    this.closed = true;
  }
}

function counts(db: Database): Omit<BackupResult, 'file' | 'bytes'> {
  const n = (sql: string): number => db.prepare(sql).pluck().get() as number;
  return {
    events: n('SELECT count(*) FROM events'),
    recordings: n('SELECT count(*) FROM recordings'),
    memories: n('SELECT count(*) FROM memories'),
    identities: n('SELECT count(*) FROM identities'),
    schemaVersion: schemaVersion(db),
  };
}

/**
 * Copies a live database to `dest` with SQLite's online backup API (pages are
 * copied in steps; writers keep going), then checks the copy: integrity_check,
 * row counts, and a single self-contained file (journal_mode DELETE).
 */
export async function backupDatabase(source: Database, dest: string): Promise<BackupResult> {
  if (existsSync(dest)) {
    throw new HomeSightError('E_MEMORY_BACKUP_EXISTS', `backup target ${dest} exists`, {
      context: { dest },
      hint: 'choose a new file name or delete the old backup first',
    });
  }
  try {
    await source.backup(dest);
  } catch (err) {
    rmSync(dest, { force: true });
    throw new HomeSightError('E_MEMORY_BACKUP', `backup to ${dest} failed: ${errorMessage(err)}`, {
      context: { dest },
      hint: 'check free space and that the target folder exists and is writable',
      cause: err,
    });
  }
  const copy = new BetterSqlite3(dest);
  try {
    copy.pragma('journal_mode = DELETE');
    const check = (copy.pragma('integrity_check') as Array<Record<string, string>>).map((r) => Object.values(r)[0]);
    if (!(check.length === 1 && check[0] === 'ok')) {
      throw new HomeSightError('E_MEMORY_BACKUP', `backup ${dest} failed its integrity check: ${check.slice(0, 3).join('; ')}`, {
        context: { dest },
      });
    }
    if (copy.pragma('application_id', { simple: true }) !== APPLICATION_ID) {
      throw new HomeSightError('E_MEMORY_BACKUP', `backup ${dest} is not a HomeSight database`, { context: { dest } });
    }
    return { file: dest, bytes: statSync(dest).size, ...counts(copy) };
  } finally {
    copy.close();
  }
}

/**
 * Backs up a database file that may be in use by the running daemon (WAL
 * lets this reader copy a consistent snapshot while it writes).
 */
export async function backupFile(sourceFile: string, dest: string): Promise<BackupResult> {
  if (!existsSync(sourceFile)) {
    throw new HomeSightError('E_MEMORY_NO_DB', `no memory database at ${sourceFile}`, {
      context: { file: sourceFile },
      hint: 'check paths.data_dir and memory.db_file (or pass --db FILE)',
    });
  }
  const db = new BetterSqlite3(sourceFile, { fileMustExist: true });
  try {
    configureConnection(db, 16);
    const v = schemaVersion(db);
    if (v === 0 || db.pragma('application_id', { simple: true }) !== APPLICATION_ID) {
      throw new HomeSightError('E_MEMORY_FOREIGN_DB', `${sourceFile} is not a HomeSight memory database`, {
        context: { file: sourceFile },
      });
    }
    return await backupDatabase(db, dest);
  } finally {
    db.close();
  }
}
