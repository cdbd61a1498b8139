import type { CliCommand } from './command.js';

/**
 * `homesight <command> --help`: every subcommand answers it the same way, from what the command already
 * declares (usage, summary, parseArgs options), so no command writes its own help.
 */

/** True when --help or -h comes before a `--` that ends the options. */
export function asksForHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** The help text of one command: usage line, summary, then one line per option. */
export function commandHelp(cmd: CliCommand): string {
  const lines = [`usage: homesight ${cmd.usage}`, '', cmd.summary, '', 'options:'];
  const options = Object.entries(cmd.options ?? {}).map(([name, o]) => {
    const flag = `${o.short === undefined ? '    ' : `-${o.short}, `}--${name}${o.type === 'string' ? ' VALUE' : ''}`;
    const notes = [o.multiple === true ? 'repeatable' : '', o.default === undefined ? '' : `default ${String(o.default)}`].filter(
      (x) => x !== '',
    );
    return `  ${flag}${notes.length === 0 ? '' : `  (${notes.join(', ')})`}`;
  });
  lines.push(...options, '  -h, --help  print this help');
  return lines.join('\n') + '\n';
}
