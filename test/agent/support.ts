import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { HomeSightEvents } from '../../daemon/contracts/index.js';
import type { z } from 'zod';
import { configSchema, parseConfigText, type HomeSightConfig } from '../../daemon/config/index.js';
import type { ModuleContext } from '../../daemon/context.js';
import { MemoryStore, newEventId, type HomeEvent } from '../../daemon/memory/index.js';
import { EventBus, LogHub, ManualClock, ServiceContainer, silentLogger, systemClock, type Clock } from '../../daemon/system/index.js';
import type { HouseholdInfo, PlanRequest, PlanResult, Planner, TaskPlan } from '../../daemon/agent/index.js';
import type { AgentConfig } from '../../daemon/agent/service.js';

export const SHARED = process.env.HOMESIGHT_SHARED_DIR ?? new URL('../../../shared/', import.meta.url).pathname;
export const STORIES = join(SHARED, 'models', 'stories260K.gguf');
export const VTEST = join(SHARED, 'media', 'vtest.avi');

/** Saturday 4 May 2024, 21:30 in Berlin (UTC+2). */
export const NOW = Date.parse('2024-05-04T21:30:00+02:00');
export const TZ = 'Europe/Berlin';
export const at = (hhmm: string, day = '2024-05-04'): number => Date.parse(`${day}T${hhmm}:00+02:00`);

export const HOUSEHOLD: HouseholdInfo = {
  timezone: TZ,
  people: [
    { name: 'Alice', aliases: ['mum'] },
    { name: 'Bob', aliases: ['my son'] },
  ],
  rooms: ['plaza', 'entrance'],
  cameras: { demo: 'plaza', porch: 'entrance' },
};

export function planRequest(question: string, extra: Partial<PlanRequest> = {}): PlanRequest {
  return {
    question,
    now: '2024-05-04T21:30:00+02:00',
    timezone: TZ,
    household: { people: HOUSEHOLD.people, rooms: HOUSEHOLD.rooms, cameras: Object.keys(HOUSEHOLD.cameras) },
    ...extra,
  };
}

export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'hs-agent-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function ev(p: Partial<HomeEvent> & { camera: string; start: number; end: number | null }): HomeEvent {
  return {
    id: newEventId(p.start),
    kind: p.identity !== undefined && p.identity !== null ? 'identity' : 'person',
    label: 'person',
    track_id: null,
    identity: null,
    activity: null,
    confidence: 0.9,
    box: [0.1, 0.1, 0.2, 0.5],
    zones: [],
    snapshot: null,
    attributes: {},
    ...p,
  };
}

/**
 * The seeded evening (Berlin time, 4 May 2024):
 *   18:00–18:30 Bob on demo, sitting          (before the 19–20 window)
 *   19:05–19:20 Alice on demo, walking        (snapshot)
 *   19:25–19:40 Alice on demo, sitting
 *   19:30–19:50 Bob on porch, standing        (snapshot)
 *   19:45–19:47 unknown on demo, walking
 *   20:40–21:10 Alice on porch, walking       (last hour)
 *   21:20–      unknown on porch, still there (last hour)
 */
export function seedEvents(store: MemoryStore, snapDir: string): HomeEvent[] {
  mkdirSync(snapDir, { recursive: true });
  const snap = (name: string): string => {
    const p = join(snapDir, `${name}.jpg`);
    writeFileSync(p, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    return p;
  };
  const events = [
    ev({ camera: 'demo', start: at('18:00'), end: at('18:30'), identity: 'Bob', activity: 'sitting' }),
    ev({ camera: 'demo', start: at('19:05'), end: at('19:20'), identity: 'Alice', activity: 'walking', snapshot: snap('alice-walk') }),
    ev({ camera: 'demo', start: at('19:25'), end: at('19:40'), identity: 'Alice', activity: 'sitting' }),
    ev({ camera: 'porch', start: at('19:30'), end: at('19:50'), identity: 'Bob', activity: 'standing', snapshot: snap('bob-stand') }),
    ev({ camera: 'demo', start: at('19:45'), end: at('19:47'), identity: null, activity: 'walking' }),
    ev({ camera: 'porch', start: at('20:40'), end: at('21:10'), identity: 'Alice', activity: 'walking' }),
    ev({ camera: 'porch', start: at('21:20'), end: null, identity: null, activity: 'standing' }),
  ];
  store.cameras.sync([
    { name: 'demo', room: 'plaza' },
    { name: 'porch', room: 'entrance' },
  ]);
  store.events.upsertMany(events);
  store.events.flush();
  return events;
}

export function openStore(dir: string, clock: Clock = new ManualClock(NOW)): MemoryStore {
  return new MemoryStore({ file: join(dir, 'memory.db'), log: silentLogger(), clock });
}

/** A planner that answers from a script (question → plan), for executor tests. */
export class ScriptedPlanner implements Planner {
  readonly name: string;
  readonly calls: PlanRequest[] = [];
  constructor(
    private readonly script: (req: PlanRequest, call: number) => TaskPlan | Error,
    name = 'local',
    private readonly confidence: number | null = -0.1,
  ) {
    this.name = name;
  }
  async plan(req: PlanRequest): Promise<PlanResult> {
    this.calls.push(req);
    const p = this.script(req, this.calls.length - 1);
    if (p instanceof Error) throw p;
    return { plan: p, planner: this.name, confidence: this.confidence, latencyMs: 1 };
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A mosquitto (Debian) on a free loopback port; MQTT v5 request/response works there. */
export class Mosquitto {
  private constructor(
    readonly port: number,
    private readonly proc: ChildProcess,
  ) {}

  static async start(dir: string): Promise<Mosquitto> {
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'log_dest stderr', 'log_type error'].join(
        '\n',
      ) + '\n',
    );
    const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.end();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) break;
      if (Date.now() > deadline || proc.exitCode !== null) {
        proc.kill('SIGKILL');
        throw new Error(`mosquitto did not start on ${port}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return new Mosquitto(port, proc);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.kill('SIGTERM');
      setTimeout(() => this.proc.kill('SIGKILL'), 3000).unref();
    });
  }
}

/** A module context from YAML (data/cache dirs in `dir`), logs captured. */
export function makeContext(yaml: string, dir: string, clock: Clock = systemClock): ModuleContext & { logLines: string[] } {
  const text =
    `paths:\n  data_dir: ${join(dir, 'data')}\n  cache_dir: ${join(dir, 'cache')}\n  ` + `models_dir: ${join(SHARED, 'models')}\n${yaml}`;
  const config: HomeSightConfig = parseConfigText(text, 'test.yaml', { env: {} }).config;
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
  const container = new ServiceContainer({ log, clock, stopTimeoutMs: 5000, startTimeoutMs: 20_000, probeTimeoutMs: 1000 });
  return { config, logs, log, clock, bus, metrics: new Registry(), container, env: {}, dependsOn: [], logLines };
}

/** The agent section as zod parses it from `agent` (tests' planner settings; the rest are the schema's defaults). */
export function agentConfig(agent: NonNullable<z.input<typeof configSchema>['agent']>): AgentConfig {
  return configSchema.parse({ agent }).agent;
}
