import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { MemoryStore, MIGRATIONS, migrate } from '../../daemon/memory/index.js';
import { SCHEMA_VERSION, schemaVersion, type Migration } from '../../daemon/memory/migrations.js';
import { openDatabase } from '../../daemon/memory/db.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { tempDir } from './support.js';

const clock = new ManualClock(Date.UTC(2026, 5, 1));

/** Every object in sqlite_master except internal ones, as comparable text. */
function schemaOf(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as Array<{
        type: string;
        name: string;
        sql: string | null;
      }>
    ).map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ')}`);
  } finally {
    db.close();
  }
}

/** Builds a database at `version` with data that version can hold. */
function buildAt(t: Test, file: string, version: number): void {
  const { db } = openDatabase({ file, log: silentLogger(), clock, targetVersion: version });
  t.equal(schemaVersion(db), version, `built at v${version}`);
  db.prepare(
    "INSERT INTO events (id, camera, kind, label, t_start, t_end, confidence) VALUES ('e1', 'porch', 'person', 'person', 1000, 2000, 0.8)",
  ).run();
  db.prepare(
    "INSERT INTO recordings (camera, path, t_start, t_end, bytes, format) VALUES ('porch', '/r/1.mkv', 0, 60000, 1234, 'mkv')",
  ).run();
  if (version >= 2) {
    db.prepare("INSERT INTO identities (name, created) VALUES ('alice', 1)").run();
    db.prepare("INSERT INTO conversations (id, created, updated) VALUES ('c1', 1, 1)").run();
    db.prepare("INSERT INTO turns (conversation_id, question, answer, at) VALUES ('c1', 'q', 'a', 1)").run();
  }
  if (version >= 3) db.prepare("INSERT INTO memories (kind, text, created, updated) VALUES ('fact', 'the dog is called Rex', 1, 1)").run();
  db.close();
}

t.test('history is real: versions 1..N, each adds tables', async (t) => {
  t.same(
    MIGRATIONS.map((m) => m.version),
    Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
  );
  t.ok(SCHEMA_VERSION >= 2);
});

t.test('from an empty file to the newest version', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'm.db');
  const store = new MemoryStore({ file, log: silentLogger(), clock });
  t.same(store.migrated, { from: 0, to: SCHEMA_VERSION });
  t.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(store.db.pragma('synchronous', { simple: true }), 1, 'synchronous=NORMAL');
  t.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
  store.close();
  // Opening again migrates nothing.
  const again = new MemoryStore({ file, log: silentLogger(), clock });
  t.same(again.migrated, { from: SCHEMA_VERSION, to: SCHEMA_VERSION });
  again.close();
});

for (let v = 1; v < SCHEMA_VERSION; v++) {
  t.test(`from version ${v} to ${SCHEMA_VERSION}: data kept, schema identical to a fresh one`, async (t) => {
    const dir = tempDir(t);
    const old = join(dir, `v${v}.db`);
    buildAt(t, old, v);
    const store = new MemoryStore({ file: old, log: silentLogger(), clock });
    t.same(store.migrated, { from: v, to: SCHEMA_VERSION });
    t.equal(store.events.get('e1')?.camera, 'porch', 'event survived');
    t.equal(store.recordings.totalBytes('porch'), 1234, 'recording survived');
    t.equal(store.events.count, 1);
    if (v >= 2) {
      t.same(
        store.identities.list().map((i) => i.name),
        ['alice'],
      );
      t.equal(store.conversations.recentTurns('c1', 5).length, 1);
    }
    if (v >= 3) {
      t.equal(store.longTerm.search('dog', null, 1)[0]?.item.text, 'the dog is called Rex', 'FTS index of the old rows works');
    }
    // Every newer table works after the upgrade.
    store.learning.samples.enqueue({ id: 's1', kind: 'frame', payload: {}, bytes: 1, value: 1 });
    t.equal(store.learning.samples.stats().pending, 1);
    store.close();

    const fresh = join(dir, 'fresh.db');
    new MemoryStore({ file: fresh, log: silentLogger(), clock }).close();
    t.same(schemaOf(old), schemaOf(fresh), 'upgraded schema equals the fresh schema');
  });
}

t.test('a database from newer code is refused and left untouched', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'new.db');
  new MemoryStore({ file, log: silentLogger(), clock }).close();
  const db = new Database(file);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const before = readFileSync(file);
  t.throws(() => new MemoryStore({ file, log: silentLogger(), clock }), {
    code: 'E_MEMORY_SCHEMA_NEWER',
    message: new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this HomeSight knows \\(${SCHEMA_VERSION}\\)`),
    hint: /upgrade/,
  });
  t.same(readFileSync(file), before, 'file not modified, not moved aside');
});

t.test('an SQLite file that is not a HomeSight database is refused', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'other.db');
  const db = new Database(file);
  db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
  db.close();
  t.throws(() => new MemoryStore({ file, log: silentLogger(), clock }), { code: 'E_MEMORY_FOREIGN_DB' });
});

t.test('a failing migration rolls back to the old version', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'm.db');
  buildAt(t, file, 1);
  const broken: Migration[] = [
    ...MIGRATIONS,
    {
      version: SCHEMA_VERSION + 1,
      description: 'fails halfway',
      up(db) {
        db.exec('CREATE TABLE half_done (x)');
        throw new Error('boom');
      },
    },
  ];
  const db = new Database(file);
  t.throws(() => migrate(db, file, broken), /boom/);
  t.equal(schemaVersion(db), 1, 'still version 1: versions 2.. were in the same transaction');
  t.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('half_done', 'identities')").get() as { n: number }).n, 0);
  db.close();
});
