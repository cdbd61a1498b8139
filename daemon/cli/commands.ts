import type { ParseArgsConfig } from 'node:util';
import { adapterCommands } from './adapter.js';
import { learningCommands } from './learning.js';
import { agentCommands } from './agent.js';
import { configCommands } from './config.js';
import { dbCommands } from './db.js';
import { fleetCommands } from './fleet.js';
import { enrollCommand } from './enroll.js';
import { runCommand, versionCommand } from './run.js';
import { datasetCommands } from './dataset.js';
import { benchCommand } from './bench.js';

/** One CLI subcommand. Later capabilities add theirs to COMMANDS. */
export interface CliCommand {
  /** Words, e.g. "config check". */
  name: string;
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number>;
}

export const COMMANDS: CliCommand[] = [runCommand, versionCommand, ...configCommands, ...dbCommands, enrollCommand, ...adapterCommands, ...learningCommands, ...datasetCommands, benchCommand, ...agentCommands, ...fleetCommands];
