import t from 'tap';
import { join } from 'node:path';
import { bareConfig, notifyReceiver, startDaemon, tempDir, repo } from './support.js';

t.test('sd_notify for real: READY, STATUS, periodic WATCHDOG, STOPPING on SIGTERM', async (t) => {
  const dir = tempDir('hs-notify-');
  const sock = join(dir, 'notify.sock');
  const rx = await notifyReceiver(sock);
  t.teardown(() => void rx.proc.kill('SIGKILL'));
  const d = startDaemon(['--config', bareConfig(dir)], { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '600000' });
  t.teardown(() => void d.proc.kill('SIGKILL'));

  const ready = await rx.waitFor((m) => m.msg.includes('READY=1'), 60_000);
  t.match(ready.msg, /STATUS=ok: \d+\/\d+ modules running/, 'READY=1 comes with a one-line STATUS');
  t.match(ready.msg, new RegExp(`MAINPID=${d.proc.pid}`), 'MAINPID is the daemon itself');

  // 600 ms watchdog → a ping about every 300 ms; wait for several.
  const first = await rx.waitFor((m) => m.msg === 'WATCHDOG=1', 5_000);
  await new Promise((r) => setTimeout(r, 1_500));
  const pings = rx.messages.filter((m) => m.msg === 'WATCHDOG=1' && m.t >= first.t);
  t.ok(pings.length >= 3, `periodic WATCHDOG=1 (${pings.length} in 1.5 s)`);
  const gaps = pings.slice(1).map((p, i) => p.t - pings[i]!.t);
  t.ok(Math.max(...gaps) < 0.6, `no gap reaches the watchdog interval (max ${Math.max(...gaps).toFixed(3)} s)`);

  d.proc.kill('SIGTERM');
  const stopping = await rx.waitFor((m) => m.msg.includes('STOPPING=1'), 10_000);
  t.ok(stopping, 'STOPPING=1 on SIGTERM');
  const exit = await d.exited;
  t.equal(exit.code, 0, 'clean exit');
});

t.test('a stuck module stops the watchdog pings', async (t) => {
  const dir = tempDir('hs-notify-');
  const sock = join(dir, 'notify.sock');
  const rx = await notifyReceiver(sock);
  t.teardown(() => void rx.proc.kill('SIGKILL'));
  const cfg = bareConfig(
    dir,
    `system:\n  probe_timeout_ms: 100\n  extensions:\n    - path: ${join(repo, 'test/system/fixtures/stall-extension.mjs')}\n`,
  );
  const d = startDaemon(['--config', cfg], { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '400000', STALL_AFTER_MS: '1500' });
  t.teardown(() => void d.proc.kill('SIGKILL'));
  await rx.waitFor((m) => m.msg.includes('READY=1'), 60_000);
  await rx.waitFor((m) => m.msg === 'WATCHDOG=1', 5_000);
  const stuck = await rx.waitFor((m) => m.msg.includes('STATUS=') && m.msg.includes('stuck'), 10_000);
  t.match(stuck.msg, /ext:stall-extension\.mjs|staller:stuck/, 'STATUS names the stuck module');
  const after = rx.messages.filter((m) => m.msg === 'WATCHDOG=1' && m.t > stuck.t + 0.3).length;
  await new Promise((r) => setTimeout(r, 1_500));
  const later = rx.messages.filter((m) => m.msg === 'WATCHDOG=1' && m.t > stuck.t + 0.3).length;
  t.equal(later, 0, `no WATCHDOG=1 after the module got stuck (had ${after} right after)`);
  t.ok(d.proc.exitCode === null, 'the daemon itself keeps running (systemd decides to restart)');
  d.proc.kill('SIGTERM');
  await d.exited;
});

t.test('SIGHUP reload: RELOADING=1 then READY=1; bad file rejected and running config kept', async (t) => {
  const dir = tempDir('hs-notify-');
  const sock = join(dir, 'notify.sock');
  const rx = await notifyReceiver(sock);
  t.teardown(() => void rx.proc.kill('SIGKILL'));
  const cfg = bareConfig(dir);
  const d = startDaemon(['--config', cfg], { NOTIFY_SOCKET: sock });
  t.teardown(() => void d.proc.kill('SIGKILL'));
  await rx.waitFor((m) => m.msg.includes('READY=1'), 60_000);
  const { writeFileSync, readFileSync } = await import('node:fs');
  const good = readFileSync(cfg, 'utf8');
  writeFileSync(cfg, good.replace('health:\n  port: 0', 'health:\n  port: 0\nlog:\n  level: debug'));
  d.proc.kill('SIGHUP');
  const reloading = await rx.waitFor((m) => m.msg.includes('RELOADING=1'), 10_000);
  t.match(reloading.msg, /MONOTONIC_USEC=\d+/);
  await rx.waitFor((m) => m.msg.includes('READY=1') && m.t > reloading.t, 10_000);
  await new Promise((r) => setTimeout(r, 200));
  t.ok(
    d.logs.some((l) => l.includes('config reloaded') && l.includes('log.level')),
    'log.level applied live',
  );

  writeFileSync(cfg, good + 'bogus_key: 1\n');
  d.proc.kill('SIGHUP');
  const rejected = await rx.waitFor((m) => m.msg.includes('reload rejected'), 10_000);
  t.match(rejected.msg, /bogus_key/);
  t.ok(d.proc.exitCode === null, 'still running after a bad reload');
  d.proc.kill('SIGTERM');
  t.equal((await d.exited).code, 0);
});

t.test('without NOTIFY_SOCKET the notifier is a no-op and the daemon still runs', async (t) => {
  const dir = tempDir('hs-notify-');
  const d = startDaemon(['--config', bareConfig(dir)], { NOTIFY_SOCKET: '' });
  t.teardown(() => void d.proc.kill('SIGKILL'));
  const deadline = Date.now() + 60_000;
  while (!d.logs.some((l) => l.includes('HomeSight ready')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.ok(d.logs.some((l) => l.includes('HomeSight ready')));
  d.proc.kill('SIGINT');
  t.equal((await d.exited).code, 0, 'SIGINT stops gracefully too');
});
