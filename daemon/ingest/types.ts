/**
 * The ingest seams: what a camera hands the rest of HomeSight. All times are
 * milliseconds since the epoch (UTC).
 */
import type { CameraError, CameraState, ClosedSegment } from '../contracts/index.js';

/** One decoded frame at the camera's detect resolution, packed RGB (3 bytes per pixel, row-major). */
export interface Frame {
  camera: string;
  /** When the decoded frame reached the daemon (live) or its place on the recording timeline (framesAt). */
  ts: number;
  /** Per-source counter, increasing across restarts (live); index in the result (framesAt). */
  seq: number;
  width: number;
  height: number;
  format: 'rgb24';
  /**
   * width × height × 3 bytes. The same buffer goes to every consumer of the camera: treat it as read-only.
   * Ingest reuses a frame's buffer only when no consumer can still see it: dropped unseen from every queue,
   * or released (FrameStream.release) by every consumer that took it. Never released = never reused.
   */
  data: Buffer;
}

// Camera states and closed segments travel on the bus, so their shapes live in contracts.
export type { CameraError, CameraState } from '../contracts/index.js';

export interface CameraStats {
  state: CameraState;
  /** Frames per second arriving from ffmpeg (at the detect rate), over the last few seconds. */
  fps_in: number;
  /** Frames per second taken by consumers (summed over consumers), over the last few seconds. */
  fps_out: number;
  /** Frames discarded because a consumer's queue was full (oldest first), summed over consumers. */
  dropped: number;
  /** Decoder errors ffmpeg reported (corrupt or missing data). */
  decode_errors: number;
  /** ffmpeg restarts after the first start (disconnects, stalls, failures). */
  reconnects: number;
  last_frame_at: number | null;
  last_error: CameraError | null;
  /** Why recording is failing while frames still flow (e.g. the recordings volume is full); null when it is fine. */
  recording_error: string | null;
}

/** A recording segment as it closed, on the wall-clock timeline. */
export type { ClosedSegment } from '../contracts/index.js';

/** What a FrameSource tells its subscribers. */
export interface FrameSourceEvents {
  frame: Frame;
  state: { camera: string; state: CameraState; previous: CameraState; error: CameraError | null };
  /** A recording segment was closed by ffmpeg (only sources with recording enabled). */
  segment: ClosedSegment;
  /** An ffmpeg run ended; recording files of that run not announced as segments are left to recover. */
  run_end: { camera: string; runId: string; dir: string; announced: string[]; lastEnd: number | null };
  /** The source will deliver no more frames (stopped, or a non-looping file ended). */
  end: { camera: string; reason: 'stopped' | 'eof' };
}

/** One camera: one ffmpeg child process decoding to raw RGB (and optionally writing recording segments). */
export interface FrameSource {
  readonly camera: string;
  start(): void;
  stop(): Promise<void>;
  /** Kills the running ffmpeg (if any) and starts a fresh one now, skipping backoff. */
  restart(): Promise<void>;
  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof FrameSourceEvents>(event: K, fn: (payload: FrameSourceEvents[K]) => void): () => void;
  stats(): CameraStats;
}

/**
 * The recordings index is memory's (it owns the table); ingest only talks to
 * this interface. Type-only import: no runtime dependency on daemon/memory.
 */
export type { RecordingSegment, RecordingIndex as RecordingCatalog } from '../memory/index.js';

/** Bus payloads of 'camera.state' and 'recording.segment'. */
export type { CameraStateEvent, RecordingSegmentEvent } from '../contracts/index.js';

/** A box to draw on a snapshot: [x, y, w, h] as fractions of the frame. */
export interface SnapshotBox {
  box: [number, number, number, number];
  label?: string;
  /** CSS colour; default a bright red. */
  color?: string;
}
