import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePki, Mosquitto } from './support/mosquitto.js';
import { Consumer, waitFor } from './support/mqtt.js';

const repo = new URL('../../', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'hs-avail-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HOMESIGHT_') && !k.startsWith('TAP')) env[k] = v;
  return env;
}

function startDaemon(config: string, out: { log: string }): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/mqtt/fixtures/daemon.ts', config], {
    cwd: repo,
    env: { ...cleanEnv(), TEST_MODULES: 'memory,mqtt' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out.log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.log += d.toString()));
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

t.test(
  'availability: online on connect, LWT offline on SIGKILL, offline on a clean stop (real daemon process, TLS + password)',
  async (t) => {
    const pki = makePki(join(root, 'pki'));
    const broker = await Mosquitto.start({ dir: join(root, 'broker'), pki, users: { homesight: 'daemon-pw', ha: 'ha-pw' } });
    t.teardown(() => broker.stop());
    writeFileSync(join(root, 'daemon.pw'), 'daemon-pw\n', { mode: 0o600 });
    const cfg = join(root, 'homesight.yaml');
    writeFileSync(
      cfg,
      `device_id: lwt-test
paths: {data_dir: ${join(root, 'data')}, cache_dir: ${join(root, 'cache')}}
health: {port: 0}
system: {probe_interval_ms: 200}
mqtt:
  broker: external
  url: ${broker.url}
  username: homesight
  password_file: ${join(root, 'daemon.pw')}
  keepalive_s: 60
  tls: {ca_file: ${pki.caFile}}
`,
    );
    const ha = await Consumer.connect(broker.url, { username: 'ha', password: 'ha-pw', ca: readFileSync(pki.caFile) });
    t.teardown(() => ha.close());
    const topic = 'homesight/lwt-test/availability';
    await ha.subscribe(['homesight/lwt-test/availability', 'homesight/lwt-test/status']);

    const out1 = { log: '' };
    const d1 = startDaemon(cfg, out1);
    t.teardown(() => d1.kill('SIGKILL'));
    await ha
      .waitTopic(topic, (m) => m.text() === 'online', 30_000)
      .catch((e: unknown) => {
        t.comment(out1.log);
        throw e;
      });
    t.pass('online once connected');
    const status = await ha.waitTopic('homesight/lwt-test/status', (m) => m.json().status === 'ok', 15_000);
    t.ok(
      (status.json().modules as Array<{ name: string }>).some((m) => m.name === 'memory'),
      'status carries module health',
    );

    const n = ha.on(topic).length;
    d1.kill('SIGKILL');
    t.equal((await exited(d1)).signal, 'SIGKILL');
    const lwt = await ha.waitTopic(topic, (m) => m.text() === 'offline' && ha.on(topic).indexOf(m) >= n, 10_000);
    t.equal(lwt.text(), 'offline', 'the broker published the last will after SIGKILL');

    // The retained value a newcomer sees is offline too.
    const late = await Consumer.connect(broker.url, { username: 'ha', password: 'ha-pw', ca: readFileSync(pki.caFile) });
    await late.subscribe(topic);
    const retained = await late.waitTopic(topic);
    t.equal(retained.text(), 'offline');
    t.equal(retained.retain, true);
    await late.close();

    const out2 = { log: '' };
    const d2 = startDaemon(cfg, out2);
    t.teardown(() => d2.kill('SIGKILL'));
    const m2 = ha.on(topic).length;
    await ha.waitTopic(topic, (m) => m.text() === 'online' && ha.on(topic).indexOf(m) >= m2, 30_000);
    t.pass('online again after restart');
    const m3 = ha.on(topic).length;
    d2.kill('SIGTERM');
    const ex = await exited(d2);
    t.equal(ex.code, 0, 'clean exit on SIGTERM');
    await waitFor(
      () =>
        ha
          .on(topic)
          .slice(m3)
          .some((m) => m.text() === 'offline'),
      5000,
      'offline on clean stop',
    );
    t.pass('offline published on a clean stop');
  },
);
