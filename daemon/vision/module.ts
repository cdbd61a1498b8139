import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CameraOccupancy, HomeSightEvents } from '../contracts/index.js';
import type { ModuleContext } from '../context.js';
import { IngestModule } from '../ingest/index.js';
import { memoryStoreGetter, newEventId } from '../memory/index.js';
import { findMqttBridge, type MqttBridge } from '../mqtt/index.js';
import { resolveIn, type HomeSightConfig } from '../config/index.js';
import {
  HomeSightError,
  asHomeSightError,
  errorMessage,
  type Clock,
  type EventBus,
  type Logger,
  type ModuleHealth,
  type ServiceModule,
} from '../system/index.js';
import { VisionEngine, type ModelStatus } from './engine.js';
import { CameraEventWriter } from './events.js';
import { InMemoryGallery } from './identity.js';
import { decodeImage, encodeJpeg } from './image.js';
import { type CameraPlace, CameraPipeline, type StepResult, type TrackState } from './pipeline.js';
import { sha256Hex, type SessionFactory } from './runtime.js';
import type { Box, EventChange, EventSink, Frame, FrameAnalysis, FrameFeed, Gallery, HomeEvent, RgbImage } from './types.js';

/** What VisionModule needs; the factory in index.ts fills it from the ModuleContext. */
export interface VisionDeps {
  config: HomeSightConfig;
  log: Logger;
  clock: Clock;
  bus?: EventBus<HomeSightEvents> | null;
  metrics?: Registry | null;
  /** Resolved at start(): the frame feed (ingest), null when there is none. */
  feed?: () => FrameFeed | null;
  /** Resolved at start(): where events go (memory's store.events). */
  events?: () => EventSink | null;
  /** Resolved at start(): the face gallery (memory's store.identities); an in-memory one otherwise. */
  gallery?: () => Gallery | null;
  /** Resolved at start(): the MQTT bridge that serves the `enroll` command (null: no MQTT). */
  bridge?: () => Pick<MqttBridge, 'serve'> | null;
  /** Event ids (memory's newEventId: time-ordered UUIDs). */
  newId?: (ts: number) => string;
  /** The modules it starts after (the daemon's factory passes ModuleContext.dependsOn); default none. */
  dependsOn?: readonly string[];
  /** Tests: a session factory and provider-library folder for the loader. */
  sessionFactory?: SessionFactory;
  providerLibDir?: string | null;
}

export interface AnalyzeOptions {
  /** Track across the given frames of each camera (default true). */
  track?: boolean;
  identity?: boolean;
  pose?: boolean;
  activity?: boolean;
}

export interface EnrollResult {
  name: string;
  added: number;
  faces: Array<{ index: number; score: number; box: Box; width: number; height: number }>;
  skipped: Array<{ index: number; reason: string }>;
}

interface CameraRun {
  name: string;
  pipeline: CameraPipeline;
  writer: CameraEventWriter;
  frames: number;
  errors: number;
  lastError: string | null;
  lastFrameTs: number | null;
  fps: number;
  stepMs: number;
  persons: number;
  state: 'waiting' | 'running' | 'retrying' | 'ended' | 'stopped';
  occupancy: string;
  loop: Promise<void> | null;
}

interface Metrics {
  frames: Counter;
  step: Histogram;
  persons: Gauge;
  events: Counter;
  model: Gauge;
}

function rel(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

/**
 * The vision capability: loads the experts, runs every enabled camera's
 * frames through detect → track → identity → pose → activity, writes
 * HomeEvents (person appeared/left, identity resolved, activity changed) with
 * snapshots, and publishes 'vision.event' and 'camera.occupancy' on the bus.
 * analyzeFrames() and enroll() serve the agent, MQTT and the CLI.
 */
export class VisionModule implements ServiceModule<HomeSightConfig> {
  readonly name = 'vision';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private engine: VisionEngine | null = null;
  private gallery: Gallery | null = null;
  private sink: EventSink | null = null;
  private feed: FrameFeed | null = null;
  private readonly cameras = new Map<string, CameraRun>();
  private abort: AbortController | null = null;
  private readonly pendingWrites = new Set<Promise<void>>();
  private unregister: Array<() => void> = [];
  private metrics: Metrics | null = null;
  /** household.people[].faces photos that could not be enrolled at start, with the reason. */
  private faceProblems: string[] = [];
  private readonly dataDir: string;
  private readonly log: Logger;

  constructor(private readonly deps: VisionDeps) {
    this.dependsOn = deps.dependsOn ?? [];
    this.log = deps.log;
    this.dataDir = resolve(deps.config.paths.data_dir);
  }

  /** Loaded models with their provider, skip reasons and warm-up; empty before start. */
  get models(): ModelStatus[] {
    return this.engine?.models ?? [];
  }

  /** The loaded engine (experts), for benchmarks and tools; null before start. */
  get loadedEngine(): VisionEngine | null {
    return this.engine;
  }

  async start(signal: AbortSignal): Promise<void> {
    const cfg = this.deps.config;
    const vision = cfg.vision;
    this.abort = new AbortController();
    const onAbort = (): void => this.abort?.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.registerMetrics();
    this.engine = await VisionEngine.load({
      vision,
      modelsDir: rel(process.cwd(), cfg.paths.models_dir),
      engineCacheDir: join(rel(process.cwd(), cfg.paths.cache_dir), vision.tensorrt.engine_cache),
      log: this.log,
      ...(this.deps.sessionFactory === undefined ? {} : { factory: this.deps.sessionFactory }),
      ...(this.deps.providerLibDir === undefined ? {} : { providerLibDir: this.deps.providerLibDir }),
    });
    for (const m of this.engine.models) {
      if (m.info !== null) this.metrics?.model.set({ model: m.name, kind: m.kind, provider: m.info.provider }, 1);
    }
    this.gallery = this.deps.gallery?.() ?? null;
    if (this.gallery === null) {
      this.gallery = new InMemoryGallery();
      this.log.warn('no identity store available: enrolled faces are kept in memory only');
    }
    await this.enrollHouseholdFaces();
    this.sink = this.deps.events?.() ?? null;
    this.feed = this.deps.feed?.() ?? null;
    if (this.sink === null) this.log.warn('no event store available: vision events go to the bus only');
    if (this.feed === null)
      this.log.warn('no frame feed (ingest) available: cameras are not analysed; analyzeFrames and enroll still work');
    for (const [name, cam] of Object.entries(cfg.cameras)) {
      if (!cam.enabled) continue;
      const run = this.makeRun(name);
      this.cameras.set(name, run);
      if (this.feed !== null && this.engine.experts.detector !== null) run.loop = this.runCamera(run, this.feed, this.abort.signal);
    }
    const bridge = this.deps.bridge?.() ?? null;
    if (bridge !== null) {
      this.unregister.push(
        bridge.serve('command/enroll', (a) =>
          this.enroll(
            a.name,
            a.images.map((b) => Buffer.from(b, 'base64')),
            { source: 'mqtt' },
          ),
        ),
      );
    }
    const ready = this.engine.models.filter((m) => m.state === 'ready').map((m) => `${m.name}@${m.info?.provider ?? '?'}`);
    this.log.info({ models: ready, cameras: [...this.cameras.keys()] }, 'vision started');
  }

  /** One camera's zones and room (its cameras entry). */
  private placeOf(camera: string): CameraPlace {
    const cam = this.deps.config.cameras[camera];
    return { zones: cam?.zones ?? [], room: cam?.room ?? null };
  }

  private makeRun(name: string): CameraRun {
    const cfg = this.deps.config;
    const pipeline = new CameraPipeline(name, this.engine!.experts, this.gallery, cfg.vision, this.placeOf(name));
    const writer = new CameraEventWriter({
      camera: name,
      minScore: cfg.vision.events.min_score,
      updateIntervalMs: cfg.vision.events.update_interval_s * 1000,
      newId: this.deps.newId ?? ((ts) => `${name}-${ts.toString(36)}-${Math.random().toString(36).slice(2, 10)}`),
      emit: (change, event) => this.emitEvent(change, event),
      ...(cfg.vision.events.snapshots
        ? { snapshot: (img: RgbImage, t: TrackState, id: string, ts: number) => this.snapshot(img, t.box, name, id, ts) }
        : {}),
    });
    return {
      name,
      pipeline,
      writer,
      frames: 0,
      errors: 0,
      lastError: null,
      lastFrameTs: null,
      fps: 0,
      stepMs: 0,
      persons: 0,
      state: 'waiting',
      occupancy: '',
      loop: null,
    };
  }

  private emitEvent(change: EventChange, event: HomeEvent): void {
    try {
      this.sink?.upsert(event);
    } catch (err) {
      this.log.error({ event: event.id, kind: event.kind, err: errorMessage(err) }, 'event not stored');
    }
    this.metrics?.events.inc({ kind: event.kind, change });
    this.deps.bus?.emit('vision.event', { event, change });
  }

  /** Starts writing a JPEG of the person; returns its path relative to paths.data_dir. */
  private snapshot(img: RgbImage, box: Box, camera: string, id: string, ts: number): string {
    const day = new Date(ts).toISOString().slice(0, 10);
    const relPath = join('snapshots', camera, day, `${id}.jpg`);
    const abs = join(this.dataDir, relPath);
    // Copy: the frame buffer may be reused by ingest after this step.
    const copy: RgbImage = { width: img.width, height: img.height, data: img.data.slice() };
    const p = (async () => {
      try {
        const jpg = await encodeJpeg(copy, {
          quality: this.deps.config.vision.events.snapshot_quality,
          crop: box,
          margin: 0.15,
          maxSide: 640,
        });
        await mkdir(dirname(abs), { recursive: true });
        await writeFile(abs, jpg);
        // The whole frame of the moment for the camera's snapshot topic (mqtt rate-limits it).
        if (this.deps.bus !== null && this.deps.bus !== undefined && this.deps.bus.listenerCount('camera.snapshot') > 0) {
          const frame = await encodeJpeg(copy, { quality: this.deps.config.vision.events.snapshot_quality, maxSide: 960 });
          this.deps.bus.emit('camera.snapshot', { camera, jpeg: frame, ts });
        }
      } catch (err) {
        this.log.warn({ camera, path: abs, err: errorMessage(err) }, 'snapshot not written');
      }
    })();
    this.pendingWrites.add(p);
    void p.finally(() => this.pendingWrites.delete(p));
    return relPath;
  }

  private async runCamera(run: CameraRun, feed: FrameFeed, signal: AbortSignal): Promise<void> {
    const log = this.log.child({ camera: run.name });
    let backoff = 1000;
    while (!signal.aborted) {
      try {
        run.state = 'running';
        for await (const frame of feed.frames(run.name, { signal })) {
          if (signal.aborted) break;
          await this.step(run, frame, log);
          backoff = 1000;
        }
        if (!signal.aborted) {
          run.state = 'ended';
          log.info('frame feed ended');
        }
        break;
      } catch (err) {
        if (signal.aborted) break;
        run.state = 'retrying';
        run.errors++;
        run.lastError = errorMessage(err);
        log.warn({ err: run.lastError, retry_ms: backoff }, 'frame feed failed; retrying');
        await sleep(backoff, undefined, { signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
    this.finishCamera(run);
    if (run.state !== 'ended') run.state = 'stopped';
  }

  /** One frame through the pipeline and into events; a failing frame is counted and skipped. */
  private async step(run: CameraRun, frame: Frame, log: Logger): Promise<StepResult | null> {
    let res: StepResult;
    try {
      res = await run.pipeline.process(frame, frame.ts);
      run.writer.onStep(frame, res);
    } catch (err) {
      run.errors++;
      run.lastError = errorMessage(err);
      if (run.errors <= 3 || run.errors % 100 === 0) log.error({ err: run.lastError, errors: run.errors }, 'frame analysis failed');
      return null;
    }
    if (run.lastFrameTs !== null && frame.ts > run.lastFrameTs) {
      const inst = 1000 / (frame.ts - run.lastFrameTs);
      run.fps = run.fps === 0 ? inst : 0.9 * run.fps + 0.1 * inst;
    }
    run.frames++;
    run.lastFrameTs = frame.ts;
    run.stepMs = run.stepMs === 0 ? res.timings.total : 0.9 * run.stepMs + 0.1 * res.timings.total;
    run.persons = res.analysis.persons.length;
    this.metrics?.frames.inc({ camera: run.name });
    this.metrics?.step.observe({ camera: run.name }, res.timings.total / 1000);
    this.metrics?.persons.set({ camera: run.name }, run.persons);
    this.publishOccupancy(run, res.tracks);
    return res;
  }

  private publishOccupancy(run: CameraRun, tracks: readonly TrackState[]): void {
    const persons = tracks.filter((t) => t.label === 'person');
    const identities = [
      ...new Set(persons.map((t) => (t.identity.state === 'resolved' ? t.identity.name : null)).filter((n): n is string => n !== null)),
    ].sort();
    const counts = new Map<string, number>();
    for (const t of persons) if (t.activity !== null) counts.set(t.activity.activity, (counts.get(t.activity.activity) ?? 0) + 1);
    const activity = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
    const occ: CameraOccupancy = { camera: run.name, persons: persons.length, identities, activity };
    const key = JSON.stringify(occ);
    if (key === run.occupancy) return;
    run.occupancy = key;
    this.deps.bus?.emit('camera.occupancy', occ);
  }

  private finishCamera(run: CameraRun): void {
    for (const t of run.pipeline.flush()) run.writer.endTrack(t);
    run.persons = 0;
    this.publishOccupancy(run, []);
  }

  async stop(): Promise<void> {
    for (const u of this.unregister.splice(0)) u();
    this.abort?.abort();
    await Promise.allSettled([...this.cameras.values()].map((c) => c.loop ?? Promise.resolve()));
    await Promise.allSettled([...this.pendingWrites]);
    this.cameras.clear();
    await this.engine?.release();
    this.engine = null;
  }

  health(): ModuleHealth {
    const models: Record<string, unknown> = {};
    for (const m of this.models) {
      models[m.name] = {
        kind: m.kind,
        format: m.format,
        state: m.state,
        ...(m.info === null
          ? {}
          : {
              provider: m.info.provider,
              skipped: m.info.attempts.filter((a) => !a.ok).map((a) => `${a.provider}: ${a.reason ?? 'failed'}`),
              load_ms: m.info.loadMs,
              warmup_ms: m.info.warmupMs,
              sha256: m.info.sha256,
              preprocessing: m.info.preprocessing.where,
              ...(m.info.preprocessing.reason === undefined ? {} : { preprocessing_reason: m.info.preprocessing.reason }),
              ...(m.info.engineCache === null ? {} : { engine_cache: m.info.engineCache }),
            }),
        ...(m.error === null ? {} : { error: m.error }),
      };
    }
    const cameras: Record<string, unknown> = {};
    const now = this.deps.clock.now();
    for (const c of this.cameras.values()) {
      cameras[c.name] = {
        state: c.state,
        frames: c.frames,
        fps: Math.round(c.fps * 10) / 10,
        step_ms: Math.round(c.stepMs * 10) / 10,
        persons: c.persons,
        open_events: c.writer.openCount,
        last_frame_age_s: c.lastFrameTs === null ? null : Math.round((now - c.lastFrameTs) / 100) / 10,
        errors: c.errors,
        ...(c.lastError === null ? {} : { last_error: c.lastError }),
      };
    }
    const details = {
      models,
      cameras,
      gallery: this.gallery instanceof InMemoryGallery ? 'in-memory' : 'memory store',
      events: this.sink === null ? 'bus only' : 'memory store',
      ...(this.faceProblems.length === 0 ? {} : { face_photos: this.faceProblems }),
    };
    if (this.engine === null) return { status: 'failed', summary: 'not started', details };
    const failed = this.models.filter((m) => m.state === 'failed');
    const ready = this.models.filter((m) => m.state === 'ready');
    const providers = [...new Set(ready.map((m) => m.info?.provider))].join('/');
    const camText = `${this.cameras.size} camera${this.cameras.size === 1 ? '' : 's'}`;
    if (this.engine.experts.detector === null) {
      return {
        status: 'failed',
        summary: `no person detector (${failed.map((m) => `${m.name}: ${m.error?.code}`).join(', ') || 'none configured'})`,
        details,
      };
    }
    const retrying = [...this.cameras.values()].filter((c) => c.state === 'retrying').map((c) => c.name);
    const problems = [...failed.map((m) => `${m.name} refused (${m.error?.code})`), ...retrying.map((c) => `${c}: feed failing`)];
    if (this.feed === null && this.cameras.size > 0) problems.push('no frame feed');
    if (this.faceProblems.length > 0)
      problems.push(`${this.faceProblems.length} face photo${this.faceProblems.length === 1 ? '' : 's'} not enrolled`);
    const summary =
      `${ready.length}/${this.models.length} models ` +
      `on ${providers || 'none'}; ${camText}${problems.length > 0 ? `; ${problems.join(', ')}` : ''}`;
    return { status: problems.length > 0 ? 'degraded' : 'ok', summary, details };
  }

  /**
   * Enrols the photos listed under household.people[].faces. Each photo is
   * tagged with its content hash, so a restart adds nothing and a replaced
   * photo is enrolled anew. A photo that cannot be used is reported in health
   * (the rest of vision runs on).
   */
  private async enrollHouseholdFaces(): Promise<void> {
    const cfg = this.deps.config;
    const engine = this.engine!;
    const gallery = this.gallery!;
    this.faceProblems = [];
    for (const [i, person] of cfg.household.people.entries()) {
      for (const [j, photo] of person.faces.entries()) {
        const where = `household.people[${i}].faces[${j}] (${person.name})`;
        const path = resolveIn(cfg.paths.media_dir, photo);
        let bytes: Buffer;
        try {
          bytes = await readFile(path);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'error';
          this.faceProblems.push(`${where}: cannot read ${path} (${code})`);
          this.log.error(
            { person: person.name, path, code },
            'face photo cannot be read: fix the path (relative to paths.media_dir) in household.people',
          );
          continue;
        }
        const source = `photo:${sha256Hex(bytes).slice(0, 16)}`;
        if (gallery.hasSource(person.name, source)) continue;
        try {
          const r = await enrollFaces(engine, gallery, cfg.vision.identity.min_face_px, person.name, [bytes], { source });
          this.log.info({ person: person.name, path, face: r.faces[0]?.box }, 'face photo enrolled');
        } catch (err) {
          const e = asHomeSightError(err);
          const reason =
            e.code === 'E_ENROLL_NO_FACE'
              ? ((e.context?.['skipped'] as Array<{ reason: string }> | undefined)?.[0]?.reason ?? e.message)
              : e.message;
          this.faceProblems.push(`${where}: ${path}: ${reason}`);
          this.log.error({ person: person.name, path, code: e.code, reason }, 'face photo not enrolled');
        }
      }
    }
  }

  private requireEngine(): VisionEngine {
    if (this.engine === null) {
      throw new HomeSightError('E_VISION_NOT_READY', 'vision is not running (models not loaded)', {
        hint: 'call this after the vision module started; see /healthz for why it did not',
      });
    }
    return this.engine;
  }

  /**
   * Runs the chain on the given frames (e.g. from ingest.framesAt) without
   * writing events. Frames of one camera are tracked together in time order,
   * so track ids and identity votes span them. Results come in input order.
   */
  async analyzeFrames(frames: readonly Frame[], opts: AnalyzeOptions = {}): Promise<FrameAnalysis[]> {
    const engine = this.requireEngine();
    const out: FrameAnalysis[] = new Array<FrameAnalysis>(frames.length);
    const byCamera = new Map<string, number[]>();
    frames.forEach((f, i) => {
      const list = byCamera.get(f.camera) ?? [];
      list.push(i);
      byCamera.set(f.camera, list);
    });
    for (const [camera, idx] of byCamera) {
      // On given frames every track counts from its first hit and every activity at once; identity, pose and
      // activity run unless the caller turns them off (identity runs only with a gallery).
      const base = this.deps.config.vision;
      const vision = {
        ...base,
        tracker: { ...base.tracker, min_hits: 1 },
        pose: { ...base.pose, enabled: (opts.pose ?? true) && base.pose.enabled },
        activity: { ...base.activity, enabled: (opts.activity ?? true) && base.activity.enabled, hold: 1 },
      };
      const gallery = (opts.identity ?? true) ? this.gallery : null;
      const place = this.placeOf(camera);
      const sorted = [...idx].sort((a, b) => frames[a]!.ts - frames[b]!.ts);
      let pipeline: CameraPipeline | null = null;
      for (const i of sorted) {
        if (pipeline === null || opts.track === false) pipeline = new CameraPipeline(camera, engine.experts, gallery, vision, place);
        const f = frames[i]!;
        const res = await pipeline.process(f, f.ts);
        out[i] = res.analysis;
        if (opts.track === false) for (const p of res.analysis.persons) delete p.track_id;
      }
    }
    return out;
  }

  /**
   * Enrols a person from photos: the largest face of each image is aligned,
   * embedded and added to the gallery. Images without a usable face (or with
   * several faces of similar size) are skipped with the reason.
   */
  async enroll(name: string, images: readonly Buffer[], opts: { source?: string } = {}): Promise<EnrollResult> {
    const engine = this.requireEngine();
    return enrollFaces(engine, this.gallery!, this.deps.config.vision.identity.min_face_px, name, images, opts);
  }

  private registerMetrics(): void {
    const reg = this.deps.metrics;
    if (reg === null || reg === undefined || this.metrics !== null) return;
    this.metrics = {
      frames: new Counter({ name: 'homesight_vision_frames_total', help: 'frames analysed', labelNames: ['camera'], registers: [reg] }),
      step: new Histogram({
        name: 'homesight_vision_step_seconds',
        help: 'detect→track→identity→pose→activity time per frame',
        labelNames: ['camera'],
        buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
        registers: [reg],
      }),
      persons: new Gauge({
        name: 'homesight_vision_persons',
        help: 'persons in the latest frame',
        labelNames: ['camera'],
        registers: [reg],
      }),
      events: new Counter({
        name: 'homesight_vision_events_total',
        help: 'event changes written',
        labelNames: ['kind', 'change'],
        registers: [reg],
      }),
      model: new Gauge({
        name: 'homesight_vision_model_info',
        help: 'loaded models (1) with their execution provider',
        labelNames: ['model', 'kind', 'provider'],
        registers: [reg],
      }),
    };
  }
}

/** The enrolment itself (shared by VisionModule.enroll and the CLI). */
export async function enrollFaces(
  engine: VisionEngine,
  gallery: Gallery,
  minFacePx: number,
  name: string,
  images: readonly Buffer[],
  opts: { source?: string } = {},
): Promise<EnrollResult> {
  const who = name.trim();
  if (who.length === 0 || who.length > 64) {
    throw new HomeSightError('E_ENROLL_NAME', `enrol: name must be 1 to 64 characters (got "${name}")`, {
      hint: 'give the person\'s name, e.g. "Alice"',
    });
  }
  const { faceDetector, faceEmbedder } = engine.experts;
  if (faceDetector === null || faceEmbedder === null) {
    const bad = engine.models.filter((m) => (m.kind === 'face-detector' || m.kind === 'face-embedder') && m.state === 'failed');
    const why = bad.map((m) => m.error?.message ?? `${m.name}: failed`).join('; ');
    throw new HomeSightError(
      'E_ENROLL_NO_MODEL',
      `enrol needs a face detector and a face embedder${why === '' ? ' (none configured)' : `: ${why}`}`,
      {
        context: { failed: bad.map((m) => ({ name: m.name, error: m.error })) },
        hint: bad[0]?.error?.hint ?? 'configure vision.models.face_detector and face_embedder (see docs/vision.md)',
      },
    );
  }
  const result: EnrollResult = { name: who, added: 0, faces: [], skipped: [] };
  for (let i = 0; i < images.length; i++) {
    let img: RgbImage;
    try {
      img = await decodeImage(images[i]!);
    } catch (err) {
      result.skipped.push({ index: i, reason: errorMessage(err) });
      continue;
    }
    const faces = (await faceDetector.detect(img)).sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
    const [face, second] = faces;
    if (face === undefined) {
      result.skipped.push({ index: i, reason: 'no face found' });
      continue;
    }
    if (face.box[2] < minFacePx) {
      result.skipped.push({ index: i, reason: `face too small (${Math.round(face.box[2])} px < ${minFacePx})` });
      continue;
    }
    if (second !== undefined && second.box[2] * second.box[3] > 0.6 * face.box[2] * face.box[3]) {
      result.skipped.push({ index: i, reason: `${faces.length} faces of similar size: use a photo of ${who} alone` });
      continue;
    }
    const emb = await faceEmbedder.embed(img, face);
    gallery.add(who, emb, { source: opts.source ?? `enroll:${i}` });
    result.added++;
    result.faces.push({
      index: i,
      score: Math.round(face.score * 1000) / 1000,
      box: face.box.map((v) => Math.round(v)) as Box,
      width: img.width,
      height: img.height,
    });
  }
  if (result.added === 0) {
    throw new HomeSightError('E_ENROLL_NO_FACE', `enrol ${who}: no usable face in ${images.length} image(s)`, {
      context: { skipped: result.skipped },
      hint: 'use sharp, frontal photos where the face is at least min_face_px wide and the only large face',
    });
  }
  return result;
}

/**
 * The daemon's factory (vision/definition.ts loads this file when the module is enabled): frames from the ingest
 * module, events and the face gallery from the memory module's store, the `enroll` command on the MQTT bridge.
 */
export function createVisionModule(ctx: ModuleContext): VisionModule {
  const ingest = ctx.container.find('ingest', IngestModule);
  const store = memoryStoreGetter(ctx.container);
  return new VisionModule({
    config: ctx.config,
    log: ctx.log,
    clock: ctx.clock,
    bus: ctx.bus,
    metrics: ctx.metrics,
    dependsOn: ctx.dependsOn,
    feed: () => ingest ?? null,
    events: () => store()?.events ?? null,
    gallery: () => store()?.identities ?? null,
    // mqtt is built after vision; by start() it is in the container (or off).
    bridge: () => findMqttBridge(ctx.container),
    newId: (ts) => newEventId(ts),
  });
}
