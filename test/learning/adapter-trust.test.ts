/**
 * Adapters that must never reach evaluation: unsigned/unknown signer, a manifest changed after signing, a
 * tampered or truncated file, a malformed manifest, and adapters for another base model — one with the
 * right shapes (trained on a perturbed copy of stories260K, which llama.cpp itself would load) and one
 * with the wrong shapes under a forged manifest (which llama.cpp refuses too).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalProcessTrainer, findPython, publishAdapter } from '../../cloud/trainer/index.js';
import {
  AdapterLifecycle,
  AdapterStore,
  LlamaAdapterRuntime,
  NllEvaluator,
  parsePublicKey,
  sha256File,
  signManifest,
  verifyManifestSignature,
  type AdapterManifest,
} from '../../daemon/learning/adapters/index.js';
import { BASE_MODEL, BASE_SHA256, MAKE_BASE_VARIANT, signingKeys, tempDir, writeData } from './support/fixtures.js';

t.test('signature, digest and base-model checks', async (t) => {
  const dir = tempDir(t);
  const data = writeData(dir);
  const keys = signingKeys();
  const stranger = signingKeys();
  const python = findPython();
  const trainer = new LocalProcessTrainer({ python, threads: 1 });
  const quick = { dataFile: data.train, steps: 8, rank: 2, alpha: 4, seed: 5, batch: 2, maxLen: 96 };

  // a real (small) adapter for stories260K, and two other base models with their own adapters
  const good = await trainer.train({ ...quick, baseModel: BASE_MODEL, outFile: join(dir, 'good.gguf') });
  const perturbed = join(dir, 'perturbed.gguf');
  const tiny = join(dir, 'tiny.gguf');
  for (const [mode, out] of [
    ['perturb', perturbed],
    ['tiny', tiny],
  ] as const) {
    const r = spawnSync(python, [MAKE_BASE_VARIANT, mode, BASE_MODEL, out], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
  }
  const onPerturbed = await trainer.train({ ...quick, baseModel: perturbed, outFile: join(dir, 'perturbed-lora.gguf') });
  const onTiny = await trainer.train({ ...quick, baseModel: tiny, outFile: join(dir, 'tiny-lora.gguf') });
  t.not(onPerturbed.baseSha256, BASE_SHA256);

  const store = await AdapterStore.open({ dir: join(dir, 'store'), keep: 3, trustedKeys: [keys.publicKey] });
  const runtime = await LlamaAdapterRuntime.load({ modelPath: BASE_MODEL, threads: 1, contextSize: 512 });
  t.teardown(() => runtime.dispose());
  const mk = (trusted: (typeof keys.publicKey)[]) =>
    new AdapterLifecycle({
      store,
      runtime,
      evaluator: new NllEvaluator(),
      trustedKeys: trusted,
      policy: { margin: 0.01, regressionTolerance: 0 },
    });
  const lifecycle = mk([keys.publicKey]);
  const sets = { heldout: data.heldoutSamples.slice(0, 4), regression: [] };
  const manifest = await publishAdapter({
    adapterFile: good.adapterFile,
    id: 'good-1',
    privateKey: keys.privateKey,
    metrics: { loss_end: good.lossEnd },
  });
  t.equal(manifest.base_model_sha256, BASE_SHA256, 'publish reads the base digest from the adapter metadata');
  t.equal(manifest.sha256, await sha256File(good.adapterFile));
  t.same(manifest.lora, {
    rank: 2,
    alpha: 4,
    targets: ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down', 'output'],
  });

  const expectReject = async (
    name: string,
    candidate: { manifest: unknown; file: string },
    stage: string,
    code: string,
    reason?: RegExp,
    lc = lifecycle,
  ) => {
    const d = await lc.consider(candidate, sets);
    t.comment(`${name}: ${d.kind} [${d.stage} ${d.code ?? ''}] ${d.reason}`);
    t.equal(d.kind, 'reject', `${name}: rejected`);
    t.equal(d.stage, stage, `${name}: at ${stage}`);
    t.equal(d.code, code, `${name}: ${code}`);
    if (reason !== undefined) t.match(d.reason, reason);
    t.equal(d.heldout, undefined, `${name}: never evaluated`);
    t.equal(store.active(), null);
  };

  // trust: no keys configured, a stranger's signature, a manifest edited after signing
  await expectReject('no trusted keys', { manifest, file: good.adapterFile }, 'verify', 'E_ADAPTER_UNTRUSTED', /no trusted keys/, mk([]));
  const foreign = signManifest({ ...manifest }, stranger.privateKey);
  await expectReject('unknown signer', { manifest: foreign, file: good.adapterFile }, 'verify', 'E_ADAPTER_SIGNATURE');
  const edited: AdapterManifest = { ...manifest, metrics: { loss_end: 0.0001 } };
  await expectReject('edited manifest', { manifest: edited, file: good.adapterFile }, 'verify', 'E_ADAPTER_SIGNATURE');
  t.equal(verifyManifestSignature(manifest, [keys.publicKey]), manifest.signer, 'the untouched manifest verifies');
  t.equal(
    verifyManifestSignature(manifest, [
      parsePublicKey(keys.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64')),
    ]),
    manifest.signer,
    'raw 32-byte base64 keys work',
  );

  // integrity: one flipped byte in the tensor data, a truncated file
  const bytes = readFileSync(good.adapterFile);
  const flipped = Buffer.from(bytes);
  flipped[bytes.length - 100] = (flipped[bytes.length - 100] as number) ^ 0x01;
  writeFileSync(join(dir, 'flipped.gguf'), flipped);
  await expectReject(
    'flipped byte',
    { manifest, file: join(dir, 'flipped.gguf') },
    'verify',
    'E_ADAPTER_SHA256',
    /does not match the signed manifest/,
  );
  writeFileSync(join(dir, 'short.gguf'), bytes.subarray(0, bytes.length - 32));
  await expectReject('truncated', { manifest, file: join(dir, 'short.gguf') }, 'verify', 'E_ADAPTER_SHA256');
  await expectReject('missing file', { manifest, file: join(dir, 'nope.gguf') }, 'verify', 'E_ADAPTER_FILE');
  const { sha256: _drop, ...noDigest } = manifest;
  await expectReject('malformed manifest', { manifest: noDigest, file: good.adapterFile }, 'manifest', 'E_ADAPTER_MANIFEST', /sha256/);

  // wrong base, right shapes: signed honestly for the perturbed base -> refused by digest (llama.cpp alone would accept it)
  const mPert = await publishAdapter({ adapterFile: onPerturbed.adapterFile, id: 'perturbed-1', privateKey: keys.privateKey });
  await expectReject(
    'adapter for another base (same shapes)',
    { manifest: mPert, file: onPerturbed.adapterFile },
    'compatibility',
    'E_ADAPTER_WRONG_BASE',
    /not this device's base model/,
  );
  const loads = await runtime.withTarget({ id: 'perturbed-1', file: onPerturbed.adapterFile }, async () => true);
  t.ok(loads, 'llama.cpp loads it without complaint: only the digest check catches it');

  // wrong base, wrong shapes, forged manifest naming our base -> refused by the file's own metadata and shapes
  const mTiny = await publishAdapter({
    adapterFile: onTiny.adapterFile,
    id: 'tiny-1',
    privateKey: keys.privateKey,
    baseModelSha256: BASE_SHA256,
  });
  await expectReject(
    'forged base digest, wrong shapes',
    { manifest: mTiny, file: onTiny.adapterFile },
    'compatibility',
    'E_ADAPTER_WRONG_BASE',
    /lora_a \[32,2\] .* do not fit base \[64,/,
  );
  await t.rejects(
    runtime.withTarget({ id: 'tiny-1', file: onTiny.adapterFile }, async () => true),
    { code: 'E_ADAPTER_LOAD' },
    'llama.cpp refuses it as well',
  );

  t.same(readdirSync(join(dir, 'store', 'staging')), [], 'nothing left in staging');
  t.equal(store.list().length, 0, 'nothing kept');
  const decisions = await store.decisions(50);
  t.equal(decisions.length, 9, 'every rejection is recorded');

  // and the honest adapter passes every gate
  copyFileSync(good.adapterFile, join(dir, 'download.gguf'));
  const ok = await lifecycle.consider({ manifest, file: join(dir, 'download.gguf') }, sets);
  t.comment(`honest adapter: ${ok.kind} — ${ok.reason}`);
  t.equal(ok.kind, 'adopt', ok.reason);
  t.equal(store.active()?.manifest.sha256, manifest.sha256);
});
