import type { HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import type { CameraOccupancy, HomeSightEvents, VisionEventPayload } from '../contracts/index.js';
import { type MemoryStore, memoryStoreGetter } from '../memory/index.js';
import { type DeclaredEntities, findMqttBridge, type MqttBridge } from '../mqtt/index.js';
import {
  type Clock,
  type EventBus,
  errorMessage,
  formatIsoInZone,
  type Logger,
  type ModuleHealth,
  type ServiceModule,
} from '../system/index.js';
import { PRESENCE_TOPICS, type PresenceLayout, presenceEntities, slugsFor } from './entities.js';
import { PresenceTracker, type PersonPresence } from './tracker.js';

const MIN = 60_000;
/** How far back "while I was away" and the unknown-person restore look. */
const LOOKBACK_MS = 7 * 24 * 60 * MIN;
/** A state whose only change is last_seen is re-published at most this often (a tracked person updates every few s). */
const LAST_SEEN_EVERY_MS = MIN;
/** Read at most this many stored events per query; more are paged. */
const PAGE = 20_000;

/** A person's latest absence: no camera saw them from `from` to `to` for at least away_after_min. */
export interface Absence {
  from: number;
  to: number;
  /** Still away (`to` is now). */
  ongoing: boolean;
}

/** What other modules (recaps, MCP) ask presence. */
export interface PresenceService {
  /** The household's people with sensors: household.people and everyone in the face gallery, by name. */
  people(): string[];
  /** A person's presence now; null when they are not one of people(). */
  presenceOf(name: string): PersonPresence | null;
  /** Their latest absence within the last 7 days, from the stored events; null when never seen or never away. */
  absenceOf(name: string): Absence | null;
}

export interface PresenceDeps {
  config: HomeSightConfig;
  log: Logger;
  clock: Clock;
  bus: EventBus<HomeSightEvents>;
  dependsOn?: readonly string[];
  /** The open memory store, or null (memory off or not started). */
  store: () => MemoryStore | null;
  /** The MQTT bridge, or null (mqtt off). */
  bridge: () => MqttBridge | null;
}

interface Published {
  full: string;
  significant: string;
  at: number;
}

/**
 * The `presence` module: per enrolled person where and when they were last seen, what they are doing, home or
 * away; persons per room; unknown people per camera. Fed by 'vision.event' and 'camera.occupancy', started from
 * the stored events (the last known state survives a restart), published as retained QoS 1 state with Home
 * Assistant entities declared on the MQTT bridge; the people are re-read from the face gallery so enrolments and
 * removals add or remove their sensors.
 */
export class PresenceModule implements ServiceModule<HomeSightConfig>, PresenceService {
  readonly name = 'presence';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private readonly tracker: PresenceTracker;
  private layout: PresenceLayout = { people: [], rooms: [], cameras: [] };
  private readonly published = new Map<string, Published>();
  private entities: DeclaredEntities | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastPeopleRefresh = 0;
  private started = false;
  private readonly config: HomeSightConfig;

  constructor(private readonly deps: PresenceDeps) {
    this.config = deps.config;
    this.dependsOn = deps.dependsOn ?? [];
    this.tracker = new PresenceTracker((camera) => this.roomOf(camera), this.config.presence.away_after_min * MIN);
    // Declared now, not at start: discovery may announce before this module starts, and entities missing from an
    // announcement would be removed from Home Assistant. Until start the layout is read afresh (the gallery is open
    // once memory runs, which is before mqtt connects).
    const bridge = deps.bridge();
    if (bridge !== null) {
      this.entities = bridge.declareEntities(this, () =>
        presenceEntities(this.started ? this.layout : this.computeLayout(), (s) => bridge.topic(s)),
      );
    }
  }

  private roomOf(camera: string): string {
    return this.config.cameras[camera]?.room ?? camera;
  }

  private get timezone(): string {
    return this.config.household.timezone;
  }

  private iso(ms: number | null): string | null {
    return ms === null ? null : formatIsoInZone(ms, this.timezone, { ms: false });
  }

  async start(): Promise<void> {
    this.layout = this.computeLayout();
    this.started = true;
    this.restore();
    const bus = this.deps.bus;
    bus.on('vision.event', this, (p) => this.onVisionEvent(p));
    bus.on('camera.occupancy', this, (o) => this.onOccupancy(o));
    this.entities?.changed();
    this.publishAll();
    const tickMs = Math.max(1000, Math.min(15_000, (this.config.presence.away_after_min * MIN) / 4));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
    this.deps.log.info(
      { people: this.layout.people.length, rooms: this.layout.rooms.length, away_after_min: this.config.presence.away_after_min },
      'presence started',
    );
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.deps.bus.removeListeners(this);
    // The entities stay declared: a daemon stopping is no reason to remove them from Home Assistant.
  }

  health(): ModuleHealth {
    const now = this.deps.clock.now();
    const home = this.layout.people.filter((p) => this.tracker.personPresence(p.name, now).home).map((p) => p.name);
    return {
      status: 'ok',
      summary: `${this.layout.people.length} people, ${home.length} home${home.length > 0 ? ` (${home.join(', ')})` : ''}`,
      details: { people: this.layout.people.map((p) => p.name), home, rooms: this.layout.rooms.map((r) => r.name) },
    };
  }

  // ---- PresenceService ----------------------------------------------------

  people(): string[] {
    return this.layout.people.map((p) => p.name);
  }

  presenceOf(name: string): PersonPresence | null {
    if (!this.layout.people.some((p) => p.name === name)) return null;
    return this.tracker.personPresence(name, this.deps.clock.now());
  }

  absenceOf(name: string): Absence | null {
    const store = this.deps.store();
    if (store === null) return null;
    const now = this.deps.clock.now();
    const awayMs = this.config.presence.away_after_min * MIN;
    // Sightings as intervals; an event still open counts up to now only while a camera sees the person now.
    const intervals: Array<[number, number]> = [];
    for (const e of this.storedEvents(store, { start: now - LOOKBACK_MS, end: now + 1, identity: name })) {
      const end = e.end ?? (this.tracker.onCamera(name, e.camera) ? now : e.start);
      intervals.push([e.start, Math.max(e.start, end)]);
    }
    if (this.tracker.onCamera(name)) intervals.push([now, now]);
    if (intervals.length === 0) return null;
    intervals.sort((a, b) => a[0] - b[0]);
    let coveredTo = intervals[0]![1];
    let latest: Absence | null = null;
    for (const [s, e] of intervals.slice(1)) {
      if (s - coveredTo >= awayMs) latest = { from: coveredTo, to: s, ongoing: false };
      coveredTo = Math.max(coveredTo, e);
    }
    if (now - coveredTo >= awayMs) latest = { from: coveredTo, to: now, ongoing: true };
    return latest;
  }

  // ---- state ------------------------------------------------------------------

  private storedEvents(store: MemoryStore, q: { start: number; end: number; identity?: string | null; camera?: string }) {
    const out = [];
    let start = q.start;
    for (;;) {
      const page = store.events.eventsBetween({ ...q, start, limit: PAGE });
      out.push(...page);
      const last = page[page.length - 1]?.start ?? start;
      // Ordered by start: go on from the last one (events starting at that instant may repeat; callers take max/merge).
      if (page.length < PAGE || last === start) return out;
      start = last;
    }
  }

  /** People (household.people and the gallery), rooms with their cameras, enabled cameras. */
  private computeLayout(): PresenceLayout {
    const names = this.config.household.people.map((p) => p.name);
    const store = this.deps.store();
    if (store !== null) {
      try {
        names.push(...store.identities.list().map((i) => i.name));
      } catch (err) {
        this.deps.log.warn({ err: errorMessage(err) }, 'face gallery not readable: presence covers household.people only');
      }
    }
    const cameras = Object.entries(this.config.cameras)
      .filter(([, c]) => c.enabled)
      .map(([name]) => name)
      .sort();
    const byRoom = new Map<string, string[]>();
    for (const cam of cameras) byRoom.set(this.roomOf(cam), [...(byRoom.get(this.roomOf(cam)) ?? []), cam]);
    const rooms = slugsFor([...byRoom.keys()]).map((r) => ({ ...r, cameras: byRoom.get(r.name)! }));
    return { people: slugsFor(names), rooms, cameras };
  }

  /** The last sightings the store has: presence after a restart is where it was before it. */
  private restore(): void {
    const store = this.deps.store();
    if (store === null) return;
    const now = this.deps.clock.now();
    try {
      for (const p of this.layout.people) {
        const e = store.events.lastSeen(p.name);
        if (e !== null) this.tracker.remember(p.name, { camera: e.camera, at: e.end ?? e.start, eventId: e.id, snapshot: e.snapshot });
      }
      for (const cam of this.layout.cameras) {
        for (const e of this.storedEvents(store, { start: now - LOOKBACK_MS, end: now + 1, camera: cam, identity: null })) {
          if (e.kind !== 'person' || e.attributes.identity_state !== 'unknown') continue;
          this.tracker.rememberUnknown(cam, { at: e.end ?? e.start, eventId: e.id, snapshot: e.snapshot });
        }
      }
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'presence not restored from the store; starting from nothing');
    }
  }

  private onVisionEvent(p: VisionEventPayload): void {
    // A name not among the people: enrolled since the last refresh (its sensors should not wait for the timer).
    const name = p.event.identity;
    if (name !== null && !this.layout.people.some((x) => x.name === name)) this.refreshPeople();
    const touched = this.tracker.onEvent(p, this.deps.clock.now());
    for (const name of touched.people) this.publishPerson(name);
    for (const cam of touched.cameras) this.publishUnknown(cam);
  }

  private onOccupancy(o: CameraOccupancy): void {
    const room = this.tracker.onOccupancy(o);
    const r = this.layout.rooms.find((x) => x.name === room);
    if (r !== undefined) this.publishRoom(r);
  }

  /** Runs on a timer: people going away, stale tracks, enrolments and removals. */
  tick(): void {
    const now = this.deps.clock.now();
    this.tracker.expire(now);
    if (now - this.lastPeopleRefresh >= this.config.presence.people_refresh_s * 1000) {
      this.lastPeopleRefresh = now;
      this.refreshPeople();
    }
    this.publishAll();
  }

  /** Re-reads the people; when they changed, re-declares the entities and clears the state of people removed. */
  refreshPeople(): void {
    const next = this.computeLayout();
    const before = this.layout;
    if (JSON.stringify(next) === JSON.stringify(before)) return;
    this.layout = next;
    const gone = before.people.filter((p) => !next.people.some((n) => n.slug === p.slug));
    for (const p of gone) {
      const sub = PRESENCE_TOPICS.person(p.slug);
      this.published.delete(sub);
      void this.deps.bridge()?.publish(sub, '', { qos: 1, retain: true });
    }
    this.deps.log.info(
      { people: next.people.map((p) => p.name), removed: gone.map((p) => p.name) },
      'household people changed: presence entities re-announced',
    );
    this.entities?.changed();
    this.publishAll();
  }

  private publishAll(): void {
    for (const p of this.layout.people) this.publishPerson(p.name);
    for (const r of this.layout.rooms) this.publishRoom(r);
    for (const cam of this.layout.cameras) this.publishUnknown(cam);
  }

  private publishPerson(name: string): void {
    const p = this.layout.people.find((x) => x.name === name);
    if (p === undefined) return;
    const s = this.tracker.personPresence(name, this.deps.clock.now());
    const payload = {
      name,
      home: s.home,
      room: s.room,
      camera: s.camera,
      activity: s.activity,
      last_seen: this.iso(s.lastSeen),
      event_id: s.eventId,
      snapshot: s.snapshot,
    };
    const { last_seen: _l, event_id: _e, snapshot: _s, ...significant } = payload;
    this.publish(PRESENCE_TOPICS.person(p.slug), payload, JSON.stringify(significant));
  }

  private publishRoom(r: PresenceLayout['rooms'][number]): void {
    const s = this.tracker.roomPresence(r.name, r.cameras);
    this.publish(PRESENCE_TOPICS.room(r.slug), s);
  }

  private publishUnknown(camera: string): void {
    if (!this.layout.cameras.includes(camera)) return;
    const s = this.tracker.unknownPresence(camera);
    const payload = {
      camera,
      room: s.room,
      persons: s.persons,
      last_seen: this.iso(s.lastSeen),
      event_id: s.eventId,
      snapshot: s.snapshot,
    };
    this.publish(PRESENCE_TOPICS.unknown(camera), payload, JSON.stringify([camera, s.room, s.persons]));
  }

  /** Retained QoS 1, on change; a change of last_seen (event id, snapshot) alone at most every LAST_SEEN_EVERY_MS. */
  private publish(sub: string, payload: object, significant?: string): void {
    const bridge = this.deps.bridge();
    if (bridge === null) return;
    const now = this.deps.clock.now();
    const full = JSON.stringify(payload);
    const sig = significant ?? full;
    const last = this.published.get(sub);
    if (last !== undefined && (last.full === full || (last.significant === sig && now - last.at < LAST_SEEN_EVERY_MS))) return;
    this.published.set(sub, { full, significant: sig, at: now });
    bridge.publish(sub, { ...payload, ts: this.iso(now) }, { qos: 1, retain: true }).catch((err: unknown) => {
      this.deps.log.warn({ topic: sub, err: errorMessage(err) }, 'presence state not published');
    });
  }
}

/** The daemon's factory (presence/definition.ts loads this file when the module is enabled). */
export function createPresenceModule(ctx: ModuleContext): PresenceModule {
  return new PresenceModule({
    config: ctx.config,
    log: ctx.log,
    clock: ctx.clock,
    bus: ctx.bus,
    dependsOn: ctx.dependsOn,
    store: memoryStoreGetter(ctx.container),
    bridge: () => findMqttBridge(ctx.container),
  });
}
