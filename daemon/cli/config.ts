import { stringify } from 'yaml';
import { EXIT } from '../system/index.js';
import type { CliCommand } from './command.js';
import { loadCliConfig } from './common.js';

const check: CliCommand = {
  name: 'config check',
  usage: 'config check [FILE]',
  summary: 'validate a config file (exit 78 when invalid)',
  async run(_values, positionals) {
    const loaded = loadCliConfig(positionals[0], { footer: (n) => `${n} problem(s); the daemon would refuse to start` });
    if (typeof loaded === 'number') return loaded;
    process.stdout.write(`${loaded.source}: OK (${Object.keys(loaded.config.cameras).length} cameras)\n`);
    return EXIT.OK;
  },
};

const show: CliCommand = {
  name: 'config show',
  usage: 'config show [FILE]',
  summary: 'print the effective config (defaults and env overrides applied)',
  async run(_values, positionals) {
    const loaded = loadCliConfig(positionals[0]);
    if (typeof loaded === 'number') return loaded;
    process.stdout.write(stringify(loaded.config));
    return EXIT.OK;
  },
};

export const configCommands: CliCommand[] = [check, show];
