import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import t from 'tap';
import { MemoryStore } from '../../daemon/memory/index.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { NOW, seedEvents, tempDir } from '../agent/support.js';

// `homesight mcp` reads the daemon's database beside it: MemoryStore's readOnly mode writes nothing, sees what the
// daemon commits after it opened, and refuses a database it cannot read correctly.

const open = (file: string, readOnly: boolean): MemoryStore =>
  new MemoryStore({ file, log: silentLogger(), clock: new ManualClock(NOW), readOnly });

t.test('a read-only store beside the writer', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'memory.db');
  t.throws(() => open(file, true), { code: 'E_MEMORY_NO_DB' }, 'a missing database is not created');
  const writer = open(file, false);
  t.teardown(() => writer.close());
  const reader = open(file, true);
  t.teardown(() => reader.close());
  t.equal(reader.events.eventsBetween({ start: 0, end: NOW * 2 }).length, 0);
  const seeded = seedEvents(writer, join(dir, 'snapshots'));
  t.equal(reader.events.eventsBetween({ start: 0, end: NOW * 2 }).length, seeded.length, "the writer's commits are seen");
  t.throws(() => reader.db.prepare('DELETE FROM events').run(), { code: 'SQLITE_READONLY' });
  t.end();
});

t.test('another schema version is refused, the file untouched', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'memory.db');
  open(file, false).close();
  const raw = new BetterSqlite3(file);
  const version = raw.pragma('user_version', { simple: true }) as number;
  raw.pragma(`user_version = ${version - 1}`);
  raw.close();
  t.throws(() => open(file, true), {
    code: 'E_MEMORY_SCHEMA_MISMATCH',
    message: new RegExp(`schema version ${version - 1}, this HomeSight reads ${version}`),
  });
  const after = new BetterSqlite3(file, { readonly: true });
  t.equal(after.pragma('user_version', { simple: true }), version - 1, 'not migrated');
  after.close();
  t.end();
});
