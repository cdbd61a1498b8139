import type { KeyObject } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { HomeSightError } from '../../system/index.js';
import { sha256File, verifyManifestSignature, type AdapterManifest } from './manifest.js';

/**
 * Checks an adapter file against its manifest: the manifest is signed by a trusted ed25519 key and the
 * file's size and sha256 are the ones the manifest names. Returns the signer's key fingerprint.
 */
export async function verifyAdapterFile(
  manifest: AdapterManifest,
  file: string,
  trusted: readonly KeyObject[],
): Promise<{ signer: string; sha256: string }> {
  if (trusted.length === 0) {
    throw new HomeSightError(
      'E_ADAPTER_UNTRUSTED',
      `adapter ${manifest.id}: no trusted keys are configured, so no adapter can be accepted`,
      {
        context: { id: manifest.id },
        hint: 'add the cloud signing public key to learning.adapters.trusted_keys',
      },
    );
  }
  const signer = verifyManifestSignature(manifest, trusted);
  if (signer === null) {
    throw new HomeSightError('E_ADAPTER_SIGNATURE', `adapter ${manifest.id}: the manifest signature does not verify with any trusted key`, {
      context: { id: manifest.id, signer: manifest.signer ?? null, trusted: trusted.length },
      hint: 'the manifest was changed after signing or was signed by an unknown key; fetch it again or trust the signer key',
    });
  }
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new HomeSightError('E_ADAPTER_FILE', `adapter ${manifest.id}: cannot read ${file}: ${(err as Error).message}`, {
      context: { id: manifest.id, file },
      cause: err,
    });
  }
  const sha256 = await sha256File(file);
  if (sha256 !== manifest.sha256 || size !== manifest.size) {
    throw new HomeSightError(
      'E_ADAPTER_SHA256',
      `adapter ${manifest.id}: file digest ${sha256.slice(0, 12)}… (${size} B) ` +
        `does not match the signed manifest ${manifest.sha256.slice(0, 12)}… (${manifest.size} B)`,
      {
        context: { id: manifest.id, file, sha256, expected: manifest.sha256, size, expectedSize: manifest.size },
        hint: 'the file was damaged or tampered with; download it again',
      },
    );
  }
  return { signer, sha256 };
}
