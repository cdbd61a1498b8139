import Database from 'better-sqlite3';
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore } from '../../daemon/memory/index.js';
import { SCHEMA_VERSION } from '../../daemon/memory/migrations.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { ev, repo, tempDir } from './support.js';

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repo, 'bin/homesight.js'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, HOMESIGHT_CONFIG: '' },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function counts(store: MemoryStore): Record<string, number> {
  const n = (table: string): number => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return {
    events: n('events'),
    recordings: n('recordings'),
    identities: n('identities'),
    face_embeddings: n('face_embeddings'),
    turns: n('turns'),
    memories: n('memories'),
    upload_samples: n('upload_samples'),
  };
}

t.test('db backup copies a database in use into one file with the same contents', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'data'));
  const file = join(dir, 'data/homesight.db');
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  // The "daemon": holds the database open, with recent commits still in the WAL.
  const live = new MemoryStore({ file, log: silentLogger(), clock });
  t.teardown(() => live.close());
  for (let i = 0; i < 2500; i++)
    live.events.upsert(ev({ id: `b-${i}`, start: i * 1000, end: i * 1000 + 10, identity: i % 2 === 0 ? 'alice' : null }));
  live.recordings.addSegment({ camera: 'porch', path: '/r/1.mkv', start: 0, end: 60_000, bytes: 10, format: 'mkv' });
  live.identities.add('alice', new Float32Array(128).fill(0.5));
  live.conversations.appendTurn('c', { question: 'q', answer: 'a', at: 1 });
  await live.longTerm.remember({ kind: 'fact', text: 'the dog is called Rex' });
  live.learning.samples.enqueue({ id: 's', kind: 'frame', payload: {}, bytes: 1, value: 1 });
  live.events.flush();
  t.ok(existsSync(`${file}-wal`), 'live database has a WAL');
  const expected = counts(live);

  const out = join(dir, 'backup.db');
  const cfg = join(dir, 'homesight.yaml');
  writeFileSync(cfg, `paths:\n  data_dir: ${dir}/data\n`);
  const r = cli(['db', 'backup', out, '--config', cfg]);
  t.equal(r.code, 0, r.stderr);
  t.match(
    r.stdout,
    new RegExp(
      `backed up .*homesight\\.db → .*backup\\.db: .* MB, schema v${SCHEMA_VERSION}, 2500 events, ` +
        `1 recordings, 1 identities, 1 memories .*integrity ok`,
    ),
  );
  t.notOk(existsSync(`${out}-wal`), 'backup is a single file');
  const raw = new Database(out, { readonly: true });
  t.equal(raw.pragma('journal_mode', { simple: true }), 'delete');
  raw.close();

  const copy = new MemoryStore({ file: out, log: silentLogger(), clock });
  t.teardown(() => copy.close());
  t.equal(copy.recovery, null);
  t.same(counts(copy), expected, 'same row counts in every table');
  t.same(copy.events.get('b-2498'), live.events.get('b-2498'));
  t.equal((await copy.longTerm.recall('dog name', 1))[0]?.item.text, 'the dog is called Rex', 'keyword and vector search work on the copy');

  // --db names the source directly; an existing target is refused.
  const r2 = cli(['db', 'backup', out, '--db', file]);
  t.equal(r2.code, 73);
  t.match(r2.stderr, /exists/);
  const r3 = cli(['db', 'backup', join(dir, 'b3.db'), '--db', join(dir, 'missing.db')]);
  t.equal(r3.code, 66);
  t.match(r3.stderr, /no memory database at/);
  t.equal(cli(['db', 'backup']).code, 64, 'usage error without FILE');

  // The in-process variant (for an MQTT/HTTP command of the running daemon).
  live.events.upsert(ev({ id: 'pending-at-backup', start: 1 }));
  const inproc = await live.backup(join(dir, 'inproc.db'));
  t.equal(inproc.events, 2501, 'pending events are committed first');
  await t.rejects(live.backup(join(dir, 'inproc.db')), { code: 'E_MEMORY_BACKUP_EXISTS' });
});
