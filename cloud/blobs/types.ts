import type { Readable } from 'node:stream';
import { HomeSightError } from '../../daemon/system/index.js';

/** Where adapters, training data and bundles live: a key ('adapters/h1/h1-j7.gguf') → bytes. */
export interface BlobStore {
  readonly kind: 'fs' | 's3';
  put(key: string, body: Buffer | string): Promise<void>;
  /** Uploads a local file (streamed). */
  putFile(key: string, file: string): Promise<void>;
  /** The object's bytes as a stream; E_BLOB_NOT_FOUND when there is none. */
  read(key: string): Promise<Readable>;
  /** Writes the object to a local file (atomically: a temporary name, then rename). */
  download(key: string, file: string): Promise<void>;
  has(key: string): Promise<boolean>;
  remove(key: string): Promise<void>;
}

/** Keys are relative slash paths of safe characters; no '..' (an S3 key and a path under the fs root alike). */
export function checkKey(key: string): string {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((p) => p === '.' || p === '..')) {
    throw new HomeSightError('E_BLOB_STORE', `invalid blob key ${JSON.stringify(key)}`, { hint: 'letters, digits, . _ - and / only' });
  }
  return key;
}
