/**
 * Scenario 7: wall-clock jumps (backward 1 h, then forward 3 days) while a
 * camera records 2-second segments. The daemon runs its real composition root
 * with a steppable clock (fixtures/clock-daemon.ts); the camera is the
 * gst-rtsp-server fixture of test/ingest. Afterwards: no recording
 * with a negative duration, the index and the files on disk agree, and
 * retention (1 day) removed what the forward jump made old — index and file
 * together — while new segments keep being indexed.
 */
import t from 'tap';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRtspServer } from '../ingest/helpers.js';
import { report, runDaemon, tempDir, writeConfig } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

t.test('scenario 7: clock jumps keep the recordings index and retention consistent', async (t) => {
  const dir = tempDir(t);
  const offsetFile = join(dir, 'offset');
  writeFileSync(offsetFile, '0');
  // gst-rtsp-server test source: a keyframe every second, so 2-second segments close on time.
  const server = await startRtspServer(t);
  const cfg = writeConfig(
    dir,
    `cameras:
  demo:
    room: plaza
    source: {kind: rtsp, url: "rtsp://127.0.0.1:${server.port}/cam", transport: tcp}
    detect: {width: 160, height: 120, fps: 2}
    record: {enabled: true, segment_seconds: 2, retain_days: 1}
recordings:
  check_interval_s: 1
vision:
  enabled: false
agent:
  enabled: false
mqtt:
  enabled: false
`,
  );
  const d = await runDaemon(t, dir, cfg, { node: ['test/faults/fixtures/clock-daemon.ts', cfg, offsetFile] });
  const db = new Database(join(dir, 'data', 'homesight.db'), { readonly: true });
  t.teardown(() => db.close());
  const rows = (): Array<{ path: string; t_start: number; t_end: number }> =>
    db.prepare('SELECT path, t_start, t_end FROM recordings ORDER BY id').all() as Array<{ path: string; t_start: number; t_end: number }>;
  const step = (ms: number): void => {
    writeFileSync(offsetFile, String(ms));
    process.kill(d.pid, 'SIGUSR2');
  };
  await sleep(7000);
  const beforeBack = rows().length;
  step(-3600_000);
  await sleep(7000);
  const afterBack = rows().length;
  step(3 * 86400_000);
  await sleep(8000);
  const all = rows();
  const negative = all.filter((r) => r.t_end < r.t_start);
  const rec = join(dir, 'rec');
  const onDisk = files(rec).filter((f) => /\.(mkv|mp4)$/.test(f) && statSync(f).size > 0);
  const indexed = new Set(all.map((r) => (r.path.startsWith('/') ? r.path : join(rec, r.path))));
  const missingFiles = [...indexed].filter((p) => !existsSync(p));
  const newestStart = Math.max(...all.map((r) => r.t_start));
  const stepLog = d.find(/test clock stepped/).length;
  t.equal(stepLog, 2, 'both clock steps applied');
  t.ok(beforeBack > 0 && afterBack > beforeBack, `segments indexed before (${beforeBack}) and after (${afterBack}) the backward jump`);
  t.same(negative, [], 'no recording with a negative duration');
  t.same(missingFiles, [], 'every indexed segment exists on disk');
  t.ok(newestStart > Date.now() + 2 * 86400_000, 'segments after the forward jump are indexed at the new time');
  t.ok(
    all.every((r) => r.t_start > Date.now() + 86400_000),
    `retention removed every segment the jump made older than 1 day (${afterBack} → ${all.length} rows)`,
  );
  const unindexed = onDisk.filter((f) => !indexed.has(f));
  t.ok(unindexed.length <= 1, `files on disk = index (+ the segment being written): ${unindexed.length} unindexed`);
  t.ok(d.alive(), 'daemon alive');
  t.comment(
    JSON.stringify({
      beforeBack,
      afterBack,
      final: all.length,
      onDisk: onDisk.length,
      negative: negative.length,
      missingFiles: missingFiles.length,
    }),
  );
  report({
    scenario: '7 clock jump −1 h then +3 days while recording',
    result:
      negative.length === 0 &&
      missingFiles.length === 0 &&
      unindexed.length <= 1 &&
      stepLog === 2 &&
      d.alive() &&
      all.every((r) => r.t_start > Date.now() + 86400_000)
        ? 'pass'
        : 'fail',
    expected: '0 negative durations, index = files, old segments retired together',
    received:
      `${negative.length} negative, ${missingFiles.length} indexed-but-missing files; ` +
      `rows ${beforeBack} → ${afterBack} (after −1 h) → ${all.length} (after +3 d, ` +
      `retention 1 d); ${onDisk.length} segment files on disk`,
    recovery_ms: null,
  });
  await d.kill('SIGTERM');
});
