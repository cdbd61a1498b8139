import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { errorMessage } from './errors.js';

const require = createRequire(import.meta.url);

/** sd_notify(3) seam: the real one talks to systemd; tests may record calls. */
export interface Notifier {
  /** Sends `KEY=VALUE` lines; returns false when not running under systemd. */
  notify(state: string): boolean;
  readonly enabled: boolean;
}

interface NativeBinding {
  notify(state: string, socketPath?: string): boolean;
}

/**
 * Talks to $NOTIFY_SOCKET through the homesight-native addon (Node's dgram
 * cannot send to unix datagram sockets). Without NOTIFY_SOCKET it is a no-op.
 */
export class SystemdNotifier implements Notifier {
  private readonly binding: NativeBinding | null;
  private readonly socket: string | undefined;

  constructor(
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.socket = env.NOTIFY_SOCKET;
    let binding: NativeBinding | null = null;
    if (this.socket !== undefined && this.socket !== '') {
      try {
        binding = require('homesight-native') as NativeBinding;
      } catch (err) {
        log.error(
          { err: errorMessage(err) },
          'sd_notify addon not loadable; systemd notifications disabled (rebuild with `npm rebuild homesight-native`)',
        );
      }
    }
    this.binding = binding;
  }

  get enabled(): boolean {
    return this.binding !== null;
  }

  notify(state: string): boolean {
    if (this.binding === null || this.socket === undefined) return false;
    try {
      return this.binding.notify(state, this.socket);
    } catch (err) {
      this.log.warn({ err: errorMessage(err), state: state.split('\n')[0] }, 'sd_notify failed');
      return false;
    }
  }
}

/** Parses WATCHDOG_USEC (and WATCHDOG_PID) as systemd sets them; returns the interval in ms or null. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env): number | null {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined) return null;
  const pid = env.WATCHDOG_PID;
  if (pid !== undefined && pid !== '' && Number(pid) !== process.pid) return null;
  const n = Number(usec);
  if (!Number.isFinite(n) || n <= 0) return null;
  return Math.max(1, Math.floor(n / 1000));
}
