/**
 * The seam for text embeddings of long-term memory items. The agent can plug
 * in the local LLM's embedding API (node-llama-cpp) or an ONNX text encoder;
 * the store only needs vectors of a fixed dimension.
 */
export interface Embedder {
  readonly dim: number;
  /** Names the model; vectors of different models are never compared. */
  readonly id?: string;
  embed(texts: string[]): Promise<Float32Array[]>;
}

const STOP_WORDS = new Set(
  (
    'a an and are as at be by did do does for from had has have he her his i in is it its me my of on or our she so ' +
    'that the their them they this to was were what when where which who whom why will with you your'
  ).split(' '),
);

/** Lower-cased word tokens (letters and digits, any script), stop words removed. */
export function contentWords(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((w) => !STOP_WORDS.has(w));
}

/** 32-bit FNV-1a over the UTF-16 code units of a string. */
function fnv1a(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A deterministic, model-free embedder: feature hashing of content words,
 * word bigrams and character trigrams into `dim` signed buckets, L2-normalised.
 *
 * It is lexical, not semantic: "kitchen" and "cooking area" share nothing.
 * Trigrams make it forgiving of typos and word forms ("birthdy" ~ "birthday").
 * It needs no model download, so long-term memory works out of the box; a
 * real text-embedding model can replace it through the Embedder seam.
 */
export class LexicalEmbedder implements Embedder {
  readonly dim: number;
  readonly id: string;

  constructor(options: { dim?: number } = {}) {
    this.dim = options.dim ?? 256;
    this.id = `lexical-v1-${this.dim}`;
  }

  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dim);
    const add = (feature: string, weight: number): void => {
      const h = fnv1a(feature, 0);
      const sign = (fnv1a(feature, 0x9e3779b9) & 1) === 0 ? 1 : -1;
      const i = h % this.dim;
      v[i] = (v[i] ?? 0) + sign * weight;
    };
    const words = contentWords(text);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      add(`w:${w}`, 1);
      if (i > 0) add(`b:${words[i - 1]!} ${w}`, 0.5);
      // A word's trigrams together weigh as much as the word itself (n · (1/√n)² = 1).
      const padded = `#${w}#`;
      const weight = 1 / Math.sqrt(Math.max(1, padded.length - 2));
      for (let j = 0; j + 3 <= padded.length; j++) add(`t:${padded.slice(j, j + 3)}`, weight);
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
    }
    return v;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }
}

/** Cosine similarity of two vectors of the same length (0 when either is all zeros). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Float32Array → BLOB (a copy of its bytes, little-endian as the machine). */
export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** BLOB → Float32Array (copied, so the result is aligned and owned). */
export function blobToVector(b: Buffer): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
