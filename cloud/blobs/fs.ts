import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HomeSightError } from '../../daemon/system/index.js';
import { checkKey, type BlobStore } from './types.js';

function blobError(err: unknown, key: string, what: string): HomeSightError {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT')
    return new HomeSightError('E_BLOB_NOT_FOUND', `no blob ${key}`, { context: { key }, cause: err });
  return new HomeSightError('E_BLOB_STORE', `blob ${key}: cannot ${what}: ${(err as Error).message}`, { context: { key }, cause: err });
}

/** Blobs as files under one folder (the embedded default; a shared volume for several replicas). */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs';
  constructor(readonly root: string) {}

  path(key: string): string {
    return join(this.root, checkKey(key));
  }

  private async atomically(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const file = this.path(key);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      await write(tmp);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw blobError(err, key, 'write');
    }
  }

  put(key: string, body: Buffer | string): Promise<void> {
    return this.atomically(key, (tmp) => writeFile(tmp, body));
  }

  putFile(key: string, file: string): Promise<void> {
    return this.atomically(key, (tmp) => copyFile(file, tmp));
  }

  async read(key: string): Promise<Readable> {
    const file = this.path(key);
    try {
      await stat(file);
    } catch (err) {
      throw blobError(err, key, 'read');
    }
    return createReadStream(file);
  }

  async download(key: string, file: string): Promise<void> {
    const src = await this.read(key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    try {
      await pipeline(src, createWriteStream(tmp));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw blobError(err, key, 'download');
    }
  }

  async has(key: string): Promise<boolean> {
    return stat(this.path(key)).then(
      () => true,
      () => false,
    );
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
