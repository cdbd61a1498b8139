import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The compiled daemon as a release runs it: tsconfig.build.json emitted into a release-shaped folder (bin/, dist/,
 * package.json, models/, node_modules; no TypeScript sources, so bin/homesight.js picks dist/), then `--help`,
 * `version` and a short `run` to READY. The rest of the suite runs the sources through tsx.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const release = mkdtempSync(join(tmpdir(), 'hs-dist-'));
t.teardown(() => rmSync(release, { recursive: true, force: true }));

// Emit only: `npm run typecheck` checks the types; this checks that the emitted JavaScript runs.
const tsc = spawnSync(
  process.execPath,
  [
    join(repo, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(repo, 'tsconfig.build.json'),
    '--noCheck',
    '--outDir',
    join(release, 'dist'),
    '--tsBuildInfoFile',
    join(release, 'dist/.tsbuildinfo'),
  ],
  { encoding: 'utf8' },
);
mkdirSync(join(release, 'bin'));
copyFileSync(join(repo, 'bin/homesight.js'), join(release, 'bin/homesight.js'));
copyFileSync(join(repo, 'package.json'), join(release, 'package.json'));
symlinkSync(join(repo, 'node_modules'), join(release, 'node_modules'));
symlinkSync(join(repo, 'models'), join(release, 'models'));

function cli(...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [join(release, 'bin/homesight.js'), ...args], { cwd: release, encoding: 'utf8', timeout: 60_000 });
}

t.test('tsc emits the daemon to dist/ with source maps', async (t) => {
  t.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  t.ok(existsSync(join(release, 'dist/daemon/cli.js')), 'dist/daemon/cli.js');
  t.ok(existsSync(join(release, 'dist/daemon/cli.js.map')), 'its source map');
  t.notOk(existsSync(join(release, 'dist/test')), 'no tests in the build');
  t.notOk(existsSync(join(release, 'dist/bench')), 'no benches in the build');
  t.notMatch(readFileSync(join(release, 'dist/daemon/main.js'), 'utf8'), /from '\.[^']*\.ts'/, 'relative imports end in .js');
});

t.test('bin/homesight.js runs the compiled tree of a release', async (t) => {
  const help = cli('--help');
  t.equal(help.status, 0, String(help.stderr));
  t.match(String(help.stdout), /usage: homesight <command>/);
  const version = cli('version');
  t.equal(version.status, 0, String(version.stderr));
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
  t.match(String(version.stdout), `homesight ${pkg.version}`, 'version read from package.json above dist/');
  const forced = spawnSync(process.execPath, [join(release, 'bin/homesight.js'), 'version'], {
    cwd: release,
    encoding: 'utf8',
    env: { ...process.env, HOMESIGHT_RUNTIME: 'sources' },
  });
  t.equal(forced.status, 64, 'an unknown HOMESIGHT_RUNTIME is a usage error');
});

t.test('a missing build is named, not a stack trace', async (t) => {
  // bin/ alone: neither TypeScript sources nor dist/ beside it.
  const bare = mkdtempSync(join(tmpdir(), 'hs-dist-bare-'));
  t.teardown(() => rmSync(bare, { recursive: true, force: true }));
  mkdirSync(join(bare, 'bin'));
  copyFileSync(join(repo, 'bin/homesight.js'), join(bare, 'bin/homesight.js'));
  const r = spawnSync(process.execPath, [join(bare, 'bin/homesight.js'), 'version'], { cwd: bare, encoding: 'utf8' });
  t.equal(r.status, 69, 'EX_UNAVAILABLE');
  t.match(r.stderr, /dist\/daemon\/cli\.js is missing: run `npm run build` first/);
});

/** The modules an idle daemon (no cameras, retrieval planner, vision off) must not load: each costs 10–40 MB. */
const HEAVY = ['node-llama-cpp', 'onnxruntime-node', 'sharp', 'fastify', 'vega', 'vega-lite', 'playwright-core', '@faker-js/faker'];

t.test('the compiled daemon starts to READY, loads no heavy library it does not use, and stops on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-dist-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'homesight.yaml');
  writeFileSync(
    config,
    [
      'version: 1',
      'cameras: {}',
      'health: {port: 0}',
      'mqtt: {embedded: {port: 0}}',
      'agent: {planner: retrieval}',
      'vision: {enabled: false}',
      `paths: {data_dir: ${dir}/data, cache_dir: ${dir}/cache, recordings_dir: ${dir}/rec}`,
      '',
    ].join('\n'),
  );
  // Records every package the process loads (ESM and CommonJS) into a file, read after it stopped.
  const loaded = join(dir, 'loaded.txt');
  const hook = join(dir, 'hook.mjs');
  writeFileSync(
    hook,
    [
      "import { appendFileSync } from 'node:fs';",
      "import Module, { register } from 'node:module';",
      `const out = ${JSON.stringify(loaded)};`,
      'register(`data:text/javascript,${encodeURIComponent(',
      "  `import { appendFileSync } from 'node:fs'; ` +",
      "  `export async function load(u, c, n) { appendFileSync(${JSON.stringify(out)}, u + '\\\\n'); return n(u, c); }`",
      ')}`);',
      'const compile = Module.prototype._compile;',
      "Module.prototype._compile = function (code, file) { appendFileSync(out, file + '\\n'); return compile.call(this, code, file); };",
      '',
    ].join('\n'),
  );
  const proc = spawn(process.execPath, ['--import', hook, join(release, 'bin/homesight.js'), 'run', '--config', config], {
    cwd: dir,
    env: { ...process.env, HOMESIGHT_CONFIG: '', HOMESIGHT_RUNTIME: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const ready = new Promise<boolean>((resolve) => {
    for (const s of [proc.stdout, proc.stderr]) {
      createInterface({ input: s }).on('line', (l) => {
        lines.push(l);
        if (l.includes('"HomeSight ready"')) resolve(true);
      });
    }
    void exited.then(() => resolve(false));
  });
  t.ok(await ready, `ready (log tail: ${lines.slice(-5).join(' | ')})`);
  proc.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit');
  const files = readFileSync(loaded, 'utf8');
  t.match(files, /dist\/daemon\/main\.js/, 'ran dist/daemon');
  t.notMatch(files, /\/daemon\/[^\n]*\.ts\n/, 'no TypeScript source loaded');
  for (const name of HEAVY) t.notOk(files.includes(`/node_modules/${name}/`), `${name} not loaded`);
});

t.test('the unit runs node with the settings bench/runtime measured', async (t) => {
  const { SERVICE_ENV, SERVICE_NODE_FLAGS } = await import('../../bench/runtime/startup.js');
  const unit = readFileSync(join(repo, 'systemd/homesight.service'), 'utf8');
  const exec = /^ExecStart=(\S+) (.*) \S+\/bin\/homesight\.js run$/m.exec(unit);
  t.ok(exec, 'ExecStart runs bin/homesight.js run');
  t.same(exec?.[2]?.split(' '), SERVICE_NODE_FLAGS, 'node flags');
  for (const [k, v] of Object.entries(SERVICE_ENV)) t.match(unit, `\nEnvironment=${k}=${v}\n`, `${k}=${v}`);
  t.match(unit, '\nEnvironment=HOMESIGHT_RUNTIME=dist\n', 'runs dist/');
});
