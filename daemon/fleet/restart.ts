import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HomeSightError, errorMessage, type Logger } from '../system/index.js';

const run = promisify(execFile);

/** Restarts the daemon so it runs whatever `current` points at. */
export interface Restarter {
  restart(): Promise<void>;
  /** What happened to the last process, for reports ("exited with code 1"); null when unknown. */
  lastExit?(): string | null;
}

/** Production: `systemctl restart <unit>` (the unit's ExecStart runs current/bin/homesight.js). */
export class SystemdRestarter implements Restarter {
  constructor(
    private readonly unit: string,
    private readonly systemctl = 'systemctl',
  ) {}

  async restart(): Promise<void> {
    try {
      // --no-block: a unit that fails to start is judged by the health window, not by systemctl's exit code.
      await run(this.systemctl, ['restart', '--no-block', this.unit], { timeout: 60_000 });
    } catch (err) {
      throw new HomeSightError('E_FLEET_RESTART', `systemctl restart ${this.unit} failed: ${errorMessage(err)}`, {
        hint: 'the update helper needs permission to restart the unit (it runs as root through systemd-run, or grant it with polkit)',
        cause: err,
      });
    }
  }

  lastExit(): string | null {
    return null;
  }
}

export interface SupervisorOptions {
  /** The `current` symlink; resolved again on every (re)start. */
  link: string;
  /** Script and arguments relative to the release, e.g. ['bin/homesight.js', 'run']. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  log: Logger;
  stopTimeoutMs?: number;
  /** Where the child's output goes (default: discarded). */
  output?: (line: string) => void;
}

/**
 * A small process supervisor: runs `node <current>/<script>` as a child,
 * restarts it on request (SIGTERM, then SIGKILL after a bound), records how
 * it exited. Used by tests as the real-process Restarter and usable where
 * systemd is absent (containers).
 */
export class ProcessSupervisor implements Restarter {
  private child: ChildProcess | null = null;
  private exit: string | null = null;
  starts = 0;

  constructor(private readonly o: SupervisorOptions) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) return;
    const dir = realpathSync(this.o.link);
    const [script, ...rest] = this.o.args;
    const child = spawn(process.execPath, [join(dir, script!), ...rest], {
      cwd: dir,
      env: this.o.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.starts++;
    this.exit = null;
    const out = (d: Buffer): void => this.o.output?.(d.toString('utf8'));
    child.stdout!.on('data', out);
    child.stderr!.on('data', out);
    child.on('exit', (code, signal) => {
      this.exit = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
      this.o.log.info({ pid: child.pid, code, signal, release: dir }, 'supervised process ended');
    });
    child.on('error', (err) => {
      this.exit = `could not start (${err.message})`;
    });
    this.child = child;
    this.o.log.info({ pid: child.pid, release: dir }, 'supervised process started');
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), this.o.stopTimeoutMs ?? 10_000);
    await gone;
    clearTimeout(t);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  lastExit(): string | null {
    return this.running ? null : this.exit;
  }
}

export interface ProbeResult {
  healthy: boolean;
  version: string | null;
  detail: string;
}

/** Asks the running daemon whether it is healthy and which version it is. */
export interface HealthProbe {
  check(): Promise<ProbeResult>;
}

/** GET /healthz on the daemon's loopback health endpoint: 200 with status ok|degraded is healthy. */
export class HttpHealthProbe implements HealthProbe {
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 2_000,
  ) {}

  check(): Promise<ProbeResult> {
    return new Promise((resolve) => {
      const req = request({ host: this.host, port: this.port, path: '/healthz', timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status?: string; version?: string };
            const healthy = res.statusCode === 200 && (body.status === 'ok' || body.status === 'degraded');
            resolve({
              healthy,
              version: typeof body.version === 'string' ? body.version : null,
              detail: `HTTP ${res.statusCode ?? '?'} status ${body.status ?? '?'}`,
            });
          } catch {
            resolve({ healthy: false, version: null, detail: `HTTP ${res.statusCode ?? '?'} without a health report` });
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) =>
        resolve({
          healthy: false,
          version: null,
          detail: `no answer from http://${this.host}:${this.port}/healthz (${(err as NodeJS.ErrnoException).code ?? err.message})`,
        }),
      );
      req.end();
    });
  }
}
