import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { parseConfigText, type HomeSightConfig } from '../../../daemon/config/index.js';
import type { ModuleContext } from '../../../daemon/context.js';
import type { HomeSightEvents } from '../../../daemon/contracts/index.js';
import { EventBus, LogHub, ServiceContainer, systemClock } from '../../../daemon/system/index.js';

export interface TestContext extends ModuleContext {
  dir: string;
  logLines: string[];
  cleanup(): void;
}

/** A module context for one test: config from YAML (+ data_dir in a temp folder), JSON logs captured. */
export function makeContext(yaml: string, opts: { dir?: string; env?: NodeJS.ProcessEnv } = {}): TestContext {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'hs-mqtt-'));
  const text = `paths:\n  data_dir: ${join(dir, 'data')}\n  cache_dir: ${join(dir, 'cache')}\n${yaml}`;
  const config: HomeSightConfig = parseConfigText(text, 'test.yaml', { env: opts.env ?? {} }).config;
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logs = new LogHub({ level: 'debug', pretty: false, destination });
  const log = logs.child({ module: 'test' });
  const bus = new EventBus<HomeSightEvents>((event, err) => log.error({ event, err: String(err) }, 'listener threw'));
  const container = new ServiceContainer({ log, clock: systemClock, stopTimeoutMs: 5000, startTimeoutMs: 10000, probeTimeoutMs: 1000 });
  return {
    config,
    logs,
    log: logs.child({ module: 'mqtt' }),
    clock: systemClock,
    bus,
    metrics: new Registry(),
    container,
    env: opts.env ?? {},
    dependsOn: [],
    dir,
    logLines,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Emits any payload on the bus, as a module with another idea of an event's shape would (robustness tests). */
export function emitRaw(bus: EventBus<HomeSightEvents>, event: string, payload: unknown): void {
  (bus as unknown as EventBus<Record<string, unknown>>).emit(event, payload);
}
