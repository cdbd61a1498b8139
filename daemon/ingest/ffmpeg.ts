import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, isAbsolute, join } from 'node:path';
import { HomeSightError } from '../system/index.js';

/** The ffmpeg binary HomeSight runs, and why that one. */
export interface FfmpegBinary {
  path: string;
  /** Where it came from: ffmpeg.path in the config, FFMPEG_PATH, the system PATH, or the npm package. */
  source: 'config' | 'env' | 'system' | 'npm';
  /** First line of `ffmpeg -version`. */
  version: string;
  /** libavformat major version (58 = ffmpeg 4.x, 59 = 5.x, 60 = 6.x, 61 = 7.x); option names differ across it. */
  lavfMajor: number;
  /** Hardware acceleration methods it lists (`ffmpeg -hwaccels`). */
  hwaccels: string[];
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return null;
}

function npmBinary(): string | null {
  try {
    const req = createRequire(import.meta.url);
    const mod = req('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    return typeof mod.path === 'string' && isExecutable(mod.path) ? mod.path : null;
  } catch {
    return null;
  }
}

/** Runs a probe command; its stdout, or null when it fails. */
function probeOutput(path: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(path, args, { encoding: 'utf8', timeout: 10_000 }, (err, stdout) => resolve(err === null ? stdout : null));
  });
}

/**
 * Runs `ffmpeg -version` and `-hwaccels` (concurrently, without blocking the event loop); null when the binary
 * does not run.
 */
export async function probeBinary(path: string): Promise<Omit<FfmpegBinary, 'source'> | null> {
  const [version, hw] = await Promise.all([
    probeOutput(path, ['-hide_banner', '-version']),
    probeOutput(path, ['-hide_banner', '-hwaccels']),
  ]);
  if (version === null) return null;
  const first = version.split('\n')[0]?.trim() ?? '';
  const m = /libavformat\s+(\d+)\./.exec(version);
  const hwaccels =
    hw === null
      ? []
      : hw
          .split('\n')
          .slice(1)
          .map((l) => l.trim())
          .filter((l) => l !== '');
  return { path, version: first, lavfMajor: m === null ? 0 : Number(m[1]), hwaccels };
}

/**
 * Picks the ffmpeg binary: `ffmpeg.path` from the config, then FFMPEG_PATH,
 * then `ffmpeg` on PATH (Debian's 5.1 here; on a Jetson the vendor build with
 * its hardware decoders), then the static 4.1-dev binary shipped inside
 * @ffmpeg-installer/ffmpeg (installs offline, but is from 2018). A binary that
 * is named explicitly but does not run is an error, not a silent fallback.
 */
export async function resolveFfmpeg(opts: { configPath?: string | undefined; env: NodeJS.ProcessEnv }): Promise<FfmpegBinary> {
  const tried: string[] = [];
  const explicit = async (path: string, source: 'config' | 'env'): Promise<FfmpegBinary> => {
    const key = source === 'config' ? 'ffmpeg.path' : 'FFMPEG_PATH';
    if (!isAbsolute(path) && !existsSync(path)) {
      const found = onPath(path, opts.env);
      if (found !== null) path = found;
    }
    const info = existsSync(path) ? await probeBinary(path) : null;
    if (info === null) {
      throw new HomeSightError('E_FFMPEG_NOT_FOUND', `${key} names an ffmpeg that does not run: ${path}`, {
        context: { path, key },
        hint: `fix ${key} or remove it to use the system ffmpeg`,
      });
    }
    return { ...info, source };
  };
  if (opts.configPath !== undefined && opts.configPath !== '') return explicit(opts.configPath, 'config');
  const envPath = opts.env.FFMPEG_PATH;
  if (envPath !== undefined && envPath !== '') return explicit(envPath, 'env');
  const sys = onPath('ffmpeg', opts.env);
  if (sys !== null) {
    const info = await probeBinary(sys);
    if (info !== null) return { ...info, source: 'system' };
    tried.push(sys);
  }
  const npm = npmBinary();
  if (npm !== null) {
    const info = await probeBinary(npm);
    if (info !== null) return { ...info, source: 'npm' };
    tried.push(npm);
  }
  throw new HomeSightError('E_FFMPEG_NOT_FOUND', 'no working ffmpeg binary found', {
    context: { tried },
    hint: 'install ffmpeg (apt install ffmpeg), set ffmpeg.path in the config, or run npm ci so @ffmpeg-installer/ffmpeg is present',
  });
}

/** Replaces every credential in a string: user:password@ in URLs and the raw/encoded secret itself. */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Array<string | undefined>) {
    const all = new Set<string>();
    for (const s of secrets) {
      if (s === undefined || s.length < 1) continue;
      all.add(s);
      all.add(encodeURIComponent(s));
    }
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]*)@/gi, '$1$2:***@');
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }
}

/** Puts user and password into a URL (for the ffmpeg child only). */
export function withCredentials(url: string, username: string | undefined, password: string | undefined): string {
  if (username === undefined && password === undefined) return url;
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/i.exec(url);
  if (m === null) return url;
  // Inserted as text (not through URL) so the rest of the camera URL stays byte-for-byte as configured.
  const userinfo = `${encodeURIComponent(username ?? '')}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@`;
  return `${m[1]}${userinfo}${m[2]}`;
}
