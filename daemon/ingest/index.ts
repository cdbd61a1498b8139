/**
 * Camera ingest: RTSP / file / MJPEG sources through one ffmpeg child each,
 * bounded per-consumer frame queues, reconnect with backoff, stall watchdog,
 * recordings (stream-copied segments) with retention, frames by time range
 * and JPEG snapshots. This file is the folder's only public surface.
 */
export type {
  Frame,
  FrameSource,
  FrameSourceEvents,
  CameraStats,
  CameraState,
  CameraError,
  ClosedSegment,
  RecordingCatalog,
  RecordingSegment,
  CameraStateEvent,
  RecordingSegmentEvent,
  SnapshotBox,
} from './types.js';
export { IngestModule, memoryCatalog, type IngestApi, type IngestDeps, type FramesAtOptions, type FrameStream } from './module.js';
export {
  FfmpegFrameSource,
  RtspFrameSource,
  FileFrameSource,
  MjpegFrameSource,
  type FfmpegSourceOptions,
  type RtspInputOptions,
  type FileInputOptions,
  type MjpegInputOptions,
  type RecordOutput,
  type Hwaccel,
} from './source.js';
export { resolveFfmpeg, probeBinary, Redactor, withCredentials, type FfmpegBinary } from './ffmpeg.js';
export { diagnose, isDecodeError, type Diagnosis } from './diagnose.js';
export { DropOldestQueue, RateMeter, Backoff } from './queue.js';
export { RecordingKeeper, probeDuration, type RetentionPolicy, type RetentionResult } from './recordings.js';
export { extractFrames, planExtraction, type SegmentPlan } from './extract.js';
export { snapshotJpeg, boxesSvg } from './snapshot.js';
