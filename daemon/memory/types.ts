/**
 * Shapes the memory store speaks. Time is milliseconds since the epoch (UTC)
 * everywhere; local days are turned into UTC ranges with ./time.ts.
 */

import type { EventKind } from '../contracts/index.js';

// Vision's events reach memory over the bus, so their shape lives in contracts.
export type { EventKind, HomeEvent } from '../contracts/index.js';
export const EVENT_KINDS: readonly EventKind[] = ['person', 'identity', 'activity', 'object'];

export interface RecordingSegment {
  id: number;
  camera: string;
  path: string;
  start: number;
  end: number;
  bytes: number;
  format: 'mp4' | 'mkv';
}

/** The recordings segment index (daemon/ingest sees it as its RecordingCatalog). */
export interface RecordingIndex {
  addSegment(seg: Omit<RecordingSegment, 'id'>): number;
  /** Segments overlapping [start, end), ordered by start. */
  segmentsBetween(camera: string, start: number, end: number): RecordingSegment[];
  oldestSegments(limit: number): RecordingSegment[];
  segmentsEndedBefore(before: number, limit: number): RecordingSegment[];
  deleteSegments(ids: number[]): void;
  totalBytes(camera?: string): number;
  /** For orphan repair at start. */
  allSegments(): RecordingSegment[];
}

/** Filters of eventsBetween: events overlapping [start, end). */
export interface EventQuery {
  start: number;
  end: number;
  camera?: string;
  /** A person's name; `null` asks for unknown people. */
  identity?: string | null;
  activity?: string;
  kind?: EventKind;
  /** Default 1000, at most 100 000. */
  limit?: number;
}

export interface WhoWasWhereQuery {
  start: number;
  end: number;
  camera?: string;
  /** A room (cameras table); matches every camera in that room. */
  room?: string;
}

export interface PresenceByCamera {
  camera: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

/** One person (or the unknown ones, identity null) in a time range. */
export interface Presence {
  identity: string | null;
  cameras: string[];
  /** Earliest event start in the range. */
  firstSeen: number;
  /** Latest event end (now for ongoing events). */
  lastSeen: number;
  /** Events counted. */
  count: number;
  byCamera: PresenceByCamera[];
}

/** A stretch of one activity on one camera in a person's day, clipped to the day. */
export interface ActivitySpan {
  activity: string | null;
  camera: string;
  start: number;
  end: number;
  durationMs: number;
  /** Events merged into this span. */
  events: number;
  /** Whether the last event of the span is still ongoing. */
  ongoing: boolean;
}

export interface TimelineOptions {
  /** Also include events without an activity (plain presence). Default false. */
  includeUnlabeled?: boolean;
  /** Consecutive events of the same activity and camera closer than this merge. Default 60 000. */
  mergeGapMs?: number;
}

export interface AggregateQuery {
  start: number;
  end: number;
  groupBy: 'identity' | 'activity' | 'camera';
  /** count: events overlapping the range; duration: their ms inside the range (ongoing ones up to now). */
  metric: 'count' | 'duration';
  camera?: string;
  identity?: string | null;
  kind?: EventKind;
}

export interface AggregateRow {
  key: string | null;
  value: number;
}

export interface CameraInfo {
  name: string;
  room: string | null;
}

export interface IdentityInfo {
  name: string;
  created: number;
  /** Number of face embeddings stored for this person. */
  embeddings: number;
  attributes: Record<string, unknown>;
}

export interface IdentityMatch {
  name: string;
  /** Cosine similarity of the best stored embedding (−1..1). */
  similarity: number;
}

export interface ConversationTurn {
  question: string;
  answer: string;
  /** The plan that produced the answer (agent's task graph), any JSON. */
  plan?: unknown;
  at: number;
}

export type LongTermKind = 'fact' | 'preference' | 'name' | 'plan' | 'correction' | 'pseudo_label';
export const LONG_TERM_KINDS: readonly LongTermKind[] = ['fact', 'preference', 'name', 'plan', 'correction', 'pseudo_label'];

export interface LongTermInput {
  kind: LongTermKind;
  text: string;
  /** Any JSON, e.g. {question, plan} for an accepted plan. */
  payload?: unknown;
  embedding?: Float32Array;
  /** Which embedder produced `embedding` (only same-model vectors are compared). */
  embedModel?: string;
  created?: number;
}

export interface LongTermItem {
  id: number;
  kind: LongTermKind;
  text: string;
  payload: unknown;
  hasEmbedding: boolean;
  embedModel: string | null;
  created: number;
  updated: number;
}

export interface LongTermHit {
  item: LongTermItem;
  /** Blended score 0..1 (higher is better). */
  score: number;
  /** Cosine similarity to the query embedding, or null when not compared. */
  cosine: number | null;
  /** Keyword score 0..1 relative to the best keyword hit, or null when no keyword match. */
  keyword: number | null;
}

export interface UploadSample {
  id: string;
  kind: string;
  payload: unknown;
  bytes: number;
  /** Value score: higher uploads first. */
  value: number;
  created: number;
  attempts: number;
  next_attempt_at: number;
  uploaded_at: number | null;
  last_error: string | null;
}
