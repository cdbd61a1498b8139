/** The TeacherStore contract on SQLite (the embedded default), and an old teacher.db upgraded in place. */
import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTeacherStore, SCHEMA_VERSION } from '../../cloud/store/index.js';
import { storeContract } from './support/store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'hs-store-sqlite-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
storeContract(t, () => openTeacherStore({ kind: 'sqlite', file: join(dir, `s${n++}.db`) }));

t.test('a teacher.db of the embedded teacher before jobs upgrades in place', async (t) => {
  const file = join(dir, 'old.db');
  const old = new Database(file);
  old.exec(`
    CREATE TABLE devices (id TEXT PRIMARY KEY, household TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL);
    CREATE TABLE samples (household TEXT NOT NULL, id TEXT NOT NULL, device TEXT NOT NULL, payload TEXT NOT NULL,
      created INTEGER NOT NULL, labeled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (household, id));
    CREATE TABLE pseudo_labels (seq INTEGER PRIMARY KEY AUTOINCREMENT, household TEXT NOT NULL, sample_id TEXT NOT NULL,
      question TEXT NOT NULL, plan TEXT NOT NULL, teacher TEXT NOT NULL, created INTEGER NOT NULL, UNIQUE (household, sample_id));
    CREATE TABLE adapters (household TEXT NOT NULL, id TEXT NOT NULL, manifest TEXT NOT NULL, file TEXT NOT NULL,
      created INTEGER NOT NULL, PRIMARY KEY (household, id));
    INSERT INTO samples VALUES ('h1', 's1', 'd', '{"id":"s1","question":"q"}', 1, 0);
    INSERT INTO adapters VALUES ('h1', 'a1', '{"id":"a1"}', 'adapters/h1/a1.gguf', 1);
  `);
  old.close();
  const s = await openTeacherStore({ kind: 'sqlite', file });
  t.teardown(() => s.close());
  t.same(await s.adapters('h1'), [{ id: 'a1', manifest: { id: 'a1' }, blob: 'adapters/h1/a1.gguf', labels: 0 }]);
  t.same(
    (await s.jobs({ kind: 'label' })).map((j) => [j.household, j.state]),
    [['h1', 'queued']],
    'its unlabelled samples get a label job',
  );
  await s.close();
  const again = await openTeacherStore({ kind: 'sqlite', file });
  const db = new Database(file, { readonly: true });
  t.same(
    (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version),
    Array.from({ length: SCHEMA_VERSION }, (_x, i) => i + 1),
    'each version once',
  );
  db.close();
  await again.close();
});
