import type { Logger } from 'pino';
import { asHomeSightError, HomeSightError } from './errors.js';
import type { Clock } from './clock.js';

export type ModuleState = 'idle' | 'starting' | 'running' | 'degraded' | 'failed' | 'stopping' | 'stopped';

/** What a module says about itself; shown on /healthz and the MQTT status topic. */
export interface ModuleHealth {
  /** ok: working; degraded: working with problems (one camera down); failed: not working. */
  status: 'ok' | 'degraded' | 'failed';
  /** One line for people. */
  summary?: string;
  /** Module-specific details (per camera, per model, …). */
  details?: Record<string, unknown>;
}

export interface ReloadOutcome {
  /** Config keys applied live. */
  applied: string[];
  /** Config keys that changed but take effect only after a restart. */
  needsRestart: string[];
}

/**
 * A capability of the daemon (ingest, vision, memory, agent, mqtt, learning,
 * fleet). Constructors do nothing; work happens in start(). The container
 * starts modules in dependency order and stops them in reverse.
 */
export interface ServiceModule<TConfig = unknown> {
  readonly name: string;
  /** If an essential module fails to start, the daemon does not report READY and exits. */
  readonly essential: boolean;
  /** Names of modules that must be running before this one starts. */
  readonly dependsOn: readonly string[];
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /**
   * Liveness and health. Must answer quickly: a module whose health() does
   * not resolve within the container's probe timeout counts as stuck, which
   * stops the systemd watchdog pings.
   */
  health(): ModuleHealth | Promise<ModuleHealth>;
  /** Applies what it can of a new config live; says what needs a restart. */
  reload?(next: TConfig): Promise<ReloadOutcome> | ReloadOutcome;
}

export interface ModuleReport {
  name: string;
  essential: boolean;
  state: ModuleState;
  health: ModuleHealth | null;
  error: { code: string; message: string; hint?: string } | null;
  startedAt: number | null;
  /** true when the last liveness probe did not answer in time. */
  stuck: boolean;
}

interface Entry {
  module: ServiceModule;
  state: ModuleState;
  error: HomeSightError | null;
  startedAt: number | null;
  lastHealth: ModuleHealth | null;
  stuck: boolean;
  /** Promise of the probe still pending (a stuck module is not probed twice at once). */
  pendingProbe: Promise<void> | null;
}

export interface ContainerOptions {
  log: Logger;
  clock: Clock;
  /** Upper bound for one module's stop(); the whole stop is bounded by stopTimeoutMs × modules. */
  stopTimeoutMs: number;
  /** A health() that takes longer than this counts as stuck. */
  probeTimeoutMs: number;
  /** Upper bound for one module's start(). */
  startTimeoutMs: number;
}

/** Topologically sorts modules by dependsOn; throws on unknown names and cycles. */
export function startOrder(modules: readonly ServiceModule[]): ServiceModule[] {
  const byName = new Map(modules.map((m) => [m.name, m] as const));
  const out: ServiceModule[] = [];
  const mark = new Map<string, 'visiting' | 'done'>();
  const visit = (m: ServiceModule, chain: string[]): void => {
    const st = mark.get(m.name);
    if (st === 'done') return;
    if (st === 'visiting') {
      throw new HomeSightError('E_MODULE_CYCLE', `module dependency cycle: ${[...chain, m.name].join(' → ')}`, {
        context: { chain: [...chain, m.name] },
      });
    }
    mark.set(m.name, 'visiting');
    for (const dep of m.dependsOn) {
      const d = byName.get(dep);
      if (d === undefined) {
        throw new HomeSightError('E_MODULE_UNKNOWN_DEP', `module "${m.name}" depends on unknown module "${dep}"`, {
          context: { module: m.name, dependency: dep },
          hint: 'register the dependency or remove it from dependsOn',
        });
      }
      visit(d, [...chain, m.name]);
    }
    mark.set(m.name, 'done');
    out.push(m);
  };
  for (const m of modules) visit(m, []);
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * The small service container: dependency-ordered start, reverse stop, a
 * failing non-essential module is reported and the rest keep running.
 */
export class ServiceContainer {
  private readonly entries = new Map<string, Entry>();
  private order: ServiceModule[] = [];
  private readonly abort = new AbortController();
  private readonly log: Logger;

  constructor(private readonly options: ContainerOptions) {
    this.log = options.log;
  }

  register(module: ServiceModule): void {
    if (this.entries.has(module.name)) {
      throw new HomeSightError('E_MODULE_DUPLICATE', `module "${module.name}" registered twice`, { context: { module: module.name } });
    }
    this.entries.set(module.name, {
      module,
      state: 'idle',
      error: null,
      startedAt: null,
      lastHealth: null,
      stuck: false,
      pendingProbe: null,
    });
  }

  /** Whatever is registered under `name` (a failed module's placeholder included); find() when its type matters. */
  get(name: string): ServiceModule | undefined {
    return this.entries.get(name)?.module;
  }

  /**
   * The module registered under `name` when it is a `type` (checked, so a failed module's placeholder or a
   * stand-in is undefined): how modules reach the modules they use.
   */
  find<M extends ServiceModule>(name: string, type: abstract new (...args: never[]) => M): M | undefined {
    const m = this.entries.get(name)?.module;
    return m instanceof type ? m : undefined;
  }

  /**
   * Starts every module in dependency order. A module whose dependency failed
   * is not started (reported as failed with the reason). Resolves with the
   * names of essential modules that failed; the caller decides to exit.
   */
  async startAll(): Promise<{ failedEssential: string[]; failed: string[] }> {
    this.order = startOrder([...this.entries.values()].map((e) => e.module));
    const failed: string[] = [];
    const failedEssential: string[] = [];
    for (const m of this.order) {
      const e = this.entries.get(m.name)!;
      const deadDep = m.dependsOn.find((d) => {
        const s = this.entries.get(d)?.state;
        return s === 'failed' || s === 'stopped';
      });
      if (deadDep !== undefined) {
        e.state = 'failed';
        e.error = new HomeSightError('E_MODULE_DEP_FAILED', `not started: dependency "${deadDep}" failed`, {
          context: { module: m.name, dependency: deadDep },
        });
        this.log.error({ module: m.name, err: e.error.toJSON() }, 'module not started');
        failed.push(m.name);
        if (m.essential) failedEssential.push(m.name);
        continue;
      }
      e.state = 'starting';
      const t0 = this.options.clock.monotonic();
      try {
        await withTimeout(
          m.start(this.abort.signal),
          this.options.startTimeoutMs,
          () =>
            new HomeSightError('E_MODULE_START_TIMEOUT', `module "${m.name}" did not start within ${this.options.startTimeoutMs} ms`, {
              context: { module: m.name, timeoutMs: this.options.startTimeoutMs },
            }),
        );
        e.state = 'running';
        e.startedAt = this.options.clock.now();
        this.log.info({ module: m.name, ms: Math.round(this.options.clock.monotonic() - t0) }, 'module started');
      } catch (err) {
        e.state = 'failed';
        e.error = asHomeSightError(err, 'E_MODULE_START');
        failed.push(m.name);
        if (m.essential) failedEssential.push(m.name);
        this.log.error({ module: m.name, essential: m.essential, err: e.error.toJSON() }, 'module failed to start');
      }
    }
    return { failedEssential, failed };
  }

  /** Marks a running module as failed at run time (e.g. its worker crashed). */
  reportFailure(name: string, err: unknown): void {
    const e = this.entries.get(name);
    if (e === undefined) return;
    e.state = 'failed';
    e.error = asHomeSightError(err, 'E_MODULE_RUNTIME');
    this.log.error({ module: name, err: e.error.toJSON() }, 'module failed');
  }

  /** Stops modules in reverse start order, each bounded by stopTimeoutMs. */
  async stopAll(): Promise<void> {
    this.abort.abort();
    const order = this.order.length > 0 ? this.order : [...this.entries.values()].map((e) => e.module);
    for (const m of [...order].reverse()) {
      const e = this.entries.get(m.name)!;
      if (e.state === 'idle' || e.state === 'stopped') continue;
      const wasFailed = e.state === 'failed';
      e.state = 'stopping';
      try {
        await withTimeout(
          m.stop(),
          this.options.stopTimeoutMs,
          () =>
            new HomeSightError('E_MODULE_STOP_TIMEOUT', `module "${m.name}" did not stop within ${this.options.stopTimeoutMs} ms`, {
              context: { module: m.name },
            }),
        );
        this.log.info({ module: m.name }, 'module stopped');
      } catch (err) {
        const he = asHomeSightError(err, 'E_MODULE_STOP');
        this.log.warn({ module: m.name, err: he.toJSON() }, 'module stop failed; continuing shutdown');
      }
      e.state = wasFailed ? 'failed' : 'stopped';
    }
  }

  /**
   * Asks every running module for its health, bounded by probeTimeoutMs. A
   * module that does not answer is marked stuck until it answers again.
   */
  async probe(): Promise<ModuleReport[]> {
    const probes: Promise<void>[] = [];
    for (const e of this.entries.values()) {
      if (e.state !== 'running' && e.state !== 'degraded') continue;
      if (e.pendingProbe !== null) {
        // The previous probe never answered: still stuck.
        e.stuck = true;
        continue;
      }
      const p = (async () => {
        try {
          const h = await e.module.health();
          e.lastHealth = h;
          e.stuck = false;
          if (e.state === 'running' || e.state === 'degraded') e.state = h.status === 'ok' ? 'running' : 'degraded';
        } catch (err) {
          e.lastHealth = { status: 'failed', summary: asHomeSightError(err).message };
        } finally {
          e.pendingProbe = null;
        }
      })();
      e.pendingProbe = p;
      probes.push(
        withTimeout(p, this.options.probeTimeoutMs, () => new Error('probe timeout')).catch(() => {
          e.stuck = true;
        }),
      );
    }
    await Promise.all(probes);
    return this.reports();
  }

  reports(): ModuleReport[] {
    const list = this.order.length > 0 ? this.order.map((m) => this.entries.get(m.name)!) : [...this.entries.values()];
    return list.map((e) => ({
      name: e.module.name,
      essential: e.module.essential,
      state: e.state,
      health: e.lastHealth,
      error:
        e.error === null
          ? null
          : { code: e.error.code, message: e.error.message, ...(e.error.hint === undefined ? {} : { hint: e.error.hint }) },
      startedAt: e.startedAt,
      stuck: e.stuck,
    }));
  }

  /** True when no module is stuck and no essential module has failed. */
  healthyForWatchdog(): boolean {
    for (const e of this.entries.values()) {
      if (e.stuck) return false;
      if (e.module.essential && e.state === 'failed') return false;
    }
    return true;
  }

  /** Calls reload() on each module that has one; returns per-module outcomes. */
  async reloadAll(configFor: (module: ServiceModule) => unknown): Promise<Record<string, ReloadOutcome | { error: string }>> {
    const out: Record<string, ReloadOutcome | { error: string }> = {};
    for (const m of this.order) {
      const e = this.entries.get(m.name)!;
      if (m.reload === undefined || (e.state !== 'running' && e.state !== 'degraded')) continue;
      try {
        out[m.name] = await m.reload(configFor(m));
      } catch (err) {
        out[m.name] = { error: asHomeSightError(err).message };
      }
    }
    return out;
  }
}
