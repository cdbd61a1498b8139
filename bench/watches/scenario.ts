import type { HomeEvent, Watch, WatchSpecInput } from '../../daemon/contracts/index.js';
import { watchSpecSchema } from '../../daemon/contracts/index.js';
import { prng } from '../memory/synthetic.js';

/**
 * A replayed day for the watch bench: person tracks on 4 cameras (who, where, what they do second by second),
 * the person events vision would emit for them at 5 detect-fps, 1,000 watches of every trigger shape, and the gold
 * firings computed offline from whole tracks (not by the evaluator under test).
 */

export const CAMERAS = ['front_door', 'living_room', 'kitchen', 'garden'] as const;
export const ZONES: Record<string, string[]> = { living_room: ['sofa', 'floor'], kitchen: ['stove'], garden: ['shed'], front_door: [] };
export const PEOPLE = ['Heinrich', 'Lotte', 'Jannik', 'Mia', 'Ada'];
const ACTIVITIES = ['standing', 'walking', 'sitting', 'lying_down', 'cooking', 'eating', 'using_phone'];

export interface Frame {
  at: number;
  identity: string | null;
  activity: string | null;
  zones: string[];
}

export interface Track {
  id: string;
  camera: string;
  frames: Frame[];
  /** When the track ends (the 'end' event). */
  end: number;
}

/**
 * Tracks over `hours` from `t0`: by default each camera gets a new visitor every 1–6 minutes, staying 5 s – 10 min
 * (`busy`: every 2–5 s, staying 2–20 s, for the latency run).
 */
export function tracks(seed: number, t0: number, hours: number, fps: number, busy = false): Track[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: Track[] = [];
  const step = 1000 / fps;
  for (const camera of CAMERAS) {
    let t = t0 + Math.floor(r() * (busy ? 1_000 : 60_000));
    let n = 0;
    while (t < t0 + hours * 3_600_000) {
      const length = busy ? 2_000 + Math.floor(r() * 18_000) : 5_000 + Math.floor(r() * r() * 600_000);
      const known = r() < 0.7 ? pick(PEOPLE) : null;
      // Faces resolve after 0.4–6 s (a known person is "unknown" until then).
      const resolveAt = t + 400 + Math.floor(r() * 5_600);
      let activity = pick(ACTIVITIES);
      let zones = r() < 0.5 && ZONES[camera]!.length > 0 ? [pick(ZONES[camera]!)] : [];
      const frames: Frame[] = [];
      for (let at = t; at < t + length; at += step) {
        if (r() < 0.004) activity = pick(ACTIVITIES);
        if (r() < 0.002) zones = ZONES[camera]!.length > 0 && r() < 0.5 ? [pick(ZONES[camera]!)] : [];
        frames.push({ at: Math.round(at), identity: known !== null && at >= resolveAt ? known : null, activity, zones });
      }
      out.push({ id: `${camera}-${n++}`, camera, frames, end: Math.round(t + length) });
      t += busy ? 2_000 + Math.floor(r() * 3_000) : length + 60_000 + Math.floor(r() * 300_000);
    }
  }
  return out;
}

/** The person event of a track at one frame, as vision's writer emits it. */
export function eventAt(track: Track, f: Frame, end: number | null = null): HomeEvent {
  return {
    id: track.id,
    camera: track.camera,
    kind: 'person',
    label: 'person',
    track_id: track.id,
    identity: f.identity,
    activity: f.activity,
    start: track.frames[0]!.at,
    end,
    confidence: 0.9,
    box: [0.1, 0.1, 0.2, 0.5],
    zones: f.zones,
    snapshot: null,
    attributes: { current_zones: f.zones },
  };
}

/** 1,000 watches of every shape: people, unknown, anyone; cameras and zones; activities; durations; counts; windows. */
export function watchSpecs(seed: number, t0: number, n: number): WatchSpecInput[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: WatchSpecInput[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r();
    const camera = pick(CAMERAS);
    const zoned = r() < 0.2 && ZONES[camera]!.length > 0;
    const activity = r() < 0.5 ? pick(ACTIVITIES) : null;
    const start = t0 + Math.floor(r() * 12) * 3_600_000;
    out.push({
      trigger: {
        // Most watch someone who is not in this household's day (cheap misses), as a busy hub's would.
        who:
          kind < 0.5
            ? { kind: 'person', name: r() < 0.2 ? pick(PEOPLE) : `Guest${i}` }
            : kind < 0.75
              ? { kind: 'unknown' }
              : { kind: 'anyone' },
        cameras: r() < 0.8 ? [camera] : [],
        zones: zoned ? [pick(ZONES[camera]!)] : [],
        activity,
        on: activity !== null && r() < 0.15 ? 'end' : 'start',
        min_duration_s: r() < 0.4 ? pick([3, 10, 60, 120]) : 0,
        count: r() < 0.1 ? 2 : 1,
      },
      starts_at: start,
      expires_at: start + (2 + Math.floor(r() * 20)) * 3_600_000,
      cooldown_s: pick([0, 60, 300, 1800]),
      once: r() < 0.1,
    });
  }
  return out;
}

export function asWatch(spec: WatchSpecInput, i: number, now: number): Watch {
  const s = watchSpecSchema.parse(spec);
  return {
    id: `w_bench${String(i).padStart(5, '0')}`,
    spec: s,
    description: `bench ${i}`,
    question: null,
    status: 'active',
    created_at: now,
    starts_at: s.starts_at ?? now,
    expires_at: s.expires_at ?? now + 86_400_000,
    fired: 0,
    last_fired_at: null,
  };
}

/**
 * Gold firings of one watch over whole tracks, by the watch's definition: per track, each maximal run of frames
 * where the condition holds is one occurrence — at run start + min_duration when the run lasts that long ('start'),
 * or at the frame it stops when the person is still there and in place ('end'); occurrences inside the window,
 * in time order, fire every `count`-th one unless within the cooldown of the last firing; `once` stops after one.
 */
export function goldFirings(w: Watch, all: readonly Track[]): number[] {
  const t = w.spec.trigger;
  const place = (tr: Track, f: Frame): boolean => {
    if (t.who.kind === 'unknown' && f.identity !== null) return false;
    if (t.who.kind === 'person' && f.identity?.toLowerCase() !== t.who.name.toLowerCase()) return false;
    if (t.cameras.length > 0 && !t.cameras.includes(tr.camera)) return false;
    if (t.zones.length > 0 && !t.zones.some((z) => f.zones.includes(z))) return false;
    return true;
  };
  const live = (at: number): boolean => at >= w.starts_at && at < w.expires_at;
  const holds = (tr: Track, f: Frame): boolean => live(f.at) && place(tr, f) && (t.activity === null || f.activity === t.activity);
  const occurrences: number[] = [];
  const D = t.min_duration_s * 1000;
  for (const tr of all) {
    // Quick skips: another camera, or a person this track never becomes.
    if (t.cameras.length > 0 && !t.cameras.includes(tr.camera)) continue;
    if (t.who.kind === 'person' && tr.frames[tr.frames.length - 1]?.identity?.toLowerCase() !== t.who.name.toLowerCase()) continue;
    let runStart: number | null = null;
    const frames = tr.frames;
    for (let i = 0; i <= frames.length; i++) {
      const f = frames[i];
      // The end event closes every run (no frame after it).
      const h = f !== undefined && holds(tr, f);
      const at = f?.at ?? tr.end;
      if (h && runStart === null) runStart = at;
      else if (!h && runStart !== null) {
        if (t.on === 'start' && runStart + D <= at) occurrences.push(runStart + D);
        if (t.on === 'end' && f !== undefined && live(at) && place(tr, f) && at - runStart >= D) occurrences.push(at);
        runStart = null;
      }
    }
  }
  occurrences.sort((a, b) => a - b);
  const fired: number[] = [];
  let pending = 0;
  for (const at of occurrences) {
    if (at >= w.expires_at) continue;
    pending++;
    if (pending < t.count) continue;
    pending = 0;
    const last = fired[fired.length - 1];
    if (last !== undefined && at - last < w.spec.cooldown_s * 1000) continue;
    fired.push(at);
    if (w.spec.once) break;
  }
  return fired;
}
