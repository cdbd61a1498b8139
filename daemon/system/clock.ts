/** Injectable time source, so tests can jump the clock (fault scenario: clock jumps). */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (UTC). */
  now(): number;
  /** Monotonic milliseconds, for durations and timeouts. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock tests drive by hand. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  constructor(startMs: number) {
    this.wall = startMs;
  }
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += Math.max(0, ms);
  }
  /** Jumps wall time only (NTP step, RTC reset); monotonic time is unaffected. */
  jump(ms: number): void {
    this.wall += ms;
  }
}
