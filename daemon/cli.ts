import { parseArgs } from 'node:util';
import { type CliCommand, COMMANDS } from './cli/commands.js';
import { asksForHelp, commandHelp } from './cli/help.js';
import { EXIT } from './system/index.js';

// What bench/cli (the `bench` and `dataset` commands, dispatched there by bin/homesight.js) uses of the CLI.
export type { CliCommand } from './cli/commands.js';
// The daemon's commands, for the generated command reference (scripts/docs).
export { COMMANDS } from './cli/commands.js';
export { loadCliConfig, printProblems } from './cli/common.js';

/** Listed in the usage; they live in bench/cli, outside the daemon's import graph. */
const BENCH_USAGE = [
  ['bench JOB.yaml [--limit N] [--only ALG] [--force]', 'run a benchmarking job (leaderboard + HTML report)'],
  ['dataset build [--seed N] [--out DIR] …', 'generate the Q2A task-plan dataset and the synthetic activity set'],
] as const;

function usage(commands: readonly CliCommand[]): string {
  const lines = ['usage: homesight <command> [options]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.usage.padEnd(34)} ${c.summary}`);
  if (commands === COMMANDS) for (const [u, s] of BENCH_USAGE) lines.push(`  ${u.padEnd(34)} ${s}`);
  lines.push('', 'global: --config FILE (or HOMESIGHT_CONFIG), --help');
  return lines.join('\n');
}

/** Finds the longest command whose words prefix argv (e.g. "config check"). */
function match(argv: string[], commands: readonly CliCommand[]): { cmd: CliCommand; rest: string[] } | null {
  let best: { cmd: CliCommand; rest: string[] } | null = null;
  for (const c of commands) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (best === null || words.length > best.cmd.name.split(' ').length)) {
      best = { cmd: c, rest: argv.slice(words.length) };
    }
  }
  return best;
}

/** Runs one command line; bin/homesight.js calls it (with bench/cli's commands for `bench` and `dataset`). */
export async function main(argv: string[], commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(usage(commands) + '\n');
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  const m = match(argv, commands);
  if (m === null) {
    process.stderr.write(`homesight: unknown command "${argv.join(' ')}"\n${usage(commands)}\n`);
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
