import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Registry } from 'prom-client';
import {
  loadConfig,
  ConfigError,
  configSchema,
  formatProblem,
  isLiveKey,
  liveKeys,
  type HomeSightConfig,
  type LoadOptions,
} from './config/index.js';
import {
  EXIT,
  EventBus,
  HealthServer,
  LogHub,
  ServiceContainer,
  SystemdNotifier,
  VERSION,
  errorMessage,
  systemClock,
  watchdogIntervalMs,
  type Clock,
  type HealthSnapshot,
  type Logger,
  type Notifier,
  type ServiceModule,
} from './system/index.js';
import type { HomeSightEvents } from './contracts/index.js';
import { startsAfter, type ModuleContext } from './context.js';
import { MODULES, type ModuleDefinition, type ModuleMap, type ModuleName } from './modules.js';

export interface DaemonOptions {
  load: LoadOptions;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  notifier?: Notifier;
  /** Module definitions to use instead of the built-in MODULES (tests). */
  modules?: readonly ModuleDefinition[];
  /** JSON log destination (tests). */
  logDestination?: NodeJS.WritableStream;
}

/** Exit codes from sysexits.h that systemd and scripts understand. */
interface ExtensionModuleFile {
  createModule(ctx: ModuleContext): ServiceModule | Promise<ServiceModule>;
}

function changedKeys(a: unknown, b: unknown, prefix = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObj(a) || !isObj(b)) return [prefix];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => changedKeys(a[k], b[k], prefix === '' ? k : `${prefix}.${k}`));
}

/**
 * The composition root: builds every module from config, wires them through
 * the container and the event bus, and speaks to systemd.
 */
export class Daemon {
  config: HomeSightConfig;
  readonly logs: LogHub;
  readonly log: Logger;
  readonly container: ServiceContainer;
  readonly bus: EventBus<HomeSightEvents>;
  readonly metrics = new Registry();
  private readonly clock: Clock;
  private readonly notifier: Notifier;
  private readonly env: NodeJS.ProcessEnv;
  private health: HealthServer | null = null;
  private healthPort: number | null = null;
  private timers: NodeJS.Timeout[] = [];
  private phase: HealthSnapshot['status'] = 'starting';
  private lastStatus = '';
  private readonly startedAt: number;
  private stopping: Promise<void> | null = null;
  /** The definition that built each registered module (failed builds and extensions have none). */
  private readonly builtBy = new Map<string, ModuleDefinition>();

  constructor(
    private readonly loaded: ReturnType<typeof loadConfig>,
    private readonly options: DaemonOptions,
  ) {
    this.config = loaded.config;
    this.env = options.env ?? process.env;
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.monotonic();
    this.logs = new LogHub({
      level: this.config.log.level,
      pretty: this.config.log.pretty,
      ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    });
    this.log = this.logs.child({ module: 'daemon' });
    this.notifier = options.notifier ?? new SystemdNotifier(this.log, this.env);
    this.bus = new EventBus<HomeSightEvents>((event, err) => this.log.error({ event, err: errorMessage(err) }, 'event listener threw'));
    this.container = new ServiceContainer({
      log: this.logs.child({ module: 'lifecycle' }),
      clock: this.clock,
      stopTimeoutMs: this.config.system.stop_timeout_ms,
      startTimeoutMs: this.config.system.start_timeout_ms,
      probeTimeoutMs: this.config.system.probe_timeout_ms,
    });
  }

  /**
   * The module `name` with its type from the module map; undefined when it is off, failed to build, or was built
   * from another definition than MODULES' (DaemonOptions.modules).
   */
  module<N extends ModuleName>(name: N): ModuleMap[N] | undefined {
    const def = MODULES.find((d) => d.name === name);
    if (def === undefined || this.builtBy.get(name) !== def) return undefined;
    // Sound: what is registered under `name` is what this definition's create() returned, typed ModuleMap[N].
    return this.container.get(name) as ModuleMap[N] | undefined;
  }

  get port(): number | null {
    return this.healthPort;
  }

  /** `dependsOn`: the modules it starts after (startsAfter() of its definition; extensions declare their own). */
  private context(name: string, dependsOn: readonly string[] = []): ModuleContext {
    return {
      config: this.config,
      logs: this.logs,
      log: this.logs.child({ module: name }),
      clock: this.clock,
      bus: this.bus,
      metrics: this.metrics,
      container: this.container,
      env: this.env,
      dependsOn,
    };
  }

  private ensureDirs(): void {
    for (const d of [this.config.paths.data_dir, this.config.paths.cache_dir]) {
      try {
        mkdirSync(isAbsolute(d) ? d : resolve(d), { recursive: true });
      } catch (err) {
        this.log.error({ dir: d, err: errorMessage(err) }, 'cannot create state folder');
      }
    }
  }

  /** Builds modules; a factory that throws becomes a failed module, not a crash. */
  private async buildModules(): Promise<void> {
    const definitions: readonly ModuleDefinition[] = this.options.modules ?? MODULES;
    for (const def of definitions) {
      if (!def.enabled(this.config)) continue;
      try {
        this.container.register(await def.create(this.context(def.name, startsAfter(def, this.container))));
        this.builtBy.set(def.name, def);
      } catch (err) {
        this.container.register(failedModule(def.name, err));
      }
    }
    for (const ext of this.config.system.extensions) {
      const path = isAbsolute(ext.path) ? ext.path : resolve(ext.path);
      const name = `ext:${path.split('/').pop() ?? path}`;
      try {
        const mod = (await import(pathToFileURL(path).href)) as Partial<ExtensionModuleFile>;
        if (typeof mod.createModule !== 'function') throw new Error(`${path} does not export createModule(ctx)`);
        const m = await mod.createModule(this.context(name));
        this.container.register(ext.essential ? { ...bindModule(m), essential: true } : m);
      } catch (err) {
        this.log.error({ extension: path, err: errorMessage(err) }, 'extension not loaded');
        this.container.register(failedModule(name, err));
      }
    }
  }

  /** Starts everything; resolves with an exit code when an essential module failed, else null. */
  async start(): Promise<number | null> {
    this.log.info({ version: VERSION, config: this.loaded.source, env_overrides: this.loaded.envOverrides }, 'HomeSight starting');
    this.ensureDirs();
    if (this.config.health.enabled) {
      this.health = new HealthServer(this.metrics, () => this.snapshot(), this.logs.child({ module: 'health' }));
      try {
        const addr = await this.health.listen(this.config.health.host, this.config.health.port);
        this.healthPort = addr.port;
        this.log.info({ host: addr.address, port: addr.port }, 'health endpoint listening');
      } catch (err) {
        this.log.error(
          { err: errorMessage(err), port: this.config.health.port },
          'health endpoint not started (port in use?); continuing without it',
        );
        this.health = null;
      }
    }
    await this.buildModules();
    const { failedEssential, failed } = await this.container.startAll();
    if (failedEssential.length > 0) {
      this.phase = 'failed';
      this.notifier.notify(`STATUS=essential module failed: ${failedEssential.join(', ')}`);
      this.log.fatal({ modules: failedEssential }, 'essential module failed to start; exiting');
      await this.stop();
      return EXIT.FAILURE;
    }
    await this.container.probe();
    this.phase = this.overall();
    this.notifier.notify(`READY=1\nSTATUS=${this.summary()}\nMAINPID=${process.pid}`);
    this.log.info({ failed, status: this.summary() }, 'HomeSight ready');
    this.startLoops();
    return null;
  }

  private overall(): 'ok' | 'degraded' | 'failed' {
    const reports = this.container.reports();
    if (reports.some((r) => r.essential && r.state === 'failed')) return 'failed';
    if (reports.some((r) => r.stuck || r.state === 'failed' || r.state === 'degraded')) return 'degraded';
    return 'ok';
  }

  /** One line for systemd's STATUS= and the MQTT status topic. */
  summary(): string {
    const reports = this.container.reports();
    const up = reports.filter((r) => r.state === 'running' && !r.stuck).length;
    const bad = reports.filter((r) => r.state !== 'running' || r.stuck).map((r) => `${r.name}:${r.stuck ? 'stuck' : r.state}`);
    return `${this.overall()}: ${up}/${reports.length} modules running${bad.length > 0 ? ` (${bad.join(', ')})` : ''}`;
  }

  snapshot(): HealthSnapshot {
    return {
      status: this.phase === 'ok' || this.phase === 'degraded' ? this.overall() : this.phase,
      version: VERSION,
      uptime_s: Math.round((this.clock.monotonic() - this.startedAt) / 1000),
      modules: this.container.reports(),
    };
  }

  private startLoops(): void {
    const wd = watchdogIntervalMs(this.env);
    const interval = wd === null ? this.config.system.probe_interval_ms : Math.max(50, Math.floor(wd / 2));
    let busy = false;
    const tick = async (): Promise<void> => {
      if (busy || this.stopping !== null) return;
      busy = true;
      try {
        const modules = await this.container.probe();
        const status = this.overall();
        if (this.phase === 'ok' || this.phase === 'degraded' || this.phase === 'failed') this.phase = status;
        const summary = this.summary();
        if (summary !== this.lastStatus) {
          this.lastStatus = summary;
          this.notifier.notify(`STATUS=${summary}`);
          if (status !== 'ok') this.log.warn({ status: summary }, 'health changed');
          else this.log.info({ status: summary }, 'health changed');
        }
        this.bus.emit('system.health', { status, modules, summary });
        // Pings only while the event loop turns and no module is stuck: a stuck
        // module lets systemd's watchdog restart the service.
        if (wd !== null && this.container.healthyForWatchdog()) this.notifier.notify('WATCHDOG=1');
      } finally {
        busy = false;
      }
    };
    const t = setInterval(() => void tick(), interval);
    this.timers.push(t);
    void tick();
  }

  /** SIGHUP: re-read the config; apply what can be applied live; keep the old one on errors. */
  async reload(): Promise<{ ok: boolean; applied: string[]; needsRestart: string[]; problems: string[] }> {
    this.notifier.notify(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`);
    let next: HomeSightConfig;
    try {
      next = loadConfig(this.options.load).config;
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems.map(formatProblem) : [errorMessage(err)];
      this.log.error({ problems }, 'config reload rejected; keeping the running config');
      this.notifier.notify(`READY=1\nSTATUS=reload rejected: ${problems[0] ?? 'invalid config'}`);
      const out = { ok: false, applied: [], needsRestart: [], problems };
      this.bus.emit('system.reload', out);
      return out;
    }
    const changed = changedKeys(this.config, next);
    const liveList = liveKeys(configSchema);
    const live = changed.filter((k) => isLiveKey(k, liveList));
    const needsRestart = changed.filter((k) => !live.includes(k));
    if (next.log.level !== this.config.log.level) this.logs.setLevel(next.log.level);
    this.config = next;
    const outcomes = await this.container.reloadAll(() => next);
    // A live key a module could not apply (its reload says needsRestart) is reported as such, not as applied.
    const notApplied = Object.values(outcomes).flatMap((o) => ('error' in o ? [] : o.needsRestart));
    const applied = live.filter((k) => !isLiveKey(k, notApplied));
    needsRestart.push(...live.filter((k) => isLiveKey(k, notApplied)));
    for (const o of Object.values(outcomes)) if ('error' in o) needsRestart.push(o.error);
    const out = { ok: true, applied, needsRestart, problems: [] };
    this.log.info(out, 'config reloaded');
    this.notifier.notify(
      `READY=1\nSTATUS=${this.summary()}${needsRestart.length > 0 ? ` (restart needed for: ${needsRestart.join(', ')})` : ''}`,
    );
    this.bus.emit('system.reload', out);
    return out;
  }

  /** Stops modules in reverse order; idempotent. */
  stop(): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    this.phase = 'stopping';
    this.notifier.notify('STOPPING=1\nSTATUS=stopping');
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.stopping = (async () => {
      await this.container.stopAll();
      await this.health?.close();
      this.log.info('HomeSight stopped');
    })();
    return this.stopping;
  }
}

function failedModule(name: string, err: unknown): ServiceModule {
  return {
    name,
    essential: false,
    dependsOn: [],
    start: () => Promise.reject(err instanceof Error ? err : new Error(String(err))),
    stop: () => Promise.resolve(),
    health: () => ({ status: 'failed', summary: errorMessage(err) }),
  };
}

/** Copies a module's methods onto a plain object so `essential` can be overridden. */
function bindModule(m: ServiceModule): ServiceModule {
  return {
    name: m.name,
    essential: m.essential,
    dependsOn: m.dependsOn,
    start: (s) => m.start(s),
    stop: () => m.stop(),
    health: () => m.health(),
    ...(m.reload === undefined ? {} : { reload: (c: unknown) => m.reload!(c) }),
  };
}

/**
 * Runs the daemon in this process until SIGTERM/SIGINT; SIGHUP reloads.
 * Resolves with the process exit code.
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig(options.load);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`homesight: ${err.message}\n`);
      return EXIT.CONFIG;
    }
    throw err;
  }
  const daemon = new Daemon(loaded, options);
  const early = await daemon.start();
  if (early !== null) return early;
  return new Promise<number>((resolveExit) => {
    let exiting = false;
    const shutdown = (signal: string): void => {
      if (exiting) return;
      exiting = true;
      daemon.log.info({ signal }, 'shutting down');
      const bound = daemon.config.system.stop_timeout_ms * 2 + 1000;
      const hard = setTimeout(() => {
        daemon.log.error({ bound_ms: bound }, 'graceful stop took too long; exiting anyway');
        resolveExit(EXIT.FAILURE);
      }, bound);
      hard.unref();
      void daemon.stop().then(() => {
        clearTimeout(hard);
        resolveExit(EXIT.OK);
      });
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGHUP', () => void daemon.reload());
    process.on('unhandledRejection', (reason) => daemon.log.error({ err: errorMessage(reason) }, 'unhandled promise rejection'));
  });
}
