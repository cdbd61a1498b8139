/**
 * Types and seams of the vision capability. Everything other folders need is
 * re-exported from index.ts; these interfaces are what the experts, the
 * tracker and the pipeline are written against.
 */

// Frames come from ingest; events go to memory over the bus (their shape is in contracts): types, not copies.
import type { EventChange, HomeEvent } from '../contracts/index.js';
import type { Frame } from '../ingest/index.js';

export type { EventChange, Frame, HomeEvent };

/** Where frames come from (structurally the ingest module's public API). */
export interface FrameFeed {
  frames(camera: string, opts: { signal: AbortSignal }): AsyncIterable<Frame>;
}

/** An RGB24 image in memory (a Frame is one). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** [x, y, w, h] in pixels of the image it was found in. */
export type Box = [number, number, number, number];

/** [x, y, score]: pixels of the image, score 0..1. */
export type Keypoint = [number, number, number];

export interface Detection {
  box: Box;
  score: number;
  classId: number;
  label: string;
}

export interface FaceDetection {
  box: Box;
  score: number;
  /** Five points: right eye, left eye, nose tip, right mouth corner, left mouth corner (image pixels). */
  landmarks: Array<[number, number]>;
}

export interface PoseDetection {
  box: Box;
  score: number;
  /** 17 COCO keypoints. */
  keypoints: Keypoint[];
}

/** Person/object detector (YOLOX, YOLOv8, …). */
export interface Detector {
  readonly modelName: string;
  detect(image: RgbImage): Promise<Detection[]>;
}

/** Face detector; `roi` limits the search to part of the image (coordinates stay image pixels). */
export interface FaceDetector {
  readonly modelName: string;
  detect(image: RgbImage, roi?: Box): Promise<FaceDetection[]>;
}

/** Face embedder: aligns the face itself (from the landmarks) and returns an L2-normalised vector. */
export interface FaceEmbedder {
  readonly modelName: string;
  readonly dimension: number;
  embed(image: RgbImage, face: FaceDetection): Promise<Float32Array>;
}

/** Keypoints for each given person box (17 COCO keypoints per box, image pixels). */
export interface PoseEstimator {
  readonly modelName: string;
  estimate(image: RgbImage, boxes: Box[]): Promise<Keypoint[][]>;
}

/** One pose of a track at a moment, the input of activity classification. */
export interface PoseSample {
  ts: number;
  box: Box;
  keypoints: Keypoint[];
}

export interface ActivityContext {
  /** Zones (config names) the person's foot point is in. */
  zones: string[];
  /** The camera's room (cameras.<name>.room): a camera in the kitchen needs no stove zone for cooking. */
  room?: string | null;
  /** Frame size, for normalising motion. */
  frameWidth: number;
  frameHeight: number;
}

export interface ActivityResult {
  activity: string;
  confidence: number;
  /** Posture under the activity: standing | walking | sitting | lying_down. */
  posture: string;
  /** Other classes the same evidence fits (keypoints cannot tell them apart). */
  alternatives: string[];
  /** The measured features the decision came from (transparent classifier). */
  features: Record<string, number>;
}

/** Per-track activity from a keypoint sequence (oldest first). */
export interface ActivityClassifier {
  readonly name: string;
  /** Fewest samples it needs before it answers. */
  readonly minSamples: number;
  classify(samples: readonly PoseSample[], ctx: ActivityContext): Promise<ActivityResult | null> | ActivityResult | null;
}

export interface TrackedObject {
  /** Stable id within the tracker, e.g. "demo-17". */
  id: string;
  box: Box;
  score: number;
  classId: number;
  label: string;
  /** Frames this track has been matched. */
  hits: number;
  /** Confirmed tracks are reported; tentative ones need more hits first. */
  confirmed: boolean;
  /** Frames since the last match (0 = matched this frame). */
  missed: number;
  firstSeen: number;
  lastSeen: number;
}

/** Multi-object tracker giving stable ids across frames. */
export interface Tracker {
  update(detections: readonly Detection[], ts: number): TrackedObject[];
  /** Tracks removed by the last update (left the scene). */
  readonly ended: readonly TrackedObject[];
  reset(): void;
}

/** A gallery hit: a person and the cosine similarity of their closest enrolled face. */
export interface GalleryMatch {
  name: string;
  similarity: number;
}

/**
 * Where enrolled faces live: the memory module's identities store (SQLite)
 * satisfies this structurally; InMemoryGallery is the stand-alone one.
 */
export interface Gallery {
  /** The k people most similar to the embedding, best first (no threshold applied). */
  nearest(embedding: Float32Array, k?: number): GalleryMatch[];
  add(name: string, embedding: Float32Array, options?: { source?: string }): unknown;
  /** Whether a face of `name` with this source tag is enrolled (config photos are enrolled once per content). */
  hasSource(name: string, source: string): boolean;
}

/** Where events go (structurally memory's store.events). */
export interface EventSink {
  upsert(e: HomeEvent): unknown;
}

/** One person in one analysed frame (analyzeFrames result). */
export interface PersonAnalysis {
  /** Pixels of the frame. */
  box: Box;
  score: number;
  track_id?: string;
  identity: string | null;
  /** Best cosine similarity against the gallery when a face was embedded, else null. */
  similarity: number | null;
  keypoints?: Keypoint[];
  activity?: string | null;
  /** Confidence of the activity (0..1) when there is one. */
  activity_confidence?: number | null;
  zones?: string[];
}

export interface FrameAnalysis {
  camera: string;
  ts: number;
  width: number;
  height: number;
  persons: PersonAnalysis[];
  /** Non-person detections (labels from the detector), for object questions. */
  objects: Array<{ box: Box; score: number; label: string }>;
}
