import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HomeSightError } from '../system/index.js';
import type { TaskPlan } from '../agent/index.js';
import type { UploadPayload } from './privacy.js';

/** A teacher plan for an uploaded sample (names still as placeholders). */
export interface PseudoLabel {
  seq: number;
  sample_id: string;
  question: string;
  plan: TaskPlan;
  teacher: string;
  /** The teacher's confidence (its vote share); absent from older teachers, null for labels kept before it had one. */
  confidence?: number | null;
}

export interface UploadReceipt {
  /** Ids stored now. */
  accepted: string[];
  /** Ids the server already had (idempotent re-upload). */
  duplicates: string[];
}

/** The device's view of the cloud teacher (HTTP in production, in-process in tests). */
export interface TeacherClient {
  uploadSamples(samples: readonly UploadPayload[], signal?: AbortSignal): Promise<UploadReceipt>;
  pseudoLabels(since: number, signal?: AbortSignal): Promise<{ labels: PseudoLabel[]; next: number }>;
  /** Signed adapter manifests published for this household. */
  adapterManifest(signal?: AbortSignal): Promise<unknown[]>;
  downloadAdapter(id: string, dest: string, signal?: AbortSignal): Promise<void>;
}

export interface HttpTeacherClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** HTTP client of the cloud teacher API (cloud/): bearer-token auth, JSON bodies. */
export class HttpTeacherClient implements TeacherClient {
  private readonly base: string;
  private readonly f: typeof fetch;

  constructor(private readonly o: HttpTeacherClientOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.f = o.fetch ?? fetch;
  }

  /** Exchanges the enrollment secret for a device token (POST /v1/devices/enroll). */
  static async enroll(
    baseUrl: string,
    args: { device_id: string; household: string; enrollment_secret: string },
    f: typeof fetch = fetch,
  ): Promise<string> {
    const res = await f(`${baseUrl.replace(/\/+$/, '')}/v1/devices/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    const body = (await res.json().catch(() => ({}))) as { token?: string; error?: string };
    if (!res.ok || typeof body.token !== 'string') {
      throw new HomeSightError('E_TEACHER_ENROLL', `enrollment refused (HTTP ${res.status}): ${body.error ?? 'no token'}`, {
        context: { url: baseUrl },
        hint: 'check the enrollment secret of the cloud teacher',
      });
    }
    return body.token;
  }

  private async call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    // A ref'd timer (AbortSignal.timeout's is not): a request the peer never answers still ends, even in a process
    // with nothing else to do.
    const ac = new AbortController();
    const ms = this.o.timeoutMs ?? 15_000;
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${ms} ms`)), ms);
    const sig = signal === undefined ? ac.signal : AbortSignal.any([signal, ac.signal]);
    let res: Response;
    try {
      res = await this.f(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.o.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: sig,
      });
    } catch (err) {
      throw new HomeSightError('E_TEACHER_UNREACHABLE', `cloud teacher unreachable: ${(err as Error).message}`, {
        context: { url: this.base, path },
        cause: err,
        hint: 'the upload stays queued and is retried with backoff',
      });
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new HomeSightError(
        res.status === 401 ? 'E_TEACHER_AUTH' : 'E_TEACHER_HTTP',
        `cloud teacher answered HTTP ${res.status} to ${method} ${path}: ${text.slice(0, 200)}`,
        {
          context: { url: this.base, path, status: res.status },
          hint: res.status === 401 ? 're-enroll the device (learning.teacher.token_file)' : 'see the cloud service log',
        },
      );
    }
    return res;
  }

  async uploadSamples(samples: readonly UploadPayload[], signal?: AbortSignal): Promise<UploadReceipt> {
    const res = await this.call('POST', '/v1/samples', { samples }, signal);
    return (await res.json()) as UploadReceipt;
  }

  async pseudoLabels(since: number, signal?: AbortSignal): Promise<{ labels: PseudoLabel[]; next: number }> {
    const res = await this.call('GET', `/v1/pseudo-labels?since=${since}`, undefined, signal);
    return (await res.json()) as { labels: PseudoLabel[]; next: number };
  }

  async adapterManifest(signal?: AbortSignal): Promise<unknown[]> {
    const res = await this.call('GET', '/v1/adapters/manifest', undefined, signal);
    return ((await res.json()) as { adapters: unknown[] }).adapters;
  }

  async downloadAdapter(id: string, dest: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call('GET', `/v1/adapters/${encodeURIComponent(id)}`, undefined, signal);
    if (res.body === null) throw new HomeSightError('E_TEACHER_HTTP', `adapter ${id}: empty body`);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.part`;
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(tmp));
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}
