import type { HomeSightConfig } from '../config/index.js';
import { asHomeSightError, type Logger } from '../system/index.js';
import { FeatureActivityClassifier, OnnxSequenceActivityClassifier } from './experts/activity.js';
import { graphInputOf } from './experts/common.js';
import { OnnxDetector } from './experts/detector.js';
import { OnnxFaceEmbedder, YunetFaceDetector } from './experts/face.js';
import { OnnxPoseEstimator } from './experts/pose.js';
import { selectModels, type ModelKind, type ModelSpec } from './models.js';
import { loadModel, type LoadedModel, type ModelInfo, type ProviderName, type SessionFactory } from './runtime.js';
import type { ActivityClassifier, Detector, FaceDetector, FaceEmbedder, PoseEstimator } from './types.js';

/** Where vision.preprocessing "auto" puts pre-processing into the graph: the resize runs on the device, frames upload as bytes. */
const GPU_PROVIDERS: readonly ProviderName[] = ['tensorrt', 'cuda'];

/** The experts the pipeline runs; any may be missing (its model failed or is disabled). */
export interface Experts {
  detector: Detector | null;
  faceDetector: FaceDetector | null;
  faceEmbedder: FaceEmbedder | null;
  pose: PoseEstimator | null;
  activity: ActivityClassifier | null;
}

/** What health shows per model. */
export interface ModelStatus {
  name: string;
  kind: ModelKind;
  format: string;
  path: string;
  state: 'ready' | 'failed';
  info: ModelInfo | null;
  error: { code: string; message: string; hint?: string } | null;
}

export interface EngineOptions {
  vision: HomeSightConfig['vision'];
  modelsDir: string;
  /** Absolute folder for TensorRT engines. */
  engineCacheDir: string;
  log: Logger;
  factory?: SessionFactory;
  providerLibDir?: string | null;
  /** Load only these kinds (the enroll command needs the face models only). */
  kinds?: readonly ModelKind[];
}

/**
 * The loaded models and the experts built on them. Each model loads on its
 * own: one that is missing, corrupt or unusable is reported and the others
 * keep working.
 */
export class VisionEngine {
  private constructor(
    readonly experts: Experts,
    readonly models: ModelStatus[],
    readonly ignored: string[],
    private readonly loaded: LoadedModel[],
  ) {}

  static async load(opts: EngineOptions): Promise<VisionEngine> {
    const { vision, log } = opts;
    const { byKind, ignored, problems } = selectModels(vision, opts.modelsDir);
    const models: ModelStatus[] = [];
    const loaded: LoadedModel[] = [];
    const experts: Experts = { detector: null, faceDetector: null, faceEmbedder: null, pose: null, activity: null };
    for (const p of problems) {
      log.error({ err: p.toJSON() }, 'vision model config refused');
      models.push({
        name: String(p.context.model ?? '?'),
        kind: 'detector',
        format: String(p.context.format ?? ''),
        path: '',
        state: 'failed',
        info: null,
        error: { code: p.code, message: p.message, ...(p.hint === undefined ? {} : { hint: p.hint }) },
      });
    }
    if (ignored.length > 0) log.warn({ ignored }, 'several enabled models share a kind; only the first of each kind is used');
    const wanted = (k: ModelKind): boolean =>
      (opts.kinds === undefined || opts.kinds.includes(k)) &&
      (k !== 'pose' || vision.pose.enabled) &&
      (k !== 'activity' || vision.activity.enabled);
    const order: ModelKind[] = ['detector', 'face-detector', 'face-embedder', 'pose', 'activity'];
    for (const kind of order) {
      const spec = byKind[kind];
      if (spec === undefined || !wanted(kind)) continue;
      let model: LoadedModel | null = null;
      try {
        model = await loadModel(
          {
            name: spec.name,
            kind: spec.kind,
            format: spec.format,
            path: spec.path,
            sha256: spec.sha256,
            graphInput: vision.preprocessing === 'js' ? undefined : (graphInputOf(kind, spec) ?? undefined),
            graphOn: vision.preprocessing === 'auto' ? GPU_PROVIDERS : undefined,
          },
          {
            providers: vision.providers as ProviderName[],
            threads: vision.threads,
            spinning: vision.thread_spinning,
            memoryArena: vision.memory_arena,
            tensorrt: { fp16: vision.tensorrt.fp16, cacheDir: opts.engineCacheDir },
            log,
            ...(opts.factory === undefined ? {} : { factory: opts.factory }),
            ...(opts.providerLibDir === undefined ? {} : { providerLibDir: opts.providerLibDir }),
          },
        );
        await buildExpert(kind, model, spec, vision, experts);
        loaded.push(model);
        models.push({ name: spec.name, kind, format: spec.format, path: spec.path, state: 'ready', info: model.info, error: null });
        log.info(
          {
            model: spec.name,
            kind,
            provider: model.info.provider,
            preprocessing: model.info.preprocessing.where,
            warmup_ms: model.info.warmupMs,
            engine_cache: model.info.engineCache,
          },
          'vision expert ready',
        );
      } catch (err) {
        const he = asHomeSightError(err, 'E_MODEL_LOAD');
        if (model !== null) await model.release().catch(() => undefined);
        log.error({ model: spec.name, kind, err: he.toJSON() }, 'vision model refused; the rest keeps running');
        models.push({
          name: spec.name,
          kind,
          format: spec.format,
          path: spec.path,
          state: 'failed',
          info: null,
          error: { code: he.code, message: he.message, ...(he.hint === undefined ? {} : { hint: he.hint }) },
        });
      }
    }
    if (experts.activity === null && vision.activity.enabled && (opts.kinds === undefined || opts.kinds.includes('activity'))) {
      experts.activity = new FeatureActivityClassifier(vision.activity.min_samples);
    }
    return new VisionEngine(experts, models, ignored, loaded);
  }

  async release(): Promise<void> {
    for (const m of this.loaded) await m.release().catch(() => undefined);
    this.loaded.length = 0;
  }
}

async function buildExpert(
  kind: ModelKind,
  model: LoadedModel,
  spec: ModelSpec,
  vision: HomeSightConfig['vision'],
  experts: Experts,
): Promise<void> {
  switch (kind) {
    case 'detector':
      experts.detector = await OnnxDetector.create(model, spec);
      return;
    case 'face-detector':
      experts.faceDetector = await YunetFaceDetector.create(model, spec);
      return;
    case 'face-embedder':
      experts.faceEmbedder = await OnnxFaceEmbedder.create(model, spec, vision.identity.align);
      return;
    case 'pose':
      experts.pose = await OnnxPoseEstimator.create(model, spec);
      return;
    case 'activity':
      experts.activity = await OnnxSequenceActivityClassifier.create(
        model,
        spec,
        new FeatureActivityClassifier(vision.activity.min_samples),
      );
      return;
  }
}
