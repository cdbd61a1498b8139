import t from 'tap';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildBundle,
  generateSigningKey,
  HttpHealthProbe,
  listSourceTree,
  loadPrivateKey,
  ReleaseStore,
  StateFile,
  Updater,
} from '../../daemon/fleet/index.js';
import { InProcessLauncher, FleetModule, SystemdRunLauncher } from '../../daemon/fleet/module.js';
import { ProcessSupervisor } from '../../daemon/fleet/restart.js';
import { configSchema } from '../../daemon/config/index.js';
import { MqttModule } from '../../daemon/mqtt/index.js';
import { silentLogger, systemClock } from '../../daemon/system/index.js';
import { makeContext } from '../mqtt/support/context.js';
import { Consumer, freePort } from '../mqtt/support/mqtt.js';
import { makeFakeRelease } from './support/fake-release.js';

const root = mkdtempSync(join(tmpdir(), 'hs-update-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const signer = generateSigningKey();
let n = 0;

async function bundle(
  version: string,
  behaviour: Parameters<typeof makeFakeRelease>[2] = 'healthy',
  extra?: (src: string) => void,
): Promise<string> {
  const src = makeFakeRelease(join(root, `src-${n++}`), version, behaviour);
  extra?.(src);
  const out = join(root, `homesight-${version}-${n++}.tar.gz`);
  await buildBundle({
    sourceDir: src,
    tree: listSourceTree(src),
    version,
    privateKey: loadPrivateKey(signer.privatePem),
    configSchema: { min: 1, max: 1 },
    selfCheck: { argv: ['node', 'bin/homesight.js', 'version'] },
    out,
  });
  return out;
}

async function fixture(
  name: string,
  healthWindowMs: number,
): Promise<{
  dir: string;
  updater: Updater;
  releases: ReleaseStore;
  supervisor: ProcessSupervisor;
  probe: HttpHealthProbe;
  appRoot: string;
  output: string[];
}> {
  const dir = join(root, name);
  const appRoot = join(dir, 'app');
  mkdirSync(join(appRoot, 'node_modules', 'left-pad'), { recursive: true });
  writeFileSync(join(appRoot, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  writeFileSync(join(appRoot, 'node_modules', 'left-pad', 'index.js'), 'export default 1;\n');
  const port = await freePort();
  const releases = new ReleaseStore(join(dir, 'releases'), join(dir, 'current'));
  const output: string[] = [];
  const supervisor = new ProcessSupervisor({
    link: releases.link,
    args: ['bin/homesight.js', 'run'],
    env: { PATH: process.env.PATH, HOMESIGHT_HEALTH__PORT: String(port) },
    log: silentLogger(),
    stopTimeoutMs: 3000,
    output: (l) => output.push(l),
  });
  const probe = new HttpHealthProbe('127.0.0.1', port, 500);
  const updater = new Updater({
    releases,
    state: new StateFile(join(dir, 'fleet-state.json')),
    restarter: supervisor,
    probe,
    fleet: configSchema.shape.fleet.parse({
      trusted_keys: [signer.publicKey],
      keep: 3,
      health_window_s: healthWindowMs / 1000,
      self_check_timeout_s: 10,
    }),
    configVersion: 1,
    appRoot,
    selfCheckEnv: { PATH: process.env.PATH },
    log: silentLogger(),
    clock: systemClock,
    pollMs: 100,
  });
  return { dir, updater, releases, supervisor, probe, appRoot, output };
}

t.test('install, switch, automatic rollback of an unhealthy release, self-check, keep N (real processes)', async (t) => {
  const f = await fixture('updater', 3000);
  t.teardown(() => f.supervisor.stop());
  const { updater, releases, supervisor, probe } = f;

  // First install on a device with no release yet.
  const p1 = await updater.prepare(await bundle('1.0.0'));
  t.equal(p1.version, '1.0.0');
  const e1 = await updater.apply('1.0.0');
  t.match(e1, { version: '1.0.0', outcome: 'installed', previous: null });
  t.equal((await probe.check()).version, '1.0.0', 'the supervised process serves 1.0.0');

  // A good update: switch the symlink atomically, restart, healthy → kept.
  const pid1 = supervisor.pid;
  await updater.prepare(await bundle('1.1.0'));
  const stages: string[] = [];
  const e2 = await updater.apply('1.1.0', { progress: (s) => void stages.push(s) });
  t.match(e2, { version: '1.1.0', outcome: 'installed', previous: '1.0.0' });
  t.same(stages, ['switching', 'restarting', 'health_window']);
  t.equal(readlinkSync(releases.link), 'releases/1.1.0', 'current → releases/1.1.0 (relative link)');
  t.not(supervisor.pid, pid1, 'a new process');
  t.match(await probe.check(), { healthy: true, version: '1.1.0' });

  // A release that exits non-zero at start: not healthy within the window → switched back and restarted.
  await updater.prepare(await bundle('1.2.0', 'crash'));
  const t0 = Date.now();
  const e3 = await updater.apply('1.2.0');
  t.equal(e3.outcome, 'rolled_back');
  t.equal(e3.code, 'E_FLEET_UNHEALTHY');
  t.match(e3.reason, /version 1\.2\.0 did not report healthy within 3 s/);
  t.match(e3.reason, /process exited with code 1/, 'the report says how the new version died');
  t.ok(Date.now() - t0 >= 3000, 'waited for the health window');
  t.equal(releases.current(), '1.1.0', 'current points at the old release again');
  t.match(await probe.check(), { healthy: true, version: '1.1.0' }, 'the old release runs again');
  t.ok(f.output.join('').includes('release 1.2.0 cannot start'), 'the bad release really ran and failed');

  // Self-check fails → refused before switching; the release is removed again.
  await t.rejects(updater.prepare(await bundle('1.3.0', 'bad-self-check')), {
    code: 'E_FLEET_SELF_CHECK',
    message: /exit code 2\): self-check: cannot load config/,
  });
  t.notOk(releases.has('1.3.0'), 'a release that fails its self-check is not kept');
  t.equal(releases.current(), '1.1.0');

  // Downgrades and re-installs of the running version are refused.
  await t.rejects(updater.prepare(await bundle('0.9.0')), { code: 'E_FLEET_DOWNGRADE' });
  await t.rejects(updater.prepare(await bundle('1.1.0')), { code: 'E_FLEET_RUNNING' });

  // Keep N: three releases stay, always including the running and previous one.
  for (const v of ['1.4.0', '1.5.0']) {
    await updater.prepare(await bundle(v));
    t.equal((await updater.apply(v)).outcome, 'installed');
  }
  const kept = releases.list().map((r) => r.version);
  t.equal(kept.length, 3, `kept ${kept.join(', ')}`);
  t.ok(kept.includes('1.5.0') && kept.includes('1.4.0'), 'current and previous kept');
  t.notOk(existsSync(join(releases.dir, '1.0.0')), 'the oldest removed');

  // Operator rollback: back to the previous release.
  const r = await updater.rollback();
  t.match(r, { version: '1.4.0', outcome: 'installed', previous: '1.5.0' });
  t.match(await probe.check(), { healthy: true, version: '1.4.0' });

  const history = updater.state.history.map((h) => `${h.version}:${h.outcome}`);
  t.same(history, ['1.0.0:installed', '1.1.0:installed', '1.2.0:rolled_back', '1.4.0:installed', '1.5.0:installed', '1.4.0:installed']);
});

t.test('node_modules are reused from the running release only when package-lock.json is identical', async (t) => {
  const f = await fixture('deps', 2000);
  t.teardown(() => f.supervisor.stop());
  const same = await bundle('2.0.0', 'healthy', (src) =>
    copyFileSync(join(f.appRoot, 'package-lock.json'), join(src, 'package-lock.json')),
  );
  const p = await f.updater.prepare(same);
  const lib = join(p.dir, 'node_modules', 'left-pad', 'index.js');
  t.equal(readFileSync(lib, 'utf8'), 'export default 1;\n', 'node_modules present in the release');
  t.equal(statSync(lib).ino, statSync(join(f.appRoot, 'node_modules', 'left-pad', 'index.js')).ino, 'hard-linked, not copied');
  const other = await bundle('2.1.0', 'healthy', (src) =>
    writeFileSync(join(src, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {"x": {}}}\n'),
  );
  await t.rejects(f.updater.prepare(other), { code: 'E_BUNDLE_DEPENDENCIES', message: /needs different npm dependencies/ });
});

t.test('over MQTT: update, refusal and rollback reported; config push validated and written atomically', async (t) => {
  const f = await fixture('mqtt', 2000);
  t.teardown(() => f.supervisor.stop());
  const mqttPort = await freePort();
  const cfgFile = join(f.dir, 'homesight.yaml');
  const cfgText = `device_id: fleet1\nlog: {level: info}\n`;
  writeFileSync(cfgFile, cfgText);
  const ctx = makeContext(
    `device_id: fleet1
mqtt:
  embedded: {port: ${mqttPort}}
fleet:
  enabled: true
  trusted_keys: ["${signer.publicKey}"]
  releases_dir: ${f.releases.dir}
  current_link: ${f.releases.link}
  health_window_s: 2
  config_file: ${cfgFile}
`,
    { dir: f.dir },
  );
  const mqtt = new MqttModule(ctx);
  await mqtt.start();
  t.teardown(() => mqtt.stop());
  let reloads = 0;
  const fleet = new FleetModule(ctx, {
    restarter: f.supervisor,
    probe: f.probe,
    launcher: new InProcessLauncher(),
    appRoot: f.appRoot,
    bridge: mqtt.bridge,
    reload: async () => {
      reloads++;
      return { ok: true, applied: ['log.level'], needsRestart: [], problems: [] };
    },
  });
  await fleet.start();
  t.teardown(() => fleet.stop());
  const fleetEvents: unknown[] = [];
  ctx.bus.on('fleet.update', {}, (e) => fleetEvents.push(e));

  const ops = await Consumer.connect(`mqtt://127.0.0.1:${mqttPort}`, { protocolVersion: 4 });
  t.teardown(() => ops.close());
  await ops.subscribe(['homesight/fleet1/#', 'ops/#', 'homeassistant/button/#']);
  const inbox = join(f.dir, 'data', 'fleet-inbox');
  const send = async (cmd: string, body: Record<string, unknown>, id: string): Promise<Record<string, unknown>> => {
    ops.client.publish(`homesight/fleet1/command/${cmd}`, JSON.stringify({ ...body, id, reply_to: `ops/${id}` }));
    return (await ops.waitTopic(`ops/${id}`, (m) => m.json().status !== 'progress', 30_000)).json();
  };

  copyFileSync(await bundle('1.0.0'), join(inbox, 'first.tar.gz'));
  const r1 = await send('update', { path: 'first.tar.gz' }, 'u1');
  t.match(r1, { status: 'ok', data: { version: '1.0.0', outcome: 'installed' } });
  const progress = ops
    .on('ops/u1')
    .map((m) => (m.json().data as { stage?: string }).stage)
    .filter((s) => s !== undefined);
  t.same(progress, ['verifying', 'installing', 'self_check', 'switching', 'restarting', 'health_window'], 'progress on the reply topic');
  const state = await ops.waitTopic('homesight/fleet1/fleet/state', (m) => m.json().current === '1.0.0');
  t.match(state.json(), { current: '1.0.0', last: { outcome: 'installed' } });

  // A tampered bundle: refused with its reason, reported as an event.
  const good = await bundle('1.1.0');
  const bytes = readFileSync(good);
  bytes[bytes.length - 30] = bytes[bytes.length - 30]! ^ 0xff;
  writeFileSync(join(inbox, 'tampered.tar.gz'), bytes);
  const r2 = await send('update', { path: 'tampered.tar.gz' }, 'u2');
  t.equal(r2.status, 'error');
  t.match((r2.error as { code: string }).code, /^E_(TAR_FORMAT|BUNDLE_TAMPERED)$/);
  const refusedEvt = await ops.waitTopic('homesight/fleet1/fleet/event', (m) => m.json().outcome === 'refused');
  t.match(refusedEvt.json(), { outcome: 'refused', previous: '1.0.0' });

  // Paths outside the inbox are refused.
  const r3 = await send('update', { path: '../../../../etc/passwd' }, 'u3');
  t.match(r3.error, { code: /^E_(FLEET_PATH|BUNDLE_NOT_FOUND)$/ });
  const r3b = await send('update', { url: 'http://example.com/x.tar.gz' }, 'u3b');
  t.match(r3b.error, { code: 'E_FLEET_URL' });
  const r3c = await send('update', { url: 'https://a', path: 'b' }, 'u3c');
  t.match(r3c.error, { code: 'E_BAD_REQUEST', message: /exactly one of url or path/ });

  // An update whose new version crashes: automatic rollback, error reply with the reason.
  copyFileSync(await bundle('1.2.0', 'crash'), join(inbox, 'crash.tar.gz'));
  const r4 = await send('update', { path: 'crash.tar.gz' }, 'u4');
  t.match(r4.error, { code: 'E_FLEET_UNHEALTHY', message: /did not report healthy within 2 s/ });
  t.match((r4.error as { hint: string }).hint, /runs 1\.0\.0 again/);
  t.ok(
    ops.on('ops/u4').some((m) => (m.json().data as { stage?: string } | undefined)?.stage === 'rolling_back'),
    'progress shows the rollback',
  );
  await ops.waitTopic('homesight/fleet1/fleet/event', (m) => m.json().outcome === 'rolled_back');
  t.equal(f.releases.current(), '1.0.0');
  t.match(await f.probe.check(), { healthy: true, version: '1.0.0' });

  copyFileSync(good, join(inbox, 'good.tar.gz'));
  t.match(await send('update', { path: 'good.tar.gz' }, 'u5'), { status: 'ok', data: { version: '1.1.0', previous: '1.0.0' } });
  t.match(await send('rollback', {}, 'rb'), { status: 'ok', data: { version: '1.0.0', outcome: 'installed', previous: '1.1.0' } });
  t.ok(
    ops.messages.some((m) => m.topic === 'homeassistant/button/homesight_fleet1/rollback/config'),
    'rollback button announced to Home Assistant',
  );
  t.same(
    fleetEvents.map((e) => (e as { outcome: string }).outcome),
    ['installed', 'refused', 'rolled_back', 'installed', 'installed'],
    'every outcome on the bus',
  );

  // Config push: an invalid one is refused and changes nothing.
  const bad = await send('config', { yaml: 'log:\n  level: loud\n' }, 'c1');
  t.match(bad.error, { code: 'E_CONFIG_PUSH_INVALID', message: /log\.level/ });
  t.equal(readFileSync(cfgFile, 'utf8'), cfgText, 'file untouched');
  t.equal(reloads, 0);
  const newText = 'device_id: fleet1\nlog: {level: debug}\n';
  const ok = await send('config', { yaml: newText }, 'c2');
  t.match(ok, { status: 'ok', data: { file: cfgFile, previous: `${cfgFile}.prev`, reload: { ok: true } } });
  t.equal(readFileSync(cfgFile, 'utf8'), newText, 'new config written');
  t.equal(readFileSync(`${cfgFile}.prev`, 'utf8'), cfgText, 'previous kept');
  t.equal(reloads, 1, 'daemon asked to reload');

  t.equal((await fleet.health()).status, 'ok');
  t.ok(existsSync(join(f.dir, 'data', 'fleet-state.json')), 'fleet state kept under paths.data_dir');
});

t.test('under systemd the apply step runs in a transient unit outside the service cgroup', async (t) => {
  const launcher = new SystemdRunLauncher(new URL('../../', import.meta.url).pathname, '/etc/homesight/homesight.yaml', silentLogger());
  const argv = launcher.argv({ version: '1.2.3' });
  t.equal(argv[0], 'systemd-run');
  t.match(argv[1], /^--unit=homesight-update-[0-9a-f]{8}$/);
  t.ok(argv.includes('--collect') && argv.includes('--setenv=HOMESIGHT_CONFIG=/etc/homesight/homesight.yaml'));
  t.same(argv.slice(-4), ['fleet', 'apply', '--version', '1.2.3']);
  t.same(launcher.argv({ rollback: true }).slice(-3), ['fleet', 'apply', '--rollback']);
  t.equal(argv[argv.length - 5], join(realpathSync(new URL('../../', import.meta.url).pathname), 'bin', 'homesight.js'));
});
