import { type Clock, errorMessage, type Logger, zonedParts, zonedToUtc } from '../system/index.js';
import type { RecapSpan } from './recap.js';

/** The local wall-clock time HH:MM on the day `dayOffset` days from the day of `ms`, as an instant. */
function dailyAt(ms: number, dayOffset: number, at: string, timezone: string): number {
  const [hour, minute] = at.split(':').map(Number) as [number, number];
  const p = zonedParts(ms, timezone);
  return zonedToUtc({ year: p.year, month: p.month, day: p.day + dayOffset, hour, minute }, timezone);
}

/** The first instant strictly after `after` whose local time is `at` (HH:MM) in `timezone`. */
export function nextDailyAt(after: number, at: string, timezone: string): number {
  for (let d = 0; ; d++) {
    const t = dailyAt(after, d, at, timezone);
    if (t > after) return t;
  }
}

/** The digest's span ending at `to`: from the same local time the day before (23 or 25 hours on DST days). */
export function digestSpan(to: number, at: string, timezone: string): RecapSpan {
  return { from: dailyAt(to, -1, at, timezone), to, label: 'daily digest' };
}

export interface DailyDigestOptions {
  clock: Clock;
  log: Logger;
  /** Local HH:MM. */
  at: string;
  timezone: string;
  /** Builds and publishes the digest of a span. */
  publish(span: RecapSpan): Promise<void>;
}

/** The timer re-checks at least this often, so a wall-clock step (NTP, RTC) delays a digest by a minute at most. */
const CHECK_EVERY_MS = 60_000;

/**
 * The daily digest's schedule: due at recaps.digest.at local time every day. The wall clock is read through the
 * injected Clock at every check (a timer only wakes it up), so tests drive it with a ManualClock and check().
 * A digest missed while the daemon was down is not sent late: the next one covers its full day.
 */
export class DailyDigest {
  private next: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Digests published (health, tests). */
  published = 0;
  lastError: string | null = null;

  constructor(private readonly o: DailyDigestOptions) {
    this.next = nextDailyAt(o.clock.now(), o.at, o.timezone);
  }

  /** When the next digest is due (ms). */
  get nextAt(): number {
    return this.next;
  }

  start(): void {
    this.arm();
  }

  stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return this.running ?? Promise.resolve();
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const wait = Math.max(1000, Math.min(CHECK_EVERY_MS, this.next - this.o.clock.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check().finally(() => this.arm());
    }, wait);
    this.timer.unref();
  }

  /** Publishes the digest when it is due; returns its span, or null when it is not due yet. */
  async check(): Promise<RecapSpan | null> {
    const now = this.o.clock.now();
    if (now < this.next) return null;
    const span = digestSpan(this.next, this.o.at, this.o.timezone);
    this.next = nextDailyAt(now, this.o.at, this.o.timezone);
    this.running = this.o
      .publish(span)
      .then(() => {
        this.published++;
        this.lastError = null;
      })
      .catch((err: unknown) => {
        this.lastError = errorMessage(err);
        this.o.log.error({ err: this.lastError }, 'daily digest not published');
      });
    await this.running;
    this.running = null;
    return span;
  }
}
