/**
 * AdapterStore on its own (no model): keep-N pruning, rollback by id / to base, re-verification on
 * rollback, cross-process changes (refresh/watch), corrupt state, manifest signing rules, config helpers.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { configSchema } from '../../daemon/config/index.js';
import {
  AdapterStore,
  MANIFEST_SCHEMA,
  adapterStoreDir,
  canonicalJson,
  parsePrivateKey,
  parsePublicKey,
  signManifest,
  trustedKeysFromConfig,
  verifyManifestSignature,
  type AdapterChange,
  type AdapterManifest,
} from '../../daemon/learning/adapters/index.js';
import { ManualClock } from '../../daemon/system/index.js';
import { signingKeys, tempDir } from './support/fixtures.js';

const keys = signingKeys();

/** A signed manifest over a small file placed in the store's staging folder, as the lifecycle leaves it. */
function stage(store: AdapterStore, id: string, content = `adapter ${id}`): { manifest: AdapterManifest; file: string } {
  const file = store.stagingPath(id);
  writeFileSync(file, content);
  const manifest = signManifest(
    {
      schema: MANIFEST_SCHEMA,
      id,
      base_model_sha256: 'a'.repeat(64),
      created: '2025-01-01T00:00:00.000Z',
      sha256: createHash('sha256').update(content).digest('hex'),
      size: Buffer.byteLength(content),
      format: 'gguf-lora',
      metrics: {},
    },
    keys.privateKey,
  );
  return { manifest, file };
}

t.test('keep N, rollback by id and to base, pruning', async (t) => {
  const dir = tempDir(t);
  const clock = new ManualClock(Date.parse('2025-03-01T10:00:00Z'));
  const store = await AdapterStore.open({ dir, keep: 2, trustedKeys: [keys.publicKey], clock });
  const changes: AdapterChange[] = [];
  const off = store.onChange((c) => changes.push(c));
  for (const id of ['a1', 'a2', 'a3']) {
    const s = stage(store, id);
    await store.adopt(s.manifest, s.file, { heldout_score: -1 });
    clock.advance(60_000);
  }
  t.same(
    store.list().map((a) => a.id),
    ['a3', 'a2'],
    'only the newest 2 are kept',
  );
  t.same(readdirSync(join(dir, 'kept')).sort(), ['a2.gguf', 'a2.json', 'a3.gguf', 'a3.json'], 'a1 files pruned');
  t.equal(store.list()[0]?.adoptedAt, '2025-03-01T10:02:00.000Z');
  t.same(
    changes.map((c) => [c.reason, c.previous, c.active?.id]),
    [
      ['adopted', null, 'a1'],
      ['adopted', 'a1', 'a2'],
      ['adopted', 'a2', 'a3'],
    ],
  );
  await t.rejects(store.rollback('a1'), { code: 'E_ADAPTER_NOT_FOUND' });
  t.same(await store.rollback('a2'), { from: 'a3', to: 'a2' });
  t.ok(store.wasRolledBack('a3') && !store.wasRolledBack('a2'), 'the adapter rolled back from is remembered');
  t.same(await store.rollback('base'), { from: 'a2', to: null });
  t.equal(store.active(), null);
  t.equal(store.loraOption(), undefined);
  await t.rejects(store.rollback(), { code: 'E_ADAPTER_ROLLBACK' });
  t.same(readdirSync(join(dir, 'kept')), [], 'rolled-back adapters are dropped');
  off();
  const s = stage(store, 'a4');
  await store.adopt(s.manifest, s.file, {});
  t.equal(changes.length, 5, 'unsubscribed listener hears nothing more');
  const decisions = await store.decisions();
  t.same(
    decisions.map((d) => [d['kind'], d['to']]),
    [
      ['rollback', null],
      ['rollback', 'a2'],
    ],
  );
  // a torn last line (crash while appending) is skipped
  appendFileSync(join(dir, 'decisions.jsonl'), '{"kind":"rollb');
  t.equal((await store.decisions()).length, 2);
});

t.test('rollback re-verifies the kept file and signature', async (t) => {
  const dir = tempDir(t);
  const store = await AdapterStore.open({ dir, keep: 3, trustedKeys: [keys.publicKey] });
  for (const id of ['b1', 'b2']) {
    const s = stage(store, id);
    await store.adopt(s.manifest, s.file, {});
  }
  writeFileSync(join(dir, 'kept', 'b1.gguf'), 'tampered on disk');
  await t.rejects(store.rollback(), { code: 'E_ADAPTER_SHA256' });
  t.equal(store.active()?.id, 'b2', 'refused rollback leaves the active adapter');
  const other = signingKeys();
  const strict = await AdapterStore.open({ dir, keep: 3, trustedKeys: [other.publicKey] });
  await t.rejects(strict.rollback('b2'), { code: 'E_ADAPTER_SIGNATURE' }, 'a store that no longer trusts the signer refuses');
});

t.test('changes by another process: refresh() and watch()', async (t) => {
  const dir = tempDir(t);
  const daemon = await AdapterStore.open({ dir, keep: 3, trustedKeys: [keys.publicKey] });
  const s = stage(daemon, 'c1');
  await daemon.adopt(s.manifest, s.file, {});
  const s2 = stage(daemon, 'c2');
  await daemon.adopt(s2.manifest, s2.file, {});
  const seen: AdapterChange[] = [];
  daemon.onChange((c) => seen.push(c));
  const stop = daemon.watch(50);
  t.teardown(stop);
  const cli = await AdapterStore.open({ dir, keep: 3, trustedKeys: [keys.publicKey] });
  t.equal(cli.active()?.id, 'c2');
  await cli.rollback();
  for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.same(
    seen.map((c) => [c.reason, c.previous, c.active?.id]),
    [['external', 'c2', 'c1']],
    'watch() noticed the other process',
  );
  t.equal(await daemon.refresh(), false, 'no further change');
});

t.test('corrupt state and bad options fail with a hint', async (t) => {
  const dir = tempDir(t);
  await AdapterStore.open({ dir, keep: 1, trustedKeys: [] });
  writeFileSync(join(dir, 'state.json'), '{"version": 2}');
  await t.rejects(AdapterStore.open({ dir, keep: 1, trustedKeys: [] }), { code: 'E_ADAPTER_STORE', hint: /delete it/ });
  await t.rejects(AdapterStore.open({ dir, keep: 0, trustedKeys: [] }), { code: 'E_ADAPTER_CONFIG' });
  // a kept entry whose manifest vanished is dropped on load instead of crashing
  const dir2 = tempDir(t);
  const store = await AdapterStore.open({ dir: dir2, keep: 2, trustedKeys: [keys.publicKey] });
  const s = stage(store, 'd1');
  await store.adopt(s.manifest, s.file, {});
  writeFileSync(join(dir2, 'kept', 'd1.json'), 'not json');
  const reopened = await AdapterStore.open({ dir: dir2, keep: 2, trustedKeys: [keys.publicKey] });
  t.equal(reopened.active(), null);
  t.ok(existsSync(join(dir2, 'state.json')));
});

t.test('manifest signing: canonical bytes, every field covered', async (t) => {
  const { manifest } = stage(await AdapterStore.open({ dir: tempDir(t), keep: 1, trustedKeys: [] }), 'e1');
  t.equal(verifyManifestSignature(manifest, [keys.publicKey]), manifest.signer);
  // key order does not matter, any change to a signed field does
  const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(manifest).reverse()))) as AdapterManifest;
  t.equal(verifyManifestSignature(reordered, [keys.publicKey]), manifest.signer);
  for (const [k, v] of Object.entries({
    id: 'e2',
    base_model_sha256: 'b'.repeat(64),
    created: '2026-01-01T00:00:00.000Z',
    sha256: 'c'.repeat(64),
    size: 1,
    metrics: { x: 1 },
  })) {
    t.equal(
      verifyManifestSignature({ ...manifest, [k]: v } as AdapterManifest, [keys.publicKey]),
      null,
      `changing ${k} breaks the signature`,
    );
  }
  t.equal(verifyManifestSignature({ ...manifest, signature: 'AAAA' }, [keys.publicKey]), null);
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      t.same(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)));
      return true;
    }),
    { numRuns: 200 },
  );
  t.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  // key forms: PEM, raw base64, raw hex; private keys PEM; other key types refused
  const der = keys.publicKey.export({ format: 'der', type: 'spki' });
  t.equal(parsePublicKey(keys.publicKeyPem).asymmetricKeyType, 'ed25519');
  t.equal(parsePublicKey(der.subarray(12).toString('hex')).asymmetricKeyType, 'ed25519');
  t.equal(parsePublicKey(der.toString('base64')).asymmetricKeyType, 'ed25519');
  t.throws(() => parsePublicKey('not a key'), { code: 'E_ADAPTER_KEY' });
  t.equal(parsePrivateKey(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()).asymmetricKeyType, 'ed25519');
  t.throws(() => parsePrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'), { code: 'E_ADAPTER_KEY' });
});

t.test('config helpers', async (t) => {
  const config = configSchema.parse({ paths: { data_dir: '/var/lib/hs' }, learning: { adapters: { trusted_keys: [keys.publicKeyPem] } } });
  t.equal(adapterStoreDir(config), '/var/lib/hs/adapters');
  t.equal(config.learning.adapters.regression_tolerance, 0);
  t.equal(config.learning.adapters.scale, 1);
  t.equal(trustedKeysFromConfig(config).length, 1);
  const bad = configSchema.parse({ learning: { adapters: { trusted_keys: ['garbage'], dir: '/x/y' } } });
  t.equal(adapterStoreDir(bad), '/x/y');
  t.throws(() => trustedKeysFromConfig(bad), { code: 'E_ADAPTER_KEY' });
  t.ok(
    readFileSync(new URL('../../config/homesight.example.yaml', import.meta.url), 'utf8').includes('regression_tolerance'),
    'example config documents the new keys',
  );
});
