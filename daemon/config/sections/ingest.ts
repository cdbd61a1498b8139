import { z } from 'zod';
import { name, secretFile } from './common.js';

const point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

export const zoneSchema = z.strictObject({
  name,
  polygon: z.array(point).min(3).describe('points as [x, y] fractions of the frame (0..1)'),
  min_area: z.number().min(0).max(1).default(0).describe('minimum box area as a fraction of the frame'),
});

export const rtspSourceSchema = z.strictObject({
  kind: z.literal('rtsp'),
  url: z
    .string()
    .regex(/^rtsps?:\/\//, 'must start with rtsp:// or rtsps://')
    .describe('without credentials; put them in username/password_file'),
  transport: z.enum(['tcp', 'udp']).default('tcp').describe('RTP over the RTSP TCP connection (interleaved) or over UDP'),
  username: z.string().optional(),
  password_file: secretFile.optional(),
  timeout_s: z.number().min(1).max(300).default(10).describe('socket I/O timeout; a camera silent this long counts as unreachable'),
});

export const fileSourceSchema = z.strictObject({
  kind: z.literal('file'),
  path: z
    .string()
    .min(1)
    .describe('video file, or a photo (.jpg/.png/.webp: a still camera, not recorded); relative paths resolve against paths.media_dir'),
  loop: z.boolean().default(true).describe('start over at the end; false: the camera stops at the end of the file'),
  realtime: z.boolean().default(true).describe("read at the file's native rate (-re), like a live camera"),
});

export const mjpegSourceSchema = z.strictObject({
  kind: z.literal('mjpeg'),
  url: z
    .string()
    .regex(/^https?:\/\//, 'must start with http:// or https://')
    .describe('multipart MJPEG stream, without credentials'),
  username: z.string().optional(),
  password_file: secretFile.optional(),
  timeout_s: z.number().min(1).max(300).default(10).describe('socket I/O timeout'),
});

export const cameraSchema = z.strictObject({
  enabled: z.boolean().default(true),
  room: z.string().optional().describe('room this camera watches (household.rooms)'),
  source: z.discriminatedUnion('kind', [rtspSourceSchema, fileSourceSchema, mjpegSourceSchema]),
  detect: z
    .strictObject({
      width: z.number().int().min(32).max(3840).default(640).describe('frames for detection are scaled to exactly this size (packed RGB)'),
      height: z.number().int().min(32).max(2160).default(360),
      fps: z.number().min(0.1).max(60).default(5).describe('frames for detection per second (ffmpeg fps filter)'),
      queue: z.number().int().min(1).max(100).default(4).describe('frames buffered for detection; oldest dropped when full'),
    })
    .prefault({}),
  record: z
    .strictObject({
      enabled: z.boolean().default(false).describe('stream-copy the input (no re-encode) into segments indexed in the memory database'),
      segment_seconds: z.number().int().min(1).max(3600).default(60).describe('a segment closes on the first keyframe after this long'),
      format: z
        .enum(['mp4', 'mkv'])
        .default('mkv')
        .describe('mkv takes any codec; mp4 (fragmented) falls back to mkv when the codec does not fit'),
      retain_days: z.number().min(0).default(7).describe('segments older than this are deleted (0 = keep until recordings.max_disk_mb)'),
    })
    .prefault({}),
  stall_seconds: z
    .number()
    .min(1)
    .max(600)
    .default(20)
    .describe('no frame for this long → restart ffmpeg (the first frame of a connection gets at least 10 s)'),
  reconnect: z
    .strictObject({
      initial_s: z.number().min(0.05).max(600).default(1).describe('first retry delay after a failure'),
      max_s: z
        .number()
        .min(0.05)
        .max(3600)
        .default(30)
        .describe('retry delay cap (also the pace for permanent errors such as a wrong password)'),
    })
    .prefault({})
    .describe('exponential backoff with jitter between ffmpeg restarts'),
  zones: z
    .array(zoneSchema)
    .default([])
    .describe('named areas of the picture; a person is in a zone when the bottom centre of the box is inside'),
  upload_frames: z.boolean().default(false).describe('allow faces-blurred frames of this camera to go to the cloud teacher'),
});

export const ffmpegSchema = z
  .strictObject({
    path: z.string().optional().describe('ffmpeg binary; default: FFMPEG_PATH, then system ffmpeg, then the npm-shipped one'),
    hwaccel: z
      .enum(['none', 'cuda', 'nvdec', 'jetson'])
      .default('none')
      .describe(
        'hardware decode; none = CPU; cuda/nvdec = -hwaccel cuda (NVIDIA dGPU); jetson = the nvmpi decoders of a jetson-ffmpeg build',
      ),
    decoder: z
      .string()
      .regex(/^[a-z0-9_]+$/, 'an ffmpeg decoder name such as h264_cuvid or h264_nvmpi')
      .optional()
      .describe('force this decoder for every camera (-c:v before -i), e.g. h264_cuvid or h264_nvmpi'),
  })
  .prefault({});

export const recordingsSchema = z
  .strictObject({
    max_disk_mb: z.number().positive().default(20_000).describe('cap for all recordings; oldest segments deleted first'),
    check_interval_s: z.number().min(1).default(60).describe('how often retention (days and disk cap) runs'),
    orphan_retain_days: z
      .number()
      .min(0)
      .default(7)
      .describe('recordings of cameras no longer in the config are kept this long (0 = until the disk cap)'),
  })
  .prefault({});

export const camerasSchema = z.record(name, cameraSchema).describe('cameras by name');
