import { rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import {
  HomeSightError,
  errorMessage,
  type Clock,
  type Logger,
  type ModuleHealth,
  type ReloadOutcome,
  type ServiceModule,
} from '../system/index.js';
import type { Embedder } from './embedder.js';
import { MemoryStore } from './store.js';

const DAY_MS = 86_400_000;
/** Events deleted per retention transaction (keeps each write short). */
const RETENTION_CHUNK = 5000;

/** What the memory module needs from the composition root. */
export type MemoryModuleContext = Pick<ModuleContext, 'config' | 'log' | 'clock'> & {
  metrics?: Registry;
  /** Long-term memory embedder (default: lexical). */
  embedder?: Embedder;
};

/** Path of the database file: memory.db_file relative to paths.data_dir. */
export function memoryDbPath(config: HomeSightConfig): string {
  return resolve(config.paths.data_dir, config.memory.db_file);
}

/**
 * Event retention in days: memory.event_retain_days, but never shorter than
 * the longest recording retention, so footage never outlives its events.
 * 0 keeps events forever.
 */
export function effectiveRetainDays(config: HomeSightConfig): number {
  const days = config.memory.event_retain_days;
  if (days === 0) return 0;
  const footage = Object.values(config.cameras)
    .filter((c) => c.record.enabled)
    .map((c) => c.record.retain_days);
  return Math.max(days, ...footage);
}

interface Metrics {
  names: string[];
  written: Counter;
  flush: Histogram;
}

/**
 * The memory capability as a ServiceModule (essential: nothing works without
 * it). start() opens the database; health() reports size, events and the
 * write queue; stop() commits pending events and closes. Event retention runs
 * on a timer in small transactions.
 */
export class MemoryModule implements ServiceModule<HomeSightConfig> {
  readonly name = 'memory';
  readonly essential = true;
  readonly dependsOn: readonly string[] = [];
  private storeRef: MemoryStore | null = null;
  private config: HomeSightConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private retentionTimer: NodeJS.Timeout | null = null;
  private retentionRun: Promise<unknown> | null = null;
  private metrics: Metrics | null = null;
  /** Last retention outcome, for health. */
  private lastRetention: { at: number; deleted: number; error: string | null } | null = null;

  constructor(private readonly ctx: MemoryModuleContext) {
    this.config = ctx.config;
    this.log = ctx.log;
    this.clock = ctx.clock;
  }

  /** The open store; other modules call this from their start() (they depend on 'memory'). */
  get store(): MemoryStore {
    if (this.storeRef === null || !this.storeRef.isOpen) {
      throw new HomeSightError('E_MEMORY_NOT_STARTED', 'memory module is not running', {
        hint: 'add "memory" to the module\'s dependsOn and use the store from start(), not from the constructor',
      });
    }
    return this.storeRef;
  }

  async start(_signal?: AbortSignal): Promise<void> {
    const m = this.config.memory;
    const file = memoryDbPath(this.config);
    this.registerMetrics();
    const store = new MemoryStore({
      file,
      log: this.log,
      clock: this.clock,
      batchMs: m.batch_ms,
      batchMax: m.batch_max,
      integrityCheck: m.integrity_check,
      cacheMb: m.cache_mb,
      ...(this.ctx.embedder === undefined ? {} : { embedder: this.ctx.embedder }),
      onFlush: (info) => {
        this.metrics?.written.inc(info.written);
        this.metrics?.flush.observe(info.ms / 1000);
      },
    });
    this.storeRef = store;
    store.cameras.sync(Object.entries(this.config.cameras).map(([name, c]) => ({ name, room: c.room ?? null })));
    const s = store.stats();
    this.log.info(
      {
        file,
        events: s.events,
        bytes: s.fileBytes,
        schema: s.schemaVersion,
        integrity: store.integrity,
        integrity_ms: Math.round(store.integrityMs),
        retain_days: effectiveRetainDays(this.config),
      },
      'memory database open',
    );
    this.scheduleRetention(10_000);
  }

  private registerMetrics(): void {
    const reg = this.ctx.metrics;
    if (reg === undefined || this.metrics !== null) return;
    const stats = (): ReturnType<MemoryStore['stats']> | null => (this.storeRef?.isOpen === true ? this.storeRef.stats() : null);
    const gauges = [
      new Gauge({
        name: 'homesight_memory_events',
        help: 'events stored',
        registers: [reg],
        collect() {
          this.set(stats()?.events ?? 0);
        },
      }),
      new Gauge({
        name: 'homesight_memory_pending_events',
        help: 'events waiting for the next commit',
        registers: [reg],
        collect() {
          this.set(stats()?.pending ?? 0);
        },
      }),
      new Gauge({
        name: 'homesight_memory_db_bytes',
        help: 'size of the database file plus its WAL',
        registers: [reg],
        collect() {
          const s = stats();
          this.set(s === null ? 0 : s.fileBytes + s.walBytes);
        },
      }),
      new Gauge({
        name: 'homesight_memory_dropped_events',
        help: 'events dropped because commits kept failing',
        registers: [reg],
        collect() {
          this.set(stats()?.dropped ?? 0);
        },
      }),
    ];
    const written = new Counter({
      name: 'homesight_memory_events_written_total',
      help: 'event rows written (inserts and updates)',
      registers: [reg],
    });
    const flush = new Histogram({
      name: 'homesight_memory_flush_seconds',
      help: 'time of one event batch commit',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [reg],
    });
    void gauges;
    this.metrics = {
      names: [
        'homesight_memory_events',
        'homesight_memory_pending_events',
        'homesight_memory_db_bytes',
        'homesight_memory_dropped_events',
        'homesight_memory_events_written_total',
        'homesight_memory_flush_seconds',
      ],
      written,
      flush,
    };
  }

  private scheduleRetention(delayMs: number): void {
    if (this.retentionTimer !== null) clearTimeout(this.retentionTimer);
    this.retentionTimer = setTimeout(() => {
      this.retentionTimer = null;
      this.retentionRun = this.runRetention().finally(() => {
        this.retentionRun = null;
        if (this.storeRef?.isOpen === true) this.scheduleRetention(this.config.memory.retention_interval_s * 1000);
      });
    }, delayMs);
    this.retentionTimer.unref();
  }

  /**
   * Deletes events that ended before now − retention (and their snapshots),
   * plus conversation turns as old, in chunks that yield to the event loop.
   */
  async runRetention(): Promise<number> {
    const days = effectiveRetainDays(this.config);
    if (days === 0 || this.storeRef === null) return 0;
    const store = this.storeRef;
    const cutoff = this.clock.now() - days * DAY_MS;
    let deleted = 0;
    try {
      for (;;) {
        if (!store.isOpen) break;
        const r = store.events.deleteEndedBefore(cutoff, RETENTION_CHUNK);
        deleted += r.deleted;
        if (this.config.memory.delete_snapshots) {
          for (const snap of r.snapshots) {
            const p = isAbsolute(snap) ? snap : resolve(this.config.paths.data_dir, snap);
            await rm(p, { force: true }).catch((err: unknown) =>
              this.log.warn({ snapshot: p, err: errorMessage(err) }, 'snapshot not deleted'),
            );
          }
        }
        if (r.deleted < RETENTION_CHUNK) break;
        await yieldToLoop();
      }
      if (store.isOpen) store.conversations.pruneBefore(cutoff);
      this.lastRetention = { at: this.clock.now(), deleted, error: null };
      if (deleted > 0) this.log.info({ deleted, retain_days: days }, 'old events deleted');
    } catch (err) {
      this.lastRetention = { at: this.clock.now(), deleted, error: errorMessage(err) };
      this.log.error({ err: errorMessage(err) }, 'event retention failed; will retry next interval');
    }
    return deleted;
  }

  async stop(): Promise<void> {
    if (this.retentionTimer !== null) clearTimeout(this.retentionTimer);
    this.retentionTimer = null;
    const store = this.storeRef;
    if (store !== null && store.isOpen) store.close();
    await this.retentionRun;
    if (this.metrics !== null && this.ctx.metrics !== undefined) {
      for (const n of this.metrics.names) this.ctx.metrics.removeSingleMetric(n);
      this.metrics = null;
    }
  }

  health(): ModuleHealth {
    const store = this.storeRef;
    if (store === null || !store.isOpen) return { status: 'failed', summary: 'database not open' };
    const s = store.stats();
    const mb = (s.fileBytes + s.walBytes) / 2 ** 20;
    const problems: string[] = [];
    if (store.recovery !== null)
      problems.push(`database was corrupt (${store.recovery.reason}); moved to ${store.recovery.movedTo}, started empty`);
    if (s.lastFlushError !== null) problems.push(`event writes failing: ${s.lastFlushError} (${s.pending} pending, ${s.dropped} dropped)`);
    if (this.lastRetention?.error != null) problems.push(`retention failed: ${this.lastRetention.error}`);
    const base = `${s.events} events, ${mb.toFixed(1)} MB, ${s.pending} pending`;
    return {
      status: problems.length > 0 ? 'degraded' : 'ok',
      summary: problems.length > 0 ? `${problems.join('; ')} — ${base}` : base,
      details: {
        file: s.file,
        db_bytes: s.fileBytes,
        wal_bytes: s.walBytes,
        events: s.events,
        pending: s.pending,
        written: s.written,
        dropped: s.dropped,
        last_flush_ms: Math.round(s.lastFlushMs * 100) / 100,
        last_flush_error: s.lastFlushError,
        schema_version: s.schemaVersion,
        retain_days: effectiveRetainDays(this.config),
        last_retention: this.lastRetention,
        recovered: store.recovery,
      },
    };
  }

  reload(next: HomeSightConfig): ReloadOutcome {
    const applied: string[] = [];
    const needsRestart: string[] = [];
    const prev = this.config.memory;
    if (next.memory.event_retain_days !== prev.event_retain_days) applied.push('memory.event_retain_days');
    if (next.memory.retention_interval_s !== prev.retention_interval_s) applied.push('memory.retention_interval_s');
    if (next.memory.delete_snapshots !== prev.delete_snapshots) applied.push('memory.delete_snapshots');
    for (const k of ['db_file', 'batch_ms', 'batch_max', 'integrity_check', 'cache_mb'] as const) {
      if (next.memory[k] !== prev[k]) needsRestart.push(`memory.${k}`);
    }
    this.config = next;
    if (applied.includes('memory.retention_interval_s') && this.retentionRun === null && this.storeRef?.isOpen === true) {
      this.scheduleRetention(next.memory.retention_interval_s * 1000);
    }
    if (this.storeRef?.isOpen === true) {
      this.storeRef.cameras.sync(Object.entries(next.cameras).map(([name, c]) => ({ name, room: c.room ?? null })));
    }
    return { applied, needsRestart };
  }
}

/** The daemon's factory (memory/definition.ts loads this file when the module is enabled). */
export function createMemoryModule(ctx: ModuleContext): MemoryModule {
  return new MemoryModule(ctx);
}
