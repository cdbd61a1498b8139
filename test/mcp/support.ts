import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { Test } from 'tap';
import { parseConfigText } from '../../daemon/config/index.js';
import { startsAfter, type ModuleContext } from '../../daemon/context.js';
import type { HomeSightEvents } from '../../daemon/contracts/index.js';
import { MemoryModule, type HomeEvent, type MemoryStore } from '../../daemon/memory/index.js';
import { McpModule } from '../../daemon/mcp/module.js';
import { MODULES } from '../../daemon/modules.js';
import { EventBus, LogHub, ManualClock, ServiceContainer } from '../../daemon/system/index.js';
import { NOW, SHARED, freePort, seedEvents, tempDir } from '../agent/support.js';

export { NOW, freePort, tempDir };

/** The token the test daemons' mcp.token_file holds. */
export const TOKEN = 'test-token-0123456789abcdef';

export interface TestDaemon {
  ctx: ModuleContext;
  dir: string;
  /** The config file (the same text the daemon was built from), for `homesight mcp --config`. */
  configFile: string;
  store: MemoryStore;
  events: HomeEvent[];
  /** http://127.0.0.1:<port>/mcp when the mcp module runs. */
  mcpUrl: string | null;
  mcp: McpModule | null;
  snapshotDir: string;
}

export interface DaemonOptions {
  /** Modules to build (memory always). */
  modules: ReadonlyArray<'mqtt' | 'agent' | 'watches' | 'recaps' | 'mcp'>;
  /** mcp.allow_tools. */
  allowTools?: string[];
}

/**
 * A daemon of the named modules built by their own factories, on the household of test/agent/support.ts (Alice,
 * Bob; cameras demo and porch) with its seeded evening of 4 May 2024 and the clock at 21:30 that evening.
 */
export async function startDaemon(t: Test, o: DaemonOptions): Promise<TestDaemon> {
  const dir = tempDir(t, 'hs-mcp-');
  const tokenFile = join(dir, 'mcp.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const mqttPort = o.modules.includes('mqtt') ? await freePort() : 0;
  const text = `paths:
  data_dir: ${join(dir, 'data')}
  cache_dir: ${join(dir, 'cache')}
  models_dir: ${join(SHARED, 'models')}
household:
  timezone: Europe/Berlin
  rooms: [plaza, entrance]
  people:
    - {name: Alice, aliases: [mum], relation: mother}
    - {name: Bob, aliases: [my son]}
cameras:
  demo:
    room: plaza
    source: {kind: file, path: vtest.avi}
    record: {enabled: true}
    zones: [{name: bench, polygon: [[0, 0], [0.5, 0], [0.5, 0.5]]}]
  porch: {room: entrance, source: {kind: file, path: vtest.avi}, record: {enabled: false}}
vision: {enabled: false}
agent: {planner: retrieval}
mqtt:
  enabled: ${o.modules.includes('mqtt')}
  embedded: {port: ${mqttPort}}
mcp:
  enabled: ${o.modules.includes('mcp')}
  port: 0
  token_file: ${tokenFile}
  allow_tools: ${JSON.stringify(o.allowTools ?? [])}
`;
  const configFile = join(dir, 'homesight.yaml');
  writeFileSync(configFile, text);
  const config = parseConfigText(text, configFile, { env: {} }).config;
  const logs = new LogHub({
    level: 'warn',
    pretty: false,
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  const log = logs.child({ module: 'test' });
  const clock = new ManualClock(NOW);
  const bus = new EventBus<HomeSightEvents>(() => undefined);
  const container = new ServiceContainer({ log, clock, stopTimeoutMs: 5000, startTimeoutMs: 20_000, probeTimeoutMs: 1000 });
  const ctx: ModuleContext = { config, logs, log, clock, bus, metrics: new Registry(), container, env: {}, dependsOn: [] };
  const names = ['memory', ...o.modules];
  for (const def of MODULES.filter((m) => names.includes(m.name))) {
    container.register(await def.create({ ...ctx, log: log.child({ module: def.name }), dependsOn: startsAfter(def, container) }));
  }
  const started = await container.startAll();
  t.teardown(() => container.stopAll());
  t.same(started.failed, [], `${names.join(', ')} started`);
  const store = container.find('memory', MemoryModule)!.store;
  const snapshotDir = join(config.paths.data_dir, 'snapshots', 'seed');
  const events = seedEvents(store, snapshotDir);
  const mcp = container.find('mcp', McpModule) ?? null;
  return { ctx, dir, configFile, store, events, mcpUrl: mcp?.endpointUrl ?? null, mcp, snapshotDir };
}

export function readBytes(path: string): Buffer {
  return readFileSync(path);
}

/** The JSON of a tool result's first text block that parses as an object. */
export function jsonOf(result: unknown): Record<string, unknown> {
  for (const c of ((result as { content?: unknown }).content ?? []) as Array<{ type: string; text?: string }>) {
    if (c.type !== 'text' || c.text === undefined) continue;
    try {
      const v: unknown = JSON.parse(c.text);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // the answer line of ask
    }
  }
  throw new Error('no JSON text block in the result');
}

/** The text of a tool result's first text block. */
export function textOf(result: unknown): string {
  const first = (((result as { content?: unknown }).content ?? []) as Array<{ type: string; text?: string }>).find(
    (c) => c.type === 'text',
  );
  return first?.text ?? '';
}
