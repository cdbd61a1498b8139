import { type EventChange, type HomeEvent, isPossibleFall } from '../contracts/index.js';
import type { Watch, WatchTrigger } from '../contracts/index.js';

/** Wall time and one-shot timers: real ones in the daemon, a manual one in tests and the replay bench. */
export interface WatchScheduler {
  now(): number;
  /** Runs fn after ms; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** setTimeout-backed scheduler; timers never keep the process alive. */
export function realScheduler(now: () => number): WatchScheduler {
  return {
    now,
    after(ms, fn) {
      const t = setTimeout(fn, Math.max(0, ms));
      t.unref();
      return () => clearTimeout(t);
    },
  };
}

/** A watch fired on this event (the person event of the track, as last seen). */
export interface WatchFiring {
  watch: Watch;
  event: HomeEvent;
  at: number;
}

/** Per track and watch: since when the condition holds, the duration timer, whether it already counted. */
interface TrackState {
  since: number;
  cancel: (() => void) | null;
  counted: boolean;
  last: HomeEvent;
}

interface Runtime {
  watch: Watch;
  /** Occurrences counted towards trigger.count since the last firing. */
  occurrences: number;
  tracks: Map<string, TrackState>;
}

const ANY_CAMERA = '*';

function whoKey(t: WatchTrigger): string {
  return t.who.kind === 'person' ? `p:${t.who.name.toLowerCase()}` : t.who.kind;
}

/** Zones the person is in now (the writer's current_zones), else the zones the track entered. */
function zonesOf(e: HomeEvent): string[] {
  const current = e.attributes.current_zones;
  return Array.isArray(current) ? current.filter((z): z is string => typeof z === 'string') : e.zones;
}

/** Who, where and (for 'start' triggers) the activity. */
function place(t: WatchTrigger, e: HomeEvent): boolean {
  if (t.who.kind === 'unknown' && e.identity !== null) return false;
  if (t.who.kind === 'person' && e.identity?.toLowerCase() !== t.who.name.toLowerCase()) return false;
  if (t.cameras.length > 0 && !t.cameras.includes(e.camera)) return false;
  if (t.zones.length > 0) {
    const zones = zonesOf(e);
    if (!t.zones.some((z) => zones.includes(z))) return false;
  }
  return true;
}

function activityMatches(t: WatchTrigger, e: HomeEvent): boolean {
  // A fall watch: lying down outside resting zones, the rule recaps count falls by.
  if (t.fall) return isPossibleFall(e.activity, zonesOf(e));
  return t.activity === null || e.activity === t.activity;
}

/**
 * Incremental evaluation of every active watch on person events. Watches are indexed by camera (or any) × who
 * (a person's name, unknown, anyone), so an event looks at the few watches that can match it plus those
 * already tracking that track; nothing else runs per frame and no model is called. A condition that must hold
 * for a while gets one timer per track; each track counts once per time the condition begins, so a person who
 * stays in view fires a watch once, not per frame.
 */
export class WatchEvaluator {
  private readonly index = new Map<string, Set<Runtime>>();
  private readonly byId = new Map<string, Runtime>();
  /** Track key → watches holding state for that track (they must see the condition end). */
  private readonly tracking = new Map<string, Set<Runtime>>();

  constructor(
    private readonly scheduler: WatchScheduler,
    private readonly onFire: (f: WatchFiring) => void,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  add(watch: Watch): void {
    this.remove(watch.id);
    const r: Runtime = { watch, occurrences: 0, tracks: new Map() };
    this.byId.set(watch.id, r);
    for (const cam of watch.spec.trigger.cameras.length > 0 ? watch.spec.trigger.cameras : [ANY_CAMERA]) {
      const key = `${cam}\u0000${whoKey(watch.spec.trigger)}`;
      let set = this.index.get(key);
      if (set === undefined) this.index.set(key, (set = new Set()));
      set.add(r);
    }
  }

  remove(id: string): void {
    const r = this.byId.get(id);
    if (r === undefined) return;
    this.byId.delete(id);
    for (const set of this.index.values()) set.delete(r);
    for (const [track, st] of r.tracks) {
      st.cancel?.();
      this.tracking.get(track)?.delete(r);
    }
    r.tracks.clear();
  }

  /** The watch as the evaluator holds it (its firing count and time change as it fires). */
  current(id: string): Watch | null {
    return this.byId.get(id)?.watch ?? null;
  }

  /** Ids of watches whose window ended by `now` (the caller removes and stores them). */
  expired(now: number): string[] {
    return [...this.byId.values()].filter((r) => r.watch.expires_at <= now).map((r) => r.watch.id);
  }

  /** The soonest window end, for the expiry timer. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const r of this.byId.values()) if (next === null || r.watch.expires_at < next) next = r.watch.expires_at;
    return next;
  }

  onEvent(event: HomeEvent, change: EventChange): void {
    if (event.kind !== 'person' || event.label !== 'person') return;
    const track = `${event.camera}/${event.id}`;
    const who = ['anyone', event.identity === null ? 'unknown' : `p:${event.identity.toLowerCase()}`];
    const candidates = new Set<Runtime>(this.tracking.get(track) ?? []);
    for (const cam of [event.camera, ANY_CAMERA])
      for (const w of who) for (const r of this.index.get(`${cam}\u0000${w}`) ?? []) candidates.add(r);
    const now = this.scheduler.now();
    for (const r of candidates) this.step(r, track, event, change, now);
    if (change === 'end') this.tracking.delete(track);
  }

  private step(r: Runtime, track: string, event: HomeEvent, change: EventChange, now: number): void {
    const w = r.watch;
    const t = w.spec.trigger;
    const live = change !== 'end' && now >= w.starts_at && now < w.expires_at;
    const here = live && place(t, event);
    const holds = here && activityMatches(t, event);
    const st = r.tracks.get(track);
    if (holds) {
      if (st !== undefined) {
        st.last = event;
        return;
      }
      const fresh: TrackState = { since: now, cancel: null, counted: false, last: event };
      r.tracks.set(track, fresh);
      let set = this.tracking.get(track);
      if (set === undefined) this.tracking.set(track, (set = new Set()));
      set.add(r);
      if (t.on === 'start') {
        if (t.min_duration_s === 0) this.occurrence(r, fresh, now);
        else
          fresh.cancel = this.scheduler.after(t.min_duration_s * 1000, () => {
            fresh.cancel = null;
            if (r.tracks.get(track) === fresh && this.byId.get(w.id) === r) this.occurrence(r, fresh, this.scheduler.now());
          });
      }
      return;
    }
    if (st === undefined) return;
    st.cancel?.();
    r.tracks.delete(track);
    this.tracking.get(track)?.delete(r);
    // 'end' triggers: the activity stopped while the same person is still in view and in place ("gets up").
    if (t.on === 'end' && here && now - st.since >= t.min_duration_s * 1000) {
      st.last = event;
      this.occurrence(r, st, now);
    }
  }

  private occurrence(r: Runtime, st: TrackState, now: number): void {
    if (st.counted) return;
    st.counted = true;
    const w = r.watch;
    // A duration timer that runs out after the window closed does not count.
    if (now >= w.expires_at) return;
    r.occurrences++;
    if (r.occurrences < w.spec.trigger.count) return;
    r.occurrences = 0;
    if (w.last_fired_at !== null && now - w.last_fired_at < w.spec.cooldown_s * 1000) return;
    const fired: Watch = { ...w, fired: w.fired + 1, last_fired_at: now, status: w.spec.once ? 'done' : 'active' };
    r.watch = fired;
    if (w.spec.once) this.remove(w.id);
    this.onFire({ watch: fired, event: st.last, at: now });
  }
}
