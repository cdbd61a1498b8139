import t, { type Test } from 'tap';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../daemon/config/index.js';
import { Daemon } from '../../daemon/main.js';
import { MemoryStore } from '../../daemon/memory/index.js';
import { CHECK_CACHE_KIB, openDatabase, type RecoveryInfo } from '../../daemon/memory/db.js';
import { MODULES } from '../../daemon/modules.js';
import { pino } from 'pino';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { ev, tempDir } from './support.js';

const clock = new ManualClock(Date.UTC(2026, 3, 1, 9, 30, 15));

function asideFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.includes('.corrupt-'));
}

/** A real database with events, then garbage written over pages in its middle. */
function damagedDatabase(t: Test, file: string): void {
  const store = new MemoryStore({ file, log: silentLogger(), clock });
  for (let i = 0; i < 3000; i++)
    store.events.upsert(ev({ id: `d-${i}`, start: i * 1000, end: i * 1000 + 500, attributes: { note: 'x'.repeat(200) } }));
  store.close(); // checkpoints: everything is in the main file now
  const size = statSync(file).size;
  t.ok(size > 200 * 4096, `database big enough to damage (${size} bytes)`);
  const fd = openSync(file, 'r+');
  const junk = Buffer.alloc(4096 * 8, 0xa5);
  writeSync(fd, junk, 0, junk.length, Math.floor(size / 4096 / 2) * 4096);
  closeSync(fd);
}

t.test('a file that is not a database is moved aside; the store starts empty and works', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'memory.db');
  const garbage = Buffer.from('this is not an SQLite database\n'.repeat(500));
  writeFileSync(file, garbage);
  const lines: string[] = [];
  const log = pino({ level: 'error' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  const store = new MemoryStore({ file, log, clock });
  t.teardown(() => store.close());
  const rec = store.recovery as RecoveryInfo;
  t.ok(rec !== null, 'recovery reported');
  t.match(rec.reason, /NOTADB|not a database/);
  t.equal(rec.movedTo, `${file}.corrupt-20260401T093015Z`);
  t.same(readFileSync(rec.movedTo), garbage, 'old file kept byte for byte');
  t.same(asideFiles(dir), ['memory.db.corrupt-20260401T093015Z']);
  t.match(
    lines.join(''),
    /memory database is corrupt .* moved it to .*memory\.db\.corrupt-20260401T093015Z and starting with an empty database/,
  );
  store.events.upsert(ev({ id: 'after', start: 1 }));
  t.equal(store.events.get('after')?.id, 'after', 'store works');
  t.same(store.integrityCheck(), ['ok']);
});

t.test('damaged pages inside a real database are caught by the integrity check', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'memory.db');
  damagedDatabase(t, file);
  const store = new MemoryStore({ file, log: silentLogger(), clock, integrityCheck: 'full' });
  t.teardown(() => store.close());
  t.ok(store.recovery !== null, 'recovered');
  t.match(store.recovery!.reason, /integrity_check failed|SQLITE_CORRUPT/);
  t.equal(store.events.count, 0, 'fresh database');
  t.equal(asideFiles(dir).length, 1);
  // A second corrupt start the same second does not overwrite the first moved file.
  store.close();
  writeFileSync(file, 'garbage again');
  const again = new MemoryStore({ file, log: silentLogger(), clock });
  t.teardown(() => again.close());
  t.equal(again.recovery?.movedTo, `${file}.corrupt-20260401T093015Z-1`);
  t.equal(asideFiles(dir).length, 2);
});

t.test('the daemon comes up degraded with the reason in health, and does not crash-loop', async (t) => {
  const dir = tempDir(t);
  const cfg = join(dir, 'homesight.yaml');
  writeFileSync(cfg, `paths:\n  data_dir: ${dir}/data\n  cache_dir: ${dir}/cache\nhealth:\n  port: 0\ncameras: {}\n`);
  const loaded = loadConfig({ file: cfg, env: {} });
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'homesight.db'), 'not a database at all');
  const notes: string[] = [];
  const daemon = new Daemon(loaded, {
    load: { file: cfg, env: {} },
    env: {},
    clock,
    modules: MODULES.filter((m) => m.name === 'memory'),
    notifier: { enabled: true, notify: (s) => (notes.push(s), true) },
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  t.teardown(() => daemon.stop());
  t.equal(await daemon.start(), null, 'started (no exit code)');
  t.ok(
    notes.some((n) => n.startsWith('READY=1')),
    'READY sent',
  );
  const snap = daemon.snapshot();
  t.equal(snap.status, 'degraded');
  const mem = snap.modules.find((m) => m.name === 'memory');
  t.equal(mem?.state, 'degraded');
  t.match(mem?.health?.summary, /database was corrupt .*moved to .*homesight\.db\.corrupt-\d{8}T\d{6}Z, started empty/);
  t.equal(asideFiles(join(dir, 'data')).length, 1);
  await daemon.stop();
  // The next start finds a good database: ok, and the moved file is left alone.
  const second = new Daemon(loaded, {
    load: { file: cfg, env: {} },
    env: {},
    clock,
    modules: MODULES.filter((m) => m.name === 'memory'),
    notifier: { enabled: false, notify: () => false },
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  t.teardown(() => second.stop());
  t.equal(await second.start(), null);
  t.equal(second.snapshot().modules.find((m) => m.name === 'memory')?.state, 'running');
  t.equal(asideFiles(join(dir, 'data')).length, 1);
});

t.test('the check at open runs through a small page cache; the connection gets memory.cache_mb afterwards', async (t) => {
  const file = join(tempDir(t), 'cache.db');
  const store = new MemoryStore({ file, log: silentLogger(), clock });
  for (let i = 0; i < 2000; i++) store.events.upsert(ev({ id: `c-${i}`, start: i * 1000, end: i * 1000 + 500 }));
  store.close();
  const { db, integrity } = openDatabase({ file, log: silentLogger(), clock, integrityCheck: 'full', cacheMb: 24 });
  t.teardown(() => db.close());
  t.equal(integrity, 'full');
  t.equal(db.pragma('cache_size', { simple: true }), -24 * 1024);
  t.ok(CHECK_CACHE_KIB < 24 * 1024);
});
