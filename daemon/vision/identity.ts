import type { Gallery, GalleryMatch } from './types.js';

/** Cosine similarity of two vectors (L2-normalised or not). */
export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const d = Math.sqrt(na) * Math.sqrt(nb);
  return d === 0 ? 0 : dot / d;
}

export interface FaceMatch {
  /** The matched name, or null when the best similarity is under the threshold. */
  name: string | null;
  /** Best similarity over the gallery (null: empty gallery). */
  similarity: number | null;
  /** Whoever scored best, matched or not. */
  nearest: string | null;
}

/** Best gallery match of an embedding, with the "unknown" threshold applied. */
export function matchFace(embedding: Float32Array, gallery: Gallery, threshold: number): FaceMatch {
  const [best] = gallery.nearest(embedding, 1);
  if (best === undefined) return { name: null, similarity: null, nearest: null };
  const similarity = Math.round(best.similarity * 10_000) / 10_000;
  return { name: best.similarity >= threshold ? best.name : null, similarity, nearest: best.name };
}

export interface Vote {
  name: string | null;
  similarity: number | null;
}

export interface IdentityDecision {
  /** Resolved name; null while unresolved or unknown. */
  name: string | null;
  /** 'resolved': a name won; 'unknown': enough faces seen, none matched; 'pending': not enough faces yet. */
  state: 'pending' | 'resolved' | 'unknown';
  votes: number;
  faces: number;
  /** Mean similarity of the winning votes (or of all faces when unknown). */
  similarity: number | null;
}

/**
 * Identity over a track: every embedded face votes for its match (or for
 * "unknown"); a name wins once it has `minVotes` votes and at least twice
 * the votes of any other name. Enough faces without a winner make the track
 * "unknown" (which a later winning name can still overturn).
 */
export class IdentityVoter {
  private readonly votes = new Map<string, number[]>();
  private unknown: number[] = [];
  private faces = 0;

  constructor(private readonly minVotes: number) {}

  get faceCount(): number {
    return this.faces;
  }

  add(v: Vote): IdentityDecision {
    this.faces++;
    if (v.name === null) {
      if (v.similarity !== null) this.unknown.push(v.similarity);
      else this.unknown.push(NaN);
    } else {
      const list = this.votes.get(v.name) ?? [];
      list.push(v.similarity ?? 0);
      this.votes.set(v.name, list);
    }
    return this.decision();
  }

  decision(): IdentityDecision {
    const ranked = [...this.votes.entries()].sort((a, b) => b[1].length - a[1].length);
    const [top, second] = ranked;
    if (top !== undefined && top[1].length >= this.minVotes && top[1].length >= 2 * (second?.[1].length ?? 0)) {
      const mean = top[1].reduce((a, b) => a + b, 0) / top[1].length;
      return { name: top[0], state: 'resolved', votes: top[1].length, faces: this.faces, similarity: Math.round(mean * 10_000) / 10_000 };
    }
    if (this.faces >= this.minVotes && (top === undefined || top[1].length * 2 <= this.unknown.length)) {
      const sims = this.unknown.filter((s) => Number.isFinite(s));
      const mean = sims.length === 0 ? null : Math.round((sims.reduce((a, b) => a + b, 0) / sims.length) * 10_000) / 10_000;
      return { name: null, state: 'unknown', votes: this.unknown.length, faces: this.faces, similarity: mean };
    }
    return { name: null, state: 'pending', votes: top?.[1].length ?? 0, faces: this.faces, similarity: null };
  }
}

/** A gallery kept in memory (tests, bench, and the fallback when the memory module is absent). */
export class InMemoryGallery implements Gallery {
  private readonly entries: Array<{ name: string; unit: Float32Array; source: string | null }> = [];

  get size(): number {
    return this.entries.length;
  }

  add(name: string, embedding: Float32Array, options: { source?: string } = {}): void {
    let n = 0;
    for (const v of embedding) n += v * v;
    const inv = n === 0 ? 0 : 1 / Math.sqrt(n);
    this.entries.push({ name, unit: embedding.map((v) => v * inv), source: options.source ?? null });
  }

  hasSource(name: string, source: string): boolean {
    return this.entries.some((e) => e.name === name && e.source === source);
  }

  nearest(embedding: Float32Array, k = 1): GalleryMatch[] {
    const best = new Map<string, number>();
    for (const e of this.entries) {
      if (e.unit.length !== embedding.length) continue;
      const s = cosine(embedding, e.unit);
      if (s > (best.get(e.name) ?? -Infinity)) best.set(e.name, s);
    }
    return [...best.entries()]
      .map(([name, similarity]) => ({ name, similarity }))
      .sort((a, b) => b.similarity - a.similarity || a.name.localeCompare(b.name))
      .slice(0, Math.max(0, k));
  }
}
