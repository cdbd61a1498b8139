import { z } from 'zod';

export const providerName = z.enum(['tensorrt', 'cuda', 'cpu']);

export const modelSchema = z.strictObject({
  kind: z.enum(['detector', 'face-detector', 'face-embedder', 'pose', 'activity']),
  path: z.string().min(1).describe('ONNX file; relative paths resolve against paths.models_dir'),
  format: z.string().optional().describe('output decoder: yolox | yolov8 | yunet | arcface | movenet | movenet-multipose | yolov8-pose | heatmap | simcc'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits').optional(),
  input: z
    .strictObject({
      width: z.number().int().min(1).optional(),
      height: z.number().int().min(1).optional(),
      layout: z.enum(['nchw', 'nhwc']).optional(),
      color: z.enum(['rgb', 'bgr']).optional(),
      mean: z.tuple([z.number(), z.number(), z.number()]).optional(),
      std: z.tuple([z.number(), z.number(), z.number()]).optional(),
    })
    .prefault({}),
  labels: z.array(z.string()).optional(),
  score_threshold: z.number().min(0).max(1).optional(),
  nms_iou: z.number().min(0).max(1).optional(),
});

export const visionSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    providers: z.array(providerName).min(1).default(['tensorrt', 'cuda', 'cpu']).describe('execution providers tried in order'),
    threads: z.number().int().min(1).max(64).default(2).describe('intra-op threads per session'),
    tensorrt: z
      .strictObject({ fp16: z.boolean().default(true), engine_cache: z.string().default('trt-engines').describe('relative to paths.cache_dir') })
      .prefault({}),
    models: z.record(z.string(), modelSchema).default({}).describe('models by name; the default set uses the files in paths.models_dir'),
    identity: z
      .strictObject({
        threshold: z.number().min(-1).max(1).default(0.3).describe('cosine similarity under which a face is "unknown"'),
        min_face_px: z.number().int().min(8).default(24),
      })
      .prefault({}),
  })
  .prefault({});
