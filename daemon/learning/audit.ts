import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of the upload audit log: what left the device, when, and a digest of the exact bytes. */
export interface AuditEntry {
  at: string;
  kind: 'upload' | 'dropped' | 'pseudo_labels' | 'adapter';
  /** Sample ids (upload/dropped) or adapter id. */
  ids: string[];
  /** Bytes sent (upload). */
  bytes?: number;
  /** sha256 of the exact request body sent. */
  sha256?: string;
  /** Which fields left (e.g. question, plan, nodes metadata, frames). */
  fields?: string[];
  /** The sent payloads themselves (upload), so the owner can read exactly what left. */
  payloads?: unknown[];
  note?: string;
}

/** Append-only JSONL audit log of every upload (readable over MQTT `learning/audit` and `homesight learning audit`). */
export class AuditLog {
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  static digest(body: string | Buffer): string {
    return createHash('sha256').update(body).digest('hex');
  }

  append(e: AuditEntry): Promise<void> {
    this.chain = this.chain.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, JSON.stringify(e) + '\n', { mode: 0o600 });
    });
    return this.chain;
  }

  /** The newest `limit` entries, oldest first. */
  async read(limit = 50): Promise<AuditEntry[]> {
    await this.chain;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const lines = text.split('\n').filter((l) => l.trim().length > 0);
    const out: AuditEntry[] = [];
    for (const l of lines.slice(-limit)) {
      try {
        out.push(JSON.parse(l) as AuditEntry);
      } catch {
        // a torn last line after a crash
      }
    }
    return out;
  }
}
