/**
 * A bounded queue between one camera and one consumer. When the consumer is
 * slower than the camera the oldest item is dropped (and counted): memory
 * stays bounded and the consumer always sees the freshest frames.
 */
export class DropOldestQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private closed = false;
  /** Items discarded because the queue was full. */
  dropped = 0;
  /** Items handed to the consumer. */
  taken = 0;

  constructor(
    readonly capacity: number,
    private readonly hooks: {
      onDrop?: (item: T) => void;
      onTake?: (item: T) => void;
      /** Items still queued when the queue is closed (never seen by the consumer, not counted as dropped). */
      onDiscard?: (item: T) => void;
      onClose?: () => void;
    } = {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      this.taken++;
      this.hooks.onTake?.(item);
      w({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      const old = this.items.shift() as T;
      this.dropped++;
      this.hooks.onDrop?.(old);
    }
    this.items.push(item);
  }

  /** Ends the iteration; items still queued are discarded. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const left = this.items.splice(0);
    for (const item of left) this.hooks.onDiscard?.(item);
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
    this.hooks.onClose?.();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      this.taken++;
      this.hooks.onTake?.(item);
      return Promise.resolve({ value: item, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter !== null) return Promise.reject(new Error('DropOldestQueue supports one consumer at a time'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Events per second over a sliding window, on a monotonic clock. */
export class RateMeter {
  private readonly times: number[] = [];
  private since: number | null = null;

  constructor(
    private readonly now: () => number,
    private readonly windowMs = 5000,
  ) {}

  mark(): void {
    const t = this.now();
    if (this.since === null) this.since = t;
    this.times.push(t);
    this.trim(t);
  }

  /** Events in the window divided by the window (or the time since the first event, at least 1 s). */
  rate(): number {
    if (this.since === null) return 0;
    const t = this.now();
    this.trim(t);
    const span = Math.max(Math.min(this.windowMs, t - this.since), 1000);
    return Math.round(((this.times.length * 1000) / span) * 100) / 100;
  }

  reset(): void {
    this.times.length = 0;
    this.since = null;
  }

  private trim(t: number): void {
    const cut = t - this.windowMs;
    let i = 0;
    while (i < this.times.length && (this.times[i] as number) < cut) i++;
    if (i > 0) this.times.splice(0, i);
  }
}

/** Exponential backoff with "equal jitter": each delay is uniform in [d/2, d], d = min(max, initial·2^attempt). */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const d = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(d / 2 + this.random() * (d / 2));
  }

  /** The longest delay (used for permanent errors: retry slowly). */
  max(): number {
    return Math.round(this.maxMs / 2 + this.random() * (this.maxMs / 2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
