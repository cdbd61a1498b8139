import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig, parseConfigText, ConfigError, type ConfigProblem } from '../../daemon/config/index.js';

const repo = new URL('../../', import.meta.url).pathname;
const noEnv = {};

function problems(text: string, env: NodeJS.ProcessEnv = noEnv): ConfigProblem[] {
  try {
    parseConfigText(text, 'test.yaml', { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

t.test('the commented example parses and matches what it documents', async (t) => {
  const loaded = loadConfig({ file: join(repo, 'config/homesight.example.yaml'), env: noEnv });
  t.ok(Object.keys(loaded.config.cameras).length >= 1, 'example has cameras');
  t.equal(loaded.config.version, 1);
});

t.test('embedded default starts with the demo file camera and embedded broker', async (t) => {
  const { config, source } = loadConfig({ env: noEnv });
  t.equal(source, '<embedded default>');
  t.match(config.cameras.demo?.source, { kind: 'file', path: 'vtest.avi' });
  t.match(config.cameras.entrance?.source, { kind: 'file', path: 'obama2.jpg' }, 'a still camera for identities');
  t.match(config.household.people, [{ name: 'Barack', faces: ['obama.jpg'] }], 'enrolled from another photo');
  t.equal(config.mqtt.broker, 'embedded');
  t.equal(config.health.host, '127.0.0.1');
});

t.test('unknown key: line, column, key path and a hint', async (t) => {
  const ps = problems('log:\n  level: info\n  colour: true\n');
  t.equal(ps.length, 1);
  t.match(ps[0], { source: 'test.yaml', line: 3, column: 3, path: 'log.colour', message: 'unknown key "colour"' });
});

t.test('wrong type names what was found and what is allowed', async (t) => {
  const ps = problems('health:\n  port: "eighty"\n');
  t.match(ps[0], { line: 2, column: 9, path: 'health.port', found: '"eighty" (string)', allowed: 'a number' });
});

t.test('out of range value gives the bound', async (t) => {
  const ps = problems('cameras:\n  porch:\n    source: {kind: file, path: a.mp4}\n    detect:\n      fps: 500\n');
  t.match(ps[0], { line: 5, column: 12, path: 'cameras.porch.detect.fps', found: '500 (number)', allowed: '<= 60' });
});

t.test('enum value lists the allowed values', async (t) => {
  const ps = problems('log:\n  level: loud\n');
  t.match(ps[0], { line: 2, path: 'log.level', found: '"loud" (string)' });
  t.match(ps[0]!.allowed, /"info"/);
});

t.test('missing required secret file is reported at its key', async (t) => {
  const ps = problems('mqtt:\n  username: u\n  password_file: /nonexistent/secret\n');
  t.match(ps[0], { line: 3, column: 18, path: 'mqtt.password_file', message: 'secret file not found: /nonexistent/secret' });
});

t.test('missing required key inside a list item', async (t) => {
  const ps = problems('household:\n  people:\n    - aliases: [mum]\n');
  t.match(ps[0], { path: 'household.people.0.name', message: 'required key is missing', line: 3 });
});

t.test('YAML syntax errors carry a position', async (t) => {
  const ps = problems('log:\n  level: [info\n');
  t.ok(ps[0]!.line !== undefined && ps[0]!.message.startsWith('YAML syntax error'));
});

t.test('env overrides follow the key path and are named in errors', async (t) => {
  const ok = parseConfigText('', 'test.yaml', { env: { HOMESIGHT_MQTT__EMBEDDED__PORT: '1999', HOMESIGHT_LOG__LEVEL: 'debug' } });
  t.equal(ok.config.mqtt.embedded.port, 1999);
  t.equal(ok.config.log.level, 'debug');
  t.same(ok.envOverrides.sort(), ['log.level', 'mqtt.embedded.port']);
  const ps = problems('', { HOMESIGHT_HEALTH__PORT: '99999' });
  t.match(ps[0], { source: 'env HOMESIGHT_HEALTH__PORT', path: 'health.port' });
});

t.test('secret files resolve and are readable', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-cfg-'));
  writeFileSync(join(dir, 'pw'), 's3cret\n', { mode: 0o600 });
  const loaded = parseConfigText(`mqtt:\n  password_file: ${join(dir, 'pw')}\n`, 'x.yaml', { env: noEnv });
  t.equal(readFileSync(loaded.config.mqtt.password_file!, 'utf8'), 's3cret\n');
  t.notMatch(JSON.stringify(loaded.config), /s3cret/, 'the secret itself is not in the config object');
});

t.test('CLI: config check exits 78 with one line per problem; run refuses to start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-cfg-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'log:\n  level: loud\nhealth:\n  prot: 1\n');
  const check = spawnSync(process.execPath, [join(repo, 'bin/homesight.js'), 'config', 'check', bad], { encoding: 'utf8' });
  t.equal(check.status, 78);
  t.match(check.stderr, `${bad}:2:10: log.level`);
  t.match(check.stderr, `${bad}:4:3: health.prot: unknown key "prot"`);
  const run = spawnSync(process.execPath, [join(repo, 'bin/homesight.js'), 'run', '--config', bad], { encoding: 'utf8', timeout: 20_000 });
  t.equal(run.status, 78, 'daemon refuses to start with EX_CONFIG');
  t.match(run.stderr, 'invalid configuration (2 problems)');
});

t.test('HOMESIGHT_* variables that are not config keys are left alone', async (t) => {
  const ok = parseConfigText('', 'test.yaml', { env: { HOMESIGHT_SHARED_DIR: '/x', HOMESIGHT_CONFIG: '/y.yaml' } });
  t.same(ok.envOverrides, []);
  const ps = problems('', { HOMESIGHT_LOG__LEVLE: 'debug' });
  t.match(ps[0], { source: 'env HOMESIGHT_LOG__LEVLE', path: 'log.levle', message: 'unknown key "levle"' });
});
