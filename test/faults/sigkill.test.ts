/**
 * Scenario 5: SIGKILL mid-write, N times in a loop, on the same data folder.
 * The daemon writes real person events (file camera → CPU vision → memory);
 * the test reads the database read-only (WAL: it sees committed rows only)
 * right up to the kill. After each kill: integrity_check ok, every event seen
 * committed before the kill is still there, and the next start recovers.
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MemoryStore } from '../../daemon/memory/index.js';
import { silentLogger, systemClock } from '../../daemon/system/index.js';
import { eventSourceYaml, report, runDaemon, tempDir, waitFor, writeConfig } from './support.js';

const KILLS = Number(process.env.HS_FAULTS_KILLS ?? 3);

function committedIds(file: string): Set<string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return new Set(db.prepare('SELECT id FROM events').pluck().all() as string[]);
  } finally {
    db.close();
  }
}

t.test(`scenario 5: SIGKILL mid-write ×${KILLS}: integrity ok, committed events all present`, async (t) => {
  const dir = tempDir(t);
  const cfg = writeConfig(dir, `${eventSourceYaml()}mqtt:\n  enabled: false\nagent:\n  enabled: false\n`);
  const dbFile = join(dir, 'data', 'homesight.db');
  const everCommitted = new Set<string>();
  const restartMs: number[] = [];
  let lost = 0;
  let integrityOk = 0;
  for (let round = 1; round <= KILLS; round++) {
    const t0 = Date.now();
    const d = await runDaemon(t, dir, cfg);
    restartMs.push(Date.now() - t0);
    // Wait for new commits in this round, then kill right after one (the next batch is in flight).
    const base = committedIds(dbFile).size;
    let seen = new Set<string>();
    await waitFor(() => (seen = committedIds(dbFile)).size >= base + 3 || !d.alive(), 30_000, `round ${round}: new events committed`);
    let last = seen.size;
    const until = Date.now() + 500 + round * 300;
    while (Date.now() < until) {
      const now = committedIds(dbFile);
      for (const id of now) everCommitted.add(id);
      if (now.size > last) last = now.size;
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const id of committedIds(dbFile)) everCommitted.add(id);
    const killed = await d.kill('SIGKILL');
    t.equal(killed.signal, 'SIGKILL', `round ${round}: killed`);

    const store = new MemoryStore({ file: dbFile, log: silentLogger(), clock: systemClock, integrityCheck: 'full' });
    const ok = store.recovery === null && JSON.stringify(store.integrityCheck()) === '["ok"]';
    t.equal(store.recovery, null, `round ${round}: not treated as corrupt`);
    t.same(store.integrityCheck(), ['ok'], `round ${round}: integrity_check ok`);
    if (ok) integrityOk++;
    store.close();
    const after = committedIds(dbFile);
    const missing = [...everCommitted].filter((id) => !after.has(id));
    lost += missing.length;
    t.same(missing, [], `round ${round}: all ${everCommitted.size} events committed so far are present`);
  }
  // One clean start at the end: the daemon opens the recovered database and is healthy.
  const t0 = Date.now();
  const d = await runDaemon(t, dir, cfg);
  restartMs.push(Date.now() - t0);
  t.equal((await d.healthz()).status, 200, 'healthy after the last kill');
  await d.kill('SIGTERM');
  report({
    scenario: `5 SIGKILL mid-write ×${KILLS}`,
    result: integrityOk === KILLS && lost === 0 ? 'pass' : 'fail',
    expected: `${everCommitted.size} committed events present, integrity ok ×${KILLS}`,
    received: `${everCommitted.size - lost} present, integrity ok ×${integrityOk}`,
    recovery_ms: Math.max(...restartMs.slice(1)),
    notes: `start→ready after each kill ${restartMs.slice(1).join('/')} ms (first start ${restartMs[0]} ms)`,
  });
});
