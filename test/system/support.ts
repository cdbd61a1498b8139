import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const repo = new URL('../../', import.meta.url).pathname;

/** A config with every optional capability off: the bare daemon (memory only). */
export function bareConfig(dir: string, extra = ''): string {
  const file = join(dir, 'homesight.yaml');
  writeFileSync(
    file,
    `paths:\n  data_dir: ${dir}/data\n  cache_dir: ${dir}/cache\n  ` +
      `recordings_dir: ${dir}/rec\nhealth:\n  port: 0\nvision:\n  enabled: false\nagent:\n  enabled: ` +
      `false\nmqtt:\n  enabled: false\n${extra}`,
  );
  return file;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface NotifyMessage {
  t: number;
  msg: string;
}

/** Starts the python notify-socket receiver; resolves once it is bound. */
export async function notifyReceiver(path: string): Promise<{
  proc: ChildProcess;
  messages: NotifyMessage[];
  waitFor(pred: (m: NotifyMessage) => boolean, ms: number): Promise<NotifyMessage>;
}> {
  const proc = spawn('python3', [join(repo, 'test/system/fixtures/notify-recv.py'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: NotifyMessage[] = [];
  const waiters: Array<{ pred: (m: NotifyMessage) => boolean; resolve: (m: NotifyMessage) => void }> = [];
  const rl = createInterface({ input: proc.stdout! });
  let bound: () => void = () => {};
  const boundP = new Promise<void>((r) => (bound = r));
  rl.on('line', (line) => {
    const m = JSON.parse(line) as NotifyMessage;
    if (m.msg === '__BOUND__') {
      bound();
      return;
    }
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  await boundP;
  return {
    proc,
    messages,
    waitFor(pred, ms) {
      const found = messages.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (m: NotifyMessage) => (clearTimeout(timer), resolve(m)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching notify message within ${ms} ms; got: ${messages.map((x) => JSON.stringify(x.msg)).join(' | ')}`));
        }, ms);
        waiters.push(w);
      });
    },
  };
}

/** Runs `homesight run` as a child process; collects stdout JSON logs. */
export function startDaemon(
  args: string[],
  env: NodeJS.ProcessEnv,
): { proc: ChildProcess; logs: string[]; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const proc = spawn(process.execPath, [join(repo, 'bin/homesight.js'), 'run', ...args], {
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
