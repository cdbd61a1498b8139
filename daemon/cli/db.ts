import { resolve } from 'node:path';
import { EXIT, HomeSightError, errorMessage } from '../system/index.js';
import type { CliCommand } from './command.js';
import { loadCliConfig } from './common.js';

const backup: CliCommand = {
  name: 'db backup',
  usage: 'db backup FILE [--config FILE] [--db FILE]',
  summary: 'copy the memory database to FILE (online backup; safe while the daemon runs)',
  options: { config: { type: 'string', short: 'c' }, db: { type: 'string' } },
  async run(values, positionals) {
    const dest = positionals[0];
    if (dest === undefined || positionals.length > 1) {
      process.stderr.write('usage: homesight db backup FILE [--config FILE] [--db FILE]\n');
      return EXIT.USAGE;
    }
    let source: string;
    if (typeof values.db === 'string') {
      source = resolve(values.db);
    } else {
      const loaded = loadCliConfig(values.config);
      if (typeof loaded === 'number') return loaded;
      const { memoryDbPath } = await import('../memory/index.js');
      source = memoryDbPath(loaded.config);
    }
    const { backupFile } = await import('../memory/index.js');
    const target = resolve(dest);
    const t0 = performance.now();
    try {
      const r = await backupFile(source, target);
      const ms = Math.round(performance.now() - t0);
      process.stdout.write(
        `backed up ${source} → ${r.file}: ${(r.bytes / 2 ** 20).toFixed(1)} MB, schema v${r.schemaVersion}, ` +
          `${r.events} events, ${r.recordings} recordings, ${r.identities} identities, ${r.memories} memories (${ms} ms; integrity ok)\n`,
      );
      return EXIT.OK;
    } catch (err) {
      if (err instanceof HomeSightError) {
        process.stderr.write(`homesight db backup: ${err.message}${err.hint === undefined ? '' : ` (${err.hint})`}\n`);
        if (err.code === 'E_MEMORY_NO_DB') return EXIT.NOINPUT;
        if (err.code === 'E_MEMORY_BACKUP_EXISTS' || err.code === 'E_MEMORY_BACKUP') return EXIT.CANTCREAT;
        return EXIT.FAILURE;
      }
      process.stderr.write(`homesight db backup: ${errorMessage(err)}\n`);
      return EXIT.FAILURE;
    }
  },
};

export const dbCommands: CliCommand[] = [backup];
