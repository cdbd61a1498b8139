import type { Database, Statement } from 'better-sqlite3';
import { HomeSightError, type Clock } from '../system/index.js';
import { blobToVector, vectorToBlob } from './embedder.js';
import type { IdentityInfo, IdentityMatch } from './types.js';

/** Face embeddings are 128-d (the face expert's output). */
export const FACE_EMBEDDING_DIM = 128;

interface CachedFace {
  name: string;
  /** Unit-length copy, so similarity is a dot product. */
  unit: Float32Array;
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (n === 0) return out;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/**
 * The household's known people and their face embeddings (the gallery).
 * nearest() runs per detected face, so the gallery is held in memory as unit
 * vectors and reloaded after every change.
 */
export class IdentityStore {
  private readonly s: Record<
    'ensure' | 'idOf' | 'addFace' | 'list' | 'remove' | 'faces' | 'allFaces' | 'removeFace' | 'hasSource',
    Statement
  >;
  private cache: CachedFace[] | null = null;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    readonly dim: number = FACE_EMBEDDING_DIM,
  ) {
    this.s = {
      ensure: db.prepare('INSERT INTO identities (name, created, attributes) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING'),
      idOf: db.prepare('SELECT id FROM identities WHERE name = ?').pluck(),
      addFace: db.prepare('INSERT INTO face_embeddings (identity_id, embedding, source, created) VALUES (?, ?, ?, ?)'),
      list: db.prepare(
        'SELECT i.name, i.created, i.attributes, count(f.id) AS n FROM identities i LEFT JOIN ' +
          'face_embeddings f ON f.identity_id = i.id GROUP BY i.id ORDER BY i.name',
      ),
      remove: db.prepare('DELETE FROM identities WHERE name = ?'),
      faces: db.prepare(
        'SELECT f.embedding FROM face_embeddings f JOIN identities i ON i.id = f.identity_id WHERE i.name = ? ORDER BY f.id',
      ),
      allFaces: db.prepare('SELECT i.name, f.embedding FROM face_embeddings f JOIN identities i ON i.id = f.identity_id'),
      removeFace: db.prepare('DELETE FROM face_embeddings WHERE id = ?'),
      hasSource: db
        .prepare('SELECT 1 FROM face_embeddings f JOIN identities i ON i.id = f.identity_id WHERE i.name = ? AND f.source = ? LIMIT 1')
        .pluck(),
    };
  }

  private check(embedding: Float32Array): void {
    if (!(embedding instanceof Float32Array) || embedding.length !== this.dim || !embedding.every(Number.isFinite)) {
      throw new HomeSightError('E_MEMORY_EMBEDDING', `face embedding must be a Float32Array of ${this.dim} finite numbers`, {
        context: { length: (embedding as { length?: unknown } | null)?.length, expected: this.dim },
        hint: "pass the face expert's output vector unchanged",
      });
    }
  }

  /** Creates a person without a face yet (no-op if known). */
  ensure(name: string, attributes: Record<string, unknown> = {}): void {
    if (name.trim().length === 0) throw new HomeSightError('E_MEMORY_IDENTITY', 'identity name must not be empty');
    this.s.ensure.run(name, this.clock.now(), JSON.stringify(attributes));
  }

  /** Adds a face embedding to a person (created if new); returns the embedding's id. */
  add(name: string, embedding: Float32Array, options: { source?: string; attributes?: Record<string, unknown> } = {}): number {
    this.check(embedding);
    const id = this.db.transaction(() => {
      this.ensure(name, options.attributes ?? {});
      const identityId = this.s.idOf.get(name) as number;
      return Number(this.s.addFace.run(identityId, vectorToBlob(embedding), options.source ?? null, this.clock.now()).lastInsertRowid);
    })();
    this.cache = null;
    return id;
  }

  list(): IdentityInfo[] {
    return (this.s.list.all() as Array<{ name: string; created: number; attributes: string; n: number }>).map((r) => ({
      name: r.name,
      created: r.created,
      embeddings: r.n,
      attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    }));
  }

  /** Forgets a person and all their face embeddings. */
  remove(name: string): boolean {
    const gone = this.s.remove.run(name).changes > 0;
    this.cache = null;
    return gone;
  }

  removeEmbedding(id: number): boolean {
    const gone = this.s.removeFace.run(id).changes > 0;
    this.cache = null;
    return gone;
  }

  /** Whether `name` has a face embedding added with this source tag. */
  hasSource(name: string, source: string): boolean {
    return this.s.hasSource.get(name, source) !== undefined;
  }

  embeddings(name: string): Float32Array[] {
    return (this.s.faces.all(name) as Array<{ embedding: Buffer }>).map((r) => blobToVector(r.embedding));
  }

  /**
   * The k people whose closest stored embedding is most similar (cosine) to
   * this one, best first. The caller applies its threshold for "unknown".
   */
  nearest(embedding: Float32Array, k = 1): IdentityMatch[] {
    this.check(embedding);
    if (this.cache === null) {
      this.cache = (this.s.allFaces.all() as Array<{ name: string; embedding: Buffer }>).map((r) => ({
        name: r.name,
        unit: unit(blobToVector(r.embedding)),
      }));
    }
    const q = unit(embedding);
    const best = new Map<string, number>();
    for (const f of this.cache) {
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += q[i]! * f.unit[i]!;
      if (dot > (best.get(f.name) ?? -Infinity)) best.set(f.name, dot);
    }
    return [...best.entries()]
      .map(([name, similarity]) => ({ name, similarity }))
      .sort((a, b) => b.similarity - a.similarity || a.name.localeCompare(b.name))
      .slice(0, Math.max(0, k));
  }
}
