import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repo } from './support.js';

const unit = join(repo, 'systemd/homesight.service');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });

t.test(
  'systemd-analyze verify passes',
  { skip: analyze.status !== 0 ? 'systemd-analyze not installed (.ci/run installs systemd)' : false },
  async (t) => {
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stderr.trim(), '', 'no warnings');
  },
);

t.test('security exposure is at most 2.0 (OK)', { skip: analyze.status !== 0 ? 'no systemd-analyze' : false }, async (t) => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', unit], { encoding: 'utf8' });
  const m = /Overall exposure level for homesight\.service: ([\d.]+) (\w+)/.exec(r.stdout);
  t.ok(m, 'exposure line printed');
  t.ok(Number(m![1]) <= 2.0, `exposure ${m![1]} ${m![2]}`);
});

t.test('unit declares what the daemon relies on', async (t) => {
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(unit, 'utf8');
  for (const line of [
    'Type=notify',
    'WatchdogSec=',
    'Restart=on-failure',
    'StateDirectory=homesight',
    'CacheDirectory=homesight',
    'User=homesight',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    'CapabilityBoundingSet=\n',
    'DevicePolicy=closed',
    'RestartPreventExitStatus=78',
    'Environment=HOMESIGHT_RUNTIME=dist',
  ]) {
    t.ok(text.includes(line), line.trim());
  }
  const devices = [...text.matchAll(/^DeviceAllow=(\S+)/gm)].map((m) => m[1]!);
  t.ok(
    devices.every((d) => d.startsWith('/dev/nvidia') || d === 'char-video4linux'),
    `only nvidia and video devices: ${devices.join(' ')}`,
  );
});
