import { isErrorCode, type ErrorCode } from './error-codes.js';

/**
 * Every error HomeSight raises on purpose carries a stable code (listed with its
 * meaning in error-codes.ts), the context a person needs to act on it, and a
 * hint saying how to fix it.
 */
export interface ErrorContext {
  readonly [key: string]: unknown;
}

export class HomeSightError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { context?: ErrorContext; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HomeSightError';
    this.code = code;
    this.context = options.context ?? {};
    this.hint = options.hint;
  }

  /** Plain object for logs and MQTT status payloads. */
  toJSON(): { code: ErrorCode; message: string; context: ErrorContext; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message, context: this.context }
      : { code: this.code, message: this.message, context: this.context, hint: this.hint };
  }
}

/**
 * Normalises anything thrown into a HomeSightError (keeps the original as cause).
 * An error that already carries a registered code keeps it; any other code (a
 * Node errno such as ENOENT, an extension's own code) is kept in context.cause_code
 * and the error takes `code`, so every reported code is one of ERROR_CODES.
 */
export function asHomeSightError(err: unknown, code: ErrorCode = 'E_INTERNAL'): HomeSightError {
  if (err instanceof HomeSightError) return err;
  if (err instanceof Error) {
    const own = (err as Error & { code?: unknown }).code;
    if (isErrorCode(own)) return new HomeSightError(own, err.message, { cause: err });
    return new HomeSightError(code, err.message, { cause: err, ...(typeof own === 'string' ? { context: { cause_code: own } } : {}) });
  }
  return new HomeSightError(code, String(err));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
