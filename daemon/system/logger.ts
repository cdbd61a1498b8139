import { pino, type Logger, type LevelWithSilent, type Bindings } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggerOptions {
  level: LogLevel;
  /** 'auto' = pretty only when stdout is a TTY; JSON otherwise (journald). */
  pretty: 'auto' | boolean;
  /** Where JSON lines go; defaults to stdout. Tests pass a stream. */
  destination?: NodeJS.WritableStream;
}

/**
 * Owns the process's root logger and every child handed out. pino children
 * copy the level at creation, so a runtime level change (SIGHUP reload, MQTT
 * command) has to be pushed to each child; the hub keeps weak references so
 * short-lived children are not kept alive by it.
 */
export class LogHub {
  readonly root: Logger;
  private readonly children = new Set<WeakRef<Logger>>();

  constructor(options: LoggerOptions) {
    const pretty = options.pretty === 'auto' ? Boolean(process.stdout.isTTY) && options.destination === undefined : options.pretty;
    // onChild is inherited by grandchildren too, so every descendant is tracked.
    const base = {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      onChild: (c: Logger) => {
        this.children.add(new WeakRef(c));
      },
    };
    if (pretty) {
      this.root = pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:standard' } } });
    } else if (options.destination !== undefined) {
      this.root = pino(base, options.destination);
    } else {
      this.root = pino(base, pino.destination({ dest: 1, sync: true }));
    }
  }

  /** A child logger with context fields, e.g. `{module: 'ingest', camera: 'porch'}`. */
  child(bindings: Bindings): Logger {
    return this.root.child(bindings);
  }

  get level(): LogLevel {
    return this.root.level as LogLevel;
  }

  setLevel(level: LogLevel): void {
    this.root.level = level;
    for (const ref of this.children) {
      const c = ref.deref();
      if (c === undefined) this.children.delete(ref);
      else c.level = level;
    }
  }
}

/** A logger that writes nothing, for library use and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
