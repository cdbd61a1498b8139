import { readFileSync } from 'node:fs';
import { HomeSightError } from '../system/index.js';

/** Reads a secret file (trailing newline stripped). The value is never logged. */
export function readSecret(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new HomeSightError('E_SECRET_READ', `cannot read secret file for ${key}`, {
      context: { key, path, reason: (err as NodeJS.ErrnoException).code },
      hint: 'check the file exists and the homesight user can read it',
      cause: err,
    });
  }
}
