import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The checkout whose cloud/server.ts runs: this one, or HS_FLEET_TEACHER_ROOT (another checkout, e.g. a baseline). */
const teacherRoot = process.env.HS_FLEET_TEACHER_ROOT ?? new URL('../../', import.meta.url).pathname;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** USER_HZ: /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s on Linux. */
const TICKS_PER_S = 100;

/** User + system CPU seconds a live process has used (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** CPU seconds of a process and its live children (PostgreSQL: the postmaster and its backends). */
export function treeCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>([[pid, cpuSeconds(pid)]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // the process ended between readdir and read
    }
  }
  return out;
}

/** CPU seconds used between two snapshots of treeCpuSeconds (processes that started in between count from 0). */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let s = 0;
  for (const [pid, v] of after) s += v - (before.get(pid) ?? 0);
  return s;
}

/** A teacher process (`npm run cloud`'s command) started by the bench, which it can kill and start again. */
export class TeacherProcess {
  private child: ChildProcess | null = null;
  readonly url: string;

  constructor(
    readonly name: string,
    private readonly configFile: string,
    readonly port: number,
    private readonly logFile: string,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** Exits nobody asked for (a crash), each restarted after a second, as a Deployment's restartPolicy does. */
  readonly crashes: Array<{ at: number; code: number | null; signal: string | null }> = [];
  private expectExit = false;

  async start(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    this.expectExit = false;
    this.child = spawn(process.execPath, ['--import', 'tsx', join(teacherRoot, 'cloud/server.ts'), '--config', this.configFile], {
      cwd: teacherRoot,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', log, log],
    });
    const child = this.child;
    child.once('exit', (code, signal) => {
      closeSync(log);
      if (this.expectExit || this.child !== child) return;
      this.crashes.push({ at: Date.now(), code, signal });
      this.child = null;
      setTimeout(() => {
        if (this.child === null && !this.expectExit) void this.start().catch(() => undefined);
      }, 1000);
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode} at start; see ${this.logFile}`);
      const ready = await fetch(`${this.url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`${this.name} not ready within 60 s; see ${this.logFile}`);
      await sleep(200);
    }
  }

  /** SIGKILL (a crash: no drain) and wait for the exit. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM (a rolling update: the replica drains) and wait for the exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.expectExit = true;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(sig);
    await exited;
    this.child = null;
  }
}
