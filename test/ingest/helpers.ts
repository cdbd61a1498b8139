import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { configSchema, type ConfigInput, type HomeSightConfig } from '../../daemon/config/index.js';
import { MemoryStore } from '../../daemon/memory/index.js';
import { resolveFfmpeg } from '../../daemon/ingest/index.js';
import { type RecordingCatalog } from '../../daemon/ingest/types.js';
import { systemClock } from '../../daemon/system/index.js';

export const here = new URL('.', import.meta.url).pathname;
export const sharedDir = process.env.HOMESIGHT_SHARED_DIR ?? new URL('../../../shared/', import.meta.url).pathname;
export const vtest = join(sharedDir, 'media/vtest.avi');
export const ffmpeg = await resolveFfmpeg({ env: process.env });

/** Debian's python3 has python3-gi; a pyenv shim on PATH may not. */
export const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface Teardown {
  teardown(fn: () => unknown): void;
}

export function tempDir(t: Teardown, prefix = 'hs-ingest-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(what: string, fn: () => T | null | undefined | false, timeoutMs: number, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs ffmpeg to completion (clip generation); throws with stderr on failure. */
export function ffmpegRun(args: string[]): void {
  const r = spawnSync(ffmpeg.path, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

/** testsrc2 as H.264 with SPS/PPS in-band at every keyframe (so RTP receivers can join anytime). */
export function h264Clip(
  dir: string,
  opts: { width?: number; height?: number; fps?: number; seconds?: number; name?: string } = {},
): string {
  const { width = 320, height = 240, fps = 10, seconds = 10, name = 'clip.mkv' } = opts;
  const out = join(dir, name);
  ffmpegRun([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${width}x${height}:r=${fps}:d=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    String(fps),
    '-bf',
    '0',
    '-x264-params',
    'repeat-headers=1',
    '-pix_fmt',
    'yuv420p',
    out,
  ]);
  return out;
}

/**
 * A clip whose brightness encodes the frame number: luma = 16 + 3·(n mod 64),
 * so a decoded frame tells which source frame it is (see frameIndex).
 */
export function counterClip(
  dir: string,
  opts: { width?: number; height?: number; fps?: number; seconds?: number; name?: string } = {},
): string {
  const { width = 160, height = 120, fps = 10, seconds = 20, name = 'counter.mkv' } = opts;
  const out = join(dir, name);
  ffmpegRun([
    '-f',
    'lavfi',
    '-i',
    `nullsrc=s=${width}x${height}:r=${fps}:d=${seconds},geq=lum='16+mod(N\\,64)*3':cb=128:cr=128`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '12',
    '-g',
    String(fps),
    '-bf',
    '0',
    '-pix_fmt',
    'yuv420p',
    out,
  ]);
  return out;
}

/** Source frame number (mod 64) of a decoded counterClip frame. */
export function frameIndex(data: Buffer): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i += 3 * 7) {
    sum += data[i] as number;
    n++;
  }
  const rgb = sum / n;
  // limited-range luma 16 + 3k → full-range RGB 3k·255/219
  return Math.round((rgb * 219) / 255 / 3) & 63;
}

/** Signed distance a→b on the mod-64 frame counter, in (-32, 32]. */
export function counterDelta(a: number, b: number): number {
  let d = (((b - a) % 64) + 64) % 64;
  if (d > 32) d -= 64;
  return d;
}

export interface RtspServer {
  port: number;
  proc: ChildProcess;
  output: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** test/ingest/fixtures/rtsp_server.py (GStreamer gst-rtsp-server); resolves on "READY <port>". */
export async function startRtspServer(
  t: Teardown,
  opts: { port?: number; udpIn?: number; user?: string; password?: string; mount?: string } = {},
): Promise<RtspServer> {
  const args = [join(here, 'fixtures/rtsp_server.py'), '--port', String(opts.port ?? 0)];
  if (opts.udpIn !== undefined) args.push('--udp-in', String(opts.udpIn));
  if (opts.user !== undefined) args.push('--user', opts.user, '--password', opts.password ?? '');
  if (opts.mount !== undefined) args.push('--mount', opts.mount);
  const proc = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (l) => output.push(l));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  t.teardown(() => stop('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`RTSP server not ready in 20 s: ${output.join('\n')}`)), 20_000);
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      output.push(l);
      const m = /^READY (\d+)/.exec(l);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`RTSP server exited (${code}): ${output.join('\n')}`));
    });
  });
  return { port, proc, output, stop };
}

/** ffmpeg publishing a clip, looped in real time, as RTP/H.264 to 127.0.0.1:port (the RTSP server's --udp-in). */
export function startPublisher(t: Teardown, clip: string, port: number): ChildProcess {
  const proc = spawn(
    ffmpeg.path,
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      clip,
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-f',
      'rtp',
      `rtp://127.0.0.1:${port}?pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  return proc;
}

/** A pino logger whose JSON lines are kept (and checked for secrets by tests). */
export function captureLogger(level = 'debug'): { log: Logger; lines: string[]; entries: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(l);
      // HS_TEST_LOG=/tmp/x.log keeps a copy of every line for debugging a failing test.
      if (process.env.HS_TEST_LOG !== undefined) appendFileSync(process.env.HS_TEST_LOG, chunk);
      cb();
    },
  });
  const log = pino({ level }, dest);
  return { log, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A full config (schema defaults applied) from a partial one. */
export function makeConfig(input: ConfigInput): HomeSightConfig {
  return configSchema.parse(input);
}

/** The memory module's real recordings index on a temporary SQLite file. */
export function memoryCatalog(t: Teardown, dir: string): { catalog: RecordingCatalog; store: MemoryStore } {
  const store = new MemoryStore({ file: join(dir, 'memory.db'), log: pino({ level: 'silent' }), clock: systemClock });
  t.teardown(() => {
    if (store.isOpen) store.close();
  });
  return { catalog: store.recordings, store };
}
