import { z } from 'zod';
import { existsSync, accessSync, constants } from 'node:fs';

/**
 * A path to a file holding a secret (password, token, key). The loader
 * resolves it relative to the config file's folder before validation, so the
 * check here sees an absolute path. The secret itself never enters the config
 * object or the logs.
 */
export const secretFile = z
  .string()
  .min(1)
  .superRefine((p, ctx) => {
    if (!existsSync(p)) {
      ctx.addIssue({
        code: 'custom',
        message: `secret file not found: ${p}`,
        params: { hint: 'create the file (mode 0600) or remove the key' },
      });
      return;
    }
    try {
      accessSync(p, constants.R_OK);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `secret file not readable: ${p}`,
        params: { hint: 'chmod/chown it so the homesight user can read it' },
      });
    }
  })
  .describe('path to a file holding the secret (kept out of the YAML)');

export const durationSeconds = z.number().positive();
export const port = z.number().int().min(0).max(65535);
export const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, "_" or "-", starting with a letter or digit, at most 63 characters');
