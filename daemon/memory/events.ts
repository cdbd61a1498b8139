import type { Database, Statement } from 'better-sqlite3';
import { randomFillSync } from 'node:crypto';
import { HomeSightError, errorMessage, type Clock, type Logger } from '../system/index.js';
import { localDayRange } from './time.js';
import {
  EVENT_KINDS,
  type ActivitySpan,
  type AggregateQuery,
  type AggregateRow,
  type EventKind,
  type EventQuery,
  type HomeEvent,
  type Presence,
  type PresenceByCamera,
  type TimelineOptions,
  type WhoWasWhereQuery,
} from './types.js';

export interface FlushInfo {
  /** Events written in this commit. */
  written: number;
  /** Of those, new rows (the rest updated existing events). */
  inserted: number;
  ms: number;
}

export interface EventStoreOptions {
  /** Pending events are committed this often (memory.batch_ms). */
  batchMs: number;
  /** …or as soon as this many are pending (memory.batch_max). */
  batchMax: number;
  /** Cap on events held while the disk refuses writes; the oldest are dropped beyond it. */
  maxPending?: number;
  /** Called after each commit (metrics, tests). */
  onFlush?: (info: FlushInfo) => void;
}

interface EventRow {
  id: string;
  camera: string;
  kind: EventKind;
  label: string;
  track_id: string | null;
  identity: string | null;
  activity: string | null;
  t_start: number;
  t_end: number | null;
  confidence: number;
  box_x: number | null;
  box_y: number | null;
  box_w: number | null;
  box_h: number | null;
  zones: string;
  snapshot: string | null;
  attributes: string;
}

const COLUMNS =
  'id, camera, kind, label, track_id, identity, activity, t_start, t_end, confidence, box_x, box_y, ' +
  'box_w, box_h, zones, snapshot, attributes';
const MAX_LIMIT = 100_000;
const DEFAULT_LIMIT = 1000;
const META_MAX_CLOSED = 'events.max_closed_ms';

function rowToEvent(r: EventRow): HomeEvent {
  return {
    id: r.id,
    camera: r.camera,
    kind: r.kind,
    label: r.label,
    track_id: r.track_id,
    identity: r.identity,
    activity: r.activity,
    start: r.t_start,
    end: r.t_end,
    confidence: r.confidence,
    box: r.box_x === null ? null : [r.box_x, r.box_y ?? 0, r.box_w ?? 0, r.box_h ?? 0],
    zones: r.zones === '[]' ? [] : (JSON.parse(r.zones) as string[]),
    snapshot: r.snapshot,
    attributes: r.attributes === '{}' ? {} : (JSON.parse(r.attributes) as Record<string, unknown>),
  };
}

const KINDS = new Set<string>(EVENT_KINDS);

function invalid(e: unknown, what: string): HomeSightError {
  const id = typeof e === 'object' && e !== null && 'id' in e ? String((e as { id: unknown }).id) : undefined;
  return new HomeSightError('E_MEMORY_EVENT_INVALID', `event ${id ?? '(no id)'}: ${what}`, {
    context: { id },
    hint: 'events need id, camera, kind (person|identity|activity|object), label, start (ms), confidence; end null or ≥ start',
  });
}

/** Cheap structural checks at upsert time, so a bad event fails at its producer and never poisons a batch. */
export function validateEvent(e: HomeEvent): void {
  if (typeof e !== 'object' || e === null) throw invalid(e, 'not an object');
  if (typeof e.id !== 'string' || e.id.length === 0) throw invalid(e, 'id must be a non-empty string');
  if (typeof e.camera !== 'string' || e.camera.length === 0) throw invalid(e, 'camera must be a non-empty string');
  if (!KINDS.has(e.kind)) throw invalid(e, `kind must be one of ${EVENT_KINDS.join(', ')}`);
  if (typeof e.label !== 'string') throw invalid(e, 'label must be a string');
  if (!Number.isFinite(e.start)) throw invalid(e, 'start must be a number (ms since epoch)');
  if (e.end !== null && (!Number.isFinite(e.end) || e.end < e.start)) throw invalid(e, 'end must be null or a number ≥ start');
  if (!Number.isFinite(e.confidence)) throw invalid(e, 'confidence must be a number');
  if (e.box !== null && (!Array.isArray(e.box) || e.box.length !== 4 || !e.box.every(Number.isFinite)))
    throw invalid(e, 'box must be null or [x, y, w, h]');
  if (!Array.isArray(e.zones)) throw invalid(e, 'zones must be an array');
  if (typeof e.attributes !== 'object' || e.attributes === null) throw invalid(e, 'attributes must be an object');
}

// A pool of random bytes for ids: one randomFillSync per 4096 ids.
const POOL = Buffer.alloc(16 * 4096);
let poolPos = POOL.length;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A time-ordered UUID (version 7: 48-bit ms timestamp, then random bits).
 * Events with such ids append to the id index instead of landing at random
 * places in it, which keeps inserts fast in a large database.
 */
export function newEventId(now: number = Date.now()): string {
  if (poolPos + 16 > POOL.length) {
    randomFillSync(POOL);
    poolPos = 0;
  }
  const b = POOL.subarray(poolPos, poolPos + 16);
  poolPos += 16;
  const hi = Math.floor(now / 2 ** 16);
  const lo = now % 2 ** 16;
  b[0] = (hi >>> 24) & 0xff;
  b[1] = (hi >>> 16) & 0xff;
  b[2] = (hi >>> 8) & 0xff;
  b[3] = hi & 0xff;
  b[4] = (lo >>> 8) & 0xff;
  b[5] = lo & 0xff;
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i]!]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}

type Filters = {
  camera?: string;
  cameras?: string[];
  identity?: string | null;
  activity?: string;
  kind?: EventKind;
  notKind?: EventKind;
  activityNotNull?: boolean;
};

/**
 * The event store: vision upserts events (queued, committed in batches off
 * the frame path); the agent's tools query them.
 *
 * "Overlapping [start, end)" is answered with index range scans only: closed
 * events are found by start within [start − longest closed event, end), and
 * events still ongoing through a small partial index.
 */
export class EventStore {
  private readonly queue = new Map<string, HomeEvent>();
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private maxClosedMs: number;
  private eventCount: number;
  private readonly stmts: {
    insert: Statement;
    update: Statement;
    setMeta: Statement;
    get: Statement;
    lastSeen: Statement;
    count: Statement;
    expired: Statement;
    deleteSeq: Statement;
  };
  private readonly queryCache = new Map<string, Statement>();
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  /** Last flush failure (cleared by the next successful one). */
  lastError: string | null = null;
  /** Events dropped because the queue overflowed while writes failed. */
  dropped = 0;
  lastFlushMs = 0;
  written = 0;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: EventStoreOptions,
  ) {
    const cols = COLUMNS.split(', ');
    const assign = cols
      .filter((c) => c !== 'id')
      .map((c) => `${c} = ?`)
      .join(', ');
    this.stmts = {
      // New events (most writes) take one plain insert; an id already stored is updated instead.
      // `changes` tells the two apart, which keeps the event count exact without count(*).
      // (An UPSERT with RETURNING costs ~35% more CPU per row in bench/memory.)
      insert: db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT(id) DO NOTHING`),
      update: db.prepare(`UPDATE events SET ${assign} WHERE id = ?`),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      get: db.prepare(`SELECT ${COLUMNS} FROM events WHERE id = ?`),
      lastSeen: db.prepare(`SELECT ${COLUMNS} FROM events WHERE identity = ? ORDER BY t_start DESC LIMIT 1`),
      count: db.prepare('SELECT count(*) AS n FROM events').pluck(),
      expired: db.prepare(
        'SELECT seq, snapshot FROM events WHERE t_start < @cutoff AND coalesce(t_end, t_start) < @cutoff ORDER BY t_start LIMIT @limit',
      ),
      deleteSeq: db.prepare('DELETE FROM events WHERE seq = ?'),
    };
    const meta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(META_MAX_CLOSED) as string | undefined;
    this.maxClosedMs = meta === undefined ? 0 : Number(meta);
    this.eventCount = this.stmts.count.get() as number;
  }

  /** Events stored (committed), kept up to date by inserts and retention. */
  get count(): number {
    return this.eventCount;
  }

  /** Events waiting for the next commit. */
  get pending(): number {
    return this.queue.size;
  }

  /**
   * Queues an event (new, or a newer version of one already stored: same id).
   * Returns at once; the write happens in the next batch, within batch_ms.
   */
  upsert(e: HomeEvent): void {
    if (this.closed) throw new HomeSightError('E_MEMORY_CLOSED', 'event store is closed', { hint: 'the memory module has stopped' });
    validateEvent(e);
    this.queue.delete(e.id);
    this.queue.set(e.id, e);
    const max = this.options.batchMax;
    if (this.queue.size >= max * 4 && this.failures === 0) {
      // The producer is not yielding to the event loop: commit now rather than grow without bound.
      this.flush();
    } else if (this.queue.size >= max) {
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        this.flushIfDue();
      });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.flushIfDue();
      }, this.options.batchMs).unref();
    }
  }

  upsertMany(events: Iterable<HomeEvent>): void {
    for (const e of events) this.upsert(e);
  }

  private flushIfDue(): void {
    if (this.clock.monotonic() < this.retryAt) {
      this.timer ??= setTimeout(
        () => {
          this.timer = null;
          this.flushIfDue();
        },
        Math.max(1, this.retryAt - this.clock.monotonic()),
      ).unref();
      return;
    }
    this.flush();
  }

  /**
   * Commits every pending event in one transaction; returns how many were
   * written. On a write error the events stay queued (bounded by maxPending)
   * and the commit is retried with backoff.
   */
  flush(): number {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.size === 0) return 0;
    const batch = [...this.queue.values()];
    const t0 = this.clock.monotonic();
    let inserted = 0;
    try {
      let newMax = this.maxClosedMs;
      this.db
        .transaction(() => {
          const { insert, update } = this.stmts;
          for (const e of batch) {
            const box = e.box;
            const zones = e.zones.length === 0 ? '[]' : JSON.stringify(e.zones);
            const attributes = JSON.stringify(e.attributes);
            const bx = box === null ? null : box[0];
            const by = box === null ? null : box[1];
            const bw = box === null ? null : box[2];
            const bh = box === null ? null : box[3];
            // prettier-ignore
            if (
              insert.run(
                e.id,
                e.camera,
                e.kind,
                e.label,
                e.track_id,
                e.identity,
                e.activity,
                e.start,
                e.end,
                e.confidence,
                bx,
                by,
                bw,
                bh,
                zones,
                e.snapshot,
                attributes,
              ).changes === 1
            ) {
              inserted++;
            } else {
              // prettier-ignore
              update.run(
                e.camera,
                e.kind,
                e.label,
                e.track_id,
                e.identity,
                e.activity,
                e.start,
                e.end,
                e.confidence,
                bx,
                by,
                bw,
                bh,
                zones,
                e.snapshot,
                attributes,
                e.id,
              );
            }
            if (e.end !== null && e.end - e.start > newMax) newMax = e.end - e.start;
          }
          if (newMax > this.maxClosedMs) this.stmts.setMeta.run(META_MAX_CLOSED, String(newMax));
          this.maxClosedMs = newMax;
        })
        .immediate();
    } catch (err) {
      this.failures++;
      this.lastError = errorMessage(err);
      const backoff = Math.min(30_000, this.options.batchMs * 2 ** Math.min(this.failures, 10));
      this.retryAt = this.clock.monotonic() + backoff;
      const cap = this.options.maxPending ?? 100_000;
      let over = this.queue.size - cap;
      for (const id of this.queue.keys()) {
        if (over-- <= 0) break;
        this.queue.delete(id);
        this.dropped++;
      }
      this.log.error(
        { err: this.lastError, pending: this.queue.size, dropped: this.dropped, retry_ms: backoff },
        'event batch not committed; will retry',
      );
      if (!this.closed) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.flushIfDue();
        }, backoff).unref();
      }
      return 0;
    }
    // Only what was committed leaves the queue (a newer version queued since stays).
    for (const e of batch) if (this.queue.get(e.id) === e) this.queue.delete(e.id);
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = null;
    this.eventCount += inserted;
    this.written += batch.length;
    this.lastFlushMs = this.clock.monotonic() - t0;
    this.options.onFlush?.({ written: batch.length, inserted, ms: this.lastFlushMs });
    return batch.length;
  }

  /** Commits what is pending and stops accepting events. */
  close(): void {
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
    this.flush();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.closed = true;
  }

  /** Reads see everything upserted so far. */
  private sync(): void {
    if (this.queue.size > 0 && this.failures === 0) this.flush();
  }

  get(id: string): HomeEvent | null {
    this.sync();
    const r = this.stmts.get.get(id) as EventRow | undefined;
    return r === undefined ? null : rowToEvent(r);
  }

  private static where(f: Filters): string {
    const parts: string[] = [];
    if (f.camera !== undefined) parts.push('camera = @camera');
    if (f.cameras !== undefined) parts.push('camera IN (SELECT value FROM json_each(@cameras))');
    if (f.identity === null) parts.push('identity IS NULL');
    else if (f.identity !== undefined) parts.push('identity = @identity');
    if (f.activity !== undefined) parts.push('activity = @activity');
    if (f.activityNotNull === true) parts.push('activity IS NOT NULL');
    if (f.kind !== undefined) parts.push('kind = @kind');
    if (f.notKind !== undefined) parts.push('kind != @notKind');
    return parts.map((p) => ` AND ${p}`).join('');
  }

  /**
   * SQL selecting `cols` of events overlapping [@start, @end) as a UNION ALL
   * of closed-or-recent events (by start, index range) and long-running
   * ongoing ones (partial index).
   */
  private static overlapSql(cols: string, f: Filters): string {
    const w = EventStore.where(f);
    return (
      `SELECT ${cols} FROM events WHERE t_start >= @lo AND t_start < @end AND (t_end IS NULL OR t_end > @start)${w}` +
      ` UNION ALL SELECT ${cols} FROM events INDEXED BY events_open WHERE t_end IS NULL AND t_start < @lo${w}`
    );
  }

  private params(start: number, end: number, f: Filters, extra: Record<string, unknown> = {}): Record<string, unknown> {
    if (!Number.isFinite(start) || !Number.isFinite(end)) {
      throw new HomeSightError('E_MEMORY_QUERY', 'start and end must be numbers (ms since epoch)', { context: { start, end } });
    }
    const p: Record<string, unknown> = { start, end, lo: start - this.maxClosedMs, ...extra };
    if (f.camera !== undefined) p.camera = f.camera;
    if (f.cameras !== undefined) p.cameras = JSON.stringify(f.cameras);
    if (typeof f.identity === 'string') p.identity = f.identity;
    if (f.activity !== undefined) p.activity = f.activity;
    if (f.kind !== undefined) p.kind = f.kind;
    if (f.notKind !== undefined) p.notKind = f.notKind;
    return p;
  }

  private prepared(key: string, build: () => string): Statement {
    let s = this.queryCache.get(key);
    if (s === undefined) {
      s = this.db.prepare(build());
      this.queryCache.set(key, s);
    }
    return s;
  }

  private static filterKey(f: Filters): string {
    return [
      f.camera === undefined ? '' : 'c',
      f.cameras === undefined ? '' : 'C',
      f.identity === undefined ? '' : f.identity === null ? 'n' : 'i',
      f.activity === undefined ? '' : 'a',
      f.activityNotNull === true ? 'A' : '',
      f.kind === undefined ? '' : 'k',
      f.notKind === undefined ? '' : 'K',
    ].join('');
  }

  /** The SQL eventsBetween runs for these filters (for EXPLAIN and the benchmark's bare comparison). */
  static eventsBetweenSql(f: Filters): string {
    return `${EventStore.overlapSql(COLUMNS, f)} ORDER BY t_start LIMIT @limit`;
  }

  /** Events overlapping [start, end), ordered by start. */
  eventsBetween(q: EventQuery): HomeEvent[] {
    this.sync();
    const f: Filters = {};
    if (q.camera !== undefined) f.camera = q.camera;
    if (q.identity !== undefined) f.identity = q.identity;
    if (q.activity !== undefined) f.activity = q.activity;
    if (q.kind !== undefined) f.kind = q.kind;
    const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(q.limit ?? DEFAULT_LIMIT)));
    const stmt = this.prepared(`between:${EventStore.filterKey(f)}`, () => EventStore.eventsBetweenSql(f));
    const rows = stmt.all(this.params(q.start, q.end, f, { limit })) as EventRow[];
    return rows.map(rowToEvent);
  }

  /** Cameras of a room, from the cameras table. */
  private camerasOfRoom(room: string): string[] {
    return this.prepared('cameras-of-room', () => 'SELECT name FROM cameras WHERE room = ? ORDER BY name')
      .pluck()
      .all(room) as string[];
  }

  /**
   * Who was seen where in [start, end): one entry per person (identity null =
   * unknown people), with the cameras, first/last seen and the number of
   * events. Object events (cars, pets…) are not people and are left out.
   */
  whoWasWhere(q: WhoWasWhereQuery): Presence[] {
    this.sync();
    const f: Filters = { notKind: 'object' };
    if (q.camera !== undefined) f.camera = q.camera;
    if (q.room !== undefined) {
      // Both given: the camera must also be in the room (the filters AND).
      const cams = this.camerasOfRoom(q.room);
      if (cams.length === 0) return [];
      f.cameras = cams;
    }
    const stmt = this.prepared(
      `who:${EventStore.filterKey(f)}`,
      () =>
        `WITH hits AS (${EventStore.overlapSql('identity, camera, t_start, t_end', f)}) ` +
        'SELECT identity, camera, min(t_start) AS first, max(coalesce(t_end, @now)) AS last, count(*) ' +
        'AS n FROM hits GROUP BY identity, camera',
    );
    const rows = stmt.all(this.params(q.start, q.end, f, { now: this.clock.now() })) as Array<{
      identity: string | null;
      camera: string;
      first: number;
      last: number;
      n: number;
    }>;
    const byIdentity = new Map<string | null, Presence>();
    for (const r of rows) {
      let p = byIdentity.get(r.identity);
      if (p === undefined) {
        p = { identity: r.identity, cameras: [], firstSeen: r.first, lastSeen: r.last, count: 0, byCamera: [] };
        byIdentity.set(r.identity, p);
      }
      const c: PresenceByCamera = { camera: r.camera, firstSeen: r.first, lastSeen: r.last, count: r.n };
      p.byCamera.push(c);
      p.firstSeen = Math.min(p.firstSeen, r.first);
      p.lastSeen = Math.max(p.lastSeen, r.last);
      p.count += r.n;
    }
    const out = [...byIdentity.values()];
    for (const p of out) {
      p.byCamera.sort((a, b) => a.firstSeen - b.firstSeen || a.camera.localeCompare(b.camera));
      p.cameras = p.byCamera.map((c) => c.camera);
    }
    // Known people by name first, unknown last.
    out.sort((a, b) => (a.identity === null ? 1 : b.identity === null ? -1 : a.identity.localeCompare(b.identity)));
    return out;
  }

  /** The latest event (by start) of a person, or null if never seen. */
  lastSeen(identity: string): HomeEvent | null {
    this.sync();
    const r = this.stmts.lastSeen.get(identity) as EventRow | undefined;
    return r === undefined ? null : rowToEvent(r);
  }

  /**
   * A person's activity spans on a local day ('YYYY-MM-DD' in `timezone`),
   * ordered by start and clipped to the day (which is 23 or 25 hours long on
   * DST change days). Consecutive events of the same activity on the same
   * camera merge when less than mergeGapMs apart.
   */
  timeline(identity: string, day: string, timezone: string, options: TimelineOptions = {}): ActivitySpan[] {
    this.sync();
    const [dayStart, dayEnd] = localDayRange(day, timezone);
    const f: Filters = { identity };
    if (options.includeUnlabeled !== true) f.activityNotNull = true;
    const stmt = this.prepared(
      `timeline:${EventStore.filterKey(f)}`,
      () => `${EventStore.overlapSql('activity, camera, t_start, t_end', f)} ORDER BY t_start`,
    );
    const rows = stmt.all(this.params(dayStart, dayEnd, f)) as Array<{
      activity: string | null;
      camera: string;
      t_start: number;
      t_end: number | null;
    }>;
    const gap = options.mergeGapMs ?? 60_000;
    const now = this.clock.now();
    const spans: ActivitySpan[] = [];
    const open = new Map<string, ActivitySpan>();
    for (const r of rows) {
      const s = Math.max(r.t_start, dayStart);
      const e = Math.max(s, Math.min(r.t_end ?? Math.max(now, r.t_start), dayEnd));
      const key = `${r.activity ?? '\u0000'}\u0001${r.camera}`;
      const last = open.get(key);
      if (last !== undefined && s - last.end <= gap) {
        last.end = Math.max(last.end, e);
        last.durationMs = last.end - last.start;
        last.events++;
        last.ongoing = r.t_end === null;
        continue;
      }
      const span: ActivitySpan = {
        activity: r.activity,
        camera: r.camera,
        start: s,
        end: e,
        durationMs: e - s,
        events: 1,
        ongoing: r.t_end === null,
      };
      spans.push(span);
      open.set(key, span);
    }
    // A sighting without an activity (e.g. the identity event) says nothing new inside an activity span of the same camera.
    return spans.filter(
      (sp) =>
        sp.activity !== null || !spans.some((o) => o.activity !== null && o.camera === sp.camera && o.start <= sp.start && o.end >= sp.end),
    );
  }

  /** Counts or durations of events overlapping [start, end), grouped; largest first. */
  aggregate(q: AggregateQuery): AggregateRow[] {
    this.sync();
    const f: Filters = {};
    if (q.camera !== undefined) f.camera = q.camera;
    if (q.identity !== undefined) f.identity = q.identity;
    if (q.kind !== undefined) f.kind = q.kind;
    const col = q.groupBy === 'identity' ? 'identity' : q.groupBy === 'activity' ? 'activity' : q.groupBy === 'camera' ? 'camera' : null;
    if (col === null) throw new HomeSightError('E_MEMORY_QUERY', `groupBy must be identity, activity or camera (got ${String(q.groupBy)})`);
    if (q.metric !== 'count' && q.metric !== 'duration')
      throw new HomeSightError('E_MEMORY_QUERY', `metric must be count or duration (got ${String(q.metric)})`);
    const value = q.metric === 'count' ? 'count(*)' : 'sum(max(0, min(coalesce(t_end, @now), @end) - max(t_start, @start)))';
    const stmt = this.prepared(
      `agg:${col}:${q.metric}:${EventStore.filterKey(f)}`,
      () =>
        `WITH hits AS (${EventStore.overlapSql(`${col} AS k, t_start, t_end`, f)}) ` +
        `SELECT k, ${value} AS v FROM hits GROUP BY k ORDER BY v DESC, k`,
    );
    const rows = stmt.all(this.params(q.start, q.end, f, { now: Math.max(q.start, Math.min(this.clock.now(), q.end)) })) as Array<{
      k: string | null;
      v: number;
    }>;
    return rows.map((r) => ({ key: r.k, value: r.v }));
  }

  /**
   * Deletes up to `limit` events that ended before `cutoff` (retention), in one
   * transaction. Returns how many and their snapshot paths (to delete the files).
   */
  deleteEndedBefore(cutoff: number, limit: number): { deleted: number; snapshots: string[] } {
    this.sync();
    const snapshots: string[] = [];
    let deleted = 0;
    this.db
      .transaction(() => {
        const rows = this.stmts.expired.all({ cutoff, limit }) as Array<{ seq: number; snapshot: string | null }>;
        for (const r of rows) {
          deleted += this.stmts.deleteSeq.run(r.seq).changes;
          if (r.snapshot !== null) snapshots.push(r.snapshot);
        }
      })
      .immediate();
    this.eventCount -= deleted;
    return { deleted, snapshots };
  }

  /** Recounts rows (after external changes); cheap enough for tests, a scan at 10M rows. */
  recount(): number {
    this.eventCount = this.stmts.count.get() as number;
    return this.eventCount;
  }
}
