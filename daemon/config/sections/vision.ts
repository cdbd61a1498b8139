import { z } from 'zod';

export const providerName = z.enum(['tensorrt', 'cuda', 'cpu']);

export const modelKind = z.enum(['detector', 'face-detector', 'face-embedder', 'pose', 'activity']);

export const modelFormat = z.enum([
  'yolox',
  'yolov8',
  'yunet',
  'arcface',
  'movenet',
  'movenet-multipose',
  'yolov8-pose',
  'heatmap',
  'simcc',
  'sequence',
]);

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

export const modelSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('false skips this model (e.g. to switch off a default one)'),
  kind: modelKind.describe('role of the model in the pipeline; one model per kind is used'),
  path: z.string().min(1).describe('ONNX file; relative paths resolve against paths.models_dir'),
  format: modelFormat
    .optional()
    .describe(
      'output decoder; default per kind: detector yolox, face-detector yunet, face-embedder arcface, pose movenet, activity sequence',
    ),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits')
    .optional()
    .describe('checked at load; a mismatch refuses the model'),
  input: z
    .strictObject({
      width: z.number().int().min(1).optional().describe('model input width (default per format)'),
      height: z.number().int().min(1).optional(),
      layout: z.enum(['nchw', 'nhwc']).optional(),
      color: z.enum(['rgb', 'bgr']).optional(),
      mean: rgbTriple.optional().describe('per channel, model colour order, 0..255 scale'),
      std: rgbTriple.optional(),
      align: z.enum(['topleft', 'center']).optional().describe('letterbox placement'),
      pad: z.number().min(0).max(255).optional().describe('letterbox padding value'),
    })
    .prefault({}),
  labels: z.array(z.string()).optional().describe('class names (detector: default COCO-80; activity: required)'),
  score_threshold: z.number().min(0).max(1).optional(),
  nms_iou: z.number().min(0).max(1).optional(),
  window: z.number().int().min(2).max(256).optional().describe('activity sequence models: keypoint frames per input'),
});

export const visionSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    providers: z
      .array(providerName)
      .min(1)
      .default(['tensorrt', 'cuda', 'cpu'])
      .describe('execution providers tried in order per model; the first that loads is used'),
    threads: z.number().int().min(1).max(64).default(2).describe('intra-op threads per session'),
    thread_spinning: z
      .boolean()
      .default(false)
      .describe(
        'let onnxruntime worker threads busy-wait between runs (a little lower latency on an idle CPU; ' +
          'steals cores from ffmpeg and the LLM on a busy one)',
      ),
    memory_arena: z
      .boolean()
      .default(false)
      .describe(
        "onnxruntime's CPU memory arena: on keeps each session's peak buffers for reuse (13–16 MiB more RSS for the four " +
          'default models in bare sessions, ≈23 MiB in the daemon), off allocates per run (detector p50 +8–10 %, ' +
          'the other models ±1 %, on a 2-core x86; ' +
          'bench/results/vision-arena.md); off by default for the memory budget of small boards',
      ),
    preprocessing: z
      .enum(['auto', 'graph', 'js'])
      .default('auto')
      .describe(
        'where image models letterbox, resize, pad, reorder and normalise the frame: "graph" puts these steps in front of ' +
          'each model\'s ONNX graph at load (one session run from the uint8 camera frame), "js" fills the model input in ' +
          'JS, "auto" uses the graph on a GPU provider (cuda, tensorrt) and JS on the CPU, where onnxruntime\'s Resize was ' +
          'measured no faster than the JS kernels (docs/vision.md, "Pre-processing"); the face embedder\'s alignment warp ' +
          'is JS in every mode',
      ),
    tensorrt: z
      .strictObject({
        fp16: z.boolean().default(true).describe('let TensorRT build FP16 engines'),
        engine_cache: z.string().default('trt-engines').describe('relative to paths.cache_dir; one folder per model and sha256'),
      })
      .prefault({}),
    models: z
      .record(z.string(), modelSchema)
      .default({})
      .describe('models by name, merged over the default set (detector, face_detector, face_embedder, pose) in paths.models_dir'),
    detect: z
      .strictObject({
        labels: z.array(z.string()).default(['person']).describe('detector classes that are tracked and written as events'),
        min_area: z.number().min(0).max(1).default(0.0005).describe('minimum box area as a fraction of the frame'),
        require_zone: z.boolean().default(false).describe('drop detections outside every zone of a camera that has zones'),
      })
      .prefault({}),
    tracker: z
      .strictObject({
        iou_threshold: z.number().min(0).max(1).default(0.3).describe('minimum IoU to continue a track'),
        high_score: z.number().min(0).max(1).default(0.5).describe('detections at or above start tracks and match first (ByteTrack)'),
        min_hits: z.number().int().min(1).default(2).describe('matches before a track is confirmed'),
        max_missed_s: z.number().min(0).default(2).describe('a track unmatched this long is ended'),
      })
      .prefault({}),
    identity: z
      .strictObject({
        threshold: z.number().min(-1).max(1).default(0.3).describe('cosine similarity under which a face is "unknown"'),
        min_face_px: z.number().int().min(8).default(24).describe('smaller faces are not embedded'),
        votes: z.number().int().min(1).default(2).describe('matching faces over a track before its identity is resolved'),
        align: z.enum(['five-point', 'eyes']).default('five-point').describe('face alignment to the 112×112 template'),
        max_faces_per_track: z.number().int().min(1).default(10).describe('faces embedded per track before it stops looking'),
      })
      .prefault({}),
    pose: z
      .strictObject({
        enabled: z.boolean().default(true),
        max_persons: z.number().int().min(1).default(8).describe('pose runs on at most this many (largest) persons per frame'),
        min_box_px: z.number().int().min(8).default(32).describe('persons smaller than this (height) get no pose'),
      })
      .prefault({}),
    activity: z
      .strictObject({
        enabled: z.boolean().default(true),
        window_s: z.number().min(0.5).max(60).default(3).describe('keypoint history the classifier looks at'),
        min_samples: z.number().int().min(2).default(4),
        hold: z.number().int().min(1).default(2).describe("consecutive equal decisions before a track's activity changes"),
      })
      .prefault({}),
    events: z
      .strictObject({
        snapshots: z.boolean().default(true).describe('save a JPEG per person event under paths.data_dir/snapshots'),
        snapshot_quality: z.number().int().min(10).max(100).default(80),
        update_interval_s: z.number().min(0).default(5).describe('how often an ongoing event is re-written with its latest box'),
        min_score: z.number().min(0).max(1).default(0.5).describe('a track needs one detection this confident before it becomes an event'),
      })
      .prefault({}),
  })
  .prefault({});

export type VisionConfig = z.infer<typeof visionSchema>;
export type VisionModelConfig = z.infer<typeof modelSchema>;
