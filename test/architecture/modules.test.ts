import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { configSchema, liveKeys } from '../../daemon/config/index.js';
import { startsAfter } from '../../daemon/context.js';
import { MODULES } from '../../daemon/modules.js';
import { ServiceContainer, type ServiceModule, silentLogger, systemClock } from '../../daemon/system/index.js';

/** The module definitions (each folder's definition.ts) that daemon/modules.ts builds the daemon from. */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

t.test('each definition names a known module built before it, and sections of the config schema', (t) => {
  const names = MODULES.map((d) => d.name);
  t.same(names, ['memory', 'ingest', 'mqtt', 'vision', 'watches', 'agent', 'learning', 'fleet', 'presence', 'recaps', 'mcp']);
  t.equal(new Set(names).size, names.length, 'names are unique');
  const sections = Object.keys(configSchema.shape);
  MODULES.forEach((def, i) => {
    for (const dep of Object.keys(def.dependencies))
      t.ok(
        names.indexOf(dep as (typeof names)[number]) > -1 && names.indexOf(dep as (typeof names)[number]) < i,
        `${def.name} uses ${dep}, built before it`,
      );
    for (const s of def.sections) t.ok(sections.includes(s), `${def.name}: config section ${s}`);
  });
  t.end();
});

t.test("start order is derived from the definitions: after the enabled 'start-after' dependencies, never a used one", (t) => {
  const container = new ServiceContainer({
    log: silentLogger(),
    clock: systemClock,
    stopTimeoutMs: 100,
    startTimeoutMs: 100,
    probeTimeoutMs: 100,
  });
  const stub = (name: string): ServiceModule => ({
    name,
    essential: false,
    dependsOn: [],
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    health: () => ({ status: 'ok', summary: name }),
  });
  const def = (name: string) => MODULES.find((d) => d.name === name)!;
  container.register(stub('memory'));
  t.same(startsAfter(def('agent'), container), ['memory'], 'mqtt off: the agent starts after memory only');
  t.same(startsAfter(def('fleet'), container), [], 'fleet without mqtt starts after nothing');
  for (const name of ['ingest', 'mqtt', 'vision']) container.register(stub(name));
  t.same(startsAfter(def('agent'), container), ['memory', 'mqtt'], 'ingest and vision are only used by the agent');
  t.same(startsAfter(def('vision'), container), ['memory', 'ingest'], 'mqtt is only used by vision');
  t.same(startsAfter(def('mqtt'), container), ['memory']);
  t.same(startsAfter(def('learning'), container), ['memory', 'mqtt'], 'agent off');
  t.end();
});

t.test("live keys come from the schema: the modules' together with the daemon's own log.level are all of them", (t) => {
  const byModule = Object.fromEntries(MODULES.map((d) => [d.name, d.liveKeys]));
  t.same(byModule, {
    memory: ['memory.event_retain_days', 'memory.retention_interval_s', 'memory.delete_snapshots'],
    ingest: ['recordings'],
    mqtt: [],
    vision: [],
    agent: ['agent.max_repairs', 'agent.allow_tools', 'agent.hub_topics'],
    learning: ['learning.upload', 'learning.mining'],
    fleet: [],
    presence: [],
    watches: [],
    recaps: [],
    mcp: [],
  });
  t.same(['log.level', ...MODULES.flatMap((d) => d.liveKeys)].sort(), liveKeys(configSchema).sort());
  t.end();
});

t.test('the definitions load no module code: importing daemon/modules.ts loads neither onnxruntime nor SQLite', (t) => {
  // A child process, so this test's own imports do not count.
  const script = [
    "import { createRequire } from 'node:module';",
    "await import('./daemon/modules.ts');",
    'const cache = Object.keys(createRequire(import.meta.url).cache);',
    'console.log(JSON.stringify(cache.filter((k) => /onnxruntime|node-llama-cpp|better-sqlite3|aedes/.test(k))));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]'), [], 'no native module loaded');
  t.end();
});
