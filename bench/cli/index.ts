import type { CliCommand } from '../../daemon/cli.js';
import { benchCommand } from './bench.js';
import { datasetCommands } from './dataset.js';

/** `homesight bench …` and `homesight dataset …`: bin/homesight.js hands these to the CLI dispatcher. */
export const BENCH_COMMANDS: readonly CliCommand[] = [benchCommand, ...datasetCommands];
