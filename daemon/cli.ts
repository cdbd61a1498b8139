import { parseArgs } from 'node:util';
import { COMMANDS, type CliCommand } from './cli/commands.js';
import { asksForHelp, commandHelp } from './cli/help.js';
import { EXIT } from './system/index.js';

function usage(): string {
  const lines = ['usage: homesight <command> [options]', '', 'commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.usage.padEnd(34)} ${c.summary}`);
  lines.push('', 'global: --config FILE (or HOMESIGHT_CONFIG), --help');
  return lines.join('\n');
}

/** Finds the longest command whose words prefix argv (e.g. "config check"). */
function match(argv: string[]): { cmd: CliCommand; rest: string[] } | null {
  let best: { cmd: CliCommand; rest: string[] } | null = null;
  for (const c of COMMANDS) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (best === null || words.length > best.cmd.name.split(' ').length)) {
      best = { cmd: c, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(usage() + '\n');
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  const m = match(argv);
  if (m === null) {
    process.stderr.write(`homesight: unknown command "${argv.join(' ')}"\n${usage()}\n`);
    return EXIT.USAGE;
  }
  if (asksForHelp(m.rest)) {
    process.stdout.write(commandHelp(m.cmd));
    return EXIT.OK;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: m.rest, options: m.cmd.options ?? {}, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`homesight ${m.cmd.name}: ${(err as Error).message}\nusage: homesight ${m.cmd.usage}\n`);
    return EXIT.USAGE;
  }
  return m.cmd.run(parsed.values as Record<string, string | boolean | string[] | undefined>, parsed.positionals);
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
