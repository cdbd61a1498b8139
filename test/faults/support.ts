/**
 * Support for the fault suite: a real `homesight run --config <tmp>` child
 * process (test/system/support.ts startDaemon), its JSON log lines parsed,
 * its /metrics read for RSS. MQTT helpers come from test/mqtt/support.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repo, startDaemon } from '../system/support.js';
import { freePort, waitFor } from '../mqtt/support/mqtt.js';

export { freePort, waitFor };
export { Consumer } from '../mqtt/support/mqtt.js';
export { Mosquitto, makePki } from '../mqtt/support/mosquitto.js';

export const SHARED = process.env.HOMESIGHT_SHARED_DIR ?? new URL('../../../shared/', import.meta.url).pathname;
export const VTEST = join(SHARED, 'media', 'vtest.avi');

export interface Teardown {
  teardown(fn: () => unknown): void;
}

export function tempDir(t: Teardown, prefix = 'hs-faults-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export type LogEntry = Record<string, unknown> & { msg?: string; level?: number };

export interface DaemonProcess {
  pid: number;
  config: string;
  dir: string;
  healthPort: number;
  logs: string[];
  entries(): LogEntry[];
  /** Log entries whose msg matches. */
  find(re: RegExp): LogEntry[];
  alive(): boolean;
  rssBytes(): Promise<number>;
  /** One sample of /metrics: metric name{labels} → value. */
  metrics(): Promise<Map<string, number>>;
  healthz(): Promise<{ status: number; body: Record<string, unknown> }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function parse(lines: string[]): LogEntry[] {
  const out: LogEntry[] = [];
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as LogEntry);
    } catch {
      /* a non-JSON line (stderr) */
    }
  }
  return out;
}

function spawnNode(args: string[], env: NodeJS.ProcessEnv): ReturnType<typeof startDaemon> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: repo,
    env: { ...process.env, HOMESIGHT_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => logs.push(l));
  createInterface({ input: proc.stderr! }).on('line', (l) => logs.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.on('exit', (code, signal) => r({ code, signal })),
  );
  return { proc, logs, exited };
}

/** Paths in a temp folder, health on a free port, debug off; `extra` is YAML appended verbatim. */
export function writeConfig(dir: string, extra: string, file = join(dir, 'homesight.yaml')): string {
  writeFileSync(
    file,
    `device_id: hub1
household:
  timezone: Europe/Berlin
  people:
    - {name: Alice, aliases: [mum]}
    - {name: Bob}
  rooms: [plaza, entrance]
log:
  level: info
  pretty: false
paths:
  data_dir: ${dir}/data
  cache_dir: ${dir}/cache
  recordings_dir: ${dir}/rec
  models_dir: ${join(SHARED, 'models')}
  media_dir: ${join(SHARED, 'media')}
health:
  port: 0
${extra}`,
  );
  return file;
}

/** Starts `node bin/homesight.js run --config <file>` and waits for "HomeSight ready". */
export async function runDaemon(
  t: Teardown,
  dir: string,
  config: string,
  opts: {
    env?: NodeJS.ProcessEnv;
    readyMs?: number /** node arguments instead of `bin/homesight.js run --config FILE` (a fixture around runDaemon) */;
    node?: string[];
  } = {},
): Promise<DaemonProcess> {
  const env = { HOMESIGHT_SHARED_DIR: SHARED, ...(opts.env ?? {}) };
  const d = opts.node === undefined ? startDaemon(['--config', config], env) : spawnNode(opts.node, env);
  let done: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void d.exited.then((r) => (done = r));
  t.teardown(async () => {
    if (done === null) {
      d.proc.kill('SIGKILL');
      await d.exited;
    }
  });
  // Parsed incrementally: fault tests produce tens of thousands of lines.
  const parsed: LogEntry[] = [];
  let seen = 0;
  const entries = (): LogEntry[] => {
    if (seen < d.logs.length) {
      const fresh = d.logs.slice(seen);
      seen += fresh.length;
      for (const e of parse(fresh)) parsed.push(e);
    }
    return parsed;
  };
  try {
    await waitFor(() => done !== null || entries().some((e) => e.msg === 'HomeSight ready'), opts.readyMs ?? 60_000, 'HomeSight ready');
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${d.logs.slice(-40).join('\n')}`);
  }
  if (done !== null) throw new Error(`daemon exited before ready: ${JSON.stringify(done)}\n${d.logs.slice(-40).join('\n')}`);
  const h = entries().find((e) => e.msg === 'health endpoint listening');
  const healthPort = Number(h?.port ?? 0);
  const base = `http://127.0.0.1:${healthPort}`;
  return {
    pid: d.proc.pid!,
    config,
    dir,
    healthPort,
    logs: d.logs,
    entries,
    find: (re) => entries().filter((e) => typeof e.msg === 'string' && re.test(e.msg)),
    alive: () => done === null,
    async rssBytes() {
      const text = await (await fetch(`${base}/metrics`)).text();
      const m = /^homesight_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
      if (m === null) throw new Error('no homesight_process_resident_memory_bytes in /metrics');
      return Number(m[1]);
    },
    async metrics() {
      const text = await (await fetch(`${base}/metrics`)).text();
      const out = new Map<string, number>();
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][^ ]*) ([^ ]+)$/.exec(line);
        if (m !== null) out.set(m[1]!, Number(m[2]));
      }
      return out;
    },
    async healthz() {
      const r = await fetch(`${base}/healthz`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (done === null) d.proc.kill(signal);
      return d.exited;
    },
    exited: d.exited,
  };
}

/** The report rows every fault test appends to (HS_FAULTS_REPORT=file.jsonl; docs/RELIABILITY.md is filled from it). */
export function report(row: {
  scenario: string;
  result: 'pass' | 'partial' | 'fail';
  expected: number | string;
  received: number | string;
  recovery_ms?: number | null;
  notes?: string;
}): void {
  const file = process.env.HS_FAULTS_REPORT;
  if (file === undefined || file === '') return;
  writeFileSync(file, JSON.stringify({ ...row, at: new Date().toISOString() }) + '\n', { flag: 'a' });
}

/** YAML for one looping file camera (vtest.avi: pedestrians) with CPU vision at a low rate: a steady trickle of real person events. */
export function eventSourceYaml(opts: { camera?: string; fps?: number } = {}): string {
  const cam = opts.camera ?? 'demo';
  return `cameras:
  ${cam}:
    room: plaza
    source: {kind: file, path: vtest.avi, loop: true, realtime: true}
    detect: {width: 320, height: 240, fps: ${opts.fps ?? 4}}
    record: {enabled: false}
vision:
  enabled: true
  providers: [cpu]
  threads: 1
  pose: {enabled: false}
  activity: {enabled: false}
  events: {snapshots: false, update_interval_s: 1}
memory:
  batch_ms: 100
`;
}
