import { isAbsolute, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import { resolveIn, type CameraConfig, type HomeSightConfig } from '../config/index.js';
import type { HomeSightEvents } from '../contracts/index.js';
import type { ModuleContext } from '../context.js';
import { MemoryModule } from '../memory/index.js';
import {
  HomeSightError,
  asHomeSightError,
  type Clock,
  type EventBus,
  type Logger,
  type ModuleHealth,
  type ReloadOutcome,
  type ServiceModule,
} from '../system/index.js';
import { extractFrames } from './extract.js';
import { resolveFfmpeg, type FfmpegBinary } from './ffmpeg.js';
import { IngestMetrics } from './metrics.js';
import { DropOldestQueue } from './queue.js';
import { RecordingKeeper } from './recordings.js';
import { snapshotJpeg } from './snapshot.js';
import { FfmpegFrameSource, FileFrameSource, MjpegFrameSource, RtspFrameSource, isStillImage, type FfmpegSourceOptions } from './source.js';
import type { CameraStats, Frame, RecordingCatalog, SnapshotBox } from './types.js';

/** What other modules (vision, agent) use of ingest. */
export interface IngestApi {
  /** Live frames of one camera through a bounded queue (oldest dropped when full) until the signal aborts. */
  frames(camera: string, opts: { signal: AbortSignal; queue?: number }): FrameStream;
  cameras(): string[];
  stats(camera: string): CameraStats;
  restartCamera(camera: string): Promise<void>;
  /** Frames at `fps` for [start, end) from the recordings, across segment boundaries. */
  framesAt(camera: string, start: number, end: number, fps: number, opts?: FramesAtOptions): Promise<Frame[]>;
  snapshot(frame: Frame, boxes?: SnapshotBox[], opts?: { width?: number; quality?: number }): Promise<Buffer>;
}

/** Live frames of one camera for one consumer. */
export interface FrameStream extends AsyncIterable<Frame> {
  /**
   * Optional: "this consumer is done with this frame". Once every consumer that took a frame has released
   * it, its buffer is reused for a later frame (fewer large allocations, much less GC work). Do not touch
   * frame.data after releasing it. A frame that is never released is garbage-collected as usual; releasing
   * a frame twice, or one this stream did not hand out, does nothing.
   */
  release(frame: Frame): void;
}

export interface FramesAtOptions {
  width?: number;
  height?: number;
  /** Refuse requests for more frames than this (default 600). */
  maxFrames?: number;
  signal?: AbortSignal;
}

export interface IngestDeps {
  config: HomeSightConfig;
  log: Logger;
  clock: Clock;
  bus?: EventBus<HomeSightEvents> | null;
  metrics?: Registry | null;
  /** The recordings index, or a getter resolved at start (memory opens its store in its own start). */
  catalog?: RecordingCatalog | (() => RecordingCatalog | null) | null;
  env?: NodeJS.ProcessEnv;
  /**
   * The ffmpeg to use (already probed); default: resolved from ffmpeg.path, FFMPEG_PATH, PATH, npm when first
   * needed (the cameras starting, framesAt, a recording file to recover).
   */
  ffmpeg?: FfmpegBinary;
  /** The modules it starts after (the daemon's factory passes ModuleContext.dependsOn); default none. */
  dependsOn?: readonly string[];
  random?: () => number;
}

/** Who still holds a live frame: the queues it waits in plus the consumers that took it and have not released it. */
interface Hold {
  source: FfmpegFrameSource;
  n: number;
}

interface CameraEntry {
  name: string;
  config: CameraConfig;
  source: FfmpegFrameSource | null;
  consumers: Set<DropOldestQueue<Frame>>;
  unsubscribe: Array<() => void>;
}

const STOPPED_STATS: CameraStats = {
  state: 'stopped',
  fps_in: 0,
  fps_out: 0,
  dropped: 0,
  decode_errors: 0,
  reconnects: 0,
  last_frame_at: null,
  last_error: null,
  recording_error: null,
};

function abs(p: string): string {
  return isAbsolute(p) ? p : resolve(p);
}

/** A file camera playing a photo (a repeated picture is not worth recording). */
function isStillCamera(e: CameraEntry): boolean {
  return e.config.source.kind === 'file' && isStillImage(e.config.source.path);
}

/**
 * The ingest capability: one FrameSource per enabled camera, live frames to
 * consumers through bounded queues, recordings indexed as segments close,
 * retention by age and disk cap, frames by time range and JPEG snapshots.
 */
export class IngestModule implements ServiceModule<HomeSightConfig>, IngestApi {
  readonly name = 'ingest';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private config: HomeSightConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly entries = new Map<string, CameraEntry>();
  private ffmpeg: FfmpegBinary | null = null;
  /** The one resolution of the ffmpeg binary (two probe runs), started on first need. */
  private ffmpegResolution: Promise<FfmpegBinary> | null = null;
  /** Why the cameras could not start (no working ffmpeg), for health. */
  private ffmpegProblem: string | null = null;
  /** The cameras' start after the ffmpeg probe (stop() waits for it). */
  private sourcesStarting: Promise<void> | null = null;
  private catalog: RecordingCatalog | null = null;
  private keeper: RecordingKeeper | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<Promise<unknown>>();
  private started = false;
  private recordingProblem: string | null = null;
  private readonly holds = new WeakMap<Frame, Hold>();

  constructor(private readonly deps: IngestDeps) {
    this.config = deps.config;
    this.log = deps.log;
    this.clock = deps.clock;
    this.dependsOn = deps.dependsOn ?? [];
    for (const [name, cfg] of Object.entries(deps.config.cameras)) {
      if (!cfg.enabled) continue;
      this.entries.set(name, { name, config: cfg, source: null, consumers: new Set(), unsubscribe: [] });
    }
    if (deps.metrics !== undefined && deps.metrics !== null) {
      new IngestMetrics(deps.metrics, {
        cameraStats: () => [...this.entries.keys()].map((n) => [n, this.stats(n)] as [string, CameraStats]),
        recordingBytes: () => {
          const cat = this.catalog;
          if (cat === null || this.keeper === null) return [];
          return [...new Set([...this.entries.keys(), ...this.keeper.knownCameras()])].map(
            (c) => [c, cat.totalBytes(c)] as [string, number],
          );
        },
        recordingsDeleted: () => this.keeper?.deleted ?? { age: 0, cap: 0 },
      });
    }
  }

  /** The ffmpeg in use, once resolved (the cameras started, or framesAt / recording recovery needed it). */
  get binary(): FfmpegBinary | null {
    return this.ffmpeg;
  }

  /** The recordings index in use (after start), null when there is none. */
  get recordings(): RecordingCatalog | null {
    return this.catalog;
  }

  cameras(): string[] {
    return [...this.entries.keys()];
  }

  private entry(camera: string): CameraEntry {
    const e = this.entries.get(camera);
    if (e === undefined) {
      throw new HomeSightError('E_CAMERA_UNKNOWN', `no enabled camera named "${camera}"`, {
        context: { camera, cameras: this.cameras() },
        hint: `use one of: ${this.cameras().join(', ') || '(no cameras configured)'}`,
      });
    }
    return e;
  }

  stats(camera: string): CameraStats {
    return this.entry(camera).source?.stats() ?? { ...STOPPED_STATS };
  }

  frames(camera: string, opts: { signal: AbortSignal; queue?: number }): FrameStream {
    const e = this.entry(camera);
    const capacity = opts.queue ?? e.config.detect.queue;
    // Frames this consumer took and has not released (weak: a frame never released must not be kept alive).
    const outstanding = new WeakSet<Frame>();
    const q: DropOldestQueue<Frame> = new DropOldestQueue<Frame>(capacity, {
      onDrop: (f) => {
        e.source?.noteConsumed('dropped');
        this.unhold(f);
      },
      onTake: (f) => {
        e.source?.noteConsumed('taken');
        if (this.holds.has(f)) outstanding.add(f);
      },
      onDiscard: (f) => this.unhold(f),
      onClose: () => e.consumers.delete(q),
    });
    const stream: FrameStream = {
      [Symbol.asyncIterator]: () => q[Symbol.asyncIterator](),
      release: (f: Frame) => {
        if (!outstanding.delete(f)) return;
        this.unhold(f);
      },
    };
    if (opts.signal.aborted) {
      q.close();
      return stream;
    }
    e.consumers.add(q);
    opts.signal.addEventListener('abort', () => q.close(), { once: true });
    return stream;
  }

  private unhold(f: Frame): void {
    const h = this.holds.get(f);
    if (h === undefined) return;
    h.n--;
    if (h.n <= 0) {
      this.holds.delete(f);
      h.source.recycle(f.data);
    }
  }

  async restartCamera(camera: string): Promise<void> {
    const e = this.entry(camera);
    if (e.source === null) throw new HomeSightError('E_INGEST_NOT_STARTED', 'ingest is not running', { context: { camera } });
    this.log.info({ camera }, 'camera restart requested');
    await e.source.restart();
  }

  async framesAt(camera: string, start: number, end: number, fps: number, opts: FramesAtOptions = {}): Promise<Frame[]> {
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
      throw new HomeSightError('E_FRAMES_RANGE', `invalid time range: start ${start}, end ${end}`, {
        context: { camera, start, end },
        hint: 'start must be before end (ms since epoch)',
      });
    }
    if (!Number.isFinite(fps) || fps <= 0 || fps > 60) {
      throw new HomeSightError('E_FRAMES_RANGE', `invalid fps ${fps}`, { context: { camera, fps }, hint: 'use 0 < fps ≤ 60' });
    }
    const cat = this.catalog;
    if (cat === null) {
      throw new HomeSightError('E_RECORDINGS_UNAVAILABLE', 'no recordings index (ingest not started or memory unavailable)', {
        context: { camera },
        hint: 'enable recording for the camera (cameras.<name>.record.enabled) and check the memory module',
      });
    }
    const cfg = this.entries.get(camera)?.config;
    const width = opts.width ?? cfg?.detect.width ?? 640;
    const height = opts.height ?? cfg?.detect.height ?? 360;
    const segments = cat.segmentsBetween(camera, start, end);
    const ffmpeg = await this.resolveBinary();
    return extractFrames({
      ffmpeg: ffmpeg.path,
      camera,
      segments,
      start,
      end,
      fps,
      width,
      height,
      maxFrames: opts.maxFrames ?? 600,
      log: this.log.child({ camera }),
      signal: opts.signal,
    });
  }

  snapshot(frame: Frame, boxes: SnapshotBox[] = [], opts: { width?: number; quality?: number } = {}): Promise<Buffer> {
    return snapshotJpeg(frame, boxes, opts);
  }

  private resolveCatalog(): RecordingCatalog | null {
    const c = this.deps.catalog;
    if (c === undefined || c === null) return null;
    return typeof c === 'function' ? c() : c;
  }

  /** Whether a camera's stream is recorded: asked for, an index to record into, and not a photo. */
  private records(e: CameraEntry): boolean {
    return e.config.record.enabled && !isStillCamera(e) && this.keeper !== null;
  }

  private sourceFor(e: CameraEntry, recording: boolean, ffmpeg: FfmpegBinary): FfmpegFrameSource {
    const cfg = e.config;
    const base: FfmpegSourceOptions = {
      camera: e.name,
      ffmpeg,
      detect: { width: cfg.detect.width, height: cfg.detect.height, fps: cfg.detect.fps },
      hwaccel: this.config.ffmpeg.hwaccel,
      decoder: this.config.ffmpeg.decoder,
      stallMs: cfg.stall_seconds * 1000,
      reconnect: { initialMs: cfg.reconnect.initial_s * 1000, maxMs: Math.max(cfg.reconnect.max_s, cfg.reconnect.initial_s) * 1000 },
      record:
        recording && this.keeper !== null
          ? { dir: this.keeper.cameraDir(e.name), segmentSeconds: cfg.record.segment_seconds, format: cfg.record.format }
          : null,
      log: this.log.child({ camera: e.name }),
      clock: this.clock,
      ...(this.deps.env === undefined ? {} : { env: this.deps.env }),
      ...(this.deps.random === undefined ? {} : { random: this.deps.random }),
      killGraceMs: Math.min(3000, Math.max(500, this.config.system.stop_timeout_ms / 4)),
    };
    const src = cfg.source;
    switch (src.kind) {
      case 'rtsp':
        return new RtspFrameSource(base, {
          url: src.url,
          transport: src.transport,
          username: src.username,
          passwordFile: src.password_file,
          timeoutS: src.timeout_s,
        });
      case 'file': {
        const path = resolveIn(this.config.paths.media_dir, src.path);
        return new FileFrameSource(base, { path, loop: src.loop, realtime: src.realtime });
      }
      case 'mjpeg':
        return new MjpegFrameSource(base, {
          url: src.url,
          username: src.username,
          passwordFile: src.password_file,
          timeoutS: src.timeout_s,
        });
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => {});
    return p;
  }

  /**
   * The ffmpeg binary, probed once on first need. Probing runs two ffmpeg processes (≈0.2–0.5 s on a loaded
   * small board), so it is neither done at start nor awaited there: a daemon without cameras never needs it.
   */
  private resolveBinary(): Promise<FfmpegBinary> {
    this.ffmpegResolution ??= (
      this.deps.ffmpeg === undefined
        ? resolveFfmpeg({ configPath: this.config.ffmpeg.path, env: this.deps.env ?? process.env })
        : Promise.resolve(this.deps.ffmpeg)
    ).then((ffmpeg) => {
      this.ffmpeg = ffmpeg;
      this.logSelected(ffmpeg);
      return ffmpeg;
    });
    return this.ffmpegResolution;
  }

  private logSelected(ffmpeg: FfmpegBinary): void {
    this.log.info(
      { ffmpeg: ffmpeg.path, from: ffmpeg.source, version: ffmpeg.version, hwaccel: this.config.ffmpeg.hwaccel },
      'ffmpeg selected',
    );
    if (ffmpeg.source === 'npm') {
      // The npm package's static build is from 2018: its decoders parse camera streams with years of known bugs.
      this.log.warn(
        { ffmpeg: ffmpeg.path, version: ffmpeg.version },
        'using the 2018 static ffmpeg from @ffmpeg-installer/ffmpeg as a fallback: ' +
          'install a current ffmpeg (apt install ffmpeg) or set ffmpeg.path',
      );
    }
    if ((this.config.ffmpeg.hwaccel === 'cuda' || this.config.ffmpeg.hwaccel === 'nvdec') && !ffmpeg.hwaccels.includes('cuda')) {
      this.log.warn(
        { hwaccels: ffmpeg.hwaccels },
        'this ffmpeg lists no cuda hwaccel; decoding will fail (set ffmpeg.path or hwaccel: none)',
      );
    }
  }

  /**
   * Recordings upkeep now; the cameras once ffmpeg is probed, after start() has returned (READY never waits for
   * the probe; cameras connect in the background anyway). No working ffmpeg fails the cameras, reported by health.
   */
  async start(_signal: AbortSignal): Promise<void> {
    const wantsRecording = [...this.entries.values()].some((e) => e.config.record.enabled);
    this.catalog = this.resolveCatalog();
    if (this.catalog !== null) {
      this.keeper = new RecordingKeeper({
        catalog: this.catalog,
        root: abs(this.config.paths.recordings_dir),
        ffmpeg: async () => (await this.resolveBinary()).path,
        log: this.log.child({ part: 'recordings' }),
        clock: this.clock,
      });
      await this.keeper.repair();
      this.applyRetention();
    } else if (wantsRecording) {
      this.recordingProblem = 'no recordings index (memory store unavailable); recording is off';
      this.log.error({}, this.recordingProblem);
    }
    this.started = true;
    if (this.entries.size > 0) this.sourcesStarting = this.track(this.startSources());
    this.scheduleRetention();
    this.log.info(
      { cameras: this.cameras(), recording: [...this.entries.values()].filter((e) => this.records(e)).map((e) => e.name) },
      'ingest started',
    );
  }

  private async startSources(): Promise<void> {
    let ffmpeg: FfmpegBinary;
    try {
      ffmpeg = await this.resolveBinary();
    } catch (err) {
      const e = asHomeSightError(err);
      this.ffmpegProblem = e.message;
      this.log.error({ err: e.toJSON() }, 'cameras not started: no working ffmpeg');
      return;
    }
    if (!this.started) return; // stopped while probing
    for (const e of this.entries.values()) {
      if (e.config.record.enabled && isStillCamera(e)) this.log.info({ camera: e.name }, 'still-image camera: not recorded');
      const recording = this.records(e);
      const source = this.sourceFor(e, recording, ffmpeg);
      e.source = source;
      e.unsubscribe.push(
        source.on('frame', (f) => {
          if (e.consumers.size === 0) {
            // Nobody saw it: the buffer can take the next frame (only we listen to this source).
            if (source.listenerCount('frame') === 1) source.recycle(f.data);
            return;
          }
          this.holds.set(f, { source, n: e.consumers.size });
          for (const q of e.consumers) q.push(f);
        }),
        source.on('state', (s) => {
          this.deps.bus?.emit('camera.state', {
            camera: s.camera,
            state: s.state,
            previous: s.previous,
            ...(s.error === null ? {} : { error: s.error }),
            at: this.clock.now(),
          });
        }),
        source.on('end', (ev) => {
          if (ev.reason === 'eof') for (const q of [...e.consumers]) q.close();
        }),
        source.on('segment', (seg) => {
          const keeper = this.keeper;
          if (keeper === null) return;
          try {
            const id = keeper.index(seg);
            this.deps.bus?.emit('recording.segment', { ...seg, id });
            keeper.enforceCap(this.config.recordings.max_disk_mb * 1024 * 1024);
          } catch (err) {
            this.log.error({ camera: seg.camera, path: seg.path, err: asHomeSightError(err).message }, 'cannot index segment');
          }
        }),
        source.on('run_end', (ev) => {
          const keeper = this.keeper;
          if (keeper === null) return;
          void this.track(
            keeper.recoverRun(ev).then(
              (segs) => {
                for (const seg of segs) this.deps.bus?.emit('recording.segment', seg);
                if (segs.length > 0) keeper.enforceCap(this.config.recordings.max_disk_mb * 1024 * 1024);
              },
              (err: unknown) => this.log.error({ camera: ev.camera, err: asHomeSightError(err).message }, 'recovering segments failed'),
            ),
          );
        }),
      );
    }
    for (const e of this.entries.values()) e.source?.start();
  }

  private scheduleRetention(): void {
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    if (this.keeper === null) return;
    this.retentionTimer = setInterval(() => {
      try {
        this.applyRetention();
      } catch (err) {
        this.log.error({ err: asHomeSightError(err).message }, 'retention failed');
      }
    }, this.config.recordings.check_interval_s * 1000);
    this.retentionTimer.unref();
  }

  /** Runs age retention and the disk cap now; returns what was deleted. */
  applyRetention(): { byAge: number; byCap: number; bytesFreed: number } {
    if (this.keeper === null) return { byAge: 0, byCap: 0, bytesFreed: 0 };
    const retainDays = new Map<string, number>();
    for (const [name, cfg] of Object.entries(this.config.cameras)) retainDays.set(name, cfg.record.retain_days);
    return this.keeper.enforce({
      retainDays,
      orphanDays: this.config.recordings.orphan_retain_days,
      maxBytes: this.config.recordings.max_disk_mb * 1024 * 1024,
    });
  }

  async stop(): Promise<void> {
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    this.started = false;
    await this.sourcesStarting;
    this.sourcesStarting = null;
    await Promise.all([...this.entries.values()].map((e) => e.source?.stop() ?? Promise.resolve()));
    // Segments closed by the stop are indexed synchronously; recoveries of killed runs are awaited
    // so nothing writes to the index after memory (stopped after us) closes it.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    for (const e of this.entries.values()) {
      for (const u of e.unsubscribe) u();
      e.unsubscribe = [];
      for (const q of [...e.consumers]) q.close();
      e.source = null;
    }
  }

  health(): ModuleHealth {
    const details: Record<string, unknown> = {};
    let streaming = 0;
    let failed = 0;
    const recordingFailing: string[] = [];
    for (const name of this.entries.keys()) {
      const s = this.stats(name);
      details[name] = {
        state: s.state,
        fps_in: s.fps_in,
        fps_out: s.fps_out,
        dropped: s.dropped,
        reconnects: s.reconnects,
        last_frame_at: s.last_frame_at,
        error: s.last_error,
        recording_error: s.recording_error,
      };
      if (s.state === 'streaming') streaming++;
      if (s.state === 'failed') failed++;
      if (s.recording_error !== null) recordingFailing.push(`${name}: ${s.recording_error}`);
    }
    if (this.ffmpeg !== null) details.ffmpeg = { path: this.ffmpeg.path, from: this.ffmpeg.source, version: this.ffmpeg.version };
    if (this.recordingProblem !== null) details.recordings = { error: this.recordingProblem };
    const n = this.entries.size;
    if (n === 0) return { status: 'ok', summary: 'no cameras configured', details };
    if (this.ffmpegProblem !== null) {
      details.ffmpeg = { error: this.ffmpegProblem };
      return { status: 'failed', summary: `cameras not started: ${this.ffmpegProblem}`, details };
    }
    const summary =
      `${streaming}/${n} cameras streaming${failed > 0 ? `, ${failed} failed` : ''}` +
      `${recordingFailing.length > 0 ? `; recording failing (${recordingFailing.join('; ')})` : ''}`;
    if (!this.started) return { status: 'degraded', summary: `not started; ${summary}`, details };
    if (streaming === n && this.recordingProblem === null && recordingFailing.length === 0) return { status: 'ok', summary, details };
    if (failed === n) return { status: 'failed', summary, details };
    return { status: 'degraded', summary, details };
  }

  reload(next: HomeSightConfig): ReloadOutcome {
    const applied: string[] = [];
    const needsRestart: string[] = [];
    if (JSON.stringify(next.recordings) !== JSON.stringify(this.config.recordings)) applied.push('recordings');
    if (JSON.stringify(next.cameras) !== JSON.stringify(this.config.cameras)) needsRestart.push('cameras');
    if (JSON.stringify(next.ffmpeg) !== JSON.stringify(this.config.ffmpeg)) needsRestart.push('ffmpeg');
    const intervalChanged = next.recordings.check_interval_s !== this.config.recordings.check_interval_s;
    // Retention reads cameras.*.record.retain_days too; the running sources keep their settings.
    this.config = { ...this.config, recordings: next.recordings, cameras: next.cameras };
    for (const e of this.entries.values()) {
      const c = next.cameras[e.name];
      if (c !== undefined) e.config = { ...e.config, record: { ...e.config.record, retain_days: c.record.retain_days } };
    }
    if (intervalChanged && this.started) this.scheduleRetention();
    if (applied.length > 0 && this.started) this.applyRetention();
    return { applied, needsRestart };
  }
}

/** The memory module's recordings index (`memory.store.recordings`), null while memory is off or not running. */
export function memoryCatalog(ctx: ModuleContext): () => RecordingCatalog | null {
  return () => {
    const mem = ctx.container.find('memory', MemoryModule);
    try {
      return mem?.store.recordings ?? null;
    } catch (err) {
      ctx.log.error({ err: asHomeSightError(err).message }, 'memory store not available');
      return null;
    }
  };
}

/** The daemon's factory (ingest/definition.ts loads this file when the module is enabled). */
export function createIngestModule(ctx: ModuleContext): IngestModule {
  return new IngestModule({
    config: ctx.config,
    log: ctx.log,
    clock: ctx.clock,
    bus: ctx.bus,
    metrics: ctx.metrics,
    catalog: memoryCatalog(ctx),
    env: ctx.env,
    dependsOn: ctx.dependsOn,
  });
}
