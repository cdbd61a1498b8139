import type { Database } from 'better-sqlite3';
import { HomeSightError } from '../system/index.js';

/**
 * The schema's history. Each migration moves the database from version − 1 to
 * version; the version lives in `PRAGMA user_version`. Never edit a released
 * migration: add a new one. Pending migrations run in one transaction, so a
 * failure leaves the database at its old version.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

/** Marks the file as a HomeSight memory database ('HSM1'). */
export const APPLICATION_ID = 0x48534d31;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'events, cameras, recordings index, meta',
    up(db) {
      db.exec(`
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE cameras (name TEXT PRIMARY KEY, room TEXT, updated INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE events (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          camera TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('person', 'identity', 'activity', 'object')),
          label TEXT NOT NULL,
          track_id TEXT,
          identity TEXT,
          activity TEXT,
          t_start INTEGER NOT NULL,
          t_end INTEGER,
          confidence REAL NOT NULL,
          box_x REAL, box_y REAL, box_w REAL, box_h REAL,
          zones TEXT NOT NULL DEFAULT '[]',
          snapshot TEXT,
          attributes TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_camera_start ON events(camera, t_start);
        CREATE INDEX events_identity_start ON events(identity, t_start);
        CREATE INDEX events_start ON events(t_start);
        CREATE INDEX events_open ON events(t_start) WHERE t_end IS NULL;
        CREATE TABLE recordings (
          id INTEGER PRIMARY KEY,
          camera TEXT NOT NULL,
          path TEXT NOT NULL UNIQUE,
          t_start INTEGER NOT NULL,
          t_end INTEGER NOT NULL,
          bytes INTEGER NOT NULL,
          format TEXT NOT NULL CHECK (format IN ('mp4', 'mkv'))
        );
        CREATE INDEX recordings_camera_start ON recordings(camera, t_start);
        CREATE INDEX recordings_start ON recordings(t_start);
        CREATE INDEX recordings_end ON recordings(t_end);
      `);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    },
  },
  {
    version: 2,
    description: 'identities with face embeddings; conversations (short-term memory)',
    up(db) {
      db.exec(`
        CREATE TABLE identities (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          created INTEGER NOT NULL,
          attributes TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE face_embeddings (
          id INTEGER PRIMARY KEY,
          identity_id INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
          embedding BLOB NOT NULL,
          source TEXT,
          created INTEGER NOT NULL
        );
        CREATE INDEX face_embeddings_identity ON face_embeddings(identity_id);
        CREATE TABLE conversations (id TEXT PRIMARY KEY, created INTEGER NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE turns (
          id INTEGER PRIMARY KEY,
          conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
          question TEXT NOT NULL,
          answer TEXT NOT NULL,
          plan TEXT,
          at INTEGER NOT NULL
        );
        CREATE INDEX turns_conversation_at ON turns(conversation_id, at);
        CREATE INDEX turns_at ON turns(at);
      `);
    },
  },
  {
    version: 3,
    description: 'long-term memory items with embeddings and an FTS5 keyword index',
    up(db) {
      db.exec(`
        CREATE TABLE memories (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('fact', 'preference', 'name', 'plan', 'correction', 'pseudo_label')),
          text TEXT NOT NULL,
          payload TEXT,
          embedding BLOB,
          embed_model TEXT,
          created INTEGER NOT NULL,
          updated INTEGER NOT NULL
        );
        CREATE INDEX memories_kind_created ON memories(kind, created);
        CREATE VIRTUAL TABLE memories_fts USING fts5(text, content='memories', content_rowid='id', tokenize='porter unicode61');
        CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
          INSERT INTO memories_fts(rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
          INSERT INTO memories_fts(memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER memories_au AFTER UPDATE OF text ON memories BEGIN
          INSERT INTO memories_fts(memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
          INSERT INTO memories_fts(rowid, text) VALUES (new.id, new.text);
        END;
      `);
    },
  },
  {
    version: 4,
    description: 'learning queues: samples to upload, adapters received',
    up(db) {
      db.exec(`
        CREATE TABLE upload_samples (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          payload TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          value REAL NOT NULL,
          created INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          uploaded_at INTEGER,
          last_error TEXT
        ) WITHOUT ROWID;
        CREATE INDEX upload_samples_due ON upload_samples(next_attempt_at) WHERE uploaded_at IS NULL;
        CREATE INDEX upload_samples_value ON upload_samples(value DESC, created) WHERE uploaded_at IS NULL;
        CREATE INDEX upload_samples_uploaded ON upload_samples(uploaded_at) WHERE uploaded_at IS NOT NULL;
        CREATE TABLE adapters (
          id TEXT PRIMARY KEY,
          path TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          base_model TEXT NOT NULL,
          status TEXT NOT NULL,
          metrics TEXT NOT NULL DEFAULT '{}',
          created INTEGER NOT NULL,
          updated INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX adapters_status_created ON adapters(status, created);
      `);
    },
  },
  {
    version: 5,
    description: 'drop the adapters table: nothing used it; adapters live in the adapter store (daemon/learning/adapters)',
    up(db) {
      db.exec(`
        DROP INDEX IF EXISTS adapters_status_created;
        DROP TABLE IF EXISTS adapters;
      `);
    },
  },
  {
    version: 6,
    description: 'standing watches (daemon/watches): spec, window, status, firing count',
    up(db) {
      db.exec(`
        CREATE TABLE watches (
          id TEXT PRIMARY KEY,
          spec TEXT NOT NULL,
          description TEXT NOT NULL,
          question TEXT,
          status TEXT NOT NULL CHECK (status IN ('active', 'done', 'expired', 'cancelled')),
          created_at INTEGER NOT NULL,
          starts_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          fired INTEGER NOT NULL DEFAULT 0,
          last_fired_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX watches_active ON watches(expires_at) WHERE status = 'active';
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to the newest version this code knows (or `target`, for
 * tests that build an old database). Refuses a database written by newer code
 * and a non-empty SQLite file that is not a HomeSight database.
 */
export function migrate(
  db: Database,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
  target?: number,
): { from: number; to: number } {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  const to = target ?? known;
  const from = schemaVersion(db);
  if (from > known) {
    throw new HomeSightError(
      'E_MEMORY_SCHEMA_NEWER',
      `database ${file} has schema version ${from}, newer than this HomeSight knows (${known}); refusing to open it`,
      {
        context: { file, version: from, known },
        hint:
          'run the HomeSight version that wrote it (upgrade this one), ' +
          'or restore a backup made by this version; the file was left untouched',
      },
    );
  }
  if (from === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (tables.n > 0) {
      throw new HomeSightError(
        'E_MEMORY_FOREIGN_DB',
        `${file} is an SQLite database but not a HomeSight one (no schema version, ${tables.n} tables)`,
        {
          context: { file, tables: tables.n },
          hint: 'point memory.db_file at a new file; the existing file was left untouched',
        },
      );
    }
  }
  if (from >= to) return { from, to: from };
  const pending = migrations.filter((m) => m.version > from && m.version <= to);
  db.transaction(() => {
    for (const m of pending) {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
  return { from, to };
}
