import type { ModuleReport } from '../system/index.js';
import type { PlanContext } from './learning-sample.js';
import type { TaskPlan } from './plan.js';

/**
 * What modules tell each other through the EventBus, with every payload shape. This file imports no feature folder
 * (only system's kernel types), so every folder may import it without tying itself to the others: a module that
 * adds an event adds it and its payload here.
 */

export type CameraState = 'starting' | 'streaming' | 'backoff' | 'stalled' | 'failed' | 'stopped';

export interface CameraError {
  /** E_CAMERA_AUTH, E_CAMERA_NOT_FOUND, E_CAMERA_CODEC, E_CAMERA_UNREACHABLE, E_CAMERA_STALLED, … */
  code: string;
  /** One line for people; credentials are never part of it. */
  message: string;
}

/** Payload of 'camera.state'. */
export interface CameraStateEvent {
  camera: string;
  state: CameraState;
  previous: CameraState;
  error?: CameraError;
  at: number;
}

/** A recording segment as it closed, on the wall-clock timeline. */
export interface ClosedSegment {
  camera: string;
  path: string;
  start: number;
  end: number;
  bytes: number;
  format: 'mp4' | 'mkv';
}

/** Payload of 'recording.segment' (a segment was closed and indexed). */
export interface RecordingSegmentEvent extends ClosedSegment {
  id: number;
}

export type EventKind = 'person' | 'identity' | 'activity' | 'object';

/** Something vision saw; upserted by id while the track evolves (end, identity, activity). Memory stores it. */
export interface HomeEvent {
  /** uuid; `newEventId()` gives a time-ordered one (UUIDv7), which keeps inserts cheap. */
  id: string;
  camera: string;
  kind: EventKind;
  /** 'person', 'car', … */
  label: string;
  track_id: string | null;
  /** Person name; null = unknown. */
  identity: string | null;
  activity: string | null;
  start: number;
  /** null while ongoing. */
  end: number | null;
  confidence: number;
  /** x, y, w, h as fractions of the frame. */
  box: [number, number, number, number] | null;
  zones: string[];
  /** Path of a JPEG. */
  snapshot: string | null;
  attributes: Record<string, unknown>;
}

export type EventChange = 'new' | 'update' | 'end';

/** Payload of 'vision.event'. */
export interface VisionEventPayload {
  event: HomeEvent;
  change: EventChange;
}

/** Payload of 'camera.occupancy'. */
export interface CameraOccupancy {
  camera: string;
  persons: number;
  identities: string[];
  activity: string | null;
}

/** What learning reads of an answer: the plan, who made it, and how planning and execution went. */
export interface AnsweredRequest {
  question: string;
  plan: TaskPlan;
  planner: string;
  executed: boolean;
  trace: {
    planning: Array<{ planner: string; repair: number; ok: boolean }>;
    nodes: Array<{ task: string; status: string; error?: { code: string; message: string } }>;
    confidence: number | null;
  };
  notes: string[];
}

/** Payload of 'agent.answered'. */
export interface AnsweredEvent {
  answer_id: string;
  result: AnsweredRequest & { answer?: string; evidence?: Array<{ event: { camera: string } | null; snapshot: string | null }> };
  /** The cloud planner's plan when it ran as well (shadow planning), for disagreement mining. */
  cloud_plan?: TaskPlan;
  /** What the agent planned with (household, time asked, previous turn; names as configured): learning uploads it masked. */
  context?: PlanContext;
  at: number;
}

/** Payload of 'system.reload'. */
export interface ReloadReport {
  ok: boolean;
  applied: string[];
  needsRestart: string[];
  problems: string[];
}

export interface HomeSightEvents {
  [event: string]: unknown;
  /** After each health probe: the container's module reports. */
  'system.health': { status: 'ok' | 'degraded' | 'failed'; modules: ModuleReport[]; summary: string };
  /** A config reload happened (applied or rejected). */
  'system.reload': ReloadReport;
  /** Latest JPEG of a camera (vision/ingest emit it; mqtt publishes it retained, rate-limited). */
  'camera.snapshot': { camera: string; jpeg: Uint8Array; ts?: number };
  /** Outcome of a fleet update or rollback (fleet emits it; also published on MQTT). */
  'fleet.update': {
    version: string;
    outcome: 'installed' | 'rolled_back' | 'refused' | 'failed' | 'rollback_failed';
    reason?: string;
    previous?: string | null;
  };
  /** A camera changed state (starting, streaming, backoff, stalled, failed, stopped), with the error when there is one. */
  'camera.state': CameraStateEvent;
  /** A recording segment closed (or was recovered after an abrupt ffmpeg exit) and was indexed. */
  'recording.segment': RecordingSegmentEvent;
  /** A vision event was created, updated or ended (person appeared/left, identity resolved, activity changed); also stored in memory. */
  'vision.event': VisionEventPayload;
  /** Who is on a camera now: persons, resolved identities, the most common activity (emitted when it changes). */
  'camera.occupancy': CameraOccupancy;
  /** The agent answered a question (agent emits it; learning mines hard examples from it). */
  'agent.answered': AnsweredEvent;
}
