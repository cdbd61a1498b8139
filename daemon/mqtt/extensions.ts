import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { z } from 'zod';
import type { HomeSightConfig } from '../config/index.js';
import type { HomeSightEvents } from '../contracts/index.js';
import { type Clock, type EventBus, errorMessage, HomeSightError, type Logger, VERSION } from '../system/index.js';
import type { MqttCore } from './core.js';
import { buildEntities, type DiscoveryEntity, TOPICS } from './entities.js';
import type { Outbox } from './outbox.js';
import { newId } from './topics.js';

export interface ExtensionDeps {
  core: MqttCore;
  bus: EventBus<HomeSightEvents>;
  config: HomeSightConfig;
  log: Logger;
  clock: Clock;
  /** Persistent key/value (the outbox database). */
  store: Outbox;
  /** Asks the daemon to reload its config; resolves with the outcome, or null when this process cannot reload. */
  reload?: () => Promise<HomeSightEvents['system.reload'] | null>;
  /** ingest's camera control, when ingest runs in this daemon (looked up at start). */
  cameras?: () => { restartCamera(camera: string): Promise<void>; cameras(): string[] } | null;
}

/**
 * One feature around the MQTT core (zigbee2mqtt style). The constructor does
 * nothing; start() wires bus listeners and subscriptions; stop() removes
 * everything the extension registered, keyed by the extension itself.
 */
export abstract class Extension {
  abstract readonly name: string;
  constructor(protected readonly deps: ExtensionDeps) {}
  abstract start(): void | Promise<void>;
  stop(): void | Promise<void> {
    this.deps.bus.removeListeners(this);
    this.deps.core.unsubscribeAll(this);
  }
  protected iso(ms = this.deps.clock.now()): string {
    return new Date(ms).toISOString();
  }
}

// ---- status and info ------------------------------------------------------

/** `<base>/status` (retained module health, on change) and `<base>/info` (retained: version, commands with their JSON Schemas). */
export class StatusExtension extends Extension {
  readonly name = 'status';
  private lastKey = '';
  private last: HomeSightEvents['system.health'] | null = null;
  private infoTimer: NodeJS.Timeout | null = null;

  start(): void {
    this.deps.bus.on('system.health', this, (h) => this.onHealth(h));
    this.deps.core.onConnect(this, () => this.scheduleInfo());
    this.deps.core.watchCommands(this, () => this.scheduleInfo());
  }

  private onHealth(h: HomeSightEvents['system.health']): void {
    this.last = h;
    const modules = h.modules.map((m) => ({
      name: m.name,
      state: m.state,
      ...(m.health?.summary === undefined ? {} : { summary: m.health.summary }),
      ...(m.error === null ? {} : { error: m.error }),
    }));
    const key = JSON.stringify([h.status, h.summary, modules]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    void this.deps.core.publish(
      TOPICS.status,
      { status: h.status, summary: h.summary, version: VERSION, modules, ts: this.iso() },
      { qos: 1, retain: true },
    );
  }

  /** The last health seen (tests, the module's own health). */
  get lastHealth(): HomeSightEvents['system.health'] | null {
    return this.last;
  }

  private scheduleInfo(): void {
    if (this.infoTimer !== null) return;
    this.infoTimer = setTimeout(() => {
      this.infoTimer = null;
      const core = this.deps.core;
      void core.publish(
        TOPICS.info,
        {
          device_id: this.deps.config.device_id,
          version: VERSION,
          base_topic: core.baseTopic,
          protocol: core.protocolVersion === 5 ? 'mqtt5' : 'mqtt3.1.1',
          topics: {
            availability: core.topic(TOPICS.availability),
            status: core.topic(TOPICS.status),
            events: core.topic(TOPICS.events),
            camera_state: core.topic(TOPICS.cameraState('+')),
            camera_snapshot: core.topic(TOPICS.cameraSnapshot('+')),
            learning_audit: core.topic(TOPICS.learningAudit),
            agent_answer: core.topic(TOPICS.agentAnswer),
            command: core.topic('command/<name>'),
          },
          commands: core.commands(),
          ts: this.iso(),
        },
        { qos: 1, retain: true },
      );
    }, 50);
  }

  override stop(): void {
    if (this.infoTimer !== null) clearTimeout(this.infoTimer);
    this.infoTimer = null;
    this.deps.core.unwatchCommands(this);
    super.stop();
  }
}

// ---- events ---------------------------------------------------------------

const idLike = z.union([z.string(), z.number()]);
const nameLike = z.union([z.string(), z.looseObject({ name: z.string().optional(), label: z.string().optional() })]).nullable();

/** The vision engineer's `vision.event` payload, read loosely: only what MQTT needs is checked. */
export const visionEventSchema = z.looseObject({
  event: z.looseObject({
    id: idLike.optional(),
    camera: z.string().optional(),
    kind: z.string().optional(),
    type: z.string().optional(),
    identity: nameLike.optional(),
    person: nameLike.optional(),
    activity: nameLike.optional(),
    /** JPEG path relative to paths.data_dir (vision writes it just after emitting the event). */
    snapshot: z.string().max(1024).nullable().optional(),
  }),
  change: z.string().optional(),
});

export function nameOf(v: z.infer<typeof nameLike> | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v === '' ? null : v;
  return v.name ?? v.label ?? null;
}

/** `<base>/events` (QoS 1, buffered on disk, each with a unique `id`) and `<base>/learning/audit`. */
export class EventsExtension extends Extension {
  readonly name = 'events';
  published = 0;
  rejected = 0;

  start(): void {
    this.deps.bus.on('vision.event', this, (p: unknown) => this.onVisionEvent(p));
    this.deps.bus.on('learning.audit', this, (p: unknown) => this.onAudit(p));
  }

  private onVisionEvent(p: unknown): void {
    const parsed = visionEventSchema.safeParse(p);
    if (!parsed.success) {
      this.rejected++;
      this.deps.log.warn(
        { issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) },
        'vision.event not published: unexpected shape',
      );
      return;
    }
    const { event, change } = parsed.data;
    const now = this.deps.clock.now();
    const payload = {
      id: newId(now),
      ts: this.iso(now),
      device_id: this.deps.config.device_id,
      type: event.kind ?? event.type ?? 'event',
      change: change ?? 'new',
      camera: event.camera ?? null,
      event_id: event.id ?? null,
      event,
    };
    this.published++;
    void this.deps.core.publish(TOPICS.events, payload, { qos: 1 });
  }

  private onAudit(p: unknown): void {
    if (typeof p !== 'object' || p === null) return;
    const now = this.deps.clock.now();
    void this.deps.core.publish(TOPICS.learningAudit, { id: newId(now), ts: this.iso(now), ...(p as Record<string, unknown>) }, { qos: 1 });
  }
}

// ---- cameras --------------------------------------------------------------

export const occupancySchema = z.looseObject({
  camera: z.string().min(1).max(63),
  persons: z.number().int().min(0),
  identities: z.array(nameLike).optional(),
  activity: nameLike.optional(),
  zones: z.record(z.string(), z.union([z.number().int().min(0), z.looseObject({ persons: z.number().int().min(0) })])).optional(),
});

/** ingest's `camera.state` (CameraStateEvent), read loosely. */
export const cameraStateSchema = z.looseObject({
  camera: z.string().min(1).max(63),
  state: z.string().max(32),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  at: z.number().optional(),
});
export const snapshotSchema = z.looseObject({ camera: z.string().min(1).max(63), jpeg: z.instanceof(Uint8Array) });

const CAMERA_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export interface CameraState {
  occupancy: boolean;
  persons: number;
  identities: string[];
  last_identity: string | null;
  last_identity_at: string | null;
  last_activity: string | null;
  last_activity_at: string | null;
  zones: Record<string, { occupancy: boolean; persons: number }>;
  /** The camera's stream as ingest reports it: starting, streaming, backoff, stalled, failed, stopped. */
  stream: { state: string; since: string | null; error: { code: string; message: string } | null } | null;
  ts: string;
}

/** `<base>/camera/<name>/state` (retained JSON, on change) and `<base>/camera/<name>/snapshot` (retained JPEG, rate-limited). */
export class CamerasExtension extends Extension {
  readonly name = 'cameras';
  private readonly states = new Map<string, CameraState>();
  private readonly lastKey = new Map<string, string>();
  private readonly lastSnapshot = new Map<string, number>();
  private stopped = false;

  start(): void {
    const remembered =
      this.deps.store.getValue<
        Record<string, Pick<CameraState, 'last_identity' | 'last_identity_at' | 'last_activity' | 'last_activity_at'>>
      >('cameras.last') ?? {};
    for (const [name, cam] of Object.entries(this.deps.config.cameras)) {
      if (!cam.enabled) continue;
      const s = this.state(name);
      Object.assign(s, remembered[name] ?? {});
      this.publishState(name);
    }
    this.deps.bus.on('camera.occupancy', this, (p: unknown) => this.onOccupancy(p));
    this.deps.bus.on('camera.state', this, (p: unknown) => this.onCameraState(p));
    this.deps.bus.on('vision.event', this, (p: unknown) => this.onVisionEvent(p));
    this.deps.bus.on('camera.snapshot', this, (p: unknown) => this.onSnapshot(p));
  }

  get(camera: string): CameraState | undefined {
    return this.states.get(camera);
  }

  private state(camera: string): CameraState {
    let s = this.states.get(camera);
    if (s === undefined) {
      const zones: CameraState['zones'] = {};
      for (const z of this.deps.config.cameras[camera]?.zones ?? []) zones[z.name] = { occupancy: false, persons: 0 };
      s = {
        occupancy: false,
        persons: 0,
        identities: [],
        last_identity: null,
        last_identity_at: null,
        last_activity: null,
        last_activity_at: null,
        zones,
        stream: null,
        ts: this.iso(),
      };
      this.states.set(camera, s);
    }
    return s;
  }

  private publishState(camera: string): void {
    const s = this.state(camera);
    const { ts: _ts, ...rest } = s;
    const key = JSON.stringify(rest);
    if (this.lastKey.get(camera) === key) return;
    this.lastKey.set(camera, key);
    s.ts = this.iso();
    void this.deps.core.publish(TOPICS.cameraState(camera), s, { qos: 1, retain: true });
  }

  private remember(): void {
    const out: Record<string, unknown> = {};
    for (const [name, s] of this.states) {
      out[name] = {
        last_identity: s.last_identity,
        last_identity_at: s.last_identity_at,
        last_activity: s.last_activity,
        last_activity_at: s.last_activity_at,
      };
    }
    try {
      this.deps.store.setValue('cameras.last', out);
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'could not persist camera state');
    }
  }

  private setIdentity(s: CameraState, name: string | null): boolean {
    if (name === null || name === 'unknown' || name === s.last_identity) return false;
    s.last_identity = name;
    s.last_identity_at = this.iso();
    return true;
  }

  private setActivity(s: CameraState, name: string | null): boolean {
    if (name === null || name === s.last_activity) return false;
    s.last_activity = name;
    s.last_activity_at = this.iso();
    return true;
  }

  private onOccupancy(p: unknown): void {
    const parsed = occupancySchema.safeParse(p);
    if (!parsed.success || !CAMERA_NAME.test(parsed.data.camera)) {
      this.deps.log.debug('camera.occupancy with an unexpected shape ignored');
      return;
    }
    const o = parsed.data;
    const s = this.state(o.camera);
    s.persons = o.persons;
    s.occupancy = o.persons > 0;
    s.identities = (o.identities ?? []).map(nameOf).filter((n): n is string => n !== null);
    let changed = false;
    for (const n of s.identities) changed = this.setIdentity(s, n) || changed;
    changed = this.setActivity(s, nameOf(o.activity)) || changed;
    if (o.zones !== undefined) {
      for (const [zone, v] of Object.entries(o.zones)) {
        const persons = typeof v === 'number' ? v : v.persons;
        s.zones[zone] = { occupancy: persons > 0, persons };
      }
    }
    if (changed) this.remember();
    this.publishState(o.camera);
  }

  private onCameraState(p: unknown): void {
    const parsed = cameraStateSchema.safeParse(p);
    if (!parsed.success || !CAMERA_NAME.test(parsed.data.camera)) return;
    const { camera, state, error, at } = parsed.data;
    this.state(camera).stream = {
      state,
      since: at === undefined ? null : this.iso(at),
      error: error === undefined ? null : { code: error.code, message: error.message.slice(0, 300) },
    };
    this.publishState(camera);
  }

  private onVisionEvent(p: unknown): void {
    const parsed = visionEventSchema.safeParse(p);
    if (!parsed.success) return;
    const e = parsed.data.event;
    if (e.camera === undefined || !CAMERA_NAME.test(e.camera)) return;
    const s = this.state(e.camera);
    const changed = this.setIdentity(s, nameOf(e.identity ?? e.person)) || this.setActivity(s, nameOf(e.activity));
    if (changed) {
      this.remember();
      this.publishState(e.camera);
    }
    if (typeof e.snapshot === 'string' && e.snapshot !== '') this.snapshotFromFile(e.camera, e.snapshot);
  }

  /** Publishes an event's snapshot file (under <data_dir>/snapshots) as the camera's latest snapshot. */
  private snapshotFromFile(camera: string, rel: string): void {
    const root = resolve(this.deps.config.paths.data_dir, 'snapshots');
    const file = resolve(this.deps.config.paths.data_dir, rel);
    if (!file.startsWith(root + sep) || !file.endsWith('.jpg')) return;
    if (!this.snapshotDue(camera)) return;
    let tries = 0;
    const attempt = (): void => {
      if (this.stopped) return;
      readFile(file).then(
        (jpeg) => this.publishSnapshot(camera, jpeg),
        () => {
          // vision writes the file asynchronously right after the event
          if (++tries < 5) setTimeout(attempt, 200 * tries).unref();
        },
      );
    };
    setTimeout(attempt, 100).unref();
  }

  private snapshotDue(camera: string): boolean {
    const now = this.deps.clock.monotonic();
    const last = this.lastSnapshot.get(camera);
    if (last !== undefined && now - last < this.deps.config.mqtt.snapshot_min_interval_s * 1000) return false;
    this.lastSnapshot.set(camera, now);
    return true;
  }

  private publishSnapshot(camera: string, jpeg: Buffer): void {
    if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return;
    void this.deps.core.publish(TOPICS.cameraSnapshot(camera), jpeg, { qos: 0, retain: true });
  }

  override stop(): void {
    this.stopped = true;
    super.stop();
  }

  private onSnapshot(p: unknown): void {
    const parsed = snapshotSchema.safeParse(p);
    if (!parsed.success || !CAMERA_NAME.test(parsed.data.camera)) return;
    const { camera, jpeg } = parsed.data;
    if (!this.snapshotDue(camera)) return;
    this.publishSnapshot(camera, Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
  }
}

// ---- Home Assistant discovery ---------------------------------------------

/**
 * Retained discovery configs under `<prefix>/<component>/homesight_<device>/<object>/config`,
 * announced on every connect and when commands change; entities that no longer
 * exist (a camera removed from the config) get an empty retained payload,
 * which removes them from Home Assistant. Re-announces when HA says `online`.
 */
export class DiscoveryExtension extends Extension {
  readonly name = 'discovery';
  private timer: NodeJS.Timeout | null = null;
  private current: DiscoveryEntity[] = [];
  /** Delay before re-announcing after `homeassistant/status: online` (HA subscribes first). */
  haOnlineDelayMs = 1_000;
  announcements = 0;

  private get storeKey(): string {
    return `discovery:${this.deps.config.mqtt.discovery.prefix}`;
  }

  entities(): DiscoveryEntity[] {
    const cameras: Record<string, { zones: string[]; room?: string }> = {};
    for (const [name, c] of Object.entries(this.deps.config.cameras)) {
      if (!c.enabled) continue;
      cameras[name] = { zones: c.zones.map((z) => z.name), ...(c.room === undefined ? {} : { room: c.room }) };
    }
    return buildEntities({
      deviceId: this.deps.config.device_id,
      baseTopic: this.deps.core.baseTopic,
      discoveryPrefix: this.deps.config.mqtt.discovery.prefix,
      version: VERSION,
      cameras,
      commands: this.deps.core.commands(),
      declared: this.deps.core.declaredEntities(),
    });
  }

  start(): void {
    const prefix = this.deps.config.mqtt.discovery.prefix;
    this.deps.core.onConnect(this, () => this.schedule(0));
    this.deps.core.watchCommands(this, () => this.schedule(100));
    this.deps.core.subscribe(`/${prefix}/status`, this, (msg) => {
      if (msg.payload.toString('utf8').trim() !== 'online') return;
      this.deps.log.info('Home Assistant is online: re-announcing discovery and state');
      this.schedule(this.haOnlineDelayMs, true);
    });
  }

  private schedule(ms: number, republishState = false): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.announce(republishState).catch((err: unknown) =>
        this.deps.log.error({ err: errorMessage(err) }, 'discovery announce failed'),
      );
    }, ms);
  }

  /** Publishes every config and removes stale ones; only while connected. */
  async announce(republishState = false): Promise<void> {
    const core = this.deps.core;
    if (!core.connected) return;
    let entities: DiscoveryEntity[];
    try {
      entities = this.entities();
    } catch (err) {
      throw new HomeSightError('E_MQTT_DISCOVERY', `discovery payload failed its schema: ${errorMessage(err)}`, { cause: err });
    }
    const topics = new Set(entities.map((e) => e.topic));
    const before = this.deps.store.getValue<string[]>(this.storeKey) ?? [];
    const stale = before.filter((t) => !topics.has(t));
    const sends: Promise<void>[] = [];
    for (const t of stale) sends.push(core.publish(`/${t}`, '', { qos: 1, retain: true, retainCache: false }));
    for (const e of entities) sends.push(core.publish(`/${e.topic}`, e.payload, { qos: 1, retain: true, retainCache: false }));
    await Promise.all(sends);
    if (stale.length > 0) this.deps.log.info({ removed: stale.length }, 'removed Home Assistant entities that no longer exist');
    if (core.connected) this.deps.store.setValue(this.storeKey, [...topics]);
    this.current = entities;
    this.announcements++;
    if (republishState) core.republishRetained();
  }

  get announced(): DiscoveryEntity[] {
    return this.current;
  }

  override stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.deps.core.unwatchCommands(this);
    super.stop();
  }
}

// ---- built-in commands ----------------------------------------------------

/**
 * `reload` (re-read the config, like SIGHUP) and `restart_camera` (through
 * ingest's public API, unless ingest registers it itself); more commands are
 * registered by their owning modules.
 */
export class BuiltinCommandsExtension extends Extension {
  readonly name = 'commands';
  private unregister: Array<() => void> = [];

  start(): void {
    const ingest = this.deps.cameras?.() ?? null;
    if (ingest !== null && !this.deps.core.commands().some((c) => c.name === 'restart_camera')) {
      this.unregister.push(
        this.deps.core.serve('command/restart_camera', async ({ camera }) => {
          if (!ingest.cameras().includes(camera)) {
            throw new HomeSightError('E_CAMERA_UNKNOWN', `no camera named "${camera}"`, {
              hint: `cameras: ${ingest.cameras().join(', ') || 'none'}`,
            });
          }
          await ingest.restartCamera(camera);
          return { camera, restarted: true };
        }),
      );
    }
    const reload = this.deps.reload;
    if (reload === undefined) return;
    this.unregister.push(
      this.deps.core.serve('command/reload', async () => {
        const out = await reload();
        if (out === null) {
          throw new HomeSightError('E_RELOAD_UNAVAILABLE', 'this process cannot reload its config', {
            hint: 'run the daemon with `homesight run` (it reloads on SIGHUP) or restart it',
          });
        }
        if (!out.ok)
          throw new HomeSightError('E_CONFIG', `config reload rejected: ${out.problems.join('; ').slice(0, 500)}`, {
            context: { problems: out.problems },
          });
        return out;
      }),
    );
  }

  override stop(): void {
    for (const u of this.unregister) u();
    this.unregister = [];
    super.stop();
  }
}
