import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { HomeSightError } from '../../system/index.js';

export const MANIFEST_SCHEMA = 'homesight.adapter/v1';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex sha256');

/**
 * What the cloud publishes next to each adapter file. Everything except `signature` is signed
 * (ed25519 over the canonical JSON of the other fields), so the base model, the file digest and the
 * reported metrics cannot be changed without the signature failing.
 */
export const adapterManifestSchema = z.strictObject({
  schema: z.literal(MANIFEST_SCHEMA),
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, . _ - (max 128)')
    .describe('unique adapter id'),
  base_model_sha256: hex64.describe('sha256 of the base GGUF the adapter was trained for'),
  created: z.string().datetime({ offset: true }),
  sha256: hex64.describe('sha256 of the adapter GGUF file'),
  size: z.number().int().min(1),
  format: z.literal('gguf-lora'),
  lora: z.strictObject({ rank: z.number().int().min(1), alpha: z.number(), targets: z.array(z.string()) }).optional(),
  metrics: z.record(z.string(), z.number()).default({}).describe('training/cloud metrics, e.g. loss_start, loss_end, steps'),
  signer: z.string().optional().describe('fingerprint of the signing key (sha256 of its SPKI DER, first 16 hex)'),
  signature: z.string().min(1).describe('base64 ed25519 signature of the canonical manifest without this field'),
});

export type AdapterManifest = z.infer<typeof adapterManifestSchema>;
export type UnsignedManifest = Omit<AdapterManifest, 'signature'>;

/** JSON with object keys sorted at every level: the bytes that are signed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function signedBytes(m: UnsignedManifest | AdapterManifest): Buffer {
  const { signature: _ignored, ...rest } = m as AdapterManifest;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Reads an ed25519 public key given as PEM (SPKI), base64 of the DER SPKI, or base64/hex of the raw
 * 32-byte key (the forms `learning.adapters.trusted_keys` accepts).
 */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  try {
    let key: KeyObject;
    if (t.includes('-----BEGIN')) key = createPublicKey(t);
    else {
      const raw = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
      const der = raw.length === 32 ? Buffer.concat([SPKI_ED25519_PREFIX, raw]) : raw;
      key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`);
    return key;
  } catch (err) {
    throw new HomeSightError('E_ADAPTER_KEY', `cannot read ed25519 public key "${t.slice(0, 24)}…": ${(err as Error).message}`, {
      hint: 'give learning.adapters.trusted_keys as PEM (-----BEGIN PUBLIC KEY-----) or base64 of the 32-byte key',
      cause: err,
    });
  }
}

/** Reads an ed25519 private key (PEM PKCS#8, or base64 DER PKCS#8). */
export function parsePrivateKey(text: string): KeyObject {
  const t = text.trim();
  try {
    const key = t.includes('-----BEGIN')
      ? createPrivateKey(t)
      : createPrivateKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`);
    return key;
  } catch (err) {
    throw new HomeSightError('E_ADAPTER_KEY', `cannot read ed25519 private key: ${(err as Error).message}`, {
      hint: 'create one with: openssl genpkey -algorithm ed25519 -out adapter-signing.pem',
      cause: err,
    });
  }
}

/** Short stable name of a public key: sha256 of its SPKI DER, first 16 hex digits. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

/** Signs a manifest with an ed25519 private key (the cloud side); sets `signer` to the key's fingerprint. */
export function signManifest(
  unsigned: Omit<UnsignedManifest, 'signer'> & { signer?: string },
  privateKey: KeyObject | string,
): AdapterManifest {
  const key = typeof privateKey === 'string' ? parsePrivateKey(privateKey) : privateKey;
  const body: UnsignedManifest = { ...unsigned, signer: keyFingerprint(key) };
  const signature = sign(null, signedBytes(body), key).toString('base64');
  return adapterManifestSchema.parse({ ...body, signature });
}

/** The fingerprint of the trusted key that signed the manifest, or null when none did. */
export function verifyManifestSignature(m: AdapterManifest, trusted: readonly KeyObject[]): string | null {
  let sig: Buffer;
  try {
    sig = Buffer.from(m.signature, 'base64');
  } catch {
    return null;
  }
  const bytes = signedBytes(m);
  for (const k of trusted) {
    try {
      if (verify(null, bytes, k, sig)) return keyFingerprint(k);
    } catch {
      // malformed signature for this key type: try the next key
    }
  }
  return null;
}

/** Parses and validates manifest JSON, with the problems listed in the error. */
export function parseManifest(json: unknown, source = 'manifest'): AdapterManifest {
  const r = adapterManifestSchema.safeParse(json);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new HomeSightError('E_ADAPTER_MANIFEST', `${source}: invalid adapter manifest (${problems.join('; ')})`, {
      context: { source, problems },
      hint: 'the manifest must be written by cloud/trainer publishAdapter()',
    });
  }
  return r.data;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
