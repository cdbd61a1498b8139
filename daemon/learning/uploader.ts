import { configSchema, type HomeSightConfig } from '../config/index.js';
import type { SampleQueue } from '../memory/index.js';
import { asHomeSightError, silentLogger, zonedParts, type Clock, type Logger } from '../system/index.js';
import { AuditLog } from './audit.js';
import type { UploadPayload } from './privacy.js';
import type { TeacherClient } from './teacher-client.js';

/** learning.upload as zod parsed it (seconds, snake_case), used as is. */
export type UploadSettings = HomeSightConfig['learning']['upload'];

/** learning.upload's defaults, from the schema, for callers without a config (tests, the bench). */
export const DEFAULT_UPLOAD: UploadSettings = configSchema.shape.learning.parse(undefined).upload;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Whether `now` lies in the local "HH:MM-HH:MM" window (wrapping midnight when end < start). */
export function inWindow(now: number, window: string | undefined, timezone: string): boolean {
  if (window === undefined) return true;
  const [a, b] = window.split('-') as [string, string];
  const local = zonedParts(now, timezone);
  const cur = local.hour * 60 + local.minute;
  const s = minutesOf(a);
  const e = minutesOf(b);
  return s <= e ? cur >= s && cur < e : cur >= s || cur < e;
}

export interface FlushResult {
  sent: number;
  duplicates: number;
  failed: number;
  skipped?: 'window' | 'not_due' | 'empty';
  error?: string;
}

export interface UploaderOptions {
  queue: SampleQueue;
  client: TeacherClient | null;
  clock: Clock;
  audit: AuditLog;
  settings: UploadSettings;
  /** household.timezone: the upload window is local time. */
  timezone: string;
  random?: () => number;
  log?: Logger;
}

/**
 * The persisted upload queue's policy: bounded (count and bytes; lowest value, then oldest, dropped first and
 * counted), batched on a schedule (interval + jitter, time window), retried with exponential backoff per sample,
 * idempotent (sample ids; the server dedupes too). State lives in memory's upload_samples table, so a restart or a
 * long offline period loses nothing.
 */
export class Uploader {
  private nextRunAt: number;
  private droppedCount = 0;
  private lastError: string | null = null;
  private lastFlushAt: number | null = null;
  private running: Promise<FlushResult> | null = null;
  private readonly random: () => number;
  private readonly log: Logger;

  constructor(private readonly o: UploaderOptions) {
    this.random = o.random ?? Math.random;
    this.log = o.log ?? silentLogger();
    this.nextRunAt = o.clock.now() + this.delay();
  }

  get settings(): UploadSettings {
    return this.o.settings;
  }

  update(settings: UploadSettings, timezone: string): void {
    this.o.settings = settings;
    this.o.timezone = timezone;
  }

  setClient(client: TeacherClient | null): void {
    this.o.client = client;
  }

  private delay(): number {
    return this.o.settings.interval_s * 1000 + Math.floor(this.random() * this.o.settings.jitter_s * 1000);
  }

  /** Queues a payload (an id already queued is kept as it is) and enforces the bounds. Returns whether it was new. */
  async enqueue(payload: UploadPayload, value: number): Promise<boolean> {
    const bytes = Buffer.byteLength(JSON.stringify(payload));
    const added = this.o.queue.enqueue({ id: payload.id, kind: 'plan_sample', payload, bytes, value }) > 0;
    await this.enforceBounds();
    return added;
  }

  private async enforceBounds(): Promise<void> {
    const q = this.o.queue;
    const dropped: string[] = [];
    const st = q.stats();
    if (st.pending > this.o.settings.max_items) {
      const all = q.due(Number.MAX_SAFE_INTEGER, st.pending + 1);
      all.sort((a, b) => a.value - b.value || a.created - b.created);
      const extra = all.slice(0, st.pending - this.o.settings.max_items).map((s) => s.id);
      q.remove(extra);
      dropped.push(...extra);
    }
    dropped.push(...q.evictToBytes(this.o.settings.max_bytes));
    if (dropped.length > 0) {
      this.droppedCount += dropped.length;
      this.log.warn({ dropped: dropped.length }, 'upload queue full: dropped the lowest-value, oldest samples');
      await this.o.audit.append({
        at: new Date(this.o.clock.now()).toISOString(),
        kind: 'dropped',
        ids: dropped,
        note: 'queue bound (learning.upload.max_items / max_bytes)',
      });
    }
  }

  stats(): {
    pending: number;
    pendingBytes: number;
    uploaded: number;
    dropped: number;
    nextRunAt: string;
    lastFlushAt: string | null;
    lastError: string | null;
  } {
    return {
      ...this.o.queue.stats(),
      dropped: this.droppedCount,
      nextRunAt: new Date(this.nextRunAt).toISOString(),
      lastFlushAt: this.lastFlushAt === null ? null : new Date(this.lastFlushAt).toISOString(),
      lastError: this.lastError,
    };
  }

  /** Runs a flush when the schedule says so (call it often; it is cheap when nothing is due). */
  async tick(): Promise<FlushResult | null> {
    const now = this.o.clock.now();
    if (now < this.nextRunAt) return null;
    this.nextRunAt = now + this.delay();
    if (!inWindow(now, this.o.settings.window, this.o.timezone)) return { sent: 0, duplicates: 0, failed: 0, skipped: 'window' };
    return this.flush();
  }

  /** Uploads every due sample now, batch by batch (one flush at a time). */
  flush(): Promise<FlushResult> {
    this.running ??= this.doFlush().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async doFlush(): Promise<FlushResult> {
    const res: FlushResult = { sent: 0, duplicates: 0, failed: 0 };
    const client = this.o.client;
    if (client === null) return { ...res, skipped: 'empty', error: 'no teacher configured' };
    const seen = new Set<string>();
    for (;;) {
      const now = this.o.clock.now();
      const batch = this.o.queue.due(now, this.o.settings.batch_size).filter((s) => !seen.has(s.id));
      if (batch.length === 0) break;
      for (const s of batch) seen.add(s.id);
      const payloads = batch.map((s) => {
        const p = s.payload as UploadPayload;
        if (!this.o.settings.metered || p.frames === undefined) return p;
        const { frames: _f, ...rest } = p;
        return rest;
      });
      const body = JSON.stringify({ samples: payloads });
      try {
        const r = await client.uploadSamples(payloads);
        const ok = [...r.accepted, ...r.duplicates];
        this.o.queue.markUploaded(ok);
        res.sent += r.accepted.length;
        res.duplicates += r.duplicates.length;
        this.lastError = null;
        const fields = new Set<string>();
        for (const p of payloads) for (const k of Object.keys(p)) fields.add(k);
        await this.o.audit.append({
          at: new Date(now).toISOString(),
          kind: 'upload',
          ids: ok,
          bytes: Buffer.byteLength(body),
          sha256: AuditLog.digest(body),
          fields: [...fields].sort(),
          payloads,
        });
      } catch (err) {
        const e = asHomeSightError(err);
        this.lastError = e.message;
        for (const s of batch) {
          const wait = Math.min(this.o.settings.backoff_s * 1000 * 2 ** s.attempts, this.o.settings.backoff_max_s * 1000);
          this.o.queue.markFailed(s.id, now + wait + Math.floor(this.random() * wait * 0.1), e.message);
        }
        res.failed += batch.length;
        res.error = e.message;
        this.log.info({ err: e.code, samples: batch.length }, 'upload to the cloud teacher failed; retrying with backoff');
        break;
      }
    }
    this.lastFlushAt = this.o.clock.now();
    return res;
  }
}
