import type { ParseArgsConfig } from 'node:util';
import { configCommands } from './config.js';
import { runCommand, versionCommand } from './run.js';

/** One CLI subcommand. Later capabilities add theirs to COMMANDS. */
export interface CliCommand {
  /** Words, e.g. "config check". */
  name: string;
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number>;
}

export const COMMANDS: CliCommand[] = [runCommand, versionCommand, ...configCommands];
