/**
 * Every CLI command that reads the config loads it the same way (--config FILE
 * or a FILE argument, else HOMESIGHT_CONFIG, else the embedded default) and
 * refuses a bad one the same way: one located line per problem on stderr,
 * nothing on stdout, exit 78.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_COMMANDS } from '../../bench/cli/index.js';
import { COMMANDS, type CliCommand } from '../../daemon/cli/commands.js';
import { configLoadOptions } from '../../daemon/cli/common.js';

const dir = mkdtempSync(join(tmpdir(), 'hs-cli-cfg-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const bad = join(dir, 'bad.yaml');
writeFileSync(bad, 'household:\n  timezone: Mars/Olympus\nlog:\n  level: loud\n');
const missing = join(dir, 'missing.yaml');

const command = (name: string): CliCommand => {
  const c = [...COMMANDS, ...BENCH_COMMANDS].find((x) => x.name === name);
  if (c === undefined) throw new Error(`no command ${name}`);
  return c;
};

/** Runs a command in this process, capturing what it writes to stdout and stderr. */
async function run(
  name: string,
  values: Record<string, string | boolean | undefined>,
  positionals: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await command(name).run(values, positionals);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

// name, positionals, whether the file is a FILE argument instead of --config, last stderr line after the problems
const CASES: Array<[string, string[], boolean, string | null]> = [
  ['config check', [], true, '2 problem(s); the daemon would refuse to start'],
  ['config show', [], true, null],
  ['db backup', [join(dir, 'out.db')], false, null],
  ['enroll', ['Alice', join(dir, 'face.jpg')], false, null],
  ['adapter list', [], false, null],
  ['adapter rollback', [], false, null],
  ['learning audit', [], false, null],
  ['learning enroll', [], false, null],
  ['ask', ['who', 'is', 'home?'], false, null],
  ['plan', ['who', 'is', 'home?'], false, null],
  ['fleet verify', [join(dir, 'bundle.tar.gz')], false, null],
  ['fleet install', [join(dir, 'bundle.tar.gz')], false, null],
  ['fleet status', [], false, null],
  ['fleet apply', [], false, null],
  ['bench', [join(dir, 'job.yaml')], false, '2 problem(s) in the benchmark declarations'],
];

t.test('a bad config: the same problem lines and exit 78 from every command', async (t) => {
  const savedEnv = process.env.HOMESIGHT_CONFIG;
  delete process.env.HOMESIGHT_CONFIG;
  t.teardown(() => {
    if (savedEnv === undefined) delete process.env.HOMESIGHT_CONFIG;
    else process.env.HOMESIGHT_CONFIG = savedEnv;
  });
  const problems = [`${bad}:2:13: household.timezone: unknown IANA timezone`, `${bad}:4:10: log.level`];
  for (const [name, positionals, asArgument, footer] of CASES) {
    const r = await run(name, asArgument ? {} : { config: bad }, asArgument ? [bad, ...positionals] : positionals);
    t.equal(r.code, 78, `${name}: exit 78`);
    t.equal(r.stdout, '', `${name}: nothing on stdout`);
    const lines = r.stderr.trimEnd().split('\n');
    t.equal(lines.length, 2 + (footer === null ? 0 : 1), `${name}: one line per problem${footer === null ? '' : ' and the summary'}`);
    t.match(lines[0], problems[0], name);
    t.match(lines[1], problems[1], name);
    if (footer !== null) t.equal(lines[2], footer);
  }
});

t.test('a missing file, and HOMESIGHT_CONFIG when no file is given', async (t) => {
  const savedEnv = process.env.HOMESIGHT_CONFIG;
  t.teardown(() => {
    if (savedEnv === undefined) delete process.env.HOMESIGHT_CONFIG;
    else process.env.HOMESIGHT_CONFIG = savedEnv;
  });
  delete process.env.HOMESIGHT_CONFIG;
  for (const name of ['fleet status', 'learning audit', 'adapter list']) {
    const r = await run(name, { config: missing }, []);
    t.equal(r.code, 78, name);
    t.equal(
      r.stderr,
      `${missing}: (root): config file not found (pass an existing file, or no file to use the embedded default)\n`,
      `${name}: says which file`,
    );
  }
  process.env.HOMESIGHT_CONFIG = bad;
  for (const [name, positionals] of CASES) {
    const r = await run(name, {}, positionals);
    t.equal(r.code, 78, `${name} reads HOMESIGHT_CONFIG`);
    t.match(r.stderr, `${bad}:2:13: household.timezone`, name);
  }
  t.same(configLoadOptions(undefined), {}, 'no file: loadConfig chooses');
  t.same(configLoadOptions(''), {}, 'an empty --config is no file');
  t.same(configLoadOptions(bad), { file: bad });
});
