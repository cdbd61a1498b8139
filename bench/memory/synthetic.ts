import { newEventId, type HomeEvent } from '../../daemon/memory/index.js';

/** Synthetic household events for the memory benchmark (deterministic for a seed). */

export const CAMERAS = ['porch', 'hall', 'kitchen', 'living', 'dining', 'office', 'garage', 'garden'];
export const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin'];
export const ACTIVITIES = ['walking', 'sitting', 'standing', 'cooking', 'eating', 'reading', 'watching_tv', 'cleaning'];
const KINDS: HomeEvent['kind'][] = ['person', 'identity', 'activity', 'activity', 'activity', 'object'];

/** mulberry32: a small fast PRNG, so runs are repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticPlan {
  total: number;
  /** First and last start time. */
  from: number;
  to: number;
}

/** The span a run covers: one year of history ending at 2026-01-01 UTC. */
export function plan(total: number): SyntheticPlan {
  const to = Date.UTC(2026, 0, 1);
  return { total, from: to - 365 * 86_400_000, to };
}

/**
 * Events i … i+n−1 of the plan, in start order (as vision produces them).
 * Durations 1 s – 10 min; the last 20 events of the run are still ongoing.
 */
export function chunk(p: SyntheticPlan, i0: number, n: number, rand: () => number): HomeEvent[] {
  const step = (p.to - p.from) / p.total;
  const out: HomeEvent[] = new Array(Math.min(n, p.total - i0));
  for (let k = 0; k < out.length; k++) {
    const i = i0 + k;
    const start = Math.floor(p.from + i * step + rand() * step);
    const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
    const person = kind !== 'object';
    const r = rand();
    const identity = person && r < 0.8 ? PEOPLE[Math.floor(r * 10) % PEOPLE.length]! : null;
    const activity = kind === 'activity' ? ACTIVITIES[Math.floor(rand() * ACTIVITIES.length)]! : null;
    const dur = Math.min(600_000, Math.floor(1000 + -Math.log(1 - rand()) * 60_000));
    out[k] = {
      id: newEventId(start),
      camera: CAMERAS[Math.floor(rand() * CAMERAS.length)]!,
      kind,
      label: person ? 'person' : rand() < 0.5 ? 'car' : 'dog',
      track_id: `t${i % 100_000}`,
      identity,
      activity,
      start,
      end: i >= p.total - 20 ? null : start + dur,
      confidence: 0.5 + rand() * 0.5,
      box: [rand() * 0.5, rand() * 0.5, 0.1 + rand() * 0.4, 0.1 + rand() * 0.4],
      zones: rand() < 0.3 ? ['door'] : [],
      snapshot: null,
      attributes: {},
    };
  }
  return out;
}
