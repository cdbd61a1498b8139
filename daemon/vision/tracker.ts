import { iou } from './geometry.js';
import type { Box, Detection, TrackedObject, Tracker } from './types.js';

export interface TrackerOptions {
  /** Prefix of track ids (the camera name). */
  idPrefix: string;
  /** Minimum IoU (predicted track box vs detection) to match. */
  iouThreshold: number;
  /** Detections at or above start tracks and are matched first; lower ones only continue confirmed tracks. */
  highScore: number;
  /** Matches before a track is confirmed. */
  minHits: number;
  /** A confirmed track not matched for this long (ms) is ended. */
  maxMissedMs: number;
}

interface State extends TrackedObject {
  /** Centre velocity in pixels per ms. */
  vx: number;
  vy: number;
}

/** Greedy assignment by IoU, best pairs first. Returns [trackIndex, detIndex] pairs. */
function associate(tracks: readonly State[], boxes: readonly Box[], dets: readonly Detection[], minIou: number): Array<[number, number]> {
  const pairs: Array<[number, number, number]> = [];
  for (let t = 0; t < tracks.length; t++) {
    for (let d = 0; d < dets.length; d++) {
      if (tracks[t]!.classId !== dets[d]!.classId) continue;
      const v = iou(boxes[t]!, dets[d]!.box);
      if (v >= minIou) pairs.push([v, t, d]);
    }
  }
  pairs.sort((a, b) => b[0] - a[0]);
  const ut = new Set<number>();
  const ud = new Set<number>();
  const out: Array<[number, number]> = [];
  for (const [, t, d] of pairs) {
    if (ut.has(t) || ud.has(d)) continue;
    ut.add(t);
    ud.add(d);
    out.push([t, d]);
  }
  return out;
}

/**
 * ByteTrack-style IoU tracker: tracks are predicted with a constant-velocity
 * model, matched first to confident detections, then (confirmed tracks only)
 * to the low-score ones, which keeps ids through partial occlusion. New
 * tracks start from unmatched confident detections and are confirmed after
 * `minHits` matches; an unconfirmed track that misses once is dropped.
 */
export class IouTracker implements Tracker {
  private tracks: State[] = [];
  private next = 1;
  private lastEnded: TrackedObject[] = [];

  constructor(private readonly opts: TrackerOptions) {}

  get ended(): readonly TrackedObject[] {
    return this.lastEnded;
  }

  reset(): void {
    this.tracks = [];
    this.lastEnded = [];
  }

  /** Live tracks (confirmed and tentative). */
  get active(): readonly TrackedObject[] {
    return this.tracks;
  }

  private predict(t: State, ts: number): Box {
    const dt = Math.max(0, ts - t.lastSeen);
    return [t.box[0] + t.vx * dt, t.box[1] + t.vy * dt, t.box[2], t.box[3]];
  }

  private apply(t: State, d: Detection, ts: number): void {
    const dt = ts - t.lastSeen;
    if (dt > 0) {
      const vx = (d.box[0] + d.box[2] / 2 - (t.box[0] + t.box[2] / 2)) / dt;
      const vy = (d.box[1] + d.box[3] / 2 - (t.box[1] + t.box[3] / 2)) / dt;
      t.vx = t.hits === 1 ? vx : 0.6 * t.vx + 0.4 * vx;
      t.vy = t.hits === 1 ? vy : 0.6 * t.vy + 0.4 * vy;
    }
    t.box = [...d.box];
    t.score = d.score;
    t.label = d.label;
    t.hits++;
    t.missed = 0;
    t.lastSeen = ts;
    if (t.hits >= this.opts.minHits) t.confirmed = true;
  }

  update(detections: readonly Detection[], ts: number): TrackedObject[] {
    this.lastEnded = [];
    const high = detections.filter((d) => d.score >= this.opts.highScore);
    const low = detections.filter((d) => d.score < this.opts.highScore);
    const predicted = this.tracks.map((t) => this.predict(t, ts));
    const matched = new Set<number>();
    // 1. All tracks vs confident detections.
    const usedHigh = new Set<number>();
    for (const [t, d] of associate(this.tracks, predicted, high, this.opts.iouThreshold)) {
      this.apply(this.tracks[t]!, high[d]!, ts);
      matched.add(t);
      usedHigh.add(d);
    }
    // 2. Remaining confirmed tracks vs low-score detections.
    const restIdx = this.tracks.map((_, i) => i).filter((i) => !matched.has(i) && this.tracks[i]!.confirmed);
    const rest = restIdx.map((i) => this.tracks[i]!);
    for (const [t, d] of associate(
      rest,
      restIdx.map((i) => predicted[i]!),
      low,
      this.opts.iouThreshold,
    )) {
      this.apply(rest[t]!, low[d]!, ts);
      matched.add(restIdx[t]!);
    }
    // 3. Unmatched tracks age; tentative ones are dropped, stale confirmed ones end.
    const keep: State[] = [];
    for (let i = 0; i < this.tracks.length; i++) {
      const t = this.tracks[i]!;
      if (!matched.has(i)) {
        t.missed++;
        if (!t.confirmed) continue;
        if (ts - t.lastSeen > this.opts.maxMissedMs) {
          this.lastEnded.push({ ...t, box: [...t.box] });
          continue;
        }
      }
      keep.push(t);
    }
    // 4. New tracks from unmatched confident detections.
    for (let d = 0; d < high.length; d++) {
      if (usedHigh.has(d)) continue;
      const det = high[d]!;
      keep.push({
        id: `${this.opts.idPrefix}-${this.next++}`,
        box: [...det.box],
        score: det.score,
        classId: det.classId,
        label: det.label,
        hits: 1,
        confirmed: this.opts.minHits <= 1,
        missed: 0,
        firstSeen: ts,
        lastSeen: ts,
        vx: 0,
        vy: 0,
      });
    }
    this.tracks = keep;
    return this.tracks.map((t) => ({ ...t, box: [...t.box] as Box }));
  }

  /** Ends every live confirmed track (camera stopped). */
  flush(): TrackedObject[] {
    const out = this.tracks.filter((t) => t.confirmed).map((t) => ({ ...t, box: [...t.box] as Box }));
    this.tracks = [];
    this.lastEnded = out;
    return out;
  }
}
