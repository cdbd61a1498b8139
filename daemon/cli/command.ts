import type { ParseArgsConfig } from 'node:util';

/** One CLI subcommand (its own file, so the subcommands and the list in commands.ts do not import each other). */
export interface CliCommand {
  /** Words, e.g. "config check". */
  name: string;
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number>;
}
