import { isAbsolute, resolve } from 'node:path';
import type { HomeSightConfig } from '../config/index.js';
import { HomeSightError } from '../system/index.js';
import type { ColorOrder, Layout } from './preprocess.js';

type VisionConfig = HomeSightConfig['vision'];
type ModelConfig = VisionConfig['models'][string];
export type ModelKind = ModelConfig['kind'];
export type ModelFormat = NonNullable<ModelConfig['format']>;

/** COCO-80 class names (YOLOX/YOLOv8 order). */
export const COCO_LABELS = [
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'airplane',
  'bus',
  'train',
  'truck',
  'boat',
  'traffic light',
  'fire hydrant',
  'stop sign',
  'parking meter',
  'bench',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'elephant',
  'bear',
  'zebra',
  'giraffe',
  'backpack',
  'umbrella',
  'handbag',
  'tie',
  'suitcase',
  'frisbee',
  'skis',
  'snowboard',
  'sports ball',
  'kite',
  'baseball bat',
  'baseball glove',
  'skateboard',
  'surfboard',
  'tennis racket',
  'bottle',
  'wine glass',
  'cup',
  'fork',
  'knife',
  'spoon',
  'bowl',
  'banana',
  'apple',
  'sandwich',
  'orange',
  'broccoli',
  'carrot',
  'hot dog',
  'pizza',
  'donut',
  'cake',
  'chair',
  'couch',
  'potted plant',
  'bed',
  'dining table',
  'toilet',
  'tv',
  'laptop',
  'mouse',
  'remote',
  'keyboard',
  'cell phone',
  'microwave',
  'oven',
  'toaster',
  'sink',
  'refrigerator',
  'book',
  'clock',
  'vase',
  'scissors',
  'teddy bear',
  'hair drier',
  'toothbrush',
] as const;

/** A model entry with every default filled in and its path resolved. */
export interface ModelSpec {
  name: string;
  kind: ModelKind;
  format: ModelFormat;
  path: string;
  sha256: string | undefined;
  input: {
    width: number;
    height: number;
    layout: Layout;
    color: ColorOrder;
    mean: [number, number, number];
    std: [number, number, number];
    align: 'topleft' | 'center';
    pad: number;
  };
  labels: string[];
  scoreThreshold: number;
  nmsIou: number;
  window: number;
}

const DEFAULT_FORMAT: Record<ModelKind, ModelFormat> = {
  detector: 'yolox',
  'face-detector': 'yunet',
  'face-embedder': 'arcface',
  pose: 'movenet',
  activity: 'sequence',
};

/** Which formats fit which kind. */
export const FORMATS_OF: Record<ModelKind, readonly ModelFormat[]> = {
  detector: ['yolox', 'yolov8'],
  'face-detector': ['yunet'],
  'face-embedder': ['arcface'],
  pose: ['movenet', 'movenet-multipose', 'yolov8-pose', 'heatmap', 'simcc'],
  activity: ['sequence'],
};

type FormatDefaults = Omit<ModelSpec, 'name' | 'kind' | 'format' | 'path' | 'sha256' | 'labels'> & { labels: readonly string[] };

const IMAGENET_MEAN: [number, number, number] = [123.675, 116.28, 103.53];
const IMAGENET_STD: [number, number, number] = [58.395, 57.12, 57.375];

const FORMAT_DEFAULTS: Record<ModelFormat, FormatDefaults> = {
  yolox: {
    input: { width: 416, height: 416, layout: 'nchw', color: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], align: 'topleft', pad: 114 },
    labels: COCO_LABELS,
    scoreThreshold: 0.35,
    nmsIou: 0.45,
    window: 0,
  },
  yolov8: {
    input: { width: 640, height: 640, layout: 'nchw', color: 'rgb', mean: [0, 0, 0], std: [255, 255, 255], align: 'center', pad: 114 },
    labels: COCO_LABELS,
    scoreThreshold: 0.35,
    nmsIou: 0.45,
    window: 0,
  },
  yunet: {
    input: { width: 320, height: 320, layout: 'nchw', color: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], align: 'topleft', pad: 0 },
    labels: ['face'],
    scoreThreshold: 0.6,
    nmsIou: 0.3,
    window: 0,
  },
  arcface: {
    input: {
      width: 112,
      height: 112,
      layout: 'nchw',
      color: 'rgb',
      mean: [127.5, 127.5, 127.5],
      std: [128, 128, 128],
      align: 'center',
      pad: 0,
    },
    labels: [],
    scoreThreshold: 0,
    nmsIou: 0,
    window: 0,
  },
  movenet: {
    input: { width: 192, height: 192, layout: 'nhwc', color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], align: 'center', pad: 0 },
    labels: [],
    scoreThreshold: 0.2,
    nmsIou: 0,
    window: 0,
  },
  'movenet-multipose': {
    input: { width: 256, height: 256, layout: 'nhwc', color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], align: 'topleft', pad: 0 },
    labels: [],
    scoreThreshold: 0.2,
    nmsIou: 0.5,
    window: 0,
  },
  'yolov8-pose': {
    input: { width: 640, height: 640, layout: 'nchw', color: 'rgb', mean: [0, 0, 0], std: [255, 255, 255], align: 'center', pad: 114 },
    labels: ['person'],
    scoreThreshold: 0.35,
    nmsIou: 0.45,
    window: 0,
  },
  heatmap: {
    input: { width: 192, height: 256, layout: 'nchw', color: 'rgb', mean: IMAGENET_MEAN, std: IMAGENET_STD, align: 'center', pad: 0 },
    labels: [],
    scoreThreshold: 0.2,
    nmsIou: 0,
    window: 0,
  },
  simcc: {
    input: { width: 192, height: 256, layout: 'nchw', color: 'rgb', mean: IMAGENET_MEAN, std: IMAGENET_STD, align: 'center', pad: 0 },
    labels: [],
    scoreThreshold: 0.2,
    nmsIou: 0,
    window: 0,
  },
  sequence: {
    input: { width: 1, height: 1, layout: 'nchw', color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], align: 'center', pad: 0 },
    labels: [],
    scoreThreshold: 0,
    nmsIou: 0,
    window: 16,
  },
};

/**
 * The default model set: the files ../shared/models (and scripts/fetch-models.sh)
 * provide, pinned by sha256.
 */
export const DEFAULT_MODELS: Record<string, ModelConfig> = {
  detector: {
    enabled: true,
    kind: 'detector',
    format: 'yolox',
    path: 'yolox_nano.onnx',
    sha256: 'e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd',
    input: {},
  },
  face_detector: {
    enabled: true,
    kind: 'face-detector',
    format: 'yunet',
    path: 'face_detection_yunet.onnx',
    sha256: 'ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0',
    input: {},
  },
  face_embedder: {
    enabled: true,
    kind: 'face-embedder',
    format: 'arcface',
    path: 'mobilefacenet.onnx',
    sha256: '0c9ad2a83969fc82155706f7020e6926b4a1a90a5476fff4a5588dfe207f64a4',
    input: {},
  },
  pose: {
    enabled: true,
    kind: 'pose',
    format: 'movenet',
    path: 'movenet_lightning.onnx',
    sha256: 'ebfebe4cdaad3ff2c92ed2ad460aaf1c07ee350d092eab215c09299341d067ed',
    input: {},
  },
};

/** Fills defaults for one model entry; `modelsDir` resolves relative paths. */
export function resolveModelSpec(name: string, m: ModelConfig, modelsDir: string): ModelSpec {
  const format = m.format ?? DEFAULT_FORMAT[m.kind];
  if (!FORMATS_OF[m.kind].includes(format)) {
    throw new HomeSightError('E_MODEL_CONFIG', `vision.models.${name}: format "${format}" does not fit kind "${m.kind}"`, {
      context: { model: name, kind: m.kind, format },
      hint: `use one of: ${FORMATS_OF[m.kind].join(', ')}`,
    });
  }
  const d = FORMAT_DEFAULTS[format];
  const labels = m.labels ?? [...d.labels];
  if (m.kind === 'activity' && labels.length === 0) {
    throw new HomeSightError('E_MODEL_CONFIG', `vision.models.${name}: an activity model needs labels (one per output class)`, {
      context: { model: name },
      hint: 'list the class names in vision.models.<name>.labels, in output order',
    });
  }
  return {
    name,
    kind: m.kind,
    format,
    path: isAbsolute(m.path) ? m.path : resolve(modelsDir, m.path),
    sha256: m.sha256,
    input: {
      width: m.input.width ?? d.input.width,
      height: m.input.height ?? d.input.height,
      layout: m.input.layout ?? d.input.layout,
      color: m.input.color ?? d.input.color,
      mean: m.input.mean ?? d.input.mean,
      std: m.input.std ?? d.input.std,
      align: m.input.align ?? d.input.align,
      pad: m.input.pad ?? d.input.pad,
    },
    labels,
    scoreThreshold: m.score_threshold ?? d.scoreThreshold,
    nmsIou: m.nms_iou ?? d.nmsIou,
    window: m.window ?? d.window,
  };
}

/**
 * The models the pipeline uses, one per kind: the default set merged with
 * vision.models by name (a config entry with a default's name replaces it;
 * `enabled: false` removes it). When several enabled entries share a kind,
 * the first in config order wins and the others are reported.
 */
export function selectModels(
  vision: VisionConfig,
  modelsDir: string,
): { byKind: Partial<Record<ModelKind, ModelSpec>>; ignored: string[]; problems: HomeSightError[] } {
  const merged: Record<string, ModelConfig> = { ...DEFAULT_MODELS };
  for (const [name, m] of Object.entries(vision.models)) merged[name] = m;
  const byKind: Partial<Record<ModelKind, ModelSpec>> = {};
  const ignored: string[] = [];
  const problems: HomeSightError[] = [];
  // Config entries first, so an added detector wins over the default one.
  const order = [...Object.keys(vision.models), ...Object.keys(DEFAULT_MODELS).filter((n) => !(n in vision.models))];
  for (const name of order) {
    const m = merged[name]!;
    if (!m.enabled) continue;
    if (byKind[m.kind] !== undefined) {
      ignored.push(name);
      continue;
    }
    try {
      byKind[m.kind] = resolveModelSpec(name, m, modelsDir);
    } catch (err) {
      problems.push(err as HomeSightError);
    }
  }
  return { byKind, ignored, problems };
}
