/**
 * docs/cli.md: every `homesight` subcommand (the daemon's and bench/cli's)
 * with its usage, summary and options, as the commands declare them for
 * `--help`, and the exit codes.
 */
import { BENCH_COMMANDS } from '../../bench/cli/index.js';
import { type CliCommand, COMMANDS } from '../../daemon/cli.js';
import { EXIT } from '../../daemon/system/index.js';
import { cell } from './json-schema.js';
import { generatedBanner, markdownTable } from './render.js';

const INTRO = `# The \`homesight\` command

\`homesight <command> --help\` prints the same for one command. \`bench\` and \`dataset\` live in \`bench/cli\` and are
loaded only when they run, so the daemon's own code never contains the benchmark. Every command that reads the
config takes \`--config FILE\` (else \`HOMESIGHT_CONFIG\`, else the embedded default). Running the daemon, systemd and
health: [running.md](running.md).`;

function optionText(name: string, o: NonNullable<CliCommand['options']>[string]): string {
  const flag = `${o.short === undefined ? '' : `-${o.short}, `}--${name}${o.type === 'string' ? ' VALUE' : ''}`;
  const notes = [o.multiple === true ? 'repeatable' : '', o.default === undefined ? '' : `default ${String(o.default)}`].filter(
    (x) => x !== '',
  );
  return `\`${flag}\`${notes.length === 0 ? '' : ` (${notes.join(', ')})`}`;
}

export function renderCliDoc(): string {
  const commands = [...COMMANDS, ...BENCH_COMMANDS];
  const rows = commands.map((c) => [
    `\`homesight ${cell(c.usage)}\``,
    cell(c.summary),
    cell(
      Object.entries(c.options ?? {})
        .map(([n, o]) => optionText(n, o))
        .join(', '),
    ),
  ]);
  const exits = Object.entries(EXIT).map(([name, code]) => [`${code}`, `\`${name}\``]);
  const out = [
    generatedBanner('the command declarations in daemon/cli and bench/cli'),
    INTRO,
    '',
    markdownTable(['command', 'what it does', 'options'], rows),
  ];
  out.push(
    '',
    '## Exit codes',
    '',
    'From `daemon/system/exit-codes.ts`; the values follow sysexits(3) where one fits.',
    '',
    markdownTable(['code', 'name'], exits),
  );
  return `${out.join('\n')}\n`;
}
