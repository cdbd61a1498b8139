/**
 * Every error HomeSight raises on purpose carries a stable code, the context a
 * person needs to act on it, and a hint saying how to fix it.
 */
export interface ErrorContext {
  readonly [key: string]: unknown;
}

export class HomeSightError extends Error {
  readonly code: string;
  readonly context: ErrorContext;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { context?: ErrorContext; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HomeSightError';
    this.code = code;
    this.context = options.context ?? {};
    this.hint = options.hint;
  }

  /** Plain object for logs and MQTT status payloads. */
  toJSON(): { code: string; message: string; context: ErrorContext; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message, context: this.context }
      : { code: this.code, message: this.message, context: this.context, hint: this.hint };
  }
}

/** Normalises anything thrown into a HomeSightError (keeps the original as cause). */
export function asHomeSightError(err: unknown, code = 'E_INTERNAL'): HomeSightError {
  if (err instanceof HomeSightError) return err;
  if (err instanceof Error) {
    const withCode = err as Error & { code?: unknown };
    const c = typeof withCode.code === 'string' ? withCode.code : code;
    return new HomeSightError(c, err.message, { cause: err });
  }
  return new HomeSightError(code, String(err));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
