import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import { readSecret } from '../config/index.js';
import { HomeSightError, asHomeSightError, type Clock, type Logger } from '../system/index.js';
import { diagnose, isDecodeError, lastLine, type Diagnosis } from './diagnose.js';
import { Redactor, withCredentials, type FfmpegBinary } from './ffmpeg.js';
import { Backoff, RateMeter } from './queue.js';
import type { CameraError, CameraState, CameraStats, Frame, FrameSource, FrameSourceEvents } from './types.js';

export type Hwaccel = 'none' | 'cuda' | 'nvdec' | 'jetson';

export interface RecordOutput {
  /** Folder for this camera's segments. */
  dir: string;
  segmentSeconds: number;
  format: 'mp4' | 'mkv';
}

/** What every ffmpeg-backed source needs; the input (RTSP, file, MJPEG) is the subclass's business. */
export interface FfmpegSourceOptions {
  camera: string;
  ffmpeg: FfmpegBinary;
  detect: { width: number; height: number; fps: number };
  hwaccel: Hwaccel;
  decoder?: string | undefined;
  stallMs: number;
  reconnect: { initialMs: number; maxMs: number };
  /** Second output: stream-copied segments. null = no recording. */
  record: RecordOutput | null;
  log: Logger;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
  random?: () => number;
  /** Upper bound for one graceful ffmpeg stop (SIGTERM → SIGKILL). */
  killGraceMs?: number;
  /** How raw frames travel from ffmpeg: 'socket' (default on Linux, read without intermediate buffers) or 'pipe'. */
  channel?: 'socket' | 'pipe';
}

/** The input half of the ffmpeg command line. `args` may hold credentials: it goes to the child only. */
export interface InputSpec {
  args: string[];
  /** Secrets that appear in args (redacted from every log line and error). */
  secrets: string[];
}

interface Run {
  child: ChildProcess;
  id: string;
  spawnedAt: number;
  lastProgress: number;
  stderrTail: string[];
  stderrPartial: string;
  listPartial: string;
  /** Frame assembly of the pipe fallback. */
  pending: Buffer | null;
  filled: number;
  /** Frame assembly of the socket channel (its read callback fills this). */
  assembly: { pending: Buffer | null; filled: number };
  gotFrame: boolean;
  stalled: boolean;
  /** Wall-clock ms minus stream-time ms of the segment timeline, fixed at the first segment close. */
  offset: number | null;
  announced: string[];
  lastEnd: number | null;
  done: boolean;
  closed: Promise<void>;
  redactor: Redactor;
  format: 'mp4' | 'mkv';
}

const STDERR_TAIL = 40;
/** Least time a run gets to deliver its first frame before the watchdog restarts it. */
const FIRST_FRAME_MIN_MS = 10_000;
/** Recycled frame buffers kept per camera. */
const POOL_MAX = 8;

/**
 * One camera, one ffmpeg child: decodes the input, resamples to the detect
 * fps, scales to the detect size and writes packed RGB frames to stdout;
 * optionally a second output stream-copies the input into recording segments
 * (`-f segment`), whose closing is announced on fd 3 (`-segment_list pipe:3`).
 * Restarts ffmpeg with exponential backoff and jitter; a watchdog restarts it
 * when no frame arrives for stallMs.
 */
export abstract class FfmpegFrameSource implements FrameSource {
  readonly camera: string;
  protected readonly log: Logger;
  protected readonly opts: FfmpegSourceOptions;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly listeners: { [K in keyof FrameSourceEvents]: Set<(p: FrameSourceEvents[K]) => void> } = {
    frame: new Set(),
    state: new Set(),
    segment: new Set(),
    run_end: new Set(),
    end: new Set(),
  };
  private readonly frameBytes: number;
  private readonly inRate: RateMeter;
  private readonly outRate: RateMeter;
  private state: CameraState = 'stopped';
  private running = false;
  private run: Run | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private seq = 0;
  private counters = { dropped: 0, decode_errors: 0, reconnects: 0, runs: 0 };
  private lastFrameAt: number | null = null;
  private lastError: CameraError | null = null;
  private recordingError: string | null = null;
  private recordingErrorAt = 0;
  private recordFormat: 'mp4' | 'mkv' | null;
  private immediateRestart = false;
  private emittedErrorCode: string | null = null;
  /** Frame buffers given back (recycle) for reuse: fewer large allocations, far less GC work. */
  private readonly pool: Buffer[] = [];

  constructor(opts: FfmpegSourceOptions) {
    this.opts = opts;
    this.camera = opts.camera;
    this.log = opts.log;
    this.clock = opts.clock;
    this.backoff = new Backoff(opts.reconnect.initialMs, opts.reconnect.maxMs, opts.random);
    this.frameBytes = opts.detect.width * opts.detect.height * 3;
    this.inRate = new RateMeter(() => this.clock.monotonic());
    this.outRate = new RateMeter(() => this.clock.monotonic());
    this.recordFormat = opts.record?.format ?? null;
  }

  /** The input options and `-i URL` for ffmpeg. May throw (unreadable secret file). */
  protected abstract input(): InputSpec;
  /** The source for logs, without credentials. */
  abstract describe(): string;
  /** True for inputs that end for good at EOF (a non-looping file). */
  protected endsAtEof(): boolean {
    return false;
  }

  on<K extends keyof FrameSourceEvents>(event: K, fn: (payload: FrameSourceEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(p: FrameSourceEvents[K]) => void>;
    set.add(fn);
    return () => set.delete(fn);
  }

  private emit<K extends keyof FrameSourceEvents>(event: K, payload: FrameSourceEvents[K]): void {
    for (const fn of this.listeners[event] as Set<(p: FrameSourceEvents[K]) => void>) {
      try {
        fn(payload);
      } catch (err) {
        this.log.error({ event, err: asHomeSightError(err).message }, 'frame source listener threw');
      }
    }
  }

  /** Number of subscribers of an event. */
  listenerCount(event: keyof FrameSourceEvents): number {
    return this.listeners[event].size;
  }

  /**
   * Takes back the buffer of a frame this source produced that nobody holds
   * any more (dropped unseen, or released by every consumer that took it); the
   * next frame is decoded into it. Buffers of another size are ignored.
   */
  recycle(buf: Buffer): void {
    if (buf.length !== this.frameBytes || this.pool.length >= POOL_MAX || this.pool.includes(buf)) return;
    this.pool.push(buf);
  }

  /** Consumers report frames they took and frames their queue dropped. */
  noteConsumed(kind: 'taken' | 'dropped'): void {
    if (kind === 'taken') this.outRate.mark();
    else this.counters.dropped++;
  }

  stats(): CameraStats {
    return {
      state: this.state,
      fps_in: this.inRate.rate(),
      fps_out: this.outRate.rate(),
      dropped: this.counters.dropped,
      decode_errors: this.counters.decode_errors,
      reconnects: this.counters.reconnects,
      last_frame_at: this.lastFrameAt,
      last_error: this.lastError,
      recording_error: this.recordingError,
    };
  }

  /** Process id of the running ffmpeg, null between runs (diagnostics, benchmarks). */
  get pid(): number | null {
    return this.run?.child.pid ?? null;
  }

  /** The recording format in use (mp4 falls back to mkv when the codec does not fit mp4). */
  get recordingFormat(): 'mp4' | 'mkv' | null {
    return this.recordFormat;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.backoff.reset();
    const tick = Math.max(50, Math.min(1000, Math.floor(this.opts.stallMs / 4)));
    this.watchdog = setInterval(() => this.checkStall(), tick);
    this.watchdog.unref();
    this.spawnRun();
  }

  async stop(): Promise<void> {
    if (!this.running && this.run === null) return;
    this.running = false;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    const run = this.run;
    if (run !== null && !run.done) await this.terminate(run);
    if (this.state !== 'stopped') {
      this.setState('stopped');
      this.emit('end', { camera: this.camera, reason: 'stopped' });
    }
  }

  async restart(): Promise<void> {
    if (!this.running) {
      this.start();
      return;
    }
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.counters.reconnects++;
      this.backoff.reset();
      this.spawnRun('restart');
      return;
    }
    const run = this.run;
    if (run !== null && !run.done) {
      this.immediateRestart = true;
      await this.terminate(run);
    }
  }

  /** Emits 'state' when the state changes, or when it stays but the error is a different one. */
  private setState(next: CameraState, error: CameraError | null = null): void {
    const previous = this.state;
    const errorCode = error?.code ?? null;
    if (previous === next && (error === null || errorCode === this.emittedErrorCode)) return;
    this.state = next;
    this.emittedErrorCode = errorCode;
    this.emit('state', { camera: this.camera, state: next, previous, error });
  }

  private outputArgs(run: { id: string; format: 'mp4' | 'mkv' }): string[] {
    const { width, height, fps } = this.opts.detect;
    const out = [
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      `fps=${fps},scale=${width}:${height}:flags=bilinear,format=rgb24`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ];
    const rec = this.opts.record;
    if (rec === null) return out;
    const fmtOpts = run.format === 'mp4' ? ['-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof'] : [];
    return [
      ...out,
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-f',
      'segment',
      '-segment_time',
      String(rec.segmentSeconds),
      '-segment_format',
      run.format === 'mp4' ? 'mp4' : 'matroska',
      ...fmtOpts,
      '-reset_timestamps',
      '1',
      '-segment_list',
      'pipe:3',
      '-segment_list_type',
      'csv',
      join(rec.dir, `${run.id}-%05d.${run.format}`),
    ];
  }

  private hwArgs(): string[] {
    const { hwaccel, decoder } = this.opts;
    if (decoder !== undefined) return [...(hwaccel === 'cuda' || hwaccel === 'nvdec' ? ['-hwaccel', 'cuda'] : []), '-c:v', decoder];
    if (hwaccel === 'cuda') return ['-hwaccel', 'cuda'];
    if (hwaccel === 'nvdec') return ['-hwaccel', this.opts.ffmpeg.hwaccels.includes('nvdec') ? 'nvdec' : 'cuda'];
    if (hwaccel === 'jetson') return ['-c:v', 'h264_nvmpi'];
    return [];
  }

  /**
   * Starts one ffmpeg run. A retry after a failure keeps the camera's state
   * (failed/backoff) until frames flow again, so a camera that keeps failing
   * does not flap between "starting" and "failed".
   */
  private spawnRun(kind: 'first' | 'retry' | 'restart' = 'first'): void {
    if (!this.running) return;
    this.retryTimer = null;
    if (kind !== 'retry') this.setState('starting');
    void this.launch().catch((err: unknown) => {
      const he = asHomeSightError(err, 'E_FFMPEG_SPAWN');
      this.fail({ code: he.code, message: he.message, permanent: false, hint: he.hint ?? '' }, null);
    });
  }

  /**
   * The frame channel: a unix stream socket pair (Linux abstract namespace,
   * no file). ffmpeg's stdout is one end; this process reads the other end
   * with `onread`, straight into the frame buffer being filled, so raw video
   * allocates no intermediate chunk buffers. Where that is unavailable, a
   * plain stdout pipe is used (null).
   */
  private async frameChannel(
    run: { pending: Buffer | null; filled: number },
    onFrame: (data: Buffer) => void,
  ): Promise<{ reader: Socket; writer: Socket } | null> {
    if (process.platform !== 'linux' || this.opts.channel === 'pipe') return null;
    const size = this.frameBytes;
    const path = `\0homesight-ingest-${process.pid}-${randomUUID()}`;
    const server = createServer();
    try {
      const accepted = new Promise<Socket>((resolve, reject) => {
        server.once('connection', resolve);
        server.once('error', reject);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
      const reader = connect({
        path,
        onread: {
          buffer: () => {
            if (run.pending === null) {
              run.pending = this.pool.pop() ?? Buffer.allocUnsafe(size);
              run.filled = 0;
            }
            return run.pending.subarray(run.filled);
          },
          callback: (n: number) => {
            run.filled += n;
            if (run.filled === size && run.pending !== null) {
              const data = run.pending;
              run.pending = null;
              run.filled = 0;
              onFrame(data);
            }
            return true;
          },
        },
      });
      reader.on('error', () => {});
      const writer = await accepted;
      return { reader, writer };
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'unix socket frame channel unavailable; using a pipe');
      return null;
    } finally {
      server.close();
    }
  }

  private async launch(): Promise<void> {
    let input: InputSpec;
    try {
      input = this.input();
    } catch (err) {
      const he = asHomeSightError(err, 'E_CAMERA_CONFIG');
      this.fail({ code: he.code, message: he.message, permanent: true, hint: he.hint ?? '' }, null);
      return;
    }
    const redactor = new Redactor(input.secrets);
    const now = this.clock.now();
    const format = this.recordFormat ?? 'mkv';
    const id = String(now);
    if (this.opts.record !== null) {
      try {
        mkdirSync(this.opts.record.dir, { recursive: true });
      } catch (err) {
        this.log.error(
          { dir: this.opts.record.dir, err: (err as Error).message },
          'cannot create the recordings folder; recording off for this run',
        );
      }
    }
    const args = [
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-loglevel',
      'error',
      ...this.hwArgs(),
      ...input.args,
      ...this.outputArgs({ id, format }),
    ];
    // Filled in below; the channel's read callback needs the run's frame assembly state first.
    const assembly: { pending: Buffer | null; filled: number } = { pending: null, filled: 0 };
    let runRef: Run | null = null;
    const channel = await this.frameChannel(assembly, (data) => {
      if (runRef !== null) this.onFrame(runRef, data);
    });
    if (!this.running) {
      channel?.reader.destroy();
      channel?.writer.destroy();
      return;
    }
    this.counters.runs++;
    this.log.debug(
      { source: this.describe(), args: redactor.redact(args.join(' ')), channel: channel === null ? 'pipe' : 'socket' },
      'starting ffmpeg',
    );
    let child: ChildProcess;
    try {
      child = spawn(this.opts.ffmpeg.path, args, {
        stdio: ['ignore', channel === null ? 'pipe' : channel.writer, 'pipe', this.opts.record === null ? 'ignore' : 'pipe'],
        env: this.opts.env ?? process.env,
      });
    } catch (err) {
      channel?.reader.destroy();
      channel?.writer.destroy();
      this.fail(
        { code: 'E_FFMPEG_NOT_FOUND', message: `cannot run ffmpeg: ${(err as Error).message}`, permanent: true, hint: 'check ffmpeg.path' },
        null,
      );
      return;
    }
    // The child has its own copy of the write end; ours must go so the reader sees EOF when ffmpeg exits.
    channel?.writer.destroy();
    let resolveClosed: () => void = () => {};
    const run: Run = {
      child,
      id,
      spawnedAt: this.clock.monotonic(),
      lastProgress: this.clock.monotonic(),
      stderrTail: [],
      stderrPartial: '',
      listPartial: '',
      pending: null,
      filled: 0,
      assembly,
      gotFrame: false,
      stalled: false,
      offset: null,
      announced: [],
      lastEnd: null,
      done: false,
      closed: new Promise<void>((r) => (resolveClosed = r)),
      redactor,
      format,
    };
    runRef = run;
    this.run = run;
    let spawnError: NodeJS.ErrnoException | null = null;
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
    });
    child.stdout?.on('data', (chunk: Buffer) => this.onStdout(run, chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => this.onStderr(run, text));
    const list = child.stdio[3];
    if (list !== undefined && list !== null && 'on' in list) {
      (list as NodeJS.ReadableStream).setEncoding('utf8');
      (list as NodeJS.ReadableStream).on('data', (text: string | Buffer) => this.onSegmentList(run, String(text)));
      (list as NodeJS.ReadableStream).on('error', () => {});
    }
    const readerClosed =
      channel === null
        ? Promise.resolve()
        : new Promise<void>((r) => (channel.reader.destroyed ? r() : channel.reader.once('close', () => r())));
    let exited = false;
    child.on('close', (code, signal) => {
      if (exited) return;
      exited = true;
      // Frames still in the socket buffer are read before the run counts as over (bounded wait).
      void Promise.race([readerClosed, new Promise((r) => setTimeout(r, 500))]).then(() => {
        channel?.reader.destroy();
        if (assembly.pending !== null) this.recycle(assembly.pending);
        assembly.pending = null;
        if (run.done) return;
        run.done = true;
        if (run.stderrPartial !== '') this.stderrLine(run, run.stderrPartial);
        if (run.listPartial !== '') this.segmentLine(run, run.listPartial);
        resolveClosed();
        this.onExit(run, code, signal, spawnError);
      });
    });
  }

  private onStdout(run: Run, chunk: Buffer): void {
    let off = 0;
    const size = this.frameBytes;
    while (off < chunk.length) {
      if (run.pending === null) {
        run.pending = this.pool.pop() ?? Buffer.allocUnsafe(size);
        run.filled = 0;
      }
      const n = Math.min(size - run.filled, chunk.length - off);
      chunk.copy(run.pending, run.filled, off, off + n);
      run.filled += n;
      off += n;
      if (run.filled === size) {
        const data = run.pending;
        run.pending = null;
        run.filled = 0;
        this.onFrame(run, data);
      }
    }
  }

  private onFrame(run: Run, data: Buffer): void {
    const ts = this.clock.now();
    run.lastProgress = this.clock.monotonic();
    this.lastFrameAt = ts;
    this.inRate.mark();
    if (!run.gotFrame) {
      run.gotFrame = true;
      this.backoff.reset();
      this.lastError = null;
      this.log.info({ source: this.describe() }, 'camera streaming');
      this.setState('streaming');
    }
    const frame: Frame = {
      camera: this.camera,
      ts,
      seq: this.seq++,
      width: this.opts.detect.width,
      height: this.opts.detect.height,
      format: 'rgb24',
      data,
    };
    this.emit('frame', frame);
  }

  private onStderr(run: Run, text: string): void {
    const parts = (run.stderrPartial + text).split(/\r?\n|\r/);
    run.stderrPartial = parts.pop() ?? '';
    for (const line of parts) if (line.trim() !== '') this.stderrLine(run, line);
  }

  private stderrLine(run: Run, raw: string): void {
    const line = run.redactor.redact(raw);
    run.stderrTail.push(line);
    if (run.stderrTail.length > STDERR_TAIL) run.stderrTail.shift();
    if (this.opts.record !== null && /No space left on device|Disk quota exceeded/i.test(line)) {
      // Frames keep flowing; only the segment output is failing. Said once, cleared by the next good segment.
      if (this.recordingError === null)
        this.log.error(
          { dir: this.opts.record.dir, line },
          'recording is failing: the recordings volume is full (retention frees space when it can)',
        );
      this.recordingError = 'recordings volume full (no space left on device)';
      this.recordingErrorAt = this.clock.now();
    }
    if (isDecodeError(line)) {
      this.counters.decode_errors++;
      this.log.debug({ line }, 'decode error');
    } else {
      this.log.debug({ line }, 'ffmpeg');
    }
  }

  private onSegmentList(run: Run, text: string): void {
    const parts = (run.listPartial + text).split('\n');
    run.listPartial = parts.pop() ?? '';
    for (const line of parts) if (line.trim() !== '') this.segmentLine(run, line);
  }

  /** A csv line `file,start,end` (stream seconds): put it on the wall clock and announce it. */
  private segmentLine(run: Run, line: string): void {
    const m = /^(.*),(-?[\d.]+),(-?[\d.]+)\s*$/.exec(line.trim());
    const rec = this.opts.record;
    if (m === null || rec === null) return;
    const path = join(rec.dir, basename(m[1] as string));
    const s = Number(m[2]) * 1000;
    const e = Number(m[3]) * 1000;
    const now = this.clock.now();
    if (run.offset === null || Math.abs(now - e - run.offset) > 2000) {
      if (run.offset !== null)
        this.log.warn({ drift_ms: Math.round(now - e - run.offset) }, 'recording timeline re-anchored to the wall clock');
      run.offset = now - e;
    }
    let start = Math.round(run.offset + s);
    const end = Math.round(run.offset + e);
    if (run.lastEnd !== null && start < run.lastEnd && run.lastEnd < end) start = run.lastEnd;
    let bytes = 0;
    try {
      bytes = statSync(path).size;
    } catch {
      this.log.warn({ path }, 'closed segment file is missing');
      return;
    }
    run.announced.push(path);
    run.lastEnd = end;
    // Only a segment begun after the last write error proves recording works again.
    if (this.recordingError !== null && bytes > 0 && start > this.recordingErrorAt + 1000) {
      this.recordingError = null;
      this.log.info({ path, bytes }, 'recording works again');
    }
    this.emit('segment', { camera: this.camera, path, start, end, bytes, format: run.format });
  }

  private checkStall(): void {
    const run = this.run;
    if (run === null || run.done || run.stalled) return;
    const idle = this.clock.monotonic() - run.lastProgress;
    // Before the first frame of a run, connecting and probing the stream (waiting for a keyframe) gets more time.
    const limit = run.gotFrame ? this.opts.stallMs : Math.max(this.opts.stallMs, FIRST_FRAME_MIN_MS);
    if (idle <= limit) return;
    run.stalled = true;
    const err = {
      code: 'E_CAMERA_STALLED',
      message: run.gotFrame
        ? `no frame for ${Math.round(idle / 1000)} s; restarting ffmpeg`
        : `no first frame within ${Math.round(idle / 1000)} s; restarting ffmpeg`,
    };
    this.lastError = err;
    this.log.warn({ source: this.describe(), idle_ms: Math.round(idle) }, 'camera stalled');
    this.setState('stalled', err);
    void this.terminate(run, 500);
  }

  /** SIGTERM (ffmpeg finishes the open segment), then SIGKILL after the grace period. */
  private async terminate(run: Run, graceMs = this.opts.killGraceMs ?? 3000): Promise<void> {
    if (run.done) return;
    run.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((r) => {
      timer = setTimeout(() => {
        if (!run.done) run.child.kill('SIGKILL');
        r();
      }, graceMs);
    });
    await Promise.race([run.closed, killed]);
    clearTimeout(timer);
    await run.closed;
  }

  private onExit(run: Run, code: number | null, signal: NodeJS.Signals | null, spawnError: NodeJS.ErrnoException | null): void {
    if (this.run === run) this.run = null;
    if (this.opts.record !== null) {
      this.emit('run_end', {
        camera: this.camera,
        runId: run.id,
        dir: this.opts.record.dir,
        announced: [...run.announced],
        lastEnd: run.lastEnd,
      });
    }
    if (!this.running) return;
    if (this.immediateRestart) {
      this.immediateRestart = false;
      this.counters.reconnects++;
      this.backoff.reset();
      this.log.info({ source: this.describe() }, 'camera restarted on request');
      this.spawnRun('restart');
      return;
    }
    if (code === 0 && !run.stalled && this.endsAtEof()) {
      this.running = false;
      if (this.watchdog !== null) clearInterval(this.watchdog);
      this.watchdog = null;
      this.log.info({ source: this.describe() }, 'file ended');
      this.setState('stopped');
      this.emit('end', { camera: this.camera, reason: 'eof' });
      return;
    }
    let d: Diagnosis;
    if (spawnError !== null) {
      d =
        spawnError.code === 'ENOENT' || spawnError.code === 'EACCES'
          ? {
              code: 'E_FFMPEG_NOT_FOUND',
              message: `cannot run ffmpeg (${spawnError.code}): ${this.opts.ffmpeg.path}`,
              permanent: true,
              hint: 'check ffmpeg.path',
            }
          : { code: 'E_FFMPEG_SPAWN', message: `cannot run ffmpeg: ${spawnError.message}`, permanent: false, hint: '' };
    } else if (run.stalled) {
      d = {
        code: 'E_CAMERA_STALLED',
        message: this.lastError?.message ?? 'stalled',
        permanent: false,
        hint: 'check the camera and the network',
      };
    } else {
      d =
        diagnose(run.stderrTail) ??
        (code === 0
          ? {
              code: 'E_CAMERA_STREAM_LOST',
              message: 'stream ended',
              permanent: false,
              hint: 'the camera closed the stream; HomeSight reconnects',
            }
          : {
              code: 'E_CAMERA_FFMPEG_EXIT',
              message:
                `ffmpeg exited ` + `(${signal ?? `code ${code}`})${lastLine(run.stderrTail) === '' ? '' : `: ${lastLine(run.stderrTail)}`}`,
              permanent: false,
              hint: 'run the logged ffmpeg command by hand to see why',
            });
    }
    if (d.code === 'E_RECORD_FORMAT' && this.recordFormat === 'mp4') {
      this.recordFormat = 'mkv';
      this.log.warn({ source: this.describe() }, "this camera's codec does not fit in mp4; recording as mkv instead");
      this.counters.reconnects++;
      this.spawnRun('retry');
      return;
    }
    this.fail(d, run);
  }

  private fail(d: Diagnosis, run: Run | null): void {
    const error: CameraError = { code: d.code, message: d.message };
    const repeat = this.lastError?.code === d.code;
    this.lastError = error;
    const delay = this.backoff.next();
    // The first failure of a kind is a warning; the same failure again on every retry is debug.
    (repeat ? this.log.debug.bind(this.log) : this.log.warn.bind(this.log))(
      {
        source: this.describe(),
        code: d.code,
        error: d.message,
        hint: d.hint,
        retry_ms: delay,
        ...(run === null ? {} : { stderr: run.stderrTail.slice(-3) }),
      },
      d.permanent ? 'camera failed' : 'camera disconnected; retrying',
    );
    this.setState(d.permanent ? 'failed' : 'backoff', error);
    if (!this.running) return;
    this.retryTimer = setTimeout(() => {
      this.counters.reconnects++;
      this.spawnRun('retry');
    }, delay);
  }
}

function fileArg(path: string): string {
  return path.startsWith('file:') ? path : `file:${path}`;
}

export interface RtspInputOptions {
  url: string;
  transport: 'tcp' | 'udp';
  username?: string | undefined;
  passwordFile?: string | undefined;
  timeoutS: number;
}

/** An RTSP camera (RTP over TCP-interleaved or UDP). Credentials enter the URL for the child only. */
export class RtspFrameSource extends FfmpegFrameSource {
  constructor(
    opts: FfmpegSourceOptions,
    private readonly rtsp: RtspInputOptions,
  ) {
    super(opts);
  }

  describe(): string {
    return `rtsp ${new Redactor([]).redact(this.rtsp.url)} (${this.rtsp.transport})`;
  }

  protected input(): InputSpec {
    const password =
      this.rtsp.passwordFile === undefined ? undefined : readSecret(this.rtsp.passwordFile, `cameras.${this.camera}.source.password_file`);
    const url = withCredentials(this.rtsp.url, this.rtsp.username, password);
    // libavformat 59 (ffmpeg 5) renamed the RTSP socket timeout from -stimeout to -timeout.
    const timeoutOpt = this.opts.ffmpeg.lavfMajor >= 59 ? '-timeout' : '-stimeout';
    return {
      args: [
        '-rtsp_transport',
        this.rtsp.transport,
        timeoutOpt,
        String(Math.round(this.rtsp.timeoutS * 1e6)),
        '-fflags',
        '+genpts+discardcorrupt',
        '-i',
        url,
      ],
      secrets: password === undefined ? [] : [password],
    };
  }
}

export interface FileInputOptions {
  /** Absolute path. */
  path: string;
  loop: boolean;
  realtime: boolean;
}

const STILL_IMAGE = /\.(jpe?g|png|webp|bmp|tiff?)$/i;

/** A photo rather than a video: played as a still camera (the same picture at the detect rate). */
export function isStillImage(path: string): boolean {
  return STILL_IMAGE.test(path);
}

/**
 * A video file played like a camera (-re) and optionally looped. A photo
 * (isStillImage) becomes a still camera: ffmpeg's image demuxer repeats it
 * (-loop 1) at the detect rate, which is what identity checks at a door need.
 */
export class FileFrameSource extends FfmpegFrameSource {
  constructor(
    opts: FfmpegSourceOptions,
    private readonly file: FileInputOptions,
  ) {
    super(opts);
  }

  describe(): string {
    return `file ${this.file.path}${this.file.loop ? ' (loop)' : ''}`;
  }

  protected override endsAtEof(): boolean {
    return !this.file.loop;
  }

  protected input(): InputSpec {
    if (isStillImage(this.file.path)) {
      // Always paced (-re): an unpaced repeated photo would only burn a core.
      return {
        args: ['-re', '-loop', this.file.loop ? '1' : '0', '-framerate', String(this.opts.detect.fps), '-i', fileArg(this.file.path)],
        secrets: [],
      };
    }
    return {
      args: [...(this.file.realtime ? ['-re'] : []), ...(this.file.loop ? ['-stream_loop', '-1'] : []), '-i', fileArg(this.file.path)],
      secrets: [],
    };
  }
}

export interface MjpegInputOptions {
  url: string;
  username?: string | undefined;
  passwordFile?: string | undefined;
  timeoutS: number;
}

/**
 * An HTTP multipart MJPEG stream. MJPEG carries no timestamps, so frames are
 * stamped with the wall clock on arrival (-use_wallclock_as_timestamps) for
 * the fps filter to see the real rate.
 */
export class MjpegFrameSource extends FfmpegFrameSource {
  constructor(
    opts: FfmpegSourceOptions,
    private readonly mjpeg: MjpegInputOptions,
  ) {
    super(opts);
  }

  describe(): string {
    return `mjpeg ${new Redactor([]).redact(this.mjpeg.url)}`;
  }

  protected input(): InputSpec {
    const password =
      this.mjpeg.passwordFile === undefined
        ? undefined
        : readSecret(this.mjpeg.passwordFile, `cameras.${this.camera}.source.password_file`);
    const url = withCredentials(this.mjpeg.url, this.mjpeg.username, password);
    return {
      args: ['-timeout', String(Math.round(this.mjpeg.timeoutS * 1e6)), '-use_wallclock_as_timestamps', '1', '-f', 'mpjpeg', '-i', url],
      secrets: password === undefined ? [] : [password],
    };
  }
}

/** Wraps anything thrown while building sources into a camera-scoped error. */
export function sourceError(camera: string, err: unknown): HomeSightError {
  const he = asHomeSightError(err, 'E_CAMERA_CONFIG');
  return new HomeSightError(he.code, `camera ${camera}: ${he.message}`, {
    context: { camera, ...he.context },
    ...(he.hint === undefined ? {} : { hint: he.hint }),
    cause: err,
  });
}
