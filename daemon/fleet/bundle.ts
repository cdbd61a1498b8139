import { execFileSync } from 'node:child_process';
import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HomeSightError, asHomeSightError } from '../system/index.js';
import { manifestSchema, releasePathSchema, signManifest, verifyManifestSignature, versionSchema, type Manifest } from './manifest.js';
import { readTarGz, writeTarGz, type TarWriteEntry } from './tar.js';

/**
 * Update bundles: `homesight-<version>.tar.gz` holding `manifest.json`
 * (version, sha256/size/mode of every file, compatible config versions,
 * self-check, links), `manifest.sig` (ed25519 over the manifest bytes) and
 * `payload/…` (the release tree).
 */

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface SourceTree {
  /** Regular files, relative paths. */
  files: string[];
  /** Symbolic links: relative path → target as stored. */
  links: Record<string, string>;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', 'var', '.tap', 'coverage']);
/** The compiled daemon (`npm run build`): what a release runs, so it ships although git ignores it; minus tsc's build cache. */
const BUILD_DIR = 'dist';
const BUILD_CACHE = 'dist/.tsbuildinfo';

function walk(dir: string, rel: string, out: SourceTree, skip: (rel: string) => boolean): void {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (skip(r)) continue;
    if (e.isSymbolicLink()) out.links[r] = readlinkSync(join(dir, r));
    else if (e.isDirectory()) walk(dir, r, out, skip);
    else if (e.isFile()) out.files.push(r);
  }
}

/**
 * The files of a source tree: in a git checkout, tracked plus untracked but
 * not ignored files (`git ls-files`); otherwise a walk that skips .git,
 * node_modules, var, test output and coverage. Either way the compiled daemon
 * (dist/) is in it when built. `withNodeModules` adds node_modules.
 */
export function listSourceTree(dir: string, options: { withNodeModules?: boolean } = {}): SourceTree {
  const out: SourceTree = { files: [], links: {} };
  if (existsSync(join(dir, '.git'))) {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
    })
      .toString('utf8')
      .split('\0')
      .filter((p) => p !== '');
    for (const p of [...new Set(listed)].sort()) {
      let st;
      try {
        st = lstatSync(join(dir, p));
      } catch {
        continue; // deleted in the working tree
      }
      if (st.isSymbolicLink()) out.links[p] = readlinkSync(join(dir, p));
      else if (st.isFile()) out.files.push(p);
    }
    if (existsSync(join(dir, BUILD_DIR))) {
      const built: SourceTree = { files: [], links: {} };
      walk(dir, BUILD_DIR, built, (r) => r === BUILD_CACHE);
      out.files.push(...built.files.filter((f) => !out.files.includes(f)));
      Object.assign(out.links, built.links);
    }
  } else {
    walk(
      dir,
      '',
      out,
      (r) => r === BUILD_CACHE || (SKIP_DIRS.has(r.split('/')[0]!) && !(r.startsWith('node_modules') && options.withNodeModules === true)),
    );
  }
  if (options.withNodeModules === true && existsSync(join(dir, 'node_modules'))) {
    const nm: SourceTree = { files: [], links: {} };
    walk(dir, 'node_modules', nm, () => false);
    out.files.push(...nm.files.filter((f) => !out.files.includes(f)));
    Object.assign(out.links, nm.links);
  }
  out.files.sort();
  return out;
}

export interface BuildOptions {
  sourceDir: string;
  tree: SourceTree;
  version: string;
  privateKey: KeyObject;
  configSchema: { min: number; max: number };
  selfCheck?: { argv: string[]; timeout_s?: number };
  out: string;
  created?: Date;
}

/** Builds and signs a bundle from a source tree. */
export async function buildBundle(o: BuildOptions): Promise<{ file: string; manifest: Manifest; bytes: Buffer }> {
  versionSchema.parse(o.version);
  const files: Manifest['files'] = {};
  for (const rel of o.tree.files) {
    if (!releasePathSchema.safeParse(rel).success)
      throw new HomeSightError('E_BUNDLE_BUILD', `cannot bundle ${rel}: not a clean relative path`);
    const abs = join(o.sourceDir, rel);
    const st = lstatSync(abs);
    if (!st.isFile()) throw new HomeSightError('E_BUNDLE_BUILD', `cannot bundle ${rel}: not a regular file`);
    files[rel] = { sha256: await sha256File(abs), size: st.size, mode: (st.mode & 0o111) !== 0 ? 0o755 : 0o644 };
  }
  const manifest: Manifest = {
    format: 1,
    name: 'homesight',
    version: o.version,
    created: (o.created ?? new Date()).toISOString(),
    config_schema: o.configSchema,
    ...(o.selfCheck === undefined ? {} : { self_check: o.selfCheck }),
    ...(files['package-lock.json'] === undefined ? {} : { lock_sha256: files['package-lock.json'].sha256 }),
    files,
    links: o.tree.links,
  };
  manifestSchema.parse(manifest);
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
  const sig = Buffer.from(JSON.stringify(signManifest(bytes, o.privateKey)) + '\n', 'utf8');
  const entries: TarWriteEntry[] = [
    { name: 'manifest.json', type: 'file', data: bytes },
    { name: 'manifest.sig', type: 'file', data: sig },
    { name: 'payload', type: 'dir' },
  ];
  const dirs = new Set<string>();
  for (const rel of Object.keys(files)) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ name: `payload/${d}`, type: 'dir' });
      }
    }
    entries.push({ name: `payload/${rel}`, type: 'file', source: join(o.sourceDir, rel), mode: files[rel]!.mode });
  }
  await writeTarGz(o.out, entries, Math.floor((o.created ?? new Date()).getTime() / 1000));
  return { file: o.out, manifest, bytes };
}

export interface OpenOptions {
  trustedKeys: readonly string[];
  /** The `version:` of the config this device runs. */
  configVersion: number;
  /** Created by openBundle; must not exist. Removed again when the bundle is refused. */
  stagingDir: string;
  maxEntries?: number;
  maxBytes?: number;
}

export interface OpenedBundle {
  manifest: Manifest;
  /** The verified release tree (stagingDir/payload). */
  dir: string;
  keyId: string;
}

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r !== '' && r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r);
}

/**
 * Unpacks a bundle into a staging folder and verifies it: only the bundle
 * layout, only files and folders, a signature by a trusted key over the
 * manifest, a manifest that parses, config compatibility, and every payload
 * file matching its signed sha256 and size with nothing extra. Throws a
 * HomeSightError (E_BUNDLE_*) and leaves nothing behind when refused.
 */
export async function openBundle(file: string, o: OpenOptions): Promise<OpenedBundle> {
  const staging = resolve(o.stagingDir);
  if (existsSync(staging)) throw new HomeSightError('E_FLEET_STAGING', `staging folder ${staging} already exists`);
  await mkdir(staging, { recursive: true, mode: 0o700 });
  const payload = join(staging, 'payload');
  try {
    if (!existsSync(file)) throw new HomeSightError('E_BUNDLE_NOT_FOUND', `bundle not found: ${file}`);
    const entries = await readTarGz(
      file,
      (e) => {
        if (e.type === 'file' && (e.name === 'manifest.json' || e.name === 'manifest.sig')) return join(staging, e.name);
        if (e.type === 'dir' && e.name === 'payload') return payload;
        if (!e.name.startsWith('payload/')) return null;
        const rel = e.name.slice('payload/'.length);
        if (!releasePathSchema.safeParse(rel).success) return null;
        const dest = join(payload, rel);
        return inside(payload, dest) ? dest : null;
      },
      { maxEntries: o.maxEntries ?? 500_000, maxTotalBytes: o.maxBytes ?? 16 * 1024 ** 3 },
    );
    if (!entries.has('manifest.json') || !entries.has('manifest.sig')) {
      throw new HomeSightError('E_BUNDLE_MANIFEST', 'not a HomeSight bundle: manifest.json or manifest.sig is missing', {
        hint: 'build bundles with scripts/make-bundle',
      });
    }
    const bytes = await readFile(join(staging, 'manifest.json'));
    const { keyId } = verifyManifestSignature(bytes, await readFile(join(staging, 'manifest.sig'), 'utf8'), o.trustedKeys);
    let manifest: Manifest;
    try {
      manifest = manifestSchema.parse(JSON.parse(bytes.toString('utf8')));
    } catch (err) {
      throw new HomeSightError('E_BUNDLE_MANIFEST', `the signed manifest is not valid: ${(err as Error).message.slice(0, 300)}`, {
        cause: err,
      });
    }
    const { min, max } = manifest.config_schema;
    if (o.configVersion < min || o.configVersion > max) {
      throw new HomeSightError(
        'E_BUNDLE_INCOMPATIBLE',
        `version ${manifest.version} supports config ` +
          `format ${min === max ? `version ${min}` : `versions ${min}–${max}`}; ` +
          `this device's config is version ${o.configVersion}`,
        {
          context: { version: manifest.version, config_schema: manifest.config_schema, config_version: o.configVersion },
          hint: 'migrate the device config first, or ship a bundle built for this config version',
        },
      );
    }
    const seen = new Set<string>();
    for (const [name, e] of entries) {
      if (e.type !== 'file' || !name.startsWith('payload/')) continue;
      const rel = name.slice('payload/'.length);
      const want = manifest.files[rel];
      if (want === undefined)
        throw new HomeSightError('E_BUNDLE_TAMPERED', `payload/${rel} is not in the signed manifest`, {
          hint: 'the bundle was altered after signing; do not install it',
        });
      if (want.sha256 !== e.sha256 || want.size !== e.size) {
        throw new HomeSightError(
          'E_BUNDLE_TAMPERED',
          `payload/${rel} does not match the signed manifest (sha256 ${e.sha256.slice(0, 12)}…, signed ${want.sha256.slice(0, 12)}…)`,
          {
            context: { file: rel, sha256: e.sha256, expected: want.sha256, size: e.size, expected_size: want.size },
            hint: 'the bundle was altered or corrupted after signing; do not install it',
          },
        );
      }
      seen.add(rel);
    }
    const missing = Object.keys(manifest.files).filter((f) => !seen.has(f));
    if (missing.length > 0) {
      throw new HomeSightError('E_BUNDLE_TAMPERED', `${missing.length} signed file(s) missing from the payload, e.g. ${missing[0]}`, {
        context: { missing: missing.slice(0, 20) },
      });
    }
    for (const [rel, m] of Object.entries(manifest.files)) await chmod(join(payload, rel), m.mode);
    for (const [rel, target] of Object.entries(manifest.links)) {
      const at = join(payload, rel);
      const resolved = resolve(dirname(at), target);
      if (target.startsWith('/') || !inside(payload, resolved) || manifest.files[rel] !== undefined) {
        throw new HomeSightError('E_BUNDLE_UNSAFE_PATH', `link ${rel} → ${target} points outside the release`);
      }
      await mkdir(dirname(at), { recursive: true });
      await symlink(target, at);
    }
    await mkdir(payload, { recursive: true });
    return { manifest, dir: payload, keyId };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw asHomeSightError(err, 'E_BUNDLE');
  }
}
