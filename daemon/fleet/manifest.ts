import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, createHash, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { HomeSightError } from '../system/index.js';

/** Release versions: semver, also used as folder names under releases/. */
export const versionSchema = z
  .string()
  .max(64)
  .regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, 'a semver version like 1.2.3 or 1.3.0-rc.1');

/** A path inside a release: relative, forward slashes, no `.`/`..` segments, no NUL or backslash. */
export const releasePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (p) => !p.startsWith('/') && !/[\\\0\n\r]/.test(p) && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'a relative path without "." or ".." segments',
  );

export const manifestSchema = z.strictObject({
  format: z.literal(1),
  name: z.literal('homesight'),
  version: versionSchema,
  created: z.string(),
  /** Config file format versions (config `version:`) this release understands. */
  config_schema: z
    .strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) })
    .refine((c) => c.min <= c.max, 'min must not exceed max'),
  /** Run in the new release folder before switching; non-zero exit refuses the update. `node` means this Node. */
  self_check: z
    .strictObject({ argv: z.array(z.string().min(1)).min(1).max(32), timeout_s: z.number().min(1).max(3600).optional() })
    .optional(),
  /** sha256 of package-lock.json; when the bundle has no node_modules, they are taken from the running release if this matches. */
  lock_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  files: z.record(
    releasePathSchema,
    z.strictObject({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      size: z.number().int().min(0),
      mode: z.union([z.literal(0o644), z.literal(0o755)]),
    }),
  ),
  /** Symbolic links recreated on install (never stored in the archive); targets must stay inside the release. */
  links: z.record(releasePathSchema, z.string().min(1).max(1024)).default({}),
});

export type Manifest = z.infer<typeof manifestSchema>;

export const signatureSchema = z.strictObject({
  alg: z.literal('ed25519'),
  /** base64 of the signer's 32-byte public key. */
  key: z.string(),
  /** base64 signature over the exact bytes of manifest.json. */
  sig: z.string(),
});

export type BundleSignature = z.infer<typeof signatureSchema>;

/** DER prefix of an ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function publicKeyFromBase64(b64: string): KeyObject {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 32)
    throw new HomeSightError('E_FLEET_KEY', 'an ed25519 public key is 32 bytes (44 base64 characters)', {
      context: { length: raw.length },
    });
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function publicKeyToBase64(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
}

/** Short fingerprint for logs: first 16 hex chars of sha256 of the raw key. */
export function keyId(b64: string): string {
  return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex').slice(0, 16);
}

/** A new signing key pair: PKCS#8 PEM private key (keep it offline, mode 0600) and the base64 public key for fleet.trusted_keys. */
export function generateSigningKey(): { privatePem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: publicKeyToBase64(publicKey) };
}

export function loadPrivateKey(pem: string): KeyObject {
  try {
    const k = createPrivateKey(pem);
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${k.asymmetricKeyType ?? 'unknown'}`);
    return k;
  } catch (err) {
    throw new HomeSightError('E_FLEET_KEY', `not an ed25519 private key: ${(err as Error).message}`, {
      hint: 'create one with `scripts/make-bundle keygen`',
      cause: err,
    });
  }
}

export function signManifest(manifestBytes: Buffer, privateKey: KeyObject): BundleSignature {
  return {
    alg: 'ed25519',
    key: publicKeyToBase64(createPublicKey(privateKey)),
    sig: sign(null, manifestBytes, privateKey).toString('base64'),
  };
}

/**
 * Checks the signature over the manifest bytes: the signing key must be one
 * of the trusted keys, and the signature must verify with it.
 */
export function verifyManifestSignature(manifestBytes: Buffer, sigText: string, trustedKeys: readonly string[]): { keyId: string } {
  let sig: BundleSignature;
  try {
    sig = signatureSchema.parse(JSON.parse(sigText));
  } catch {
    throw new HomeSightError('E_BUNDLE_SIGNATURE', 'manifest.sig is not a valid signature file', {
      hint: 'sign bundles with scripts/make-bundle',
    });
  }
  if (trustedKeys.length === 0) {
    throw new HomeSightError('E_BUNDLE_UNTRUSTED_KEY', 'no signing keys are trusted on this device (fleet.trusted_keys is empty)', {
      hint: 'add the public key printed by `scripts/make-bundle keygen` to fleet.trusted_keys',
    });
  }
  if (!trustedKeys.includes(sig.key)) {
    throw new HomeSightError('E_BUNDLE_UNTRUSTED_KEY', `bundle is signed by key ${keyId(sig.key)}, which this device does not trust`, {
      context: { key_id: keyId(sig.key), trusted: trustedKeys.map(keyId) },
      hint: 'sign with a key listed in fleet.trusted_keys, or add its public key there',
    });
  }
  let ok = false;
  try {
    ok = verify(null, manifestBytes, publicKeyFromBase64(sig.key), Buffer.from(sig.sig, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new HomeSightError(
      'E_BUNDLE_SIGNATURE',
      `the manifest signature does not verify with key ${keyId(sig.key)} (manifest altered or signature corrupt)`,
      {
        context: { key_id: keyId(sig.key) },
        hint: 'download the bundle again; if it persists, the bundle was tampered with',
      },
    );
  }
  return { keyId: keyId(sig.key) };
}

/** Compares semver versions: negative when a < b. Pre-releases sort before their release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): { nums: number[]; pre: string[] } => {
    const [core = '', pre] = v.split('+')[0]!.split(/-(.*)/s);
    return { nums: core.split('.').map(Number), pre: pre === undefined || pre === '' ? [] : pre.split('.') };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}
