/**
 * Scenario 4: the recordings volume fills up (a 6 MiB tmpfs, mostly taken by
 * a filler file). The daemon must not crash, the database (another volume)
 * keeps working, and the camera's live frames keep coming; the status says
 * what happened. Needs root for the tmpfs mount (skipped otherwise).
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../daemon/agent/index.js';
import { freePort, report, runDaemon, tempDir, writeConfig } from './support.js';

function tryMount(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the scenario cannot run here (it needs to mount a tmpfs), or false when it can. */
function cannotMount(): string | false {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs for the recordings volume (npm run test:root)';
  const probe = mkdtempSync(join(tmpdir(), 'hs-mount-probe-'));
  try {
    if (!tryMount(probe, '1m')) return 'mount -t tmpfs is not permitted here (a container without CAP_SYS_ADMIN?)';
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

t.test('scenario 4: recordings volume full', { skip: cannotMount() }, async (t) => {
  const dir = tempDir(t);
  const rec = join(dir, 'rec');
  mkdirSync(rec);
  t.ok(tryMount(rec, '6m'), 'tmpfs mounted on the recordings folder');
  t.teardown(() => execFileSync('umount', ['-l', rec], { stdio: 'ignore' }));
  writeFileSync(join(rec, 'filler'), Buffer.alloc(5 * 1024 * 1024 + 512 * 1024));
  const port = await freePort();
  const cfg = writeConfig(
    dir,
    `cameras:
  demo:
    room: plaza
    source: {kind: file, path: vtest.avi, loop: true, realtime: true}
    detect: {width: 160, height: 120, fps: 4}
    record: {enabled: true, segment_seconds: 2}
recordings:
  check_interval_s: 1
system:
  probe_interval_ms: 500
mqtt:
  embedded: {port: ${port}}
vision:
  enabled: false
agent:
  planner: retrieval
  rate_limit_per_min: 1000
`,
  );
  const d = await runDaemon(t, dir, cfg);
  await new Promise((r) => setTimeout(r, 12_000));
  const df = execFileSync('df', ['-k', rec], { encoding: 'utf8' }).trim().split('\n').at(-1)!.split(/\s+/);
  const freeKb = Number(df[3]);
  // Health is probed every system.probe_interval_ms (500 ms here): poll until the failing recording shows.
  type IngestReport = { name: string; state: string; health?: { status: string; summary: string; details?: Record<string, unknown> } };
  let ingest: IngestReport | undefined;
  for (let i = 0; i < 40; i++) {
    const h = await d.healthz();
    ingest = (h.body.modules as IngestReport[]).find((m) => m.name === 'ingest');
    if (/recording failing/.test(ingest?.health?.summary ?? '')) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const lastFrame = ((await d.metrics()).get('homesight_camera_last_frame_timestamp_seconds{camera="demo"}') ?? 0) * 1000;
  const client = new AgentClient({ url: `mqtt://127.0.0.1:${port}`, deviceTopic: 'homesight/hub1', protocolVersion: 4 });
  t.teardown(() => client.close());
  const env = await client.ask('Who was seen in the last hour?', {}, { timeoutMs: 15_000 });
  const noSpace = d.entries().filter((e) => /ENOSPC|No space left|disk full/i.test(JSON.stringify(e)));
  const restarts = (await d.metrics()).get('homesight_camera_reconnects_total{camera="demo"}') ?? 0;
  const why = String(noSpace[0]?.error ?? noSpace[0]?.msg ?? '').replace(/\s+/g, ' ');
  t.ok(d.alive(), 'daemon alive with a full recordings volume');
  t.ok(freeKb < 1024, `the volume is full (${freeKb} KiB free)`);
  t.equal(env.status, 'ok', 'the database keeps working (a question answered)');
  t.ok(Date.now() - lastFrame < 3000, `live frames keep coming (newest ${Date.now() - lastFrame} ms old)`);
  t.ok(noSpace.length > 0, `the log says why (${noSpace.length} lines): ${why.slice(0, 300)}`);
  t.match(
    ingest?.health?.summary ?? '',
    /recording failing .*no space left/,
    `ingest health says recording is failing: ${ingest?.health?.summary}`,
  );
  t.equal(ingest?.health?.status, 'degraded', 'ingest is degraded, not failed');
  t.comment(`ffmpeg restarts ${restarts}`);
  report({
    scenario: '4 recordings volume full (6 MiB tmpfs)',
    result:
      d.alive() && env.status === 'ok' && Date.now() - lastFrame < 3000
        ? /space|full|record/i.test(ingest?.health?.summary ?? '')
          ? 'pass'
          : 'partial'
        : 'fail',
    expected: 'daemon up, DB answers, live frames continue, clear status',
    received:
      `alive ${d.alive()}, ask ${env.status}, newest frame ${Date.now() - lastFrame} ms, ${freeKb} KiB ` +
      `free, ${noSpace.length} no-space log lines, ${restarts} ffmpeg restarts; ` +
      `ingest health: ${(ingest?.health?.summary ?? '').slice(0, 120)}`,
    notes: why.slice(0, 240),
    recovery_ms: null,
  });
  await d.kill('SIGTERM');
});
