import type { EventChange, HomeEvent, Watch, WatchSpecInput } from '../../daemon/contracts/index.js';
import { watchSpecSchema } from '../../daemon/contracts/index.js';
import type { Daemon } from '../../daemon/main.js';
import type { WatchScheduler } from '../../daemon/watches/evaluate.js';

/** Timers on a hand-moved clock: advance() runs what falls due, in time order. */
export class ManualScheduler implements WatchScheduler {
  private timers: Array<{ at: number; fn: () => void; seq: number }> = [];
  private seq = 0;
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), fn, seq: this.seq++ };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }
  /** Moves to `to` (absolute ms), running due timers at their own times. */
  advanceTo(to: number): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= to).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = Math.max(this.t, to);
  }
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }
  get pending(): number {
    return this.timers.length;
  }
}

let counter = 0;
export function watchOf(spec: WatchSpecInput, now: number, over: Partial<Watch> = {}): Watch {
  const parsed = watchSpecSchema.parse(spec);
  return {
    id: `w_test${String(counter++).padStart(4, '0')}`,
    spec: parsed,
    description: 'test watch',
    question: null,
    status: 'active',
    created_at: now,
    starts_at: parsed.starts_at ?? now,
    expires_at: parsed.expires_at ?? now + 86_400_000,
    fired: 0,
    last_fired_at: null,
    ...over,
  };
}

/** A person event of one track, as vision's CameraEventWriter emits it. */
export function personEvent(id: string, camera: string, at: number, over: Partial<HomeEvent> = {}): HomeEvent {
  return {
    id,
    camera,
    kind: 'person',
    label: 'person',
    track_id: `t-${id}`,
    identity: null,
    activity: null,
    start: at,
    end: null,
    confidence: 0.9,
    box: [0.1, 0.1, 0.2, 0.5],
    zones: [],
    snapshot: null,
    attributes: {},
    ...over,
  };
}

export type Emit = (e: HomeEvent, change: EventChange) => void;

/** What vision does with an event: store it, then tell the bus. */
export function see(d: Daemon, change: 'new' | 'update' | 'end', e: HomeEvent): void {
  d.module('memory')!.store.events.upsert(e);
  d.bus.emit('vision.event', { change, event: e });
}
