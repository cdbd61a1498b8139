#!/usr/bin/env node
// Entry point of the `homesight` command: registers tsx so the TypeScript
// sources run as they are (no build step on the device), then runs the CLI.
// `bench` and `dataset` are loaded from bench/cli, so the daemon's own import
// graph (daemon/) never contains the benchmark harness or the dataset generator.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
const { main } = await import('../daemon/cli.ts');
const commands = argv[0] === 'bench' || argv[0] === 'dataset' ? (await import('../bench/cli/index.ts')).BENCH_COMMANDS : undefined;
process.exitCode = await main(argv, commands);
