import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, generateSigningKey, listSourceTree, loadPrivateKey, openBundle } from '../../daemon/fleet/index.js';
import { compareVersions } from '../../daemon/fleet/manifest.js';
import { writeTarGz } from '../../daemon/fleet/tar.js';
import { HomeSightError } from '../../daemon/system/index.js';
import { makeFakeRelease } from './support/fake-release.js';

const repo = new URL('../../', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'hs-bundle-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const signer = generateSigningKey();
const stranger = generateSigningKey();

let n = 0;
const staging = (): string => join(root, `staging-${n++}`);

async function build(
  version: string,
  opts: { src?: string; configSchema?: { min: number; max: number }; privatePem?: string } = {},
): Promise<string> {
  const src = opts.src ?? makeFakeRelease(join(root, `src-${version}-${n++}`), version);
  const out = join(root, `homesight-${version}-${n++}.tar.gz`);
  await buildBundle({
    sourceDir: src,
    tree: listSourceTree(src),
    version,
    privateKey: loadPrivateKey(opts.privatePem ?? signer.privatePem),
    configSchema: opts.configSchema ?? { min: 1, max: 1 },
    selfCheck: { argv: ['node', 'bin/homesight.js', 'version'] },
    out,
  });
  return out;
}

async function refusal(file: string, trusted = [signer.publicKey], configVersion = 1): Promise<HomeSightError> {
  const dir = staging();
  try {
    await openBundle(file, { trustedKeys: trusted, configVersion, stagingDir: dir });
  } catch (err) {
    t.notOk(existsSync(dir), 'nothing left behind after a refusal');
    if (err instanceof HomeSightError) return err;
    throw err;
  }
  throw new Error('expected the bundle to be refused');
}

/** Unpacks with system tar, lets fn change the tree, packs again with system tar (GNU format). */
function repack(file: string, fn: (dir: string) => void): string {
  const dir = join(root, `repack-${n++}`);
  mkdirSync(dir);
  execFileSync('tar', ['-xzf', file, '-C', dir]);
  fn(dir);
  const out = join(root, `repacked-${n++}.tar.gz`);
  execFileSync('tar', ['-czf', out, '-C', dir, ...readdirSync(dir)]);
  return out;
}

t.test('a good bundle verifies and unpacks; system tar reads our archives', async (t) => {
  const file = await build('1.0.0');
  const listed = execFileSync('tar', ['-tzf', file]).toString().split('\n');
  t.ok(listed.includes('manifest.json') && listed.includes('payload/bin/homesight.js'), 'GNU tar lists the layout');
  const dir = staging();
  const b = await openBundle(file, { trustedKeys: [stranger.publicKey, signer.publicKey], configVersion: 1, stagingDir: dir });
  t.equal(b.manifest.version, '1.0.0');
  t.same(Object.keys(b.manifest.files).sort(), ['README.txt', 'bin/homesight.js', 'package.json']);
  t.equal(statSync(join(b.dir, 'bin/homesight.js')).mode & 0o777, 0o755, 'executable bit from the signed manifest');
  t.equal(readFileSync(join(b.dir, 'README.txt'), 'utf8'), 'release 1.0.0\n');
  t.equal(b.keyId.length, 16);
});

t.test('tampered payload, extra file, altered manifest: refused', async (t) => {
  const file = await build('1.0.1');
  const tampered = repack(file, (d) => writeFileSync(join(d, 'payload/README.txt'), 'evil\n'));
  const e1 = await refusal(tampered);
  t.equal(e1.code, 'E_BUNDLE_TAMPERED');
  t.match(e1.message, /payload\/README\.txt does not match the signed manifest/);
  t.match(e1.hint, /do not install/);

  const extra = repack(file, (d) => writeFileSync(join(d, 'payload/backdoor.js'), 'x'));
  const e2 = await refusal(extra);
  t.equal(e2.code, 'E_BUNDLE_TAMPERED');
  t.match(e2.message, /backdoor\.js is not in the signed manifest/);

  const altered = repack(file, (d) => {
    const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { version: string };
    m.version = '9.9.9';
    writeFileSync(join(d, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
  });
  const e3 = await refusal(altered);
  t.equal(e3.code, 'E_BUNDLE_SIGNATURE', 'an edited manifest no longer verifies');

  const missing = repack(file, (d) => rmSync(join(d, 'payload/README.txt')));
  t.equal((await refusal(missing)).code, 'E_BUNDLE_TAMPERED');
});

t.test('wrong signature: a key the device does not trust, or no trusted keys at all', async (t) => {
  const file = await build('1.0.2', { privatePem: stranger.privatePem });
  const e = await refusal(file);
  t.equal(e.code, 'E_BUNDLE_UNTRUSTED_KEY');
  t.match(e.message, /does not trust/);
  t.match(e.hint, /fleet\.trusted_keys/);
  const none = await refusal(await build('1.0.3'), []);
  t.equal(none.code, 'E_BUNDLE_UNTRUSTED_KEY');
  t.match(none.message, /trusted_keys is empty/);
  // A signature made by the trusted key over other bytes.
  const good = await build('1.0.4');
  const forged = repack(good, (d) => {
    const sig = JSON.parse(readFileSync(join(d, 'manifest.sig'), 'utf8')) as { sig: string };
    const bytes = Buffer.from(sig.sig, 'base64');
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(join(d, 'manifest.sig'), JSON.stringify({ ...sig, sig: bytes.toString('base64') }));
  });
  t.equal((await refusal(forged)).code, 'E_BUNDLE_SIGNATURE');
});

t.test('incompatible config schema version: refused with both versions named', async (t) => {
  const file = await build('2.0.0', { configSchema: { min: 2, max: 3 } });
  const e = await refusal(file);
  t.equal(e.code, 'E_BUNDLE_INCOMPATIBLE');
  t.equal(e.message, "version 2.0.0 supports config format versions 2–3; this device's config is version 1");
  t.match(e.hint, /migrate/);
});

t.test('unsafe archives: links, devices, path traversal, absolute paths, truncation', async (t) => {
  const good = await build('1.0.5');
  const withLink = repack(good, (d) => symlinkSync('/etc/passwd', join(d, 'payload/passwd')));
  const e1 = await refusal(withLink);
  t.equal(e1.code, 'E_BUNDLE_UNSAFE_ENTRY');
  t.match(e1.message, /symbolic link/);

  for (const name of ['payload/../../escape.js', '/tmp/abs.js', 'payload/./x', 'other/file']) {
    const f = join(root, `unsafe-${n++}.tar.gz`);
    await writeTarGz(f, [{ name, type: 'file', data: Buffer.from('x') }]);
    const e = await refusal(f);
    t.equal(e.code, 'E_BUNDLE_UNSAFE_PATH', `${name} refused`);
  }
  t.notOk(existsSync(join(root, 'escape.js')), 'nothing written outside');

  const cut = join(root, `cut-${n++}.tar.gz`);
  writeFileSync(cut, readFileSync(good));
  truncateSync(cut, Math.floor(statSync(good).size / 2));
  const e3 = await refusal(cut);
  t.equal(e3.code, 'E_TAR_FORMAT');

  const notTar = join(root, 'not-a-bundle.tar.gz');
  writeFileSync(notTar, 'hello');
  t.equal((await refusal(notTar)).code, 'E_TAR_FORMAT');
});

t.test('links are carried in the signed manifest and must stay inside the release', async (t) => {
  const src = makeFakeRelease(join(root, 'src-links'), '1.1.0');
  symlinkSync('homesight.js', join(src, 'bin', 'hs'));
  const long = join(src, 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(long, { recursive: true });
  writeFileSync(join(long, 'c'.repeat(80) + '.txt'), 'deep');
  const file = await build('1.1.0', { src });
  const b = await openBundle(file, { trustedKeys: [signer.publicKey], configVersion: 1, stagingDir: staging() });
  t.equal(readFileSync(join(b.dir, 'bin', 'hs'), 'utf8'), readFileSync(join(src, 'bin', 'homesight.js'), 'utf8'), 'link recreated');
  t.equal(
    readFileSync(join(b.dir, 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(80) + '.txt'), 'utf8'),
    'deep',
    'paths over 100 bytes (pax) round-trip',
  );

  const evil = makeFakeRelease(join(root, 'src-evil'), '1.1.1');
  symlinkSync('../../../../etc', join(evil, 'etc'));
  const e = await refusal(await build('1.1.1', { src: evil }));
  t.equal(e.code, 'E_BUNDLE_UNSAFE_PATH');
});

t.test('scripts/make-bundle: keygen, build from a tree, verify; homesight fleet verify agrees', async (t) => {
  // The commands run as a person would run them: without the test runner's loader hooks.
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (k !== 'NODE_OPTIONS' && !k.startsWith('TAP') && !k.startsWith('HOMESIGHT_')) base[k] = v;
  const keys = join(root, 'keys');
  const kg = spawnSync(join(repo, 'scripts/make-bundle'), ['keygen', '--out', keys], { encoding: 'utf8', env: base });
  t.equal(kg.status, 0, kg.stderr);
  t.equal(statSync(join(keys, 'homesight-fleet.key')).mode & 0o777, 0o600, 'private key is 0600');
  const pub = readFileSync(join(keys, 'homesight-fleet.pub'), 'utf8').trim();
  t.match(kg.stdout, pub, 'prints the public key for fleet.trusted_keys');
  const again = spawnSync(join(repo, 'scripts/make-bundle'), ['keygen', '--out', keys], { encoding: 'utf8', env: base });
  t.not(again.status, 0, 'never overwrites a key');

  const src = makeFakeRelease(join(root, 'src-script'), '3.1.4');
  const out = join(root, 'script.tar.gz');
  const b = spawnSync(
    join(repo, 'scripts/make-bundle'),
    ['build', '--key', join(keys, 'homesight-fleet.key'), '--source', src, '--out', out, '--self-check', 'node bin/homesight.js version'],
    { encoding: 'utf8', env: base },
  );
  t.equal(b.status, 0, b.stderr);
  t.match(b.stdout, /version 3\.1\.4, 3 files/);
  const v = spawnSync(join(repo, 'scripts/make-bundle'), ['verify', out, '--trust', pub], { encoding: 'utf8', env: base });
  t.equal(v.status, 0, v.stderr);

  const env = { ...base, HOMESIGHT_FLEET__TRUSTED_KEYS: JSON.stringify([pub]), HOMESIGHT_PATHS__DATA_DIR: join(root, 'cli-data') };
  const ok = spawnSync(process.execPath, [join(repo, 'bin/homesight.js'), 'fleet', 'verify', out], { encoding: 'utf8', env });
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /OK, version 3\.1\.4/);
  const bad = spawnSync(process.execPath, [join(repo, 'bin/homesight.js'), 'fleet', 'verify', out], {
    encoding: 'utf8',
    env: { ...env, HOMESIGHT_FLEET__TRUSTED_KEYS: JSON.stringify([signer.publicKey]) },
  });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /REFUSED E_BUNDLE_UNTRUSTED_KEY/);

  // First install on a device: verified, installed, self-checked, `current` points at it.
  const inst = spawnSync(process.execPath, [join(repo, 'bin/homesight.js'), 'fleet', 'install', out], { encoding: 'utf8', env });
  t.equal(inst.status, 0, inst.stderr);
  t.equal(readlinkSync(join(root, 'cli-data', 'current')), 'releases/3.1.4');
  t.ok(existsSync(join(root, 'cli-data', 'releases', '3.1.4', 'bin', 'homesight.js')));
  const st = spawnSync(process.execPath, [join(repo, 'bin/homesight.js'), 'fleet', 'status'], { encoding: 'utf8', env });
  t.match(JSON.parse(st.stdout), { current: '3.1.4', releases: ['3.1.4'] });
});

t.test('semver ordering for downgrade checks', async (t) => {
  t.ok(compareVersions('1.2.0', '1.10.0') < 0);
  t.ok(compareVersions('1.3.0-rc.1', '1.3.0') < 0);
  t.ok(compareVersions('1.3.0-rc.2', '1.3.0-rc.10') < 0);
  t.equal(compareVersions('2.0.0+build.5', '2.0.0'), 0);
  t.ok(compareVersions('2.0.0', '1.99.99') > 0);
});

t.test('the compiled daemon (dist/) ships although git ignores it; tsc build cache does not', async (t) => {
  for (const withGit of [false, true]) {
    const src = makeFakeRelease(join(root, `src-dist-${withGit}`), '4.0.0');
    mkdirSync(join(src, 'dist', 'daemon'), { recursive: true });
    writeFileSync(join(src, 'dist', 'daemon', 'cli.js'), 'export {};\n');
    writeFileSync(join(src, 'dist', '.tsbuildinfo'), '{}');
    if (withGit) {
      writeFileSync(join(src, '.gitignore'), 'dist/\n');
      execFileSync('git', ['init', '-q'], { cwd: src });
    }
    const tree = listSourceTree(src);
    t.ok(tree.files.includes('dist/daemon/cli.js'), `${withGit ? 'git checkout' : 'plain folder'}: dist/daemon/cli.js listed`);
    t.notOk(tree.files.includes('dist/.tsbuildinfo'), `${withGit ? 'git checkout' : 'plain folder'}: no build cache`);
  }
});

t.test('scripts/make-bundle refuses a HomeSight checkout that was not built', async (t) => {
  const src = makeFakeRelease(join(root, 'src-unbuilt'), '4.1.0');
  mkdirSync(join(src, 'daemon'));
  writeFileSync(join(src, 'daemon', 'cli.ts'), 'export {};\n');
  const keys = join(root, 'keys-unbuilt');
  const gen = spawnSync(join(repo, 'scripts/make-bundle'), ['keygen', '--out', keys], { encoding: 'utf8' });
  t.equal(gen.status, 0, gen.stderr);
  const r = spawnSync(join(repo, 'scripts/make-bundle'), ['build', '--key', join(keys, 'homesight-fleet.key'), '--source', src], {
    encoding: 'utf8',
    cwd: root,
  });
  t.equal(r.status, 1);
  t.match(r.stderr, /no compiled daemon \(dist\/daemon\/cli\.js\): run `npm run build` there first/);
});
