import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect as netConnect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** Helpers the benches share for the servers they start (a broker, a teacher, a daemon). */

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * A mosquitto on a free port of 127.0.0.1 (anonymous, its config written in `dir`), returned once it accepts
 * connections. `settings`: more mosquitto.conf lines (e.g. `max_inflight_messages 0`).
 */
export async function startMosquitto(dir: string, settings: readonly string[] = []): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`user ${userInfo().username}`, 'allow_anonymous true', ...settings, `listener ${port} 127.0.0.1`, ''].join('\n'));
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = netConnect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (up) return { port, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('mosquitto did not start');
}
