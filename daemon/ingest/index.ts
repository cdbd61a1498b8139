/**
 * Camera ingest: RTSP / file / MJPEG sources through one ffmpeg child each,
 * bounded per-consumer frame queues, reconnect with backoff, stall watchdog,
 * recordings (stream-copied segments) with retention, frames by time range
 * and JPEG snapshots. This file is the folder's only public surface.
 */
export type { Frame } from './types.js';
export { IngestModule, type IngestApi } from './module.js';
export { FileFrameSource, type FfmpegSourceOptions } from './source.js';
export { resolveFfmpeg, type FfmpegBinary } from './ffmpeg.js';
export { extractFrames } from './extract.js';
export { snapshotJpeg } from './snapshot.js';
