import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { HomeSightError } from '../system/index.js';
import { compareVersions, versionSchema } from './manifest.js';

const run = promisify(execFile);
const MARKER = '.homesight-release.json';

export interface ReleaseInfo {
  version: string;
  dir: string;
  installedAt: string;
  keyId?: string;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Installed versions under `releases/<version>` and the `current` symlink
 * that points at the running one. Switching writes a new symlink next to
 * `current` and renames it over (atomic on POSIX): a crash leaves either the
 * old or the new link, never none.
 */
export class ReleaseStore {
  readonly dir: string;
  readonly link: string;

  constructor(releasesDir: string, currentLink: string) {
    this.dir = resolve(releasesDir);
    this.link = resolve(currentLink);
  }

  private pathOf(version: string): string {
    versionSchema.parse(version);
    return join(this.dir, version);
  }

  has(version: string): boolean {
    return existsSync(join(this.pathOf(version), MARKER));
  }

  list(): ReleaseInfo[] {
    if (!existsSync(this.dir)) return [];
    const out: ReleaseInfo[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!versionSchema.safeParse(name).success) continue;
      try {
        const info = JSON.parse(readFileSync(join(this.dir, name, MARKER), 'utf8')) as Omit<ReleaseInfo, 'dir'>;
        out.push({ ...info, version: name, dir: join(this.dir, name) });
      } catch {
        // Not a complete install (no marker): ignored, cleaned by prune.
      }
    }
    return out.sort((a, b) => a.installedAt.localeCompare(b.installedAt) || compareVersions(a.version, b.version));
  }

  /** The version `current` points at, or null. */
  current(): string | null {
    try {
      const target = readlinkSync(this.link);
      const v = basename(target);
      return versionSchema.safeParse(v).success ? v : null;
    } catch {
      return null;
    }
  }

  /** Moves a verified tree into releases/<version> (rename, same filesystem). */
  install(tree: string, version: string, keyId?: string): ReleaseInfo {
    const dest = this.pathOf(version);
    if (existsSync(dest)) {
      if (this.current() === version) {
        throw new HomeSightError('E_FLEET_RUNNING', `version ${version} is the running release`, {
          hint: 'bump the version to ship a change',
        });
      }
      rmSync(dest, { recursive: true, force: true });
    }
    mkdirSync(this.dir, { recursive: true });
    const info = { version, installedAt: new Date().toISOString(), ...(keyId === undefined ? {} : { keyId }) };
    writeFileSync(join(tree, MARKER), JSON.stringify(info, null, 2) + '\n');
    renameSync(tree, dest);
    fsyncDir(this.dir);
    return { ...info, dir: dest };
  }

  /** Points `current` at releases/<version> atomically. */
  switchTo(version: string): void {
    const target = this.pathOf(version);
    if (!existsSync(join(target, MARKER))) throw new HomeSightError('E_FLEET_NO_RELEASE', `release ${version} is not installed`);
    mkdirSync(dirname(this.link), { recursive: true });
    if (existsSync(this.link) && !lstatSync(this.link).isSymbolicLink()) {
      throw new HomeSightError('E_FLEET_LINK', `${this.link} exists and is not a symlink`, {
        hint: 'move it away; fleet manages it as a symlink to releases/<version>',
      });
    }
    const tmp = `${this.link}.tmp-${randomBytes(4).toString('hex')}`;
    symlinkSync(relative(dirname(this.link), target), tmp);
    try {
      renameSync(tmp, this.link);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    fsyncDir(dirname(this.link));
  }

  /** The real folder behind `current`. */
  currentDir(): string | null {
    try {
      return realpathSync(this.link);
    } catch {
      return null;
    }
  }

  remove(version: string): void {
    if (this.current() === version) throw new HomeSightError('E_FLEET_RUNNING', `refusing to remove the running release ${version}`);
    rmSync(this.pathOf(version), { recursive: true, force: true });
  }

  /** Keeps the newest `keep` releases, never removing the ones in `protect`; removes incomplete installs. */
  prune(keep: number, protect: ReadonlyArray<string | null>): string[] {
    const removed: string[] = [];
    const list = this.list();
    const keepSet = new Set([...protect.filter((v): v is string => v !== null), ...list.slice(-keep).map((r) => r.version)]);
    for (const r of list) {
      if (keepSet.has(r.version) || r.version === this.current()) continue;
      rmSync(r.dir, { recursive: true, force: true });
      removed.push(r.version);
    }
    if (existsSync(this.dir)) {
      for (const name of readdirSync(this.dir)) {
        if (name.startsWith('.staging-') || (versionSchema.safeParse(name).success && !existsSync(join(this.dir, name, MARKER)))) {
          rmSync(join(this.dir, name), { recursive: true, force: true });
        }
      }
    }
    return removed;
  }
}

/**
 * node_modules for a release whose bundle has none: a hard-link copy of the
 * running release's (`cp -al`, no extra space; a plain copy across
 * filesystems), only when both package-lock.json files are identical.
 */
export async function reuseNodeModules(fromRoot: string, toRoot: string): Promise<'linked' | 'copied'> {
  const src = join(fromRoot, 'node_modules');
  const dest = join(toRoot, 'node_modules');
  try {
    await run('cp', ['-al', src, dest], { maxBuffer: 1024 * 1024 });
    return 'linked';
  } catch {
    rmSync(dest, { recursive: true, force: true });
    await run('cp', ['-a', src, dest], { maxBuffer: 1024 * 1024 });
    return 'copied';
  }
}
