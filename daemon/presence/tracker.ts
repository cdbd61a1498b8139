import type { CameraOccupancy, HomeEvent, VisionEventPayload } from '../contracts/index.js';

/** Where a camera is: its room, or the camera's own name when it has none. */
export type RoomOf = (camera: string) => string;

/** A household person's presence, as published on presence/person/<slug>. */
export interface PersonPresence {
  name: string;
  /** Seen now, or within away_after_min. */
  home: boolean;
  room: string | null;
  camera: string | null;
  /** The activity while on a camera now; null when no camera sees them. */
  activity: string | null;
  /** ms since the epoch; null when never seen. */
  lastSeen: number | null;
  /** The latest event that showed them, for evidence. */
  eventId: string | null;
  snapshot: string | null;
}

/** Persons in a room now, as published on presence/room/<slug>. */
export interface RoomPresence {
  room: string;
  persons: number;
  people: string[];
  cameras: string[];
}

/** Unknown people on a camera, as published on presence/unknown/<camera>. */
export interface UnknownPresence {
  camera: string;
  room: string;
  /** Tracks on the camera now whose face matched nobody (identity_state 'unknown'). */
  persons: number;
  lastSeen: number | null;
  eventId: string | null;
  snapshot: string | null;
}

interface Track {
  camera: string;
  activity: string | null;
  at: number;
}

interface PersonState {
  lastSeen: number | null;
  camera: string | null;
  eventId: string | null;
  snapshot: string | null;
  /** Open tracks showing this person, by `<camera>/<track>`. */
  tracks: Map<string, Track>;
}

interface UnknownState {
  open: Map<string, number>;
  lastSeen: number | null;
  eventId: string | null;
  snapshot: string | null;
}

/** What the store remembers of a person, to start from after a restart. */
export interface RememberedSighting {
  camera: string;
  at: number;
  eventId: string;
  snapshot: string | null;
}

function trackKey(e: HomeEvent): string {
  return `${e.camera}/${e.track_id ?? e.id}`;
}

/**
 * Presence from the vision event stream, without I/O: which tracks show which person now, where and when each
 * person was last seen, unknown faces per camera, persons per room. Time comes in as arguments (the module's
 * clock), so a replayed sequence gives the same states.
 */
export class PresenceTracker {
  private readonly people = new Map<string, PersonState>();
  private readonly unknown = new Map<string, UnknownState>();
  private readonly occupancy = new Map<string, CameraOccupancy>();

  constructor(
    private readonly roomOf: RoomOf,
    private awayAfterMs: number,
  ) {}

  setAwayAfter(ms: number): void {
    this.awayAfterMs = ms;
  }

  private person(name: string): PersonState {
    let p = this.people.get(name);
    if (p === undefined) {
      p = { lastSeen: null, camera: null, eventId: null, snapshot: null, tracks: new Map() };
      this.people.set(name, p);
    }
    return p;
  }

  private unknownOn(camera: string): UnknownState {
    let u = this.unknown.get(camera);
    if (u === undefined) {
      u = { open: new Map(), lastSeen: null, eventId: null, snapshot: null };
      this.unknown.set(camera, u);
    }
    return u;
  }

  /** The last sighting the store has of a person (at start); newer live sightings win. */
  remember(name: string, s: RememberedSighting): void {
    const p = this.person(name);
    if (p.lastSeen !== null && p.lastSeen >= s.at) return;
    Object.assign(p, { lastSeen: s.at, camera: s.camera, eventId: s.eventId, snapshot: s.snapshot });
  }

  /** The last unknown person the store has on a camera (at start). */
  rememberUnknown(camera: string, s: Omit<RememberedSighting, 'camera'>): void {
    const u = this.unknownOn(camera);
    if (u.lastSeen !== null && u.lastSeen >= s.at) return;
    Object.assign(u, { lastSeen: s.at, eventId: s.eventId, snapshot: s.snapshot });
  }

  /**
   * Applies one vision event; returns the people and cameras whose presence it touched. Object events are not
   * people. A track is a person's while its events carry their name; its end (person or identity event) closes it.
   */
  onEvent({ event: e, change }: VisionEventPayload, now: number): { people: string[]; cameras: string[] } {
    if (e.kind === 'object') return { people: [], cameras: [] };
    const key = trackKey(e);
    const touched = new Set<string>();
    // A track shows one person at a time: another name (or none) on it takes it from whoever had it.
    for (const [name, p] of this.people) {
      if (name !== e.identity && p.tracks.delete(key)) touched.add(name);
    }
    if (e.identity !== null) {
      const p = this.person(e.identity);
      touched.add(e.identity);
      const closes = change === 'end' && (e.kind === 'person' || e.kind === 'identity');
      const at = change === 'end' ? (e.end ?? now) : now;
      if (closes) p.tracks.delete(key);
      else if (change !== 'end') {
        const t = p.tracks.get(key) ?? { camera: e.camera, activity: null, at };
        // Person events carry the track's current activity; an activity event starts one.
        if (e.kind !== 'identity') t.activity = e.activity;
        else t.activity ??= e.activity;
        t.at = at;
        p.tracks.set(key, t);
      }
      if (p.lastSeen === null || at >= p.lastSeen) {
        p.lastSeen = at;
        p.camera = e.camera;
        p.eventId = e.id;
        if (e.snapshot !== null) p.snapshot = e.snapshot;
      }
    }
    const cameras: string[] = [];
    if (e.kind === 'person') {
      const u = this.unknownOn(e.camera);
      const unknownNow = change !== 'end' && e.identity === null && e.attributes.identity_state === 'unknown';
      const was = u.open.has(e.id);
      if (unknownNow) {
        u.open.set(e.id, now);
        u.lastSeen = now;
        u.eventId = e.id;
        if (e.snapshot !== null) u.snapshot = e.snapshot;
      } else if (was) {
        u.open.delete(e.id);
        if (change === 'end' && e.identity === null) u.lastSeen = Math.max(u.lastSeen ?? 0, e.end ?? now);
      }
      if (unknownNow || was) cameras.push(e.camera);
    }
    return { people: [...touched], cameras };
  }

  /** Applies a camera's occupancy; returns the room it is in. */
  onOccupancy(o: CameraOccupancy): string {
    this.occupancy.set(o.camera, o);
    return this.roomOf(o.camera);
  }

  /**
   * Drops tracks not updated for away_after (vision stopped without ending them), so nobody stays home forever;
   * returns the people whose tracks were dropped.
   */
  expire(now: number): string[] {
    const out: string[] = [];
    for (const [name, p] of this.people) {
      for (const [key, t] of p.tracks) {
        if (now - t.at >= this.awayAfterMs) {
          p.tracks.delete(key);
          out.push(name);
        }
      }
    }
    for (const u of this.unknown.values()) for (const [id, at] of u.open) if (now - at >= this.awayAfterMs) u.open.delete(id);
    return out;
  }

  /** Whether a camera sees the person now (an open track on it, or on any camera when none is given). */
  onCamera(name: string, camera?: string): boolean {
    const p = this.people.get(name);
    if (p === undefined) return false;
    if (camera === undefined) return p.tracks.size > 0;
    for (const t of p.tracks.values()) if (t.camera === camera) return true;
    return false;
  }

  personPresence(name: string, now: number): PersonPresence {
    const p = this.people.get(name);
    if (p === undefined) {
      return { name, home: false, room: null, camera: null, activity: null, lastSeen: null, eventId: null, snapshot: null };
    }
    let latest: Track | null = null;
    for (const t of p.tracks.values()) if (latest === null || t.at >= latest.at) latest = t;
    const home = latest !== null || (p.lastSeen !== null && now - p.lastSeen < this.awayAfterMs);
    const camera = latest?.camera ?? p.camera;
    return {
      name,
      home,
      room: camera === null ? null : this.roomOf(camera),
      camera,
      activity: latest?.activity ?? null,
      lastSeen: p.lastSeen,
      eventId: p.eventId,
      snapshot: p.snapshot,
    };
  }

  roomPresence(room: string, cameras: readonly string[]): RoomPresence {
    let persons = 0;
    const people = new Set<string>();
    for (const cam of cameras) {
      const o = this.occupancy.get(cam);
      if (o === undefined) continue;
      persons += o.persons;
      for (const id of o.identities) people.add(id);
    }
    return { room, persons, people: [...people].sort(), cameras: [...cameras] };
  }

  unknownPresence(camera: string): UnknownPresence {
    const u = this.unknown.get(camera);
    return {
      camera,
      room: this.roomOf(camera),
      persons: u?.open.size ?? 0,
      lastSeen: u?.lastSeen ?? null,
      eventId: u?.eventId ?? null,
      snapshot: u?.snapshot ?? null,
    };
  }
}
