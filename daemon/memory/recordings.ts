import type { Database, Statement } from 'better-sqlite3';
import { HomeSightError } from '../system/index.js';
import type { RecordingIndex, RecordingSegment } from './types.js';

interface SegmentRow {
  id: number;
  camera: string;
  path: string;
  t_start: number;
  t_end: number;
  bytes: number;
  format: 'mp4' | 'mkv';
}

const COLS = 'id, camera, path, t_start, t_end, bytes, format';
const META_MAX_SPAN = 'recordings.max_span_ms';

function toSegment(r: SegmentRow): RecordingSegment {
  return { id: r.id, camera: r.camera, path: r.path, start: r.t_start, end: r.t_end, bytes: r.bytes, format: r.format };
}

/**
 * Index of recorded segments (the files stay on disk; ingest writes and
 * deletes them). Writes are immediate and small: one row per segment.
 */
export class SqliteRecordingIndex implements RecordingIndex {
  private readonly s: Record<
    'add' | 'prev' | 'between' | 'oldest' | 'endedBefore' | 'del' | 'all' | 'sumAll' | 'sumCamera' | 'setMeta',
    Statement
  >;
  private maxSpanMs: number;
  /** Running totals (bytes per camera), loaded on first use. */
  private totals: Map<string, number> | null = null;

  constructor(private readonly db: Database) {
    this.s = {
      add: db.prepare(`INSERT INTO recordings (camera, path, t_start, t_end, bytes, format)
          VALUES (@camera, @path, @start, @end, @bytes, @format)
          ON CONFLICT(path) DO UPDATE SET camera = excluded.camera, t_start = excluded.t_start, t_end = excluded.t_end,
            bytes = excluded.bytes, format = excluded.format
          RETURNING id`),
      prev: db.prepare('SELECT camera, bytes FROM recordings WHERE path = ?'),
      between: db.prepare(
        `SELECT ${COLS} FROM recordings WHERE camera = @camera AND t_start >= @lo AND t_start < @end AND ` +
          `t_end > @start ORDER BY t_start, id`,
      ),
      oldest: db.prepare(`SELECT ${COLS} FROM recordings ORDER BY t_start, id LIMIT ?`),
      endedBefore: db.prepare(`SELECT ${COLS} FROM recordings WHERE t_end < ? ORDER BY t_end, id LIMIT ?`),
      del: db.prepare('DELETE FROM recordings WHERE id = ? RETURNING camera, bytes'),
      all: db.prepare(`SELECT ${COLS} FROM recordings ORDER BY camera, t_start, id`),
      sumAll: db.prepare('SELECT camera, sum(bytes) AS b FROM recordings GROUP BY camera'),
      sumCamera: db.prepare('SELECT coalesce(sum(bytes), 0) FROM recordings WHERE camera = ?').pluck(),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
    const v = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(META_MAX_SPAN) as string | undefined;
    this.maxSpanMs = v === undefined ? 0 : Number(v);
  }

  addSegment(seg: Omit<RecordingSegment, 'id'>): number {
    if (!(Number.isFinite(seg.start) && Number.isFinite(seg.end) && seg.end >= seg.start && seg.bytes >= 0)) {
      throw new HomeSightError('E_MEMORY_SEGMENT_INVALID', `segment ${seg.path}: needs start ≤ end (ms) and bytes ≥ 0`, {
        context: { ...seg },
      });
    }
    if (seg.format !== 'mp4' && seg.format !== 'mkv') {
      throw new HomeSightError('E_MEMORY_SEGMENT_INVALID', `segment ${seg.path}: format must be mp4 or mkv`, {
        context: { format: seg.format },
      });
    }
    return this.db.transaction(() => {
      const span = seg.end - seg.start;
      if (span > this.maxSpanMs) {
        this.s.setMeta.run(META_MAX_SPAN, String(span));
        this.maxSpanMs = span;
      }
      // A re-added path replaces its row; keep the running totals exact.
      const previous = this.s.prev.get(seg.path) as { camera: string; bytes: number } | undefined;
      const id = (this.s.add.get(seg) as { id: number }).id;
      if (this.totals !== null) {
        if (previous !== undefined) this.totals.set(previous.camera, (this.totals.get(previous.camera) ?? 0) - previous.bytes);
        this.totals.set(seg.camera, (this.totals.get(seg.camera) ?? 0) + seg.bytes);
      }
      return id;
    })();
  }

  segmentsBetween(camera: string, start: number, end: number): RecordingSegment[] {
    const rows = this.s.between.all({ camera, start, end, lo: start - this.maxSpanMs }) as SegmentRow[];
    return rows.map(toSegment);
  }

  oldestSegments(limit: number): RecordingSegment[] {
    return (this.s.oldest.all(Math.max(0, Math.floor(limit))) as SegmentRow[]).map(toSegment);
  }

  segmentsEndedBefore(before: number, limit: number): RecordingSegment[] {
    return (this.s.endedBefore.all(before, Math.max(0, Math.floor(limit))) as SegmentRow[]).map(toSegment);
  }

  deleteSegments(ids: number[]): void {
    if (ids.length === 0) return;
    this.db.transaction(() => {
      for (const id of ids) {
        const gone = this.s.del.get(id) as { camera: string; bytes: number } | undefined;
        if (gone !== undefined && this.totals !== null) this.totals.set(gone.camera, (this.totals.get(gone.camera) ?? 0) - gone.bytes);
      }
    })();
  }

  totalBytes(camera?: string): number {
    if (this.totals === null) {
      this.totals = new Map();
      for (const r of this.s.sumAll.all() as Array<{ camera: string; b: number }>) this.totals.set(r.camera, r.b);
    }
    if (camera !== undefined) return this.totals.get(camera) ?? 0;
    let sum = 0;
    for (const b of this.totals.values()) sum += b;
    return sum;
  }

  allSegments(): RecordingSegment[] {
    return (this.s.all.all() as SegmentRow[]).map(toSegment);
  }
}
