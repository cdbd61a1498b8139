import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { HomeSightEvents } from '../contracts/index.js';
import { CONFIG_VERSION, resolveIn, type HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import { findMqttBridge, type MqttBridge, type RequestContext, type RouteRequest } from '../mqtt/index.js';
import {
  APP_ROOT,
  HomeSightError,
  VERSION,
  isErrorCode,
  errorMessage,
  type Logger,
  type ModuleHealth,
  type ServiceModule,
} from '../system/index.js';
import { pushConfig } from './configpush.js';
import { download } from './download.js';
import { keyId } from './manifest.js';
import { ReleaseStore } from './releases.js';
import { HttpHealthProbe, SystemdRestarter, type HealthProbe, type Restarter } from './restart.js';
import { StateFile, Updater, type HistoryEntry, type Progress } from './updater.js';

/** How a prepared release is switched to. */
export interface Launcher {
  /** Runs the switch/health/rollback sequence; null when it was handed to another process. */
  apply(updater: Updater, target: { version: string } | { rollback: true }, progress: Progress): Promise<HistoryEntry | null>;
}

/** Runs apply in this process: for a Restarter that does not restart this process (a supervisor of another one, tests). */
export class InProcessLauncher implements Launcher {
  apply(updater: Updater, target: { version: string } | { rollback: true }, progress: Progress): Promise<HistoryEntry> {
    return 'rollback' in target ? updater.rollback({ progress }) : updater.apply(target.version, { progress });
  }
}

/**
 * Production: `systemctl restart` would kill the process watching the health
 * window, so the sequence runs in a transient unit outside the service's
 * cgroup (`systemd-run … homesight fleet apply`), from the release that is
 * running now. The daemon that runs afterwards reports the outcome.
 */
export class SystemdRunLauncher implements Launcher {
  constructor(
    private readonly appRoot: string,
    private readonly configFile: string | undefined,
    private readonly log: Logger,
    private readonly systemdRun = 'systemd-run',
  ) {}

  /** The command line (exposed for tests and docs). */
  argv(target: { version: string } | { rollback: true }): string[] {
    const unit = `homesight-update-${randomBytes(4).toString('hex')}`;
    return [
      this.systemdRun,
      `--unit=${unit}`,
      '--collect',
      '--quiet',
      '--property=Type=exec',
      ...(this.configFile === undefined ? [] : [`--setenv=HOMESIGHT_CONFIG=${this.configFile}`]),
      process.execPath,
      join(realpathSync(this.appRoot), 'bin', 'homesight.js'),
      'fleet',
      'apply',
      ...('rollback' in target ? ['--rollback'] : ['--version', target.version]),
    ];
  }

  async apply(_u: Updater, target: { version: string } | { rollback: true }, progress: Progress): Promise<null> {
    const [cmd, ...args] = this.argv(target);
    await new Promise<void>((resolveRun, reject) => {
      const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', (e) =>
        reject(
          new HomeSightError('E_FLEET_LAUNCH', `cannot run ${cmd}: ${e.message}`, {
            hint: 'fleet updates need systemd (run HomeSight as homesight.service)',
          }),
        ),
      );
      child.on('exit', (code) =>
        code === 0
          ? resolveRun()
          : reject(
              new HomeSightError('E_FLEET_LAUNCH', `${cmd} exited with ${code ?? '?'}: ${err.trim().slice(0, 300)}`, {
                hint: 'allow the homesight user to start transient units (polkit rule in docs/fleet.md)',
              }),
            ),
      );
    });
    this.log.info({ target }, 'update handed to a transient systemd unit; this process will be restarted');
    await progress('handed_off', { note: 'the outcome is published on fleet/state and fleet/event after the restart' });
    return null;
  }
}

export interface FleetDeps {
  restarter: Restarter;
  probe: HealthProbe;
  launcher: Launcher;
  /** The running installation (node_modules are reused from it). */
  appRoot: string;
  bridge: MqttBridge | null;
  /** Asks the daemon to reload its config (after a config push); null when it cannot. */
  reload: () => Promise<HomeSightEvents['system.reload'] | null>;
}

function reloadViaSighup(ctx: ModuleContext): () => Promise<HomeSightEvents['system.reload'] | null> {
  return () => {
    if (process.listenerCount('SIGHUP') === 0) return Promise.resolve(null);
    return new Promise((res) => {
      const owner = {};
      const t = setTimeout(() => {
        ctx.bus.removeListeners(owner);
        res({ ok: false, applied: [], needsRestart: [], problems: ['reload did not finish within 30 s'] });
      }, 30_000);
      ctx.bus.on('system.reload', owner, (out) => {
        clearTimeout(t);
        ctx.bus.removeListeners(owner);
        res(out);
      });
      process.kill(process.pid, 'SIGHUP');
    });
  };
}

/** Paths of the fleet folders for a config. */
export function fleetPaths(config: HomeSightConfig): { releases: string; link: string; inbox: string; state: string } {
  const data = resolve(config.paths.data_dir);
  return {
    releases: resolveIn(data, config.fleet.releases_dir),
    link: resolveIn(data, config.fleet.current_link),
    inbox: resolveIn(data, config.fleet.inbox_dir),
    state: join(data, 'fleet-state.json'),
  };
}

/**
 * The `fleet` module: signed update bundles delivered by MQTT command
 * (`update`, `rollback`), config pushes (`config`), and reports on
 * `<base>/fleet/state` (retained) and `<base>/fleet/event` (QoS 1).
 */
export class FleetModule implements ServiceModule {
  readonly name = 'fleet';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  readonly updater: Updater;
  readonly releases: ReleaseStore;
  private readonly stateFile: StateFile;
  private readonly paths: ReturnType<typeof fleetPaths>;
  private unregister: Array<() => void> = [];
  private watch: NodeJS.Timeout | null = null;
  private busy = false;
  private emitted: number | null = null;
  private readonly configFile: string | undefined;

  constructor(
    private readonly ctx: ModuleContext,
    private readonly deps: FleetDeps,
  ) {
    this.dependsOn = ctx.dependsOn;
    this.paths = fleetPaths(ctx.config);
    this.configFile = ctx.config.fleet.config_file ?? ctx.env.HOMESIGHT_CONFIG;
    this.releases = new ReleaseStore(this.paths.releases, this.paths.link);
    this.stateFile = new StateFile(this.paths.state);
    this.updater = new Updater({
      releases: this.releases,
      state: this.stateFile,
      restarter: deps.restarter,
      probe: deps.probe,
      fleet: ctx.config.fleet,
      configVersion: ctx.config.version,
      appRoot: deps.appRoot,
      selfCheckEnv: { ...ctx.env, ...(this.configFile === undefined ? {} : { HOMESIGHT_CONFIG: this.configFile }) },
      log: ctx.log,
      clock: ctx.clock,
    });
  }

  async start(): Promise<void> {
    mkdirSync(this.paths.releases, { recursive: true });
    mkdirSync(this.paths.inbox, { recursive: true });
    if (this.ctx.config.fleet.trusted_keys.length === 0)
      this.ctx.log.warn('fleet.trusted_keys is empty: every update bundle will be refused');
    const bridge = this.deps.bridge;
    if (bridge !== null) {
      this.unregister.push(
        bridge.serve('command/update', (a, rc) => this.onUpdate(a, rc)),
        bridge.serve('command/rollback', (_a, rc) => this.onRollback(rc)),
        bridge.serve('command/config', (a) => this.onConfig(a)),
      );
      bridge.onConnect(this, () => this.report());
    }
    const s = this.stateFile.read();
    if (s.pending !== null) this.watchPending();
    this.report();
  }

  /** While an apply runs in another process, follow the state file and report when it ends. */
  private watchPending(): void {
    if (this.watch !== null) return;
    const started = this.ctx.clock.monotonic();
    const limit = this.ctx.config.fleet.health_window_s * 3000 + 60_000;
    this.watch = setInterval(() => {
      const s = this.stateFile.read();
      if (s.pending === null || this.ctx.clock.monotonic() - started > limit) {
        if (s.pending !== null) {
          this.stateFile.update((x) => {
            x.history.push({
              version: s.pending!.version,
              outcome: 'failed',
              reason: 'the update was interrupted (no outcome recorded)',
              code: 'E_FLEET_INTERRUPTED',
              previous: s.pending!.previous,
              at: new Date(this.ctx.clock.now()).toISOString(),
            });
            x.pending = null;
          });
        }
        clearInterval(this.watch!);
        this.watch = null;
        this.report();
      }
    }, 2_000);
    this.watch.unref();
  }

  /** Publishes fleet/state and every outcome not reported yet (bus 'fleet.update' + MQTT fleet/event). */
  private report(): void {
    const s = this.stateFile.read();
    if (this.emitted === null) this.emitted = Math.min(s.reported, s.history.length);
    for (const e of s.history.slice(this.emitted)) {
      this.ctx.bus.emit('fleet.update', {
        version: e.version,
        outcome: e.outcome,
        ...(e.reason === undefined ? {} : { reason: e.reason }),
        previous: e.previous,
      });
    }
    this.emitted = s.history.length;
    const bridge = this.deps.bridge;
    if (bridge === null) return;
    void bridge.publish('fleet/state', this.snapshot(), { qos: 1, retain: true });
    const unreported = s.history.slice(s.reported);
    // Events are buffered on disk by the MQTT core, so they count as reported once handed over.
    for (const e of unreported) void bridge.publish('fleet/event', { id: `${e.at}-${e.version}-${e.outcome}`, ...e }, { qos: 1 });
    if (unreported.length > 0) this.stateFile.update((x) => (x.reported = x.history.length));
  }

  snapshot(): Record<string, unknown> {
    const s = this.stateFile.read();
    return {
      running_version: VERSION,
      current: this.releases.current(),
      previous: s.previous,
      releases: this.releases.list().map((r) => ({ version: r.version, installed_at: r.installedAt, key_id: r.keyId ?? null })),
      pending: s.pending,
      last: s.history[s.history.length - 1] ?? null,
      trusted_keys: this.ctx.config.fleet.trusted_keys.map(keyId),
      ts: new Date(this.ctx.clock.now()).toISOString(),
    };
  }

  private inboxPath(p: string): string {
    const inbox = realpathSync(this.paths.inbox);
    const abs = isAbsolute(p) ? p : join(inbox, p);
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      throw new HomeSightError('E_BUNDLE_NOT_FOUND', `bundle not found: ${p}`, { hint: `copy it into ${inbox}` });
    }
    const rel = relative(inbox, real);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new HomeSightError('E_FLEET_PATH', `local bundle paths must be inside ${inbox}`, {
        context: { path: p },
        hint: 'copy the bundle into fleet.inbox_dir and pass its name',
      });
    }
    return real;
  }

  private async onUpdate(a: RouteRequest<'command/update'>, rc: RequestContext): Promise<unknown> {
    if (this.busy || this.stateFile.read().pending !== null) throw new HomeSightError('E_FLEET_BUSY', 'an update is already in progress');
    this.busy = true;
    const progress: Progress = (stage, detail) => rc.progress({ stage, ...detail });
    let downloaded: string | null = null;
    let version: string | null = null;
    try {
      let file: string;
      if (a.url !== undefined) {
        await progress('downloading', { url: a.url.replace(/\?.*$/, '') });
        downloaded = join(this.paths.releases, `.download-${randomBytes(6).toString('hex')}.tar.gz`);
        const dl = this.ctx.config.fleet.download;
        await download(a.url, downloaded, {
          maxBytes: dl.max_mb * 1024 * 1024,
          timeoutMs: dl.timeout_s * 1000,
          ...(dl.ca_file === undefined ? {} : { ca: readFileSync(dl.ca_file) }),
          ...(a.sha256 === undefined ? {} : { sha256: a.sha256 }),
        });
        file = downloaded;
      } else {
        file = this.inboxPath(a.path!);
      }
      let prepared;
      try {
        prepared = await this.updater.prepare(file, { allowDowngrade: a.allow_downgrade, progress });
      } catch (err) {
        this.updater.refused(version, err);
        throw err;
      }
      version = prepared.version;
      const entry = await this.deps.launcher.apply(this.updater, { version }, progress);
      if (entry === null) {
        this.watchPending();
        return { version, phase: 'restarting', note: 'the outcome is published on fleet/state and fleet/event after the restart' };
      }
      return this.outcome(entry);
    } catch (err) {
      this.ctx.log.warn({ err: errorMessage(err) }, 'update not installed');
      throw err;
    } finally {
      this.busy = false;
      if (downloaded !== null && existsSync(downloaded)) await rm(downloaded, { force: true });
      this.report();
    }
  }

  private outcome(entry: HistoryEntry): unknown {
    if (entry.outcome === 'installed') return { version: entry.version, outcome: entry.outcome, previous: entry.previous };
    throw new HomeSightError(isErrorCode(entry.code) ? entry.code : 'E_FLEET_UPDATE', entry.reason ?? `update ${entry.outcome}`, {
      context: { ...entry },
      hint:
        entry.outcome === 'rolled_back'
          ? `the device runs ${entry.previous ?? 'the previous version'} again; check the new version's logs`
          : 'check the device: it may need manual recovery',
    });
  }

  private async onRollback(rc: RequestContext): Promise<unknown> {
    if (this.busy || this.stateFile.read().pending !== null) throw new HomeSightError('E_FLEET_BUSY', 'an update is already in progress');
    this.busy = true;
    try {
      const entry = await this.deps.launcher.apply(this.updater, { rollback: true }, (stage, detail) => rc.progress({ stage, ...detail }));
      if (entry === null) {
        this.watchPending();
        return { phase: 'restarting' };
      }
      return this.outcome(entry);
    } finally {
      this.busy = false;
      this.report();
    }
  }

  private async onConfig(a: RouteRequest<'command/config'>): Promise<unknown> {
    const file = this.configFile;
    if (file === undefined) {
      throw new HomeSightError('E_FLEET_NO_CONFIG_FILE', 'this daemon runs without a config file, so a push has nothing to replace', {
        hint: 'start it with --config FILE or HOMESIGHT_CONFIG, or set fleet.config_file',
      });
    }
    const out = pushConfig(a.yaml, file, this.ctx.env);
    this.ctx.log.info({ file, previous: out.previous }, 'config replaced by a push');
    const reload = a.reload ? await this.deps.reload() : null;
    return { ...out, reload: reload ?? (a.reload ? 'restart the daemon to apply (it cannot reload in place)' : 'not requested') };
  }

  async stop(): Promise<void> {
    if (this.watch !== null) clearInterval(this.watch);
    this.watch = null;
    for (const u of this.unregister) u();
    this.unregister = [];
    this.deps.bridge?.unsubscribeAll(this);
  }

  health(): ModuleHealth {
    const s = this.stateFile.read();
    const last = s.history[s.history.length - 1];
    const details = {
      current: this.releases.current(),
      running_version: VERSION,
      pending: s.pending,
      last: last ?? null,
      config_version: CONFIG_VERSION,
    };
    if (last?.outcome === 'rollback_failed')
      return { status: 'degraded', summary: `last update failed and could not roll back: ${last.reason ?? ''}`.slice(0, 200), details };
    return {
      status: 'ok',
      summary: s.pending !== null ? `updating to ${s.pending.version}` : `release ${this.releases.current() ?? VERSION}`,
      details,
    };
  }
}

/**
 * The daemon's factory (fleet/definition.ts loads this file when the module is enabled). Production wiring:
 * systemctl restart through a transient unit, /healthz probe, the MQTT bridge.
 */
export function createFleetModule(ctx: ModuleContext): FleetModule {
  const appRoot = APP_ROOT;
  const configFile = ctx.config.fleet.config_file ?? ctx.env.HOMESIGHT_CONFIG;
  return new FleetModule(ctx, {
    restarter: new SystemdRestarter(ctx.config.fleet.service),
    probe: new HttpHealthProbe(ctx.config.health.host, ctx.config.health.port),
    launcher: new SystemdRunLauncher(appRoot, configFile, ctx.log),
    appRoot,
    bridge: findMqttBridge(ctx.container),
    reload: reloadViaSighup(ctx),
  });
}
