/**
 * The blob store contract on the filesystem store and on the S3 store against s3rver (a real S3-compatible HTTP
 * server started by the test, path-style addressing): put, upload a file, read, download, has, remove, not-found,
 * keys that would escape the root refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import t, { type Test } from 'tap';
import { FsBlobStore, S3BlobStore, type BlobStore } from '../../cloud/blobs/index.js';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (o: Record<string, unknown>) => S3rverInstance;
// s3rver ships no type declarations
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

const dir = mkdtempSync(join(tmpdir(), 'hs-blobs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function contract(t: Test, blobs: BlobStore): Promise<void> {
  await blobs.put('jobs/7/train.jsonl', '{"question":"q"}\n');
  t.equal(await text(await blobs.read('jobs/7/train.jsonl')), '{"question":"q"}\n');
  t.ok(await blobs.has('jobs/7/train.jsonl'));
  t.notOk(await blobs.has('jobs/7/none.jsonl'));
  // a binary file of a few MiB, uploaded streamed and downloaded back unchanged
  const big = randomBytes(3 * 1024 * 1024 + 17);
  const src = join(dir, `${blobs.kind}-adapter.gguf`);
  writeFileSync(src, big);
  await blobs.putFile('adapters/h1/h1-j7.gguf', src);
  const back = join(dir, `${blobs.kind}-back`, 'adapter.gguf');
  await blobs.download('adapters/h1/h1-j7.gguf', back);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  t.equal(sha(readFileSync(back)), sha(big), 'the same bytes came back');
  await blobs.put('adapters/h1/h1-j7.gguf', Buffer.from('replaced'));
  t.equal(await text(await blobs.read('adapters/h1/h1-j7.gguf')), 'replaced', 'put replaces');
  await blobs.remove('adapters/h1/h1-j7.gguf');
  t.notOk(await blobs.has('adapters/h1/h1-j7.gguf'));
  await t.rejects(blobs.read('adapters/h1/h1-j7.gguf'), { code: 'E_BLOB_NOT_FOUND' });
  await t.rejects(blobs.download('nothing/here', join(dir, 'x')), { code: 'E_BLOB_NOT_FOUND' });
  for (const bad of ['../escape', '/abs', 'a//b', 'a/./b', 'a b'])
    await t.rejects(blobs.put(bad, 'x'), { code: 'E_BLOB_STORE' }, `key ${JSON.stringify(bad)} refused`);
}

t.test('filesystem blob store', async (t) => {
  await contract(t, new FsBlobStore(join(dir, 'fs')));
});

t.test('S3 blob store against s3rver (path-style)', async (t) => {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(dir, 's3rver'),
    configureBuckets: [{ name: 'homesight-teacher' }],
  });
  const { port } = await server.run();
  t.teardown(() => server.close());
  const blobs = new S3BlobStore({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    bucket: 'homesight-teacher',
    prefix: 'teacher/',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  });
  t.teardown(() => blobs.close());
  await contract(t, blobs);
  const wrong = new S3BlobStore({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    bucket: 'no-such-bucket',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  });
  t.teardown(() => wrong.close());
  await t.rejects(wrong.put('a', 'x'), { code: 'E_BLOB_STORE' }, 'a missing bucket is a store error');
});
