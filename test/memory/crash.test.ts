import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MemoryStore } from '../../daemon/memory/index.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { repo, tempDir } from './support.js';

const BATCH = 2000;

/** Runs the writer until it reported `minCommitted`, then SIGKILLs it a little later; returns the last reported count. */
async function writeAndKill(
  file: string,
  first: number,
  minCommitted: number,
  extraDelayMs: number,
): Promise<{ reported: number; signal: string | null }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repo, 'test/memory/fixtures/crash-writer.ts'), file, String(BATCH), String(first)],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let reported = 0;
  const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const killed = new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer reported only ${reported} events in 40 s`));
    }, 40_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^committed (\d+)$/.exec(line);
      if (m === null) return;
      reported = Number(m[1]);
      if (reported >= minCommitted && !child.killed) {
        clearTimeout(guard);
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, extraDelayMs);
      }
    });
  });
  await killed;
  const signal = await exited;
  return { reported, signal };
}

t.test('SIGKILL mid-stream: integrity ok and every reported commit is present', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'crash.db');
  let expectedAtLeast = 0;
  // Two rounds on the same file: the second resumes after the first's last commit, on a recovered WAL.
  for (const [round, delay] of [
    [1, 7],
    [2, 23],
  ] as const) {
    const { reported, signal } = await writeAndKill(file, expectedAtLeast, expectedAtLeast + 5 * BATCH, delay);
    t.equal(signal, 'SIGKILL', `round ${round}: killed, not exited`);
    t.ok(existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0, `round ${round}: a WAL was left behind to recover`);

    const store = new MemoryStore({ file, log: silentLogger(), clock: new ManualClock(0), integrityCheck: 'full' });
    t.equal(store.recovery, null, 'not treated as corrupt');
    t.same(store.integrityCheck(), ['ok'], 'integrity_check ok');
    const count = store.events.count;
    t.ok(count >= reported, `round ${round}: ${count} events stored ≥ ${reported} reported committed`);
    t.equal(count % BATCH, 0, 'whole batches only: the interrupted transaction left nothing behind');
    // Ids are contiguous from 0: count the ones the writer reported.
    const present = store.db
      .prepare('SELECT count(*) FROM events WHERE id <= ?')
      .pluck()
      .get(`crash-${String(reported - 1).padStart(8, '0')}`) as number;
    t.equal(present, reported, `all ${reported} reported events present`);
    const last = store.events.get(`crash-${String(count - 1).padStart(8, '0')}`);
    t.equal((last?.attributes as { i?: number } | undefined)?.i, count - 1, 'last committed event intact');
    t.equal(store.events.get(`crash-${String(count).padStart(8, '0')}`), null, 'nothing past the last commit');
    store.close();
    expectedAtLeast = count;
  }
});
