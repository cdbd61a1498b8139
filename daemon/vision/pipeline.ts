import type { HomeSightConfig } from '../config/index.js';
import { HomeSightError } from '../system/index.js';
import type { Experts } from './engine.js';
import { clipBox, filterDetections, zonesOf, type ZoneSpec } from './geometry.js';
import { IdentityVoter, matchFace, type IdentityDecision } from './identity.js';
import { IouTracker } from './tracker.js';
import type {
  ActivityResult,
  Box,
  Detection,
  FaceDetection,
  FrameAnalysis,
  Gallery,
  Keypoint,
  PersonAnalysis,
  PoseSample,
  RgbImage,
  TrackedObject,
} from './types.js';

/** Where one camera looks: its zones and room (from its cameras entry), context for filtering and activities. */
export interface CameraPlace {
  zones: readonly ZoneSpec[];
  room: string | null;
}

const NOWHERE: CameraPlace = { zones: [], room: null };

/** Everything the pipeline knows about one track. */
export interface TrackState {
  id: string;
  label: string;
  box: Box;
  score: number;
  bestScore: number;
  confirmed: boolean;
  /** Matched in the latest frame. */
  visible: boolean;
  hits: number;
  firstSeen: number;
  lastSeen: number;
  zones: string[];
  zonesEntered: Set<string>;
  identity: IdentityDecision;
  voter: IdentityVoter;
  /** The latest embedded face's match. */
  lastFace: { name: string | null; similarity: number | null; at: number } | null;
  /** Face searches that found no usable face (searches thin out after a few). */
  faceMisses: number;
  faceSkips: number;
  keypoints: Keypoint[] | null;
  poses: PoseSample[];
  activity: ActivityResult | null;
  candidate: { activity: string; count: number } | null;
}

export interface StepTimings {
  detect: number;
  track: number;
  identity: number;
  pose: number;
  activity: number;
  total: number;
}

export interface StepResult {
  analysis: FrameAnalysis;
  /** Confirmed tracks seen in this frame. */
  tracks: TrackState[];
  /** Tracks that ended with this frame (left the scene). */
  ended: TrackState[];
  timings: StepTimings;
}

/** The head region of a person box where the face is searched. */
export function headRegion(b: Box, width: number, height: number): Box | null {
  const [x, y, w, h] = b;
  const rh = Math.min(h * 1.05, Math.max(0.5 * h, 1.2 * w));
  return clipBox([x - 0.1 * w, y - 0.05 * h, 1.2 * w, rh], width, height);
}

/** Of the faces found, the largest whose centre lies inside the person box. */
export function faceOfPerson(faces: readonly FaceDetection[], person: Box): FaceDetection | null {
  let best: FaceDetection | null = null;
  for (const f of faces) {
    const cx = f.box[0] + f.box[2] / 2;
    const cy = f.box[1] + f.box[3] / 2;
    if (cx < person[0] || cx > person[0] + person[2] || cy < person[1] || cy > person[1] + person[3]) continue;
    if (best === null || f.box[2] * f.box[3] > best.box[2] * best.box[3]) best = f;
  }
  return best;
}

/**
 * One camera's chain: detect → filter (labels, min-area, zones) → track →
 * identity (face in the head region, embedded, matched, voted over the track)
 * → pose (largest persons) → activity (keypoint window per track).
 */
export class CameraPipeline {
  private readonly tracker: IouTracker;
  private readonly states = new Map<string, TrackState>();

  constructor(
    readonly camera: string,
    private readonly experts: Experts,
    /** Identity runs only with a gallery. */
    private readonly gallery: Gallery | null,
    /** The vision section as zod parsed it. */
    readonly vision: HomeSightConfig['vision'],
    readonly place: CameraPlace = NOWHERE,
  ) {
    const t = vision.tracker;
    this.tracker = new IouTracker({
      idPrefix: camera,
      iouThreshold: t.iou_threshold,
      highScore: t.high_score,
      minHits: t.min_hits,
      maxMissedMs: t.max_missed_s * 1000,
    });
  }

  /** Live tracks (for health and the occupancy summary). */
  get live(): TrackState[] {
    return [...this.states.values()];
  }

  private stateOf(t: TrackedObject): TrackState {
    let s = this.states.get(t.id);
    if (s === undefined) {
      const voter = new IdentityVoter(this.vision.identity.votes);
      s = {
        id: t.id,
        label: t.label,
        box: t.box,
        score: t.score,
        bestScore: t.score,
        confirmed: t.confirmed,
        visible: true,
        hits: t.hits,
        firstSeen: t.firstSeen,
        lastSeen: t.lastSeen,
        zones: [],
        zonesEntered: new Set(),
        identity: voter.decision(),
        voter,
        lastFace: null,
        faceMisses: 0,
        faceSkips: 0,
        keypoints: null,
        poses: [],
        activity: null,
        candidate: null,
      };
      this.states.set(t.id, s);
    }
    return s;
  }

  private wantsFace(s: TrackState): boolean {
    const id = this.vision.identity;
    if (this.gallery === null || this.experts.faceDetector === null || this.experts.faceEmbedder === null) return false;
    if (s.label !== 'person') return false;
    if (s.voter.faceCount >= id.max_faces_per_track) return false;
    if (s.identity.state === 'resolved' && s.identity.votes >= id.votes + 2) return false;
    // A person this small cannot show a face of min_face_px: a face is about
    // a sixth of a standing person's height and under 0.6 of the box width.
    if (Math.min(s.box[3] / 6, s.box[2] * 0.6) < id.min_face_px) return false;
    // After a few misses (back turned, face too small), look every 5th frame.
    if (s.faceMisses < 5) return true;
    s.faceSkips++;
    return s.faceSkips % 5 === 0;
  }

  /** Runs the chain on one frame. */
  async process(img: RgbImage, ts: number): Promise<StepResult> {
    const t0 = performance.now();
    const { width, height } = img;
    if (img.data.length !== width * height * 3) {
      throw new HomeSightError(
        'E_VISION_FRAME',
        `${this.camera}: frame of ${img.data.length} bytes is not ${width}×${height} RGB24 (${width * height * 3} bytes)`,
        {
          context: { camera: this.camera, width, height, bytes: img.data.length },
          hint: 'frames must be packed RGB24 (3 bytes per pixel, no row padding)',
        },
      );
    }
    const v = this.vision;
    const dets: Detection[] = this.experts.detector === null ? [] : await this.experts.detector.detect(img);
    const t1 = performance.now();
    const kept = filterDetections(dets, width, height, {
      labels: v.detect.labels,
      minArea: v.detect.min_area,
      requireZone: v.detect.require_zone,
      zones: this.place.zones,
    });
    const objects = dets
      .filter((d) => v.detect.labels.length > 0 && !v.detect.labels.includes(d.label))
      .map((d) => ({ box: d.box, score: d.score, label: d.label }));
    const tracked = this.tracker.update(kept, ts);
    const visible: TrackState[] = [];
    for (const t of tracked) {
      const st = this.stateOf(t);
      st.box = t.box;
      st.score = t.score;
      st.hits = t.hits;
      st.confirmed = t.confirmed;
      st.lastSeen = t.lastSeen;
      st.visible = t.missed === 0;
      st.label = t.label;
      if (!st.visible) continue;
      st.bestScore = Math.max(st.bestScore, t.score);
      st.zones = zonesOf(t.box, width, height, this.place.zones);
      for (const z of st.zones) st.zonesEntered.add(z);
      visible.push(st);
    }
    // Tentative tracks the tracker dropped leave no 'ended' record: forget them too.
    const live = new Set(tracked.map((t) => t.id));
    const endedIds = new Set(this.tracker.ended.map((e) => e.id));
    for (const id of this.states.keys()) if (!live.has(id) && !endedIds.has(id)) this.states.delete(id);
    const ended: TrackState[] = [];
    for (const e of this.tracker.ended) {
      const st = this.states.get(e.id);
      if (st === undefined) continue;
      this.states.delete(e.id);
      st.visible = false;
      ended.push(st);
    }
    const t2 = performance.now();

    // Identity.
    const faceThisFrame = new Map<string, { name: string | null; similarity: number | null }>();
    if (this.gallery !== null) {
      for (const st of visible) {
        if (!this.wantsFace(st)) continue;
        const roi = headRegion(st.box, width, height);
        if (roi === null) continue;
        const faces = await this.experts.faceDetector!.detect(img, roi);
        const face = faceOfPerson(faces, st.box);
        if (face === null || face.box[2] < v.identity.min_face_px) {
          st.faceMisses++;
          continue;
        }
        const emb = await this.experts.faceEmbedder!.embed(img, face);
        const m = matchFace(emb, this.gallery, v.identity.threshold);
        st.identity = st.voter.add({ name: m.name, similarity: m.similarity });
        st.lastFace = { name: m.name, similarity: m.similarity, at: ts };
        faceThisFrame.set(st.id, { name: m.name, similarity: m.similarity });
      }
    }
    const t3 = performance.now();

    // Pose, on the largest persons.
    if (v.pose.enabled && this.experts.pose !== null) {
      const cand = visible
        .filter((st) => st.label === 'person' && st.box[3] >= v.pose.min_box_px)
        .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])
        .slice(0, v.pose.max_persons);
      for (const st of visible) st.keypoints = null;
      if (cand.length > 0) {
        const kps = await this.experts.pose.estimate(
          img,
          cand.map((st) => st.box),
        );
        cand.forEach((st, i) => {
          const k = kps[i];
          if (k === undefined || k.length === 0) return;
          st.keypoints = k;
          st.poses.push({ ts, box: st.box, keypoints: k });
          while (st.poses.length > 0 && ts - st.poses[0]!.ts > v.activity.window_s * 1000) st.poses.shift();
        });
      }
    }
    const t4 = performance.now();

    // Activity, with hysteresis: a new class must win `hold` times in a row.
    if (v.activity.enabled && this.experts.activity !== null) {
      for (const st of visible) {
        if (st.keypoints === null || st.poses.length < this.experts.activity.minSamples) continue;
        const r = await this.experts.activity.classify(st.poses, {
          zones: st.zones,
          room: this.place.room,
          frameWidth: width,
          frameHeight: height,
        });
        if (r === null) continue;
        if (st.activity?.activity === r.activity) {
          st.activity = r;
          st.candidate = null;
          continue;
        }
        const changed = this.hold(st, r);
        if (changed !== null) st.activity = changed;
      }
    }
    const t5 = performance.now();

    const persons: PersonAnalysis[] = visible
      .filter((st) => st.label === 'person')
      .map((st) => {
        const f = faceThisFrame.get(st.id);
        const resolved = st.identity.state === 'resolved';
        return {
          box: st.box,
          score: Math.round(st.score * 1000) / 1000,
          track_id: st.id,
          identity: resolved ? st.identity.name : (f?.name ?? null),
          similarity: f?.similarity ?? (resolved ? st.identity.similarity : null),
          ...(st.keypoints === null ? {} : { keypoints: st.keypoints }),
          activity: st.activity?.activity ?? null,
          activity_confidence: st.activity?.confidence ?? null,
          zones: st.zones,
        };
      });
    const r = (v: number): number => Math.round(v * 100) / 100;
    return {
      analysis: { camera: this.camera, ts, width, height, persons, objects },
      tracks: visible.filter((st) => st.confirmed),
      ended,
      timings: { detect: r(t1 - t0), track: r(t2 - t1), identity: r(t3 - t2), pose: r(t4 - t3), activity: r(t5 - t4), total: r(t5 - t0) },
    };
  }

  /** Counts consecutive decisions for a new class; returns it once it held `hold` times. */
  private hold(st: TrackState, r: ActivityResult): ActivityResult | null {
    if (st.candidate?.activity === r.activity) st.candidate.count++;
    else st.candidate = { activity: r.activity, count: 1 };
    if (st.candidate.count >= this.vision.activity.hold) {
      st.candidate = null;
      return r;
    }
    return null;
  }

  /** Ends every live track (the camera stopped); returns them. */
  flush(): TrackState[] {
    const out: TrackState[] = [];
    for (const t of this.tracker.flush()) {
      const st = this.states.get(t.id);
      if (st !== undefined) out.push(st);
    }
    this.states.clear();
    return out;
  }
}
