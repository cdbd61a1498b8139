import type { ModuleReport } from './system/index.js';
import type { CameraStateEvent, RecordingSegmentEvent } from './ingest/index.js';
import type { CameraOccupancy, VisionEventPayload } from './vision/index.js';
import type { AnsweredEvent } from './learning/index.js';

/**
 * Facts modules publish to each other through the EventBus. A module adds its
 * own event types here (type-only imports from its index keep this cycle-free).
 */
export interface HomeSightEvents {
  [event: string]: unknown;
  /** After each health probe: the container's module reports. */
  'system.health': { status: 'ok' | 'degraded' | 'failed'; modules: ModuleReport[]; summary: string };
  /** A config reload happened (applied or rejected). */
  'system.reload': { ok: boolean; applied: string[]; needsRestart: string[]; problems: string[] };
  /** Latest JPEG of a camera (vision/ingest emit it; mqtt publishes it retained, rate-limited). */
  'camera.snapshot': { camera: string; jpeg: Uint8Array; ts?: number };
  /** Outcome of a fleet update or rollback (fleet emits it; also published on MQTT). */
  'fleet.update': { version: string; outcome: 'installed' | 'rolled_back' | 'refused' | 'failed' | 'rollback_failed'; reason?: string; previous?: string | null };
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
