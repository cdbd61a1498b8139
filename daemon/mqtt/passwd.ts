import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HomeSightError } from '../system/index.js';

/**
 * mosquitto password files (`mosquitto_passwd`): one `user:hash` per line,
 * `$6$salt$hash` (SHA-512 of password then salt) or `$7$iterations$salt$hash`
 * (PBKDF2-HMAC-SHA512, 64-byte hash), salt and hash in base64. The embedded
 * broker reads the same file a mosquitto set-up would use.
 */
export interface PasswordEntry {
  kind: 6 | 7;
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

export function parsePasswordLine(line: string): { user: string; entry: PasswordEntry } | null {
  const i = line.indexOf(':');
  if (i <= 0) return null;
  const user = line.slice(0, i);
  const parts = line.slice(i + 1).split('$');
  // ['', '6', salt, hash] or ['', '7', iterations, salt, hash]
  if (parts[0] !== '') return null;
  if (parts[1] === '6' && parts.length === 4) {
    return { user, entry: { kind: 6, iterations: 1, salt: Buffer.from(parts[2]!, 'base64'), hash: Buffer.from(parts[3]!, 'base64') } };
  }
  if (parts[1] === '7' && parts.length === 5) {
    const iterations = Number(parts[2]);
    if (!Number.isInteger(iterations) || iterations < 1) return null;
    return { user, entry: { kind: 7, iterations, salt: Buffer.from(parts[3]!, 'base64'), hash: Buffer.from(parts[4]!, 'base64') } };
  }
  return null;
}

export function loadPasswordFile(path: string): Map<string, PasswordEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HomeSightError('E_MQTT_PASSWD', `cannot read the broker password file ${path}`, {
      context: { path },
      hint: 'create it with `mosquitto_passwd -c FILE USER` and make it readable by the homesight user',
      cause: err,
    });
  }
  const users = new Map<string, PasswordEntry>();
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = parsePasswordLine(line);
    if (parsed === null) {
      throw new HomeSightError('E_MQTT_PASSWD', `${path}:${n + 1}: not a mosquitto password line (user:$6$… or user:$7$…)`, {
        context: { path, line: n + 1 },
        hint: 'write the file with `mosquitto_passwd`; plain-text passwords are not accepted',
      });
    }
    users.set(parsed.user, parsed.entry);
  });
  return users;
}

function digest(entry: Pick<PasswordEntry, 'kind' | 'iterations' | 'salt'>, password: Buffer, length: number): Buffer {
  if (entry.kind === 6) return createHash('sha512').update(password).update(entry.salt).digest();
  return pbkdf2Sync(password, entry.salt, entry.iterations, length, 'sha512');
}

export function verifyPassword(entry: PasswordEntry, password: Buffer): boolean {
  const got = digest(entry, password, entry.hash.length);
  return got.length === entry.hash.length && timingSafeEqual(got, entry.hash);
}

/** A `$7$` line as mosquitto_passwd 2.x writes it (101 iterations, 12-byte salt). */
export function hashPasswordLine(user: string, password: string, iterations = 101): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha512');
  return `${user}:$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}
