/**
 * The CLI dispatcher: every subcommand answers --help (exit 0, its usage and options on stdout, nothing run),
 * unknown commands and bad options exit EX_USAGE, and CLI files return EXIT's names, never numbers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../daemon/cli.js';
import { COMMANDS, type CliCommand } from '../../daemon/cli/commands.js';
import { asksForHelp, commandHelp } from '../../daemon/cli/help.js';
import { EXIT } from '../../daemon/system/index.js';
import { BENCH_COMMANDS } from '../../bench/cli/index.js';

const repo = new URL('../../', import.meta.url).pathname;

/** Runs main() in this process, capturing stdout and stderr. */
async function cli(argv: string[], commands?: readonly CliCommand[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv, commands);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

t.test('every subcommand answers --help and -h without running', async (t) => {
  const all: Array<[CliCommand, readonly CliCommand[]]> = [
    ...COMMANDS.map((c) => [c, COMMANDS] as [CliCommand, readonly CliCommand[]]),
    ...BENCH_COMMANDS.map((c) => [c, BENCH_COMMANDS] as [CliCommand, readonly CliCommand[]]),
  ];
  t.ok(all.length >= 15, `${all.length} commands`);
  for (const [cmd, list] of all) {
    const words = cmd.name.split(' ');
    for (const flag of ['--help', '-h']) {
      const r = await cli([...words, flag], list);
      t.equal(r.code, EXIT.OK, `${cmd.name} ${flag}: exit 0`);
      t.match(r.stdout, `usage: homesight ${cmd.usage}`, `${cmd.name} ${flag}: usage on stdout`);
      t.equal(r.stderr, '', `${cmd.name} ${flag}: nothing on stderr`);
    }
  }
  // Help wins over missing positionals and other options.
  const r = await cli(['db', 'backup', '--db', 'x.db', '--help']);
  t.equal(r.code, EXIT.OK);
});

t.test('the help text lists the options from the command declaration', async (t) => {
  const bench = BENCH_COMMANDS.find((c) => c.name === 'bench')!;
  const text = commandHelp(bench);
  t.match(text, '-p, --parallel VALUE');
  t.match(text, '--only VALUE  (repeatable)');
  t.match(text, '--force  (default false)');
  t.match(text, '-h, --help');
});

t.test('--help after `--` is a positional, not a request for help', async (t) => {
  t.equal(asksForHelp(['question', '--', '--help']), false);
  t.equal(asksForHelp(['-h']), true);
});

t.test('usage errors exit EX_USAGE; the top-level help exits 0', async (t) => {
  t.equal((await cli(['no-such-command'])).code, EXIT.USAGE);
  t.equal((await cli(['config', 'check', '--no-such-option'])).code, EXIT.USAGE);
  t.equal((await cli([])).code, EXIT.USAGE);
  const help = await cli(['--help']);
  t.equal(help.code, EXIT.OK);
  t.match(help.stdout, 'usage: homesight <command>');
});

t.test('CLI files return EXIT names, not numbers', async (t) => {
  const files = [
    'daemon/cli.ts',
    ...readdirSync(join(repo, 'daemon/cli')).map((f) => `daemon/cli/${f}`),
    ...readdirSync(join(repo, 'bench/cli')).map((f) => `bench/cli/${f}`),
  ].filter((f) => f.endsWith('.ts'));
  const literal = /\breturn\s+\d+\s*;|\?\s*\d+\s*:\s*\d+|exitCode\s*=\s*\d+/;
  const offenders = files.flatMap((f) =>
    readFileSync(join(repo, f), 'utf8')
      .split('\n')
      .map((line, i) => [`${f}:${i + 1}`, line] as const)
      .filter(([, line]) => literal.test(line))
      .map(([where, line]) => `${where}: ${line.trim()}`),
  );
  t.same(offenders, [], 'use EXIT.* from daemon/system/exit-codes.ts');
});
