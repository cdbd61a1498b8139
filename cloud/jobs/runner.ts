import { HomeSightError, silentLogger, type Logger } from '../../daemon/system/index.js';
import type { Job, JobEffects, JobKind, Lease, TeacherStore } from '../store/index.js';

/** What a job handler gets besides its job: an abort signal (lease lost, or drain timed out). */
export interface JobContext {
  signal: AbortSignal;
  log: Logger;
}

/** Runs one job; resolves with what its completion applies (exactly once, with the completion). */
export type JobHandler = (job: Job, ctx: JobContext) => Promise<JobEffects | undefined>;

export interface JobRunnerOptions {
  store: TeacherStore;
  handlers: Partial<Record<JobKind, JobHandler>>;
  /** This replica's name in leases (hostname-pid-random). */
  owner: string;
  leaseMs?: number;
  /** Wait between claims when nothing was runnable. */
  pollMs?: number;
  /** Jobs run at once by this replica. */
  concurrency?: number;
  /** Base of the retry backoff (doubles per attempt, capped at 5 min). */
  retryMs?: number;
  log?: Logger;
}

/**
 * Claims jobs from the store and runs them: a lease per job kept alive by heartbeats (every third of the lease),
 * a failed attempt retried with backoff until the store's attempt cap, completion keyed by the lease so a replica
 * that lost its lease applies nothing. stop() stops claiming, waits for running jobs up to a grace period, then
 * aborts them and gives their leases back.
 */
export class JobRunner {
  private readonly log: Logger;
  private readonly leaseMs: number;
  private readonly running = new Map<number, { lease: Lease; abort: AbortController; done: Promise<void> }>();
  private loops: Promise<void>[] = [];
  private stopping = false;
  private readonly waiters = new Set<() => void>();
  /** Claim errors in a row (store unreachable): the loops back off, readiness reports it. */
  lastError: string | null = null;

  constructor(private readonly o: JobRunnerOptions) {
    this.log = o.log ?? silentLogger();
    this.leaseMs = o.leaseMs ?? 30_000;
  }

  get kinds(): JobKind[] {
    return Object.keys(this.o.handlers) as JobKind[];
  }

  get inFlight(): number {
    return this.running.size;
  }

  start(): void {
    this.stopping = false;
    const n = this.o.concurrency ?? 1;
    this.loops = Array.from({ length: n }, () => this.loop());
  }

  /** Wakes idle loops now (work was just enqueued by this process). */
  poke(): void {
    for (const w of [...this.waiters]) w();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private async loop(): Promise<void> {
    let idle = 0;
    while (!this.stopping) {
      let ran = false;
      try {
        ran = await this.runOne();
        this.lastError = null;
      } catch (err) {
        this.lastError = (err as Error).message;
        this.log.warn({ err: this.lastError }, 'cannot claim jobs; retrying');
      }
      if (this.stopping) break;
      if (ran) {
        idle = 0;
        continue;
      }
      idle = Math.min(idle + 1, 4);
      await this.sleep((this.o.pollMs ?? 500) * (this.lastError === null ? 1 : 2 ** idle));
    }
  }

  /** Claims and runs one job of these kinds; false when none was runnable. */
  async runOne(kinds: readonly JobKind[] = this.kinds): Promise<boolean> {
    const job = await this.o.store.claim(this.o.owner, kinds, this.leaseMs);
    if (job === null) return false;
    await this.run(job);
    return true;
  }

  /** Runs claimed jobs until none of these kinds is runnable (embedded mode and tests). */
  async runUntilIdle(kinds: readonly JobKind[] = this.kinds): Promise<number> {
    let n = 0;
    while (await this.runOne(kinds)) n++;
    return n;
  }

  private run(job: Job): Promise<void> {
    const lease: Lease = { id: job.id, owner: this.o.owner, attempt: job.attempts };
    const abort = new AbortController();
    const log = this.log.child({ job: job.id, kind: job.kind, household: job.household, attempt: job.attempts });
    const beat = setInterval(
      () => {
        this.o.store.heartbeat(lease, this.leaseMs).then(
          (held) => {
            if (!held && !abort.signal.aborted) {
              log.warn('lease lost; aborting the job');
              abort.abort(new HomeSightError('E_JOB_LEASE_LOST', `job ${job.id} lost its lease`));
            }
          },
          (err: unknown) => log.warn({ err: (err as Error).message }, 'heartbeat failed'),
        );
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    const done = (async () => {
      const handler = this.o.handlers[job.kind];
      try {
        if (handler === undefined) throw new HomeSightError('E_INTERNAL', `no handler for ${job.kind} jobs`);
        const effects = await handler(job, { signal: abort.signal, log });
        abort.signal.throwIfAborted();
        const completed = await this.o.store.complete(lease, effects ?? {});
        if (completed) log.info('job done');
        else log.warn('job finished after its lease was lost; its result was not applied');
      } catch (err) {
        // shutdown: give the job back; lost lease: the job belongs to another replica now, record nothing
        const reason = abort.signal.aborted ? (abort.signal.reason as HomeSightError) : null;
        if (reason?.code === 'E_JOB_ABORTED') {
          await this.o.store.release(lease).catch(() => undefined);
          log.info('job released on shutdown');
        } else if (reason?.code !== 'E_JOB_LEASE_LOST') {
          const retry = Math.min(300_000, (this.o.retryMs ?? 1000) * 2 ** Math.max(0, job.attempts - 1));
          log.warn({ err: (err as Error).message, retryInMs: retry }, 'job attempt failed');
          await this.o.store.fail(lease, (err as Error).message, retry).catch(() => undefined);
        }
      } finally {
        clearInterval(beat);
        this.running.delete(job.id);
      }
    })();
    this.running.set(job.id, { lease, abort, done });
    return done;
  }

  /** Stops claiming; running jobs get `graceMs` to finish, then are aborted and released for another replica. */
  async stop(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    this.poke();
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      for (const r of this.running.values()) r.abort.abort(new HomeSightError('E_JOB_ABORTED', `job ${r.lease.id} aborted on shutdown`));
      await all();
    }
    await Promise.all(this.loops);
  }
}
