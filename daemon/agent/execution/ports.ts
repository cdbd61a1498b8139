import type { WatchService } from '../../watches/index.js';
import type { Routine } from '../planning/index.js';

/**
 * What the agent needs from other modules, as narrow structural interfaces.
 * The real implementations (daemon/memory's EventStore, ConversationStore and
 * long-term store, daemon/ingest's frame reader, daemon/vision's
 * analyzeFrames, daemon/mqtt's bridge) satisfy these shapes; tests can pass
 * anything that does. Times are epoch milliseconds (UTC).
 */

export type MaybePromise<T> = T | Promise<T>;

/** A remembered detection event (daemon/memory HomeEvent). */
export interface EventRecord {
  id: string;
  camera: string;
  kind: string;
  label: string;
  identity: string | null;
  activity: string | null;
  start: number;
  end: number | null;
  confidence: number;
  box: [number, number, number, number] | null;
  snapshot: string | null;
  attributes?: Record<string, unknown>;
}

export interface EventsQuery {
  start: number;
  end: number;
  camera?: string;
  identity?: string | null;
  activity?: string;
  limit?: number;
}

export interface PresenceRecord {
  identity: string | null;
  cameras: string[];
  firstSeen: number;
  lastSeen: number;
  count: number;
  byCamera: Array<{ camera: string; firstSeen: number; lastSeen: number; count: number }>;
}

export interface SpanRecord {
  activity: string | null;
  camera: string;
  start: number;
  end: number;
  durationMs: number;
  events: number;
  ongoing: boolean;
}

export interface AggregateRowRecord {
  key: string | null;
  value: number;
}

/** Event queries (daemon/memory EventStore). */
export interface EventsPort {
  eventsBetween(q: EventsQuery): MaybePromise<EventRecord[]>;
  whoWasWhere(q: { start: number; end: number; camera?: string; room?: string }): MaybePromise<PresenceRecord[]>;
  lastSeen(identity: string): MaybePromise<EventRecord | null>;
  timeline(identity: string, day: string, timezone: string, options?: { includeUnlabeled?: boolean }): MaybePromise<SpanRecord[]>;
  aggregate(q: {
    start: number;
    end: number;
    groupBy: 'identity' | 'activity' | 'camera';
    metric: 'count' | 'duration';
    camera?: string;
    identity?: string | null;
  }): MaybePromise<AggregateRowRecord[]>;
}

/** A decoded frame (daemon/ingest / daemon/vision Frame). */
export interface FrameData {
  camera: string;
  ts: number;
  width: number;
  height: number;
  data: Buffer;
  seq?: number;
  format?: 'rgb24';
}

/** Frames from recordings (daemon/ingest). */
export interface FramesPort {
  framesAt(camera: string, start: number, end: number, fps: number, signal?: AbortSignal): Promise<FrameData[]>;
  /** JPEG snapshot of a frame with boxes drawn; returns its path. */
  snapshot?(frame: FrameData, boxes: Array<[number, number, number, number]>): Promise<string>;
  /** A short clip of a camera's recording; returns its path, or null when nothing is recorded then. */
  clip?(camera: string, start: number, end: number, signal?: AbortSignal): Promise<string | null>;
}

export interface PersonResult {
  box: [number, number, number, number];
  score: number;
  identity: string | null;
  similarity: number | null;
  activity?: string | null;
  /** Confidence of the activity when the classifier reports one. */
  activityConfidence?: number | null;
}

export interface FrameResult {
  camera: string;
  ts: number;
  width: number;
  height: number;
  persons: PersonResult[];
}

/** Person detection + identity + pose/activity on frames (daemon/vision analyzeFrames). */
export interface VisionPort {
  analyzeFrames(frames: FrameData[], signal?: AbortSignal): Promise<FrameResult[]>;
}

export interface LongTermRecord {
  id: number | string;
  kind: string;
  text: string;
  payload: unknown;
  score: number;
  /** Epoch ms the item was stored (a habit statement's date, for "as you told me on …"). */
  created?: number;
}

/** Long-term memory (accepted plans, corrections, facts). */
export interface LongTermPort {
  search(query: string, options?: { kind?: string; kinds?: string[]; k?: number }): MaybePromise<LongTermRecord[]>;
  add(item: { kind: string; text: string; payload?: unknown }): MaybePromise<number | string>;
}

export interface TurnRecord {
  question: string;
  answer: string;
  plan?: unknown;
  at: number;
}

/** Short-term memory: conversation id → turns. */
export interface ConversationsPort {
  recent(conversationId: string, n: number): MaybePromise<TurnRecord[]>;
  append(conversationId: string, turn: TurnRecord): MaybePromise<void>;
}

/** Publishing to the home hub (daemon/mqtt bridge, absolute topics). */
export interface HubPort {
  publish(topic: string, message: string): Promise<void>;
}

/** Everything the tools may touch. Missing parts make their tools fail with a clear error. */
export interface AgentDeps {
  events?: EventsPort;
  frames?: FramesPort;
  vision?: VisionPort;
  longTerm?: LongTermPort;
  conversations?: ConversationsPort;
  hub?: HubPort;
  /** Standing watches: a standing order in words becomes one (daemon/watches); plan only previews it. */
  watches?: Pick<WatchService, 'fromRequest' | 'preview'>;
}

/** Household facts tools and prompts use. */
export interface HouseholdInfo {
  timezone: string;
  people: Array<{ name: string; aliases: string[] }>;
  rooms: string[];
  /** camera name → room (null when unknown). */
  cameras: Record<string, string | null>;
  /** Meals, naps, bedtimes (config household.routines): "after dinner" resolves against them. */
  routines?: Routine[];
}
