import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import {
  type HomeEvent,
  type HomeSightEvents,
  type Watch,
  type WatchNotification,
  type WatchSpecInput,
  type WatchStatus,
  watchSpecSchema,
} from '../contracts/index.js';
import type { GroundingContext } from '../grounding/index.js';
import { type MemoryStore, memoryStoreGetter } from '../memory/index.js';
import { type DeclaredEntities, findMqttBridge, type HaEntityDeclaration, type MqttBridge } from '../mqtt/index.js';
import {
  type Clock,
  type EventBus,
  errorMessage,
  formatIsoInZone,
  HomeSightError,
  type Logger,
  type ModuleHealth,
  type ServiceModule,
} from '../system/index.js';
import { describeTrigger } from './describe.js';
import { realScheduler, type WatchEvaluator as Evaluator, WatchEvaluator, type WatchFiring, type WatchScheduler } from './evaluate.js';
import { parseWatchRequest, type WatchParse } from './parse.js';
import type { WatchPreview, WatchRequestOutcome, WatchService } from './service.js';
import { WatchStore } from './store.js';

const HOUR = 3_600_000;

export interface WatchesDeps {
  config: HomeSightConfig;
  log: Logger;
  clock: Clock;
  bus: EventBus<HomeSightEvents>;
  dependsOn?: readonly string[];
  /** The open memory store, or null (not started). */
  store: () => MemoryStore | null;
  /** The MQTT bridge, or null (mqtt off). */
  bridge: () => MqttBridge | null;
  /** Timers (default: real ones on the clock's wall time). */
  scheduler?: WatchScheduler;
}

/** `watch/<id>/event`: the Home Assistant event entity of one watch. */
function eventTopic(id: string): string {
  return `watch/${id}/event`;
}

/** The device trigger type of every watch; the subtype names the watch (type × subtype is unique on the device). */
export const WATCH_TRIGGER_TYPE = 'watch_triggered';

/** "Heinrich gets up from lying down (w_0a1b2c3d4e5f)": what HA's trigger picker shows, unique by the id. */
export function watchTriggerSubtype(w: Pick<Watch, 'id' | 'description'>): string {
  return `${w.description.slice(0, 100)} (${w.id})`;
}

function newWatchId(): string {
  return `w_${randomBytes(6).toString('hex')}`;
}

/**
 * The `watches` module: standing watches stored in the memory database, evaluated on every 'vision.event'
 * (WatchEvaluator: an index by camera × who, timers for durations, no model call), notified on MQTT
 * (watch/triggered with the snapshot, and each watch's Home Assistant event entity), served as watch/create,
 * watch/list and watch/cancel, and to the agent and MCP as the WatchService.
 */
export class WatchesModule implements ServiceModule<HomeSightConfig>, WatchService {
  readonly name = 'watches';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private readonly config: HomeSightConfig;
  private readonly scheduler: WatchScheduler;
  private readonly evaluator: Evaluator;
  private store: WatchStore | null = null;
  private entities: DeclaredEntities | null = null;
  private unserve: Array<() => void> = [];
  private cancelExpiry: (() => void) | null = null;
  private started = false;
  private stats = { events: 0, fired: 0, notifyErrors: 0, lastFiredAt: null as number | null };

  constructor(private readonly deps: WatchesDeps) {
    this.config = deps.config;
    this.dependsOn = deps.dependsOn ?? [];
    this.scheduler = deps.scheduler ?? realScheduler(() => deps.clock.now());
    this.evaluator = new WatchEvaluator(this.scheduler, (f) => this.fire(f));
    // Declared now, not at start: an announcement without them would remove them from Home Assistant.
    const bridge = deps.bridge();
    if (bridge !== null) this.entities = bridge.declareEntities(this, () => this.haEntities(bridge));
  }

  private get watchStore(): WatchStore {
    if (this.store === null) throw new HomeSightError('E_WATCHES_NOT_STARTED', 'the watches module is not running');
    return this.store;
  }

  async start(): Promise<void> {
    const memory = this.deps.store();
    if (memory === null) throw new HomeSightError('E_WATCHES_NOT_STARTED', 'watches need the memory database, which is not open');
    this.store = new WatchStore(memory.db);
    const now = this.deps.clock.now();
    let loaded = 0;
    for (const w of this.store.list('active')) {
      if (w.expires_at <= now) this.store.finish(w.id, 'expired');
      else {
        this.evaluator.add(w);
        loaded++;
      }
    }
    this.deps.bus.on('vision.event', this, (p) => {
      this.stats.events++;
      this.evaluator.onEvent(p.event, p.change);
    });
    const bridge = this.deps.bridge();
    if (bridge !== null) this.serve(bridge);
    this.started = true;
    this.entities?.changed();
    this.scheduleExpiry();
    this.deps.log.info({ active: loaded }, 'watches started');
  }

  async stop(): Promise<void> {
    this.started = false;
    this.deps.bus.removeListeners(this);
    for (const u of this.unserve) u();
    this.unserve = [];
    this.cancelExpiry?.();
    this.cancelExpiry = null;
    for (const w of this.list()) this.evaluator.remove(w.id);
    // Entities stay declared: a stopping daemon is no reason to remove them from Home Assistant.
  }

  health(): ModuleHealth {
    const active = this.evaluator.size;
    return {
      status: this.stats.notifyErrors > 0 && this.stats.fired === this.stats.notifyErrors ? 'degraded' : 'ok',
      summary: `${active} active watch${active === 1 ? '' : 'es'}, fired ${this.stats.fired}×`,
      details: { active, ...this.stats },
    };
  }

  /** watch/create, watch/list, watch/cancel on the MQTT API. */
  private serve(bridge: MqttBridge): void {
    this.unserve.push(
      bridge.serve('watch/create', (a) => this.create(a.spec, a.question === undefined ? {} : { question: a.question })),
      bridge.serve('watch/list', (a) => ({ watches: this.list({ all: a.all }) })),
      bridge.serve('watch/cancel', (a) => ({ cancelled: this.cancel(a.watch_id), watch_id: a.watch_id })),
    );
  }

  // ---- WatchService ---------------------------------------------------------

  create(input: WatchSpecInput, origin: { question?: string } = {}): Watch {
    const store = this.watchStore;
    const parsed = watchSpecSchema.safeParse(input);
    if (!parsed.success) {
      throw new HomeSightError(
        'E_WATCH_INVALID',
        `the watch spec is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        {
          hint: 'see watchSpecSchema (docs/watches.md)',
        },
      );
    }
    const spec = parsed.data;
    const w = this.config.watches;
    if (this.evaluator.size >= w.max_active) {
      throw new HomeSightError('E_WATCH_LIMIT', `${this.evaluator.size} watches are active; watches.max_active is ${w.max_active}`, {
        hint: 'cancel watches you no longer need (homesight watch list / cancel)',
      });
    }
    const now = this.deps.clock.now();
    const starts = spec.starts_at ?? now;
    const expires = spec.expires_at ?? starts + w.default_hours * HOUR;
    if (expires <= now || expires <= starts) {
      throw new HomeSightError('E_WATCH_INVALID', 'the watch would end before it starts (or has already ended)', {
        context: { starts_at: starts, expires_at: expires },
      });
    }
    const cameras = Object.keys(this.config.cameras);
    const unknownCams = spec.trigger.cameras.filter((c) => !cameras.includes(c));
    if (cameras.length > 0 && unknownCams.length > 0) {
      throw new HomeSightError('E_WATCH_INVALID', `no camera named ${unknownCams.join(', ')}`, { hint: `cameras: ${cameras.join(', ')}` });
    }
    const watch: Watch = {
      id: newWatchId(),
      spec,
      description: spec.label ?? describeTrigger(spec.trigger),
      question: origin.question ?? null,
      status: 'active',
      created_at: now,
      starts_at: starts,
      expires_at: expires,
      fired: 0,
      last_fired_at: null,
    };
    store.insert(watch);
    this.evaluator.add(watch);
    this.entities?.changed();
    this.scheduleExpiry();
    this.deps.log.info({ id: watch.id, description: watch.description, expires: formatIsoInZone(expires, this.tz) }, 'watch created');
    return watch;
  }

  fromRequest(question: string, grounding: GroundingContext, nowMs: number): WatchRequestOutcome {
    const parsed = this.parseRequest(question, grounding, nowMs);
    if (!parsed.ok) return parsed;
    const watch = this.create(parsed.spec, { question });
    return { ok: true, watch, confirmation: parsed.confirmation };
  }

  preview(question: string, grounding: GroundingContext, nowMs: number): WatchPreview {
    const parsed = this.parseRequest(question, grounding, nowMs);
    if (!parsed.ok) return parsed;
    return { ok: true, spec: watchSpecSchema.parse(parsed.spec), description: parsed.description, confirmation: parsed.confirmation };
  }

  private parseRequest(question: string, grounding: GroundingContext, nowMs: number): WatchParse {
    const w = this.config.watches;
    return parseWatchRequest(question, {
      grounding,
      nowMs,
      timezone: this.tz,
      defaultHours: w.default_hours,
      defaultCooldownS: w.default_cooldown_s,
    });
  }

  list(options: { all?: boolean; status?: WatchStatus } = {}): Watch[] {
    const status = options.status ?? (options.all === true ? undefined : 'active');
    return this.watchStore.list(status).map((w) => this.evaluator.current(w.id) ?? w);
  }

  get(id: string): Watch | null {
    return this.evaluator.current(id) ?? this.watchStore.get(id);
  }

  cancel(id: string): boolean {
    const ok = this.watchStore.finish(id, 'cancelled');
    this.evaluator.remove(id);
    if (ok) {
      this.entities?.changed();
      this.deps.log.info({ id }, 'watch cancelled');
    }
    return ok;
  }

  // ---- evaluation and notification --------------------------------------------

  private get tz(): string {
    return this.config.household.timezone;
  }

  private scheduleExpiry(): void {
    this.cancelExpiry?.();
    this.cancelExpiry = null;
    const next = this.evaluator.nextExpiry();
    if (next === null || !this.started) return;
    this.cancelExpiry = this.scheduler.after(Math.min(next - this.scheduler.now(), 2 ** 31 - 1), () => {
      const ids = this.evaluator.expired(this.scheduler.now());
      for (const id of ids) {
        this.evaluator.remove(id);
        this.store?.finish(id, 'expired');
      }
      if (ids.length > 0) {
        this.entities?.changed();
        this.deps.log.info({ expired: ids.length }, 'watches expired');
      }
      this.scheduleExpiry();
    });
  }

  private fire(f: WatchFiring): void {
    this.stats.fired++;
    this.stats.lastFiredAt = f.at;
    try {
      this.store?.recordFiring(f.watch);
    } catch (err) {
      this.deps.log.error({ id: f.watch.id, err: errorMessage(err) }, 'could not store a watch firing');
    }
    if (f.watch.status !== 'active') this.entities?.changed();
    void this.notify(f).catch((err: unknown) => {
      this.stats.notifyErrors++;
      this.deps.log.warn({ id: f.watch.id, err: errorMessage(err) }, 'watch notification failed');
    });
  }

  private async notify(f: WatchFiring): Promise<void> {
    const bridge = this.deps.bridge();
    const action = f.watch.spec.action;
    const note = this.notification(f, action.snapshot ? await this.snapshot(f.event) : null);
    this.deps.log.info({ id: f.watch.id, camera: note.camera, identity: note.identity, activity: note.activity }, 'watch fired');
    if (bridge === null) return;
    const sends: Promise<void>[] = [];
    if (action.mqtt) sends.push(bridge.publish('watch/triggered', note, { qos: 1 }));
    if (action.ha_event) {
      const { snapshot: _jpeg, ...attributes } = note;
      sends.push(bridge.publish(eventTopic(f.watch.id), { event_type: 'triggered', ...attributes }, { qos: 1 }));
    }
    await Promise.all(sends);
  }

  private notification(f: WatchFiring, snapshot: string | null): WatchNotification {
    const e = f.event;
    return {
      id: `${f.watch.id}-${f.watch.fired}`,
      watch_id: f.watch.id,
      description: f.watch.description,
      at: f.at,
      ts: formatIsoInZone(f.at, this.tz),
      camera: e.camera,
      event_id: e.id,
      identity: e.identity,
      activity: e.activity,
      zones: e.zones,
      snapshot,
      fired: f.watch.fired,
    };
  }

  /** The event's JPEG as base64, when it exists and is small enough. */
  private async snapshot(e: HomeEvent): Promise<string | null> {
    const max = this.config.watches.snapshot_max_bytes;
    if (e.snapshot === null || max === 0) return null;
    const dataDir = isAbsolute(this.config.paths.data_dir) ? this.config.paths.data_dir : resolve(this.config.paths.data_dir);
    const path = isAbsolute(e.snapshot) ? e.snapshot : resolve(dataDir, e.snapshot);
    try {
      if ((await stat(path)).size > max) return null;
      return (await readFile(path)).toString('base64');
    } catch {
      // Written asynchronously by vision; a notification never waits for it.
      return null;
    }
  }

  // ---- Home Assistant ----------------------------------------------------------

  /** Active watches (read from the store until the module starts) as event entities. */
  private haEntities(bridge: MqttBridge): HaEntityDeclaration[] {
    let active: Watch[];
    if (this.started) active = this.list();
    else {
      const memory = this.deps.store();
      if (memory === null) return [];
      try {
        active = new WatchStore(memory.db).list('active').filter((w) => w.expires_at > this.deps.clock.now());
      } catch {
        return [];
      }
    }
    return active.flatMap((w): HaEntityDeclaration[] => [
      {
        component: 'event',
        objectId: `watch_${w.id}`,
        payload: {
          name: `Watch: ${w.description}`.slice(0, 120),
          icon: 'mdi:eye-check',
          state_topic: bridge.topic(eventTopic(w.id)),
          event_types: ['triggered'],
          json_attributes_topic: bridge.topic(eventTopic(w.id)),
          qos: 1,
        },
      },
      {
        // The same topic as a device trigger ("HomeSight device: watch triggered"), for automations built in the UI.
        component: 'device_automation',
        objectId: `watch_${w.id}`,
        payload: {
          automation_type: 'trigger',
          topic: bridge.topic(eventTopic(w.id)),
          type: WATCH_TRIGGER_TYPE,
          subtype: watchTriggerSubtype(w),
          qos: 1,
        },
      },
    ]);
  }
}

/** The daemon's factory (watches/definition.ts loads this file when the module is enabled). */
export function createWatchesModule(ctx: ModuleContext): WatchesModule {
  return new WatchesModule({
    config: ctx.config,
    log: ctx.log,
    clock: ctx.clock,
    bus: ctx.bus,
    dependsOn: ctx.dependsOn,
    store: memoryStoreGetter(ctx.container),
    bridge: () => findMqttBridge(ctx.container),
  });
}
