import { percentile } from '../harness/index.js';
import type { KeepAliveClient } from './http.js';
import { type SimDevice, samplesOf } from './population.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** How long after a step its last cycles may take (retries through a restart included). */
const DRAIN_LIMIT_S = 180;

/** What each device sent and what the teacher answered, for the end-of-run count against the store. */
export class Ledger {
  /** household\tsample id → how many times the teacher answered "accepted" (1 = stored once). */
  readonly accepted = new Map<string, number>();
  readonly sent = new Set<string>();
  /** Ids the teacher acknowledged, as new or as already stored (a retry after a lost answer). */
  readonly acknowledged = new Set<string>();
  retries = 0;

  record(household: string, sent: readonly string[], receipt: { accepted: readonly string[]; duplicates: readonly string[] }): void {
    for (const id of sent) this.sent.add(`${household}\t${id}`);
    for (const id of receipt.accepted) {
      const k = `${household}\t${id}`;
      this.accepted.set(k, (this.accepted.get(k) ?? 0) + 1);
      this.acknowledged.add(k);
    }
    for (const id of receipt.duplicates) this.acknowledged.add(`${household}\t${id}`);
  }

  /** Ids accepted twice (a duplicate the server failed to detect) and ids never acknowledged. */
  check(stored: ReadonlySet<string>): { sent: number; stored: number; lost: number; duplicated: number; unacknowledged: number } {
    let lost = 0;
    for (const k of this.sent) if (!stored.has(k)) lost++;
    let duplicated = 0;
    for (const n of this.accepted.values()) if (n > 1) duplicated++;
    return {
      sent: this.sent.size,
      stored: stored.size,
      lost,
      duplicated,
      unacknowledged: [...this.sent].filter((k) => !this.acknowledged.has(k)).length,
    };
  }
}

/** Latencies (ms) and counts of one load step. */
export interface StepStats {
  compression: number;
  seconds: number;
  offered_cycles_per_s: number;
  completed_cycles_per_s: number;
  requests_per_s: number;
  uploads_per_s: number;
  samples_per_s: number;
  upload_p50_ms: number | null;
  upload_p95_ms: number | null;
  label_fetch_p50_ms: number | null;
  label_fetch_p95_ms: number | null;
  label_fetch_p99_ms: number | null;
  manifest_p95_ms: number | null;
  /** How late the last due cycle started (the generator's queue: > 0 when the teacher falls behind). */
  lag_s: number;
  errors: number;
  teacher_cpu_s: number;
  store_cpu_s: number;
  generator_cpu_s: number;
  saturated: boolean;
}

export interface FleetOptions {
  devices: SimDevice[];
  /** One keep-alive client per replica (a load balancer's pools). */
  clients: KeepAliveClient[];
  ledger: Ledger;
  /** Cycles in flight at most; beyond, due cycles wait (and the lag grows). */
  maxInFlight?: number;
}

interface Window {
  uploads: number[];
  labels: number[];
  manifests: number[];
  samples: number;
  requests: number;
  completed: number;
  errors: number;
}

/**
 * Runs the devices' learning cycles (the daemon's LearningEdge.sync: upload the queued hard examples, page through
 * new pseudo-labels, read the adapter manifest) against the replicas, open loop on a compressed clock: at
 * compression F, one real second is F seconds of fleet time, so 10,000 devices at F behave like 10,000·F devices
 * at their configured cadence. A failed request (replica gone, 5xx) goes to the next replica after a short wait,
 * like a Service routing around a dead pod; samples stay queued until acknowledged, like the daemon's upload queue.
 */
export class Fleet {
  private simNow = 0;
  private inFlight = 0;
  private win: Window = Fleet.emptyWindow();
  private readonly maxInFlight: number;

  constructor(private readonly o: FleetOptions) {
    this.maxInFlight = o.maxInFlight ?? 512;
    // fleet time starts once every device is in its rhythm (no warm-up edge where phases and jitter thin out cycles)
    this.simNow = Math.max(...o.devices.map((d) => d.intervalS + d.jitterS));
  }

  private static emptyWindow(): Window {
    return { uploads: [], labels: [], manifests: [], samples: 0, requests: 0, completed: 0, errors: 0 };
  }

  /** Enrolls every device (POST /v1/devices/enroll with the fleet's secret), `concurrency` at a time. */
  async enroll(secret: string, concurrency: number, progress?: (done: number) => void): Promise<number> {
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const d = this.o.devices[next++];
        if (d === undefined) return;
        const r = await this.send(d, 'POST', '/v1/devices/enroll', null, {
          device_id: d.id,
          household: d.household,
          enrollment_secret: secret,
        });
        d.token = (r.body as { token: string }).token;
        if (d.index % 500 === 0) progress?.(d.index);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return (performance.now() - started) / 1000;
  }

  /** A request that is retried on another replica until it succeeds (network error or 5xx: wait, next replica). */
  private async send(d: SimDevice, method: 'GET' | 'POST', path: string, token: string | null, body?: unknown) {
    const clients = this.o.clients;
    for (let attempt = 0; ; attempt++) {
      const c = clients[(d.index + attempt) % clients.length]!;
      const r = await c.call(method, path, token, body).catch(() => null);
      if (r !== null && r.status < 400) return r;
      // a 4xx is the bench's own mistake (bad token, bad payload): stop rather than retry it forever
      if (r !== null && r.status < 500) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      this.win.errors++;
      this.o.ledger.retries++;
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 4)));
    }
  }

  private async cycle(d: SimDevice): Promise<void> {
    const cycle = d.cycles++;
    const samples = samplesOf(d, cycle, Date.now());
    if (samples.length > 0) {
      const r = await this.send(d, 'POST', '/v1/samples', d.token, { samples });
      this.o.ledger.record(
        d.household,
        samples.map((s) => s.id),
        r.body as { accepted: string[]; duplicates: string[] },
      );
      this.win.uploads.push(r.ms);
      this.win.samples += samples.length;
      this.win.requests++;
    }
    for (let page = 0; page < 10; page++) {
      const r = await this.send(d, 'GET', `/v1/pseudo-labels?since=${d.since}`, d.token);
      this.win.labels.push(r.ms);
      this.win.requests++;
      const b = r.body as { labels: unknown[]; next: number };
      if (b.labels.length === 0 || b.next <= d.since) break;
      d.since = b.next;
    }
    const m = await this.send(d, 'GET', '/v1/adapters/manifest', d.token);
    this.win.manifests.push(m.ms);
    this.win.requests++;
    this.win.completed++;
  }

  /** The cycles falling due in fleet time [from, to), in order. */
  private due(from: number, to: number): Array<{ at: number; device: SimDevice }> {
    const out: Array<{ at: number; device: SimDevice }> = [];
    for (const d of this.o.devices) {
      // cycle k of a device is due at phase + k·interval (+ a per-cycle jitter), as the Uploader schedules it
      // from the first cycle whose jittered time can reach `from` (a cycle pushed over a step's edge by its jitter
      // belongs to the next step, not to none)
      const first = Math.max(0, Math.ceil((from - d.phaseS - d.jitterS) / d.intervalS));
      for (let k = first; ; k++) {
        const at = d.phaseS + k * d.intervalS + (((d.index * 31 + k * 17) % 1000) / 1000) * d.jitterS;
        if (at >= to) break;
        if (at >= from) out.push({ at, device: d });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /**
   * One open-loop step: `seconds` of real time at compression F. `cpu()` samples the teacher's and the store's CPU
   * seconds; `during` runs alongside (the fault script). Waits for the step's cycles to finish before returning.
   */
  async step(
    compression: number,
    seconds: number,
    cpu: () => { teacher: number; store: number },
    during?: (elapsedS: () => number) => Promise<void>,
  ): Promise<StepStats> {
    const events = this.due(this.simNow, this.simNow + compression * seconds);
    this.simNow += compression * seconds;
    this.win = Fleet.emptyWindow();
    const cpu0 = cpu();
    const gen0 = process.cpuUsage();
    const t0 = performance.now();
    const elapsed = (): number => (performance.now() - t0) / 1000;
    const running: Array<Promise<void>> = [];
    const side = during === undefined ? Promise.resolve() : during(elapsed);
    let lag = 0;
    let i = 0;
    const base = this.simNow - compression * seconds;
    while (i < events.length) {
      const now = elapsed();
      while (i < events.length && (events[i]!.at - base) / compression <= now && this.inFlight < this.maxInFlight) {
        const e = events[i++]!;
        lag = Math.max(lag, now - (e.at - base) / compression);
        this.inFlight++;
        running.push(
          this.cycle(e.device).finally(() => {
            this.inFlight--;
          }),
        );
      }
      if (i < events.length) await sleep(Math.max(1, Math.min(20, ((events[i]!.at - base) / compression - elapsed()) * 1000)));
    }
    const dispatched = elapsed();
    // the window ends at the step's end; cycles still running count as not completed in it
    await sleep(Math.max(0, (seconds - dispatched) * 1000));
    const windowEnd = elapsed();
    const w = this.win;
    const inWindow = { completed: w.completed, requests: w.requests, uploads: w.uploads.length, samples: w.samples };
    const cpu1 = cpu();
    const gen1 = process.cpuUsage(gen0);
    // every cycle ends once the teacher answers again; a teacher that never does must not hang the bench
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.inFlight} cycles still unanswered ${DRAIN_LIMIT_S} s after the step`)),
        DRAIN_LIMIT_S * 1000,
      );
    });
    try {
      await Promise.race([Promise.all([...running, side]), stuck]);
    } finally {
      clearTimeout(timer);
    }
    const offered = events.length / seconds;
    const completed = inWindow.completed / windowEnd;
    const p = (xs: number[], q: number): number | null => {
      const v = percentile(xs, q);
      return v === null ? null : Math.round(v * 10) / 10;
    };
    const stats: StepStats = {
      compression,
      seconds: Math.round(windowEnd * 10) / 10,
      offered_cycles_per_s: Math.round(offered * 10) / 10,
      completed_cycles_per_s: Math.round(completed * 10) / 10,
      requests_per_s: Math.round((inWindow.requests / windowEnd) * 10) / 10,
      uploads_per_s: Math.round((inWindow.uploads / windowEnd) * 10) / 10,
      samples_per_s: Math.round((inWindow.samples / windowEnd) * 10) / 10,
      upload_p50_ms: p(w.uploads, 50),
      upload_p95_ms: p(w.uploads, 95),
      label_fetch_p50_ms: p(w.labels, 50),
      label_fetch_p95_ms: p(w.labels, 95),
      label_fetch_p99_ms: p(w.labels, 99),
      manifest_p95_ms: p(w.manifests, 95),
      lag_s: Math.round(lag * 10) / 10,
      errors: w.errors,
      teacher_cpu_s: Math.round((cpu1.teacher - cpu0.teacher) * 100) / 100,
      store_cpu_s: Math.round((cpu1.store - cpu0.store) * 100) / 100,
      generator_cpu_s: Math.round(((gen1.user + gen1.system) / 1e6) * 100) / 100,
      saturated: false,
    };
    stats.saturated = completed < 0.9 * offered || lag > 2 || (stats.label_fetch_p95_ms ?? 0) > 1000;
    return stats;
  }
}
