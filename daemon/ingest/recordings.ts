import { spawn } from 'node:child_process';
import { readdirSync, statSync, unlinkSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, type Clock, type Logger } from '../system/index.js';
import type { ClosedSegment, FrameSourceEvents, RecordingCatalog, RecordingSegment } from './types.js';

const DAY_MS = 86_400_000;
/** Files HomeSight writes: <run start ms>-<5-digit index>.mkv|mp4 in a folder named like a camera. Nothing else is touched. */
const SEGMENT_FILE = /^\d+-\d{5}\.(mkv|mp4)$/;
const CAMERA_DIR = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Length of a media file's first video stream, by stream-copying it to the null muxer (works on truncated mkv). */
export function probeDuration(
  ffmpeg: string,
  path: string,
  timeoutMs = 20_000,
): Promise<{ ok: true; durationMs: number } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      ffmpeg,
      [
        '-hide_banner',
        '-nostdin',
        '-v',
        'error',
        '-i',
        `file:${path}`,
        '-map',
        '0:v:0',
        '-c',
        'copy',
        '-f',
        'null',
        '-',
        '-progress',
        'pipe:1',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out = (out + d).slice(-4000);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-2000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const all = [...out.matchAll(/out_time_us=(\d+)/g)];
      const us = all.length > 0 ? Number(all[all.length - 1]?.[1]) : NaN;
      if (code !== 0 || !Number.isFinite(us) || us <= 0) {
        const reason =
          err
            .trim()
            .split('\n')
            .filter((l) => l.trim() !== '')
            .pop() ?? `ffmpeg exit ${code}`;
        resolve({ ok: false, reason });
        return;
      }
      resolve({ ok: true, durationMs: Math.round(us / 1000) });
    });
  });
}

export interface RetentionPolicy {
  /** Days per configured camera (0 = keep until the disk cap). */
  retainDays: ReadonlyMap<string, number>;
  /** Days for cameras with recordings but no longer in the config (0 = until the disk cap). */
  orphanDays: number;
  maxBytes: number;
}

export interface RetentionResult {
  byAge: number;
  byCap: number;
  bytesFreed: number;
}

/**
 * Keeps the recordings folder and the recordings index consistent: indexes
 * closed segments, recovers the tail of an ffmpeg run that ended abruptly,
 * repairs orphans at start, and enforces retention by age and by a disk cap
 * (oldest first). A file is deleted before its row; a row whose file cannot
 * be deleted (other than "already gone") stays, so the index never claims less
 * than what is on disk.
 */
export class RecordingKeeper {
  /** Cameras seen in the index (for age retention of cameras removed from the config). */
  private readonly known = new Set<string>();
  private readonly deletedTotals = { age: 0, cap: 0 };

  constructor(
    private readonly deps: {
      catalog: RecordingCatalog;
      root: string;
      /** The ffmpeg path, resolved when a file first needs probing (most starts never do). */
      ffmpeg: () => Promise<string>;
      log: Logger;
      clock: Clock;
    },
  ) {}

  cameraDir(camera: string): string {
    return join(this.deps.root, camera);
  }

  get deleted(): { age: number; cap: number } {
    return { ...this.deletedTotals };
  }

  index(seg: ClosedSegment): number {
    const id = this.deps.catalog.addSegment({
      camera: seg.camera,
      path: seg.path,
      start: seg.start,
      end: seg.end,
      bytes: seg.bytes,
      format: seg.format,
    });
    this.known.add(seg.camera);
    this.deps.log.debug({ camera: seg.camera, path: seg.path, start: seg.start, end: seg.end, bytes: seg.bytes }, 'segment indexed');
    return id;
  }

  /**
   * After an ffmpeg run ends: files of that run that were never announced as
   * closed (killed mid-segment) are probed; a readable one is indexed right
   * after the run's last segment, an unreadable one deleted.
   */
  async recoverRun(ev: FrameSourceEvents['run_end']): Promise<RecordingSegment[]> {
    const announced = new Set(ev.announced);
    let names: string[];
    try {
      names = readdirSync(ev.dir)
        .filter((n) => n.startsWith(`${ev.runId}-`) && SEGMENT_FILE.test(n))
        .sort();
    } catch {
      return [];
    }
    const out: RecordingSegment[] = [];
    let lastEnd = ev.lastEnd;
    for (const name of names) {
      const path = join(ev.dir, name);
      if (announced.has(path)) continue;
      const seg = await this.adopt(ev.camera, path, lastEnd);
      if (seg !== null) {
        lastEnd = seg.end;
        out.push(seg);
      }
    }
    return out;
  }

  /** Probes an unindexed file: indexes it when readable, deletes it when not. */
  private async adopt(camera: string, path: string, after: number | null): Promise<RecordingSegment | null> {
    let st;
    try {
      st = statSync(path);
    } catch {
      return null;
    }
    const format = path.endsWith('.mp4') ? 'mp4' : 'mkv';
    let probe: Awaited<ReturnType<typeof probeDuration>> = { ok: false, reason: 'empty file' };
    if (st.size > 0) {
      let ffmpeg: string;
      try {
        ffmpeg = await this.deps.ffmpeg();
      } catch (err) {
        // Without an ffmpeg nothing can be judged: the file stays for a later start.
        this.deps.log.warn({ camera, path, err: errorMessage(err) }, 'unindexed recording file left alone: no ffmpeg to probe it');
        return null;
      }
      probe = await probeDuration(ffmpeg, path);
    }
    if (!probe.ok) {
      this.deps.log.warn({ camera, path, reason: probe.reason }, 'unreadable recording file deleted');
      this.unlink(path);
      return null;
    }
    const end = Math.round(st.mtimeMs);
    let start = end - probe.durationMs;
    if (after !== null && Math.abs(start - after) < 5000) start = after;
    const seg: ClosedSegment = { camera, path, start, end: start + probe.durationMs, bytes: st.size, format };
    const id = this.index(seg);
    this.deps.log.info({ camera, path, duration_ms: probe.durationMs }, 'unindexed recording file recovered');
    return { ...seg, id };
  }

  /**
   * At start: rows whose file is gone are deleted; files in the recordings
   * folder that no row names are indexed (readable) or deleted (not).
   */
  async repair(): Promise<{ rowsRemoved: number; filesIndexed: number; filesDeleted: number }> {
    const rows = this.deps.catalog.allSegments();
    const paths = new Set<string>();
    const gone: number[] = [];
    for (const r of rows) {
      this.known.add(r.camera);
      try {
        statSync(r.path);
        paths.add(r.path);
      } catch {
        gone.push(r.id);
      }
    }
    if (gone.length > 0) this.deps.catalog.deleteSegments(gone);
    let filesIndexed = 0;
    let filesDeleted = 0;
    let cams: Dirent[] = [];
    try {
      cams = readdirSync(this.deps.root, { withFileTypes: true }).filter((d) => d.isDirectory() && CAMERA_DIR.test(d.name));
    } catch {
      cams = [];
    }
    for (const cam of cams) {
      const dir = join(this.deps.root, cam.name);
      let names: string[] = [];
      try {
        names = readdirSync(dir)
          .filter((n) => SEGMENT_FILE.test(n))
          .sort();
      } catch {
        continue;
      }
      for (const name of names) {
        const path = join(dir, name);
        if (paths.has(path)) continue;
        const seg = await this.adopt(cam.name, path, null);
        if (seg === null) filesDeleted++;
        else filesIndexed++;
      }
    }
    const result = { rowsRemoved: gone.length, filesIndexed, filesDeleted };
    if (gone.length + filesIndexed + filesDeleted > 0) this.deps.log.warn(result, 'recordings repaired (index and files were out of step)');
    return result;
  }

  /** Deletes segment files, then their rows; returns the segments that are gone. */
  remove(segs: RecordingSegment[], reason: 'age' | 'cap'): RecordingSegment[] {
    const done: RecordingSegment[] = [];
    for (const s of segs) {
      if (this.unlink(s.path)) done.push(s);
    }
    if (done.length > 0) {
      this.deps.catalog.deleteSegments(done.map((s) => s.id));
      this.deletedTotals[reason] += done.length;
      this.deps.log.info(
        { reason, segments: done.length, bytes: done.reduce((a, s) => a + s.bytes, 0), oldest: new Date(done[0]!.start).toISOString() },
        reason === 'age' ? 'old recordings deleted' : 'recordings deleted to stay under max_disk_mb',
      );
    }
    return done;
  }

  private unlink(path: string): boolean {
    try {
      unlinkSync(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      this.deps.log.error({ path, err: (err as Error).message }, 'cannot delete recording file; keeping its index row');
      return false;
    }
  }

  /** Deletes the oldest segments until the index is at or under maxBytes. */
  enforceCap(maxBytes: number): RetentionResult {
    let total = this.deps.catalog.totalBytes();
    let byCap = 0;
    let freed = 0;
    while (total > maxBytes) {
      const batch = this.deps.catalog.oldestSegments(50);
      if (batch.length === 0) break;
      const pick: RecordingSegment[] = [];
      for (const s of batch) {
        if (total <= maxBytes) break;
        pick.push(s);
        total -= s.bytes;
      }
      const gone = this.remove(pick, 'cap');
      if (gone.length === 0) break;
      byCap += gone.length;
      freed += gone.reduce((a, s) => a + s.bytes, 0);
      total = this.deps.catalog.totalBytes();
    }
    return { byAge: 0, byCap, bytesFreed: freed };
  }

  /** Age retention per camera, then the disk cap. */
  enforce(policy: RetentionPolicy): RetentionResult {
    const now = this.deps.clock.now();
    let byAge = 0;
    let freed = 0;
    const cameras = new Set([...this.known, ...policy.retainDays.keys()]);
    for (const camera of cameras) {
      const days = policy.retainDays.get(camera) ?? policy.orphanDays;
      if (days <= 0) continue;
      const cutoff = now - days * DAY_MS;
      for (;;) {
        const old = this.deps.catalog
          .segmentsBetween(camera, 0, cutoff)
          .filter((s) => s.end <= cutoff)
          .slice(0, 500);
        if (old.length === 0) break;
        const gone = this.remove(old, 'age');
        byAge += gone.length;
        freed += gone.reduce((a, s) => a + s.bytes, 0);
        if (gone.length < old.length) break;
      }
    }
    const cap = this.enforceCap(policy.maxBytes);
    return { byAge, byCap: cap.byCap, bytesFreed: freed + cap.bytesFreed };
  }

  /** Cameras with segments in the index (as far as this keeper has seen). */
  knownCameras(): string[] {
    return [...this.known];
  }
}
