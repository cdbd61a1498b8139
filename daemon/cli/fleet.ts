import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HomeSightConfig } from '../config/index.js';
import type { Updater, UpdaterOptions } from '../fleet/index.js';
import { APP_ROOT, EXIT, LogHub, asHomeSightError, systemClock } from '../system/index.js';
import type { CliCommand } from './command.js';
import { loadCliConfig } from './common.js';

type FleetLib = typeof import('../fleet/index.js');
/** fleet/ is imported by the fleet commands only, so `homesight run` without fleet.enabled never loads it. */
const fleetLib = (): Promise<FleetLib> => import('../fleet/index.js');

/** The Updater for this device's config; `apply` and `install` differ in how they restart, probe and log. */
function updaterFor(
  fleet: FleetLib,
  config: HomeSightConfig,
  parts: Pick<UpdaterOptions, 'releases' | 'restarter' | 'probe' | 'log'>,
): Updater {
  return new fleet.Updater({
    ...parts,
    state: new fleet.StateFile(fleet.fleetPaths(config).state),
    fleet: config.fleet,
    configVersion: config.version,
    appRoot: APP_ROOT,
    selfCheckEnv: process.env,
    clock: systemClock,
  });
}

/** `BUNDLE: REFUSED CODE: message (hint)` on stderr; EXIT.FAILURE. */
function refused(file: string, err: unknown): number {
  const e = asHomeSightError(err);
  process.stderr.write(`${file}: REFUSED ${e.code}: ${e.message}${e.hint === undefined ? '' : ` (${e.hint})`}\n`);
  return EXIT.FAILURE;
}

const verify: CliCommand = {
  name: 'fleet verify',
  usage: 'fleet verify BUNDLE [--config FILE]',
  summary: 'check an update bundle as this device would (signature, hashes, compatibility)',
  options: { config: { type: 'string', short: 'c' } },
  async run(values, positionals) {
    const file = positionals[0];
    if (file === undefined) {
      process.stderr.write('usage: homesight fleet verify BUNDLE [--config FILE]\n');
      return EXIT.USAGE;
    }
    const loaded = loadCliConfig(values.config);
    if (typeof loaded === 'number') return loaded;
    const config = loaded.config;
    const tmp = await mkdtemp(join(tmpdir(), 'homesight-verify-'));
    try {
      const { openBundle } = await fleetLib();
      const b = await openBundle(resolve(file), {
        trustedKeys: config.fleet.trusted_keys,
        configVersion: config.version,
        stagingDir: join(tmp, 'staging'),
      });
      process.stdout.write(
        `${file}: OK, version ${b.manifest.version}, ${Object.keys(b.manifest.files).length} files, signed by key ${b.keyId}\n`,
      );
      return EXIT.OK;
    } catch (err) {
      return refused(file, err);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  },
};

const status: CliCommand = {
  name: 'fleet status',
  usage: 'fleet status [--config FILE]',
  summary: 'installed releases, the current one, the last update outcomes',
  options: { config: { type: 'string', short: 'c' } },
  async run(values) {
    const loaded = loadCliConfig(values.config);
    if (typeof loaded === 'number') return loaded;
    const config = loaded.config;
    const { ReleaseStore, StateFile, fleetPaths } = await fleetLib();
    const p = fleetPaths(config);
    const releases = new ReleaseStore(p.releases, p.link);
    const state = new StateFile(p.state).read();
    process.stdout.write(
      JSON.stringify(
        {
          current: releases.current(),
          releases: releases.list().map((r) => r.version),
          pending: state.pending,
          history: state.history.slice(-10),
        },
        null,
        2,
      ) + '\n',
    );
    return EXIT.OK;
  },
};

/**
 * The switch/restart/health-window/rollback sequence, run by the daemon in a
 * transient systemd unit (`systemd-run … homesight fleet apply`) so that
 * restarting homesight.service does not kill it.
 */
const apply: CliCommand = {
  name: 'fleet apply',
  usage: 'fleet apply (--version V | --rollback) [--config FILE]',
  summary: 'switch to an installed release, restart, roll back if unhealthy (run by the daemon through systemd-run)',
  options: { config: { type: 'string', short: 'c' }, version: { type: 'string' }, rollback: { type: 'boolean' } },
  async run(values) {
    const loaded = loadCliConfig(values.config);
    if (typeof loaded === 'number') return loaded;
    const config = loaded.config;
    if ((typeof values.version === 'string') === (values.rollback === true)) {
      process.stderr.write('fleet apply: give exactly one of --version V or --rollback\n');
      return EXIT.USAGE;
    }
    const logs = new LogHub({ level: config.log.level, pretty: false });
    const log = logs.child({ module: 'fleet', component: 'apply' });
    const fleet = await fleetLib();
    const p = fleet.fleetPaths(config);
    const updater = updaterFor(fleet, config, {
      releases: new fleet.ReleaseStore(p.releases, p.link),
      restarter: new fleet.SystemdRestarter(config.fleet.service),
      probe: new fleet.HttpHealthProbe(config.health.host, config.health.port),
      log,
    });
    const progress = (stage: string, detail?: Record<string, unknown>): void => log.info({ stage, ...detail }, 'fleet apply');
    const entry =
      values.rollback === true ? await updater.rollback({ progress }) : await updater.apply(values.version as string, { progress });
    log.info({ ...entry }, 'fleet apply finished');
    return entry.outcome === 'installed' ? EXIT.OK : EXIT.FAILURE;
  },
};

/** First install on a device (or a manual one): verify, install, self-check, point `current` at it; no restart. */
const install: CliCommand = {
  name: 'fleet install',
  usage: 'fleet install BUNDLE [--config FILE]',
  summary: 'verify and install a bundle into releases/ and point current at it (no restart; bootstrap)',
  options: { config: { type: 'string', short: 'c' } },
  async run(values, positionals) {
    const file = positionals[0];
    if (file === undefined) {
      process.stderr.write('usage: homesight fleet install BUNDLE [--config FILE]\n');
      return EXIT.USAGE;
    }
    const loaded = loadCliConfig(values.config);
    if (typeof loaded === 'number') return loaded;
    const config = loaded.config;
    const logs = new LogHub({ level: 'warn', pretty: false });
    const fleet = await fleetLib();
    const p = fleet.fleetPaths(config);
    const releases = new fleet.ReleaseStore(p.releases, p.link);
    const updater = updaterFor(fleet, config, {
      releases,
      restarter: { restart: () => Promise.resolve() },
      probe: { check: () => Promise.resolve({ healthy: false, version: null, detail: 'not probed' }) },
      log: logs.child({ module: 'fleet' }),
    });
    try {
      const prepared = await updater.prepare(resolve(file));
      releases.switchTo(prepared.version);
      process.stdout.write(
        `installed ${prepared.version} (key ${prepared.keyId}); ${p.link} → ${prepared.dir}\nrestart the service to run it\n`,
      );
      return EXIT.OK;
    } catch (err) {
      return refused(file, err);
    }
  },
};

export const fleetCommands: CliCommand[] = [verify, install, status, apply];
