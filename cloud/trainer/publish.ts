import type { KeyObject } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  MANIFEST_SCHEMA,
  readAdapterFileInfo,
  sha256File,
  signManifest,
  type AdapterManifest,
} from '../../daemon/learning/adapters/index.js';
import { HomeSightError } from '../../daemon/system/index.js';

export interface PublishOptions {
  /** Adapter GGUF written by the trainer. */
  adapterFile: string;
  /** Unique id (letters, digits, . _ -). */
  id: string;
  /** ed25519 private key (KeyObject, PEM, or base64 PKCS#8 DER). */
  privateKey: KeyObject | string;
  /** sha256 of the base model; default: the adapter's homesight.base_model.sha256 metadata. */
  baseModelSha256?: string;
  /** Numbers to publish with the adapter (training loss, cloud-side evaluation). */
  metrics?: Record<string, number>;
  created?: Date;
  /** Where to write the manifest JSON (optional). */
  manifestFile?: string;
}

/**
 * The cloud side of adapter exchange: digests the adapter file, reads its LoRA metadata, and signs the
 * manifest (ed25519) that devices verify before they evaluate the adapter.
 */
export async function publishAdapter(o: PublishOptions): Promise<AdapterManifest> {
  const info = await readAdapterFileInfo(o.adapterFile);
  const base = o.baseModelSha256 ?? info.baseSha256;
  if (base === null || !/^[0-9a-f]{64}$/.test(base)) {
    throw new HomeSightError('E_ADAPTER_MANIFEST', `${o.adapterFile}: the base model digest is unknown`, {
      hint: 'pass baseModelSha256 (sha256 of the base GGUF) or train with cloud/trainer/train_lora.py, which records it',
    });
  }
  const rank = info.metadata['homesight'] as { lora?: { rank?: unknown; targets?: unknown } } | undefined;
  const r = typeof rank?.lora?.rank === 'number' ? rank.lora.rank : null;
  const targets = typeof rank?.lora?.targets === 'string' ? rank.lora.targets.split(',') : [];
  const manifest = signManifest(
    {
      schema: MANIFEST_SCHEMA,
      id: o.id,
      base_model_sha256: base,
      created: (o.created ?? new Date()).toISOString(),
      sha256: await sha256File(o.adapterFile),
      size: (await stat(o.adapterFile)).size,
      format: 'gguf-lora',
      ...(r !== null && info.alpha !== null ? { lora: { rank: r, alpha: info.alpha, targets } } : {}),
      metrics: o.metrics ?? {},
    },
    o.privateKey,
  );
  if (o.manifestFile !== undefined) {
    await mkdir(dirname(o.manifestFile), { recursive: true });
    await writeFile(o.manifestFile + '.tmp', JSON.stringify(manifest, null, 2) + '\n');
    await rename(o.manifestFile + '.tmp', o.manifestFile);
  }
  return manifest;
}
