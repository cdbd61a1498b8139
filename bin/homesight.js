#!/usr/bin/env node
// Entry point of the `homesight` command. It runs the compiled daemon (dist/, `npm run build`) or the TypeScript
// sources through tsx:
//   HOMESIGHT_RUNTIME=dist   the compiled tree (systemd unit, `npm start`, `npm run demo`; fails when not built)
//   HOMESIGHT_RUNTIME=source the sources through tsx
//   unset                    the sources when this tree has them (a checkout: tests never run a stale build),
//                            else dist/ (a release made by scripts/install-service.sh or a fleet bundle)
// `bench` and `dataset` always run from source (tsx stays for benches); they are loaded from bench/cli, so the
// daemon's own import graph (daemon/) never contains the benchmark harness or the dataset generator.
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const argv = process.argv.slice(2);
const benchCommand = argv[0] === 'bench' || argv[0] === 'dataset';
const wanted = process.env.HOMESIGHT_RUNTIME ?? '';
if (wanted !== '' && wanted !== 'dist' && wanted !== 'source') {
  process.stderr.write(`homesight: HOMESIGHT_RUNTIME must be "dist" or "source", not "${wanted}"\n`);
  process.exit(64);
}
const hasSources = existsSync(new URL('daemon/cli.ts', root));
const compiled = new URL('dist/daemon/cli.js', root);
const runtime = benchCommand ? 'source' : wanted !== '' ? wanted : hasSources ? 'source' : 'dist';

let main;
if (runtime === 'dist') {
  if (!existsSync(compiled)) {
    process.stderr.write(`homesight: ${compiled.pathname} is missing: run \`npm run build\` first\n`);
    process.exit(69);
  }
  // Stack traces point into the TypeScript sources through the emitted source maps.
  process.setSourceMapsEnabled(true);
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../daemon/cli.ts'));
}
const commands = benchCommand ? (await import('../bench/cli/index.ts')).BENCH_COMMANDS : undefined;
process.exitCode = await main(argv, commands);
