import { stringify } from 'yaml';
import { loadConfig, ConfigError, formatProblem } from '../config/index.js';
import { EXIT } from '../main.js';
import type { CliCommand } from './commands.js';

const check: CliCommand = {
  name: 'config check',
  usage: 'config check [FILE]',
  summary: 'validate a config file (exit 78 when invalid)',
  async run(_values, positionals) {
    const file = positionals[0];
    try {
      const loaded = loadConfig(file === undefined ? {} : { file });
      process.stdout.write(`${loaded.source}: OK (${Object.keys(loaded.config.cameras).length} cameras)\n`);
      return EXIT.OK;
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
        process.stderr.write(`${err.problems.length} problem(s); the daemon would refuse to start\n`);
        return EXIT.CONFIG;
      }
      throw err;
    }
  },
};

const show: CliCommand = {
  name: 'config show',
  usage: 'config show [FILE]',
  summary: 'print the effective config (defaults and env overrides applied)',
  async run(_values, positionals) {
    const file = positionals[0];
    try {
      const loaded = loadConfig(file === undefined ? {} : { file });
      process.stdout.write(stringify(loaded.config));
      return EXIT.OK;
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
        return EXIT.CONFIG;
      }
      throw err;
    }
  },
};

export const configCommands: CliCommand[] = [check, show];
