import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CONFIG_VERSION } from '../daemon/config/index.js';
import {
  buildBundle,
  generateSigningKey,
  keyId,
  listSourceTree,
  loadPrivateKey,
  openBundle,
  publicKeyToBase64,
} from '../daemon/fleet/index.js';
import { EXIT, asHomeSightError } from '../daemon/system/index.js';

const USAGE = `usage:
  scripts/make-bundle keygen [--out DIR]
      new ed25519 signing key: DIR/homesight-fleet.key (private, mode 0600, keep it off the devices)
      and DIR/homesight-fleet.pub; prints the public key to put in fleet.trusted_keys
  scripts/make-bundle build --key FILE [--source DIR] [--version V] [--out FILE]
                            [--with-node-modules] [--config-min N] [--config-max N] [--self-check "CMD ARGS" | --no-self-check]
      builds homesight-<version>.tar.gz from DIR (default: this repository; git-tracked and
      untracked-but-not-ignored files, plus the compiled daemon dist/ of \`npm run build\`), signs its manifest
      with the key (also HOMESIGHT_SIGNING_KEY_FILE)
  scripts/make-bundle verify BUNDLE --trust PUBKEY [--trust PUBKEY…] [--config-version N]
      checks signature, hashes and compatibility as a device would`;

function fail(msg: string): number {
  process.stderr.write(`make-bundle: ${msg}\n`);
  return EXIT.FAILURE;
}

async function keygen(values: Record<string, unknown>): Promise<number> {
  const dir = resolve(typeof values.out === 'string' ? values.out : '.');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, 'homesight-fleet.key');
  if (existsSync(keyFile)) return fail(`${keyFile} exists; refusing to overwrite a signing key`);
  const { privatePem, publicKey } = generateSigningKey();
  writeFileSync(keyFile, privatePem, { mode: 0o600, flag: 'wx' });
  writeFileSync(join(dir, 'homesight-fleet.pub'), `${publicKey}\n`);
  process.stdout.write(`private key: ${keyFile} (mode 0600; back it up offline, never copy it to a device)\n`);
  process.stdout.write(`key id:      ${keyId(publicKey)}\n`);
  process.stdout.write(`add to the device config:\n  fleet:\n    trusted_keys:\n      - "${publicKey}"\n`);
  return EXIT.OK;
}

async function build(values: Record<string, unknown>): Promise<number> {
  const keyFile = typeof values.key === 'string' ? values.key : process.env.HOMESIGHT_SIGNING_KEY_FILE;
  if (keyFile === undefined) return fail('--key FILE (or HOMESIGHT_SIGNING_KEY_FILE) is required');
  const mode = statSync(keyFile).mode & 0o077;
  if (mode !== 0) return fail(`${keyFile} is readable by others (mode ${(statSync(keyFile).mode & 0o777).toString(8)}); chmod 600 it`);
  const privateKey = loadPrivateKey(readFileSync(keyFile, 'utf8'));
  const source = resolve(typeof values.source === 'string' ? values.source : new URL('../', import.meta.url).pathname);
  const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version?: string };
  const version = typeof values.version === 'string' ? values.version : pkg.version;
  if (version === undefined) return fail('no --version and no version in package.json');
  const min = Number(values['config-min'] ?? CONFIG_VERSION);
  const max = Number(values['config-max'] ?? CONFIG_VERSION);
  let selfCheck: { argv: string[] } | undefined;
  if (values['no-self-check'] !== true) {
    const cmd =
      typeof values['self-check'] === 'string'
        ? values['self-check']
        : existsSync(join(source, 'bin/homesight.js'))
          ? 'node bin/homesight.js config check'
          : undefined;
    if (cmd !== undefined) selfCheck = { argv: cmd.split(/\s+/).filter((s) => s !== '') };
  }
  // A HomeSight checkout ships its compiled daemon (the unit runs dist/); a bundle without it would not start.
  if (existsSync(join(source, 'daemon/cli.ts')) && !existsSync(join(source, 'dist/daemon/cli.js'))) {
    return fail(`${source} has no compiled daemon (dist/daemon/cli.js): run \`npm run build\` there first`);
  }
  const tree = listSourceTree(source, { withNodeModules: values['with-node-modules'] === true });
  const out = resolve(typeof values.out === 'string' ? values.out : `homesight-${version}.tar.gz`);
  const t0 = Date.now();
  const { manifest } = await buildBundle({
    sourceDir: source,
    tree,
    version,
    privateKey,
    configSchema: { min, max },
    ...(selfCheck === undefined ? {} : { selfCheck }),
    out,
  });
  const bytes = statSync(out).size;
  process.stdout.write(
    `${out}: version ${manifest.version}, ${Object.keys(manifest.files).length} files, ${Object.keys(manifest.links).length} links, ` +
      `${(bytes / 1024 / 1024).toFixed(1)} MiB, config ${min}–${max}, ` +
      `signed by key ${keyId(publicKeyToBase64(createPublicKey(privateKey)))} in ${Date.now() - t0} ms\n`,
  );
  return EXIT.OK;
}

async function verify(positionals: string[], values: Record<string, unknown>): Promise<number> {
  const file = positionals[0];
  if (file === undefined) return fail('verify needs a BUNDLE');
  const trust = Array.isArray(values.trust) ? (values.trust as string[]) : [];
  const staging = join(await mkdtemp(join(tmpdir(), 'hs-verify-')), 'x');
  try {
    const b = await openBundle(resolve(file), {
      trustedKeys: trust,
      configVersion: Number(values['config-version'] ?? CONFIG_VERSION),
      stagingDir: staging,
    });
    process.stdout.write(`ok: version ${b.manifest.version}, ${Object.keys(b.manifest.files).length} files, signed by ${b.keyId}\n`);
    return EXIT.OK;
  } finally {
    await rm(join(staging, '..'), { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        key: { type: 'string' },
        source: { type: 'string' },
        version: { type: 'string' },
        'with-node-modules': { type: 'boolean' },
        'config-min': { type: 'string' },
        'config-max': { type: 'string' },
        'config-version': { type: 'string' },
        'self-check': { type: 'string' },
        'no-self-check': { type: 'boolean' },
        trust: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`);
  }
  const [cmd, ...rest] = parsed.positionals;
  if (parsed.values.help === true || cmd === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return cmd === undefined && parsed.values.help !== true ? 64 : 0;
  }
  try {
    if (cmd === 'keygen') return await keygen(parsed.values);
    if (cmd === 'build') return await build(parsed.values);
    if (cmd === 'verify') return await verify(rest, parsed.values);
  } catch (err) {
    const e = asHomeSightError(err);
    return fail(`${e.code}: ${e.message}${e.hint === undefined ? '' : ` (${e.hint})`}`);
  }
  return fail(`unknown command ${cmd}\n${USAGE}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
