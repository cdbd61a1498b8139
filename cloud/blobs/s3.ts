import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HomeSightError } from '../../daemon/system/index.js';
import { checkKey, type BlobStore } from './types.js';

export interface S3BlobStoreOptions {
  /** http(s)://host:port of an S3-compatible service (MinIO, Ceph RGW, a cloud's S3). */
  endpoint: string;
  region: string;
  bucket: string;
  /** Key prefix inside the bucket ('' or 'teacher/'). */
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style addressing (http://host/bucket/key): what MinIO and Ceph expect. */
  forcePathStyle?: boolean;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  // a missing bucket is a configuration error, not a missing object
  if (e.name === 'NoSuchBucket') return false;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** Blobs in an S3-compatible bucket (@aws-sdk/client-s3). */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly o: S3BlobStoreOptions) {
    this.client = new S3Client({
      endpoint: o.endpoint,
      region: o.region,
      forcePathStyle: o.forcePathStyle ?? true,
      credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
      // checksums only where S3 requires them: the SDK's default (CRC32 trailers on aws-chunked uploads) is not
      // understood by every S3-compatible server (older MinIO and Ceph releases)
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.prefix = o.prefix ?? '';
  }

  private key(key: string): string {
    return this.prefix + checkKey(key);
  }

  private fail(err: unknown, key: string, what: string): HomeSightError {
    if (err instanceof HomeSightError) return err;
    if (isNotFound(err)) return new HomeSightError('E_BLOB_NOT_FOUND', `no blob ${key} in s3://${this.o.bucket}`, { context: { key } });
    return new HomeSightError('E_BLOB_STORE', `s3://${this.o.bucket}/${key}: cannot ${what}: ${(err as Error).message}`, {
      context: { key, endpoint: this.o.endpoint },
      cause: err,
      hint: 'check blobs.endpoint, bucket and credentials',
    });
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: this.key(key), Body: body }));
    } catch (err) {
      throw this.fail(err, key, 'write');
    }
  }

  async putFile(key: string, file: string): Promise<void> {
    try {
      const { size } = await stat(file);
      await this.client.send(
        new PutObjectCommand({ Bucket: this.o.bucket, Key: this.key(key), Body: createReadStream(file), ContentLength: size }),
      );
    } catch (err) {
      throw this.fail(err, key, 'upload');
    }
  }

  async read(key: string): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }));
      if (!(r.Body instanceof Readable)) throw new HomeSightError('E_BLOB_STORE', `s3 ${key}: the response has no body stream`);
      return r.Body;
    } catch (err) {
      throw this.fail(err, key, 'read');
    }
  }

  async download(key: string, file: string): Promise<void> {
    const body = await this.read(key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    try {
      await pipeline(body, createWriteStream(tmp));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw this.fail(err, key, 'download');
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw this.fail(err, key, 'check');
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }));
    } catch (err) {
      throw this.fail(err, key, 'delete');
    }
  }

  close(): void {
    this.client.destroy();
  }
}
