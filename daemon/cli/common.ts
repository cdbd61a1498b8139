import { ConfigError, formatProblem, loadConfig, type ConfigProblem, type LoadedConfig, type LoadOptions } from '../config/index.js';
import { EXIT } from '../system/index.js';

/**
 * Helpers every CLI command shares. A command that needs the config loads it
 * with loadCliConfig, so all of them read the same file (--config FILE or a
 * FILE argument, else HOMESIGHT_CONFIG, else the embedded default) and report
 * a bad one the same way (one located line per problem on stderr, exit 78).
 */

/**
 * LoadOptions for the config file a command was given (the value of --config
 * or a FILE argument). Nothing, or an empty string, leaves the choice to
 * loadConfig: HOMESIGHT_CONFIG, else the embedded default.
 */
export function configLoadOptions(file: unknown): LoadOptions {
  return typeof file === 'string' && file !== '' ? { file } : {};
}

/** Writes one line per problem to stderr (`source:line:col key: message …`), then `footer` when given. */
export function printProblems(problems: readonly ConfigProblem[], footer?: (count: number) => string): void {
  for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
  if (footer !== undefined) process.stderr.write(footer(problems.length) + '\n');
}

export interface LoadCliConfigOptions {
  /** A last stderr line after the problems, e.g. `${n} problem(s); the daemon would refuse to start`. */
  footer?: (count: number) => string;
}

/**
 * Loads and validates the config for a command (see configLoadOptions for
 * which file). When it is invalid or missing, prints the problems and returns
 * EXIT.CONFIG (78) for the command to return; other errors are thrown.
 */
export function loadCliConfig(file: unknown, options: LoadCliConfigOptions = {}): LoadedConfig | number {
  try {
    return loadConfig(configLoadOptions(file));
  } catch (err) {
    if (err instanceof ConfigError) {
      printProblems(err.problems, options.footer);
      return EXIT.CONFIG;
    }
    throw err;
  }
}
