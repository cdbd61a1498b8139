import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, CONFIG_VERSION, formatProblem, parseConfigText, type HomeSightConfig } from '../config/index.js';
import { HomeSightError } from '../system/index.js';

export interface PushResult {
  file: string;
  /** Where the replaced file was kept (null when there was none). */
  previous: string | null;
  device_id: string;
  cameras: string[];
}

/**
 * Replaces the config file with a pushed one, only if it validates exactly as
 * the daemon would load it (same env overrides, secret files checked):
 * the old file is kept as `<file>.prev`, the new one written to a temp file,
 * fsynced and renamed over (atomic). A refused push leaves the file untouched.
 */
export function pushConfig(text: string, file: string, env: NodeJS.ProcessEnv): PushResult {
  let config: HomeSightConfig;
  try {
    config = parseConfigText(text, 'pushed config', { env }).config;
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new HomeSightError(
        'E_CONFIG_PUSH_INVALID',
        `pushed config refused: ${err.problems.map(formatProblem).join('; ').slice(0, 800)}`,
        {
          context: { problems: err.problems },
          hint: 'fix the listed keys; `homesight config check FILE` checks a file locally',
        },
      );
    }
    throw err;
  }
  if (config.version !== CONFIG_VERSION) {
    throw new HomeSightError(
      'E_CONFIG_PUSH_INVALID',
      `pushed config is format version ${config.version}; this release reads ${CONFIG_VERSION}`,
    );
  }
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o640);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw new HomeSightError('E_CONFIG_PUSH_WRITE', `cannot write ${tmp}`, {
      hint: 'the config folder must be writable by homesight (ReadWritePaths in the unit)',
      cause: err,
    });
  }
  closeSync(fd);
  let previous: string | null = null;
  if (existsSync(file)) {
    previous = `${file}.prev`;
    copyFileSync(file, previous);
  }
  renameSync(tmp, file);
  try {
    const dfd = openSync(dirname(file), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // directory fsync unsupported: the rename is still atomic
  }
  return { file, previous, device_id: config.device_id, cameras: Object.keys(config.cameras) };
}
