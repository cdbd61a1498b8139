import { runDaemon } from '../main.js';
import { EXIT, VERSION } from '../system/index.js';
import type { CliCommand } from './command.js';
import { configLoadOptions } from './common.js';

export const runCommand: CliCommand = {
  name: 'run',
  usage: 'run [--config FILE]',
  summary: 'run the daemon (embedded default config when no file is given)',
  options: { config: { type: 'string', short: 'c' } },
  async run(values) {
    return runDaemon({ load: configLoadOptions(values.config) });
  },
};

export const versionCommand: CliCommand = {
  name: 'version',
  usage: 'version',
  summary: 'print the version',
  async run() {
    process.stdout.write(`homesight ${VERSION} (node ${process.version})\n`);
    return EXIT.OK;
  },
};
