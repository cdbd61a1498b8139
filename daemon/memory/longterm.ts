import type { Database, Statement } from 'better-sqlite3';
import { HomeSightError, type Clock } from '../system/index.js';
import { contentWords, vectorToBlob, type Embedder } from './embedder.js';
import { LONG_TERM_KINDS, type LongTermHit, type LongTermInput, type LongTermItem, type LongTermKind } from './types.js';

interface MemoryRow {
  id: number;
  kind: LongTermKind;
  text: string;
  payload: string | null;
  has_embedding: number;
  embed_model: string | null;
  created: number;
  updated: number;
}

const ITEM_COLS = 'id, kind, text, payload, embedding IS NOT NULL AS has_embedding, embed_model, created, updated';
const KINDS = new Set<string>(LONG_TERM_KINDS);
/** Weight of the cosine score in the blend; the keyword score gets the rest. */
const COSINE_WEIGHT = 0.6;

function toItem(r: MemoryRow): LongTermItem {
  return {
    id: r.id,
    kind: r.kind,
    text: r.text,
    payload: r.payload === null ? null : (JSON.parse(r.payload) as unknown),
    hasEmbedding: r.has_embedding === 1,
    embedModel: r.embed_model,
    created: r.created,
    updated: r.updated,
  };
}

/** A float32 view of a BLOB without copying when it is aligned. */
function view(b: Buffer): Float32Array {
  if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** SQL function hs_cosine(a BLOB, b BLOB): cosine of two float32 vectors, NULL when lengths differ. */
export function registerVectorFunctions(db: Database): void {
  db.function('hs_cosine', { deterministic: true }, (a: unknown, b: unknown) => {
    if (!Buffer.isBuffer(a) || !Buffer.isBuffer(b) || a.byteLength !== b.byteLength || a.byteLength === 0) return null;
    const x = view(a);
    const y = view(b);
    let dot = 0;
    let nx = 0;
    let ny = 0;
    for (let i = 0; i < x.length; i++) {
      dot += x[i]! * y[i]!;
      nx += x[i]! * x[i]!;
      ny += y[i]! * y[i]!;
    }
    return nx === 0 || ny === 0 ? 0 : dot / Math.sqrt(nx * ny);
  });
}

/** An FTS5 query OR-ing the content words of free text (each quoted, so no syntax leaks in). */
export function ftsQuery(text: string): string | null {
  const words = [...new Set(contentWords(text))].slice(0, 32);
  return words.length === 0 ? null : words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ');
}

/**
 * Long-term memory: household facts, names, preferences, corrections, past
 * requests with their accepted plans, pseudo-labels. Retrieval blends cosine
 * similarity over stored embeddings (computed in SQLite by hs_cosine, top-k
 * by ORDER BY — a plain scan, fine at household scale of thousands of items)
 * with an FTS5 keyword match (BM25), which also covers items stored without
 * an embedding and queries without one.
 */
export class LongTermMemory {
  private readonly cache = new Map<string, Statement>();
  private readonly s: Record<'insert' | 'get' | 'remove' | 'list' | 'listKind' | 'setEmbedding' | 'stale', Statement>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    readonly embedder: Embedder,
  ) {
    this.s = {
      insert: db.prepare(
        'INSERT INTO memories (kind, text, payload, embedding, embed_model, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      get: db.prepare(`SELECT ${ITEM_COLS} FROM memories WHERE id = ?`),
      remove: db.prepare('DELETE FROM memories WHERE id = ?'),
      list: db.prepare(`SELECT ${ITEM_COLS} FROM memories ORDER BY created DESC, id DESC LIMIT ?`),
      listKind: db.prepare(`SELECT ${ITEM_COLS} FROM memories WHERE kind = ? ORDER BY created DESC, id DESC LIMIT ?`),
      setEmbedding: db.prepare('UPDATE memories SET embedding = ?, embed_model = ?, updated = ? WHERE id = ?'),
      stale: db.prepare('SELECT id, text FROM memories WHERE embed_model IS NOT ? ORDER BY id LIMIT ?'),
    };
  }

  private prep(sql: string): Statement {
    let st = this.cache.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  /** Stores an item (with its embedding if given); synchronous. */
  add(input: LongTermInput): LongTermItem {
    if (!KINDS.has(input.kind)) {
      throw new HomeSightError('E_MEMORY_LONGTERM', `unknown memory kind "${String(input.kind)}"`, {
        hint: `one of ${LONG_TERM_KINDS.join(', ')}`,
      });
    }
    if (typeof input.text !== 'string' || input.text.trim().length === 0)
      throw new HomeSightError('E_MEMORY_LONGTERM', 'memory text must not be empty');
    if (input.embedding !== undefined && (input.embedding.length === 0 || !input.embedding.every(Number.isFinite))) {
      throw new HomeSightError('E_MEMORY_EMBEDDING', 'embedding must be a non-empty Float32Array of finite numbers');
    }
    const now = input.created ?? this.clock.now();
    const id = Number(
      this.s.insert.run(
        input.kind,
        input.text,
        input.payload === undefined ? null : JSON.stringify(input.payload),
        input.embedding === undefined ? null : vectorToBlob(input.embedding),
        input.embedding === undefined ? null : (input.embedModel ?? null),
        now,
        now,
      ).lastInsertRowid,
    );
    return this.get(id)!;
  }

  /** Embeds the text with this memory's embedder, then stores it. */
  async remember(input: Omit<LongTermInput, 'embedding' | 'embedModel'>): Promise<LongTermItem> {
    const [embedding] = await this.embedder.embed([input.text]);
    return this.add({ ...input, ...(embedding === undefined ? {} : { embedding, embedModel: this.embedderId() }) });
  }

  private embedderId(): string {
    return this.embedder.id ?? `embedder-${this.embedder.dim}`;
  }

  get(id: number): LongTermItem | null {
    const r = this.s.get.get(id) as MemoryRow | undefined;
    return r === undefined ? null : toItem(r);
  }

  list(options: { kind?: LongTermKind; limit?: number } = {}): LongTermItem[] {
    const limit = options.limit ?? 100;
    const rows = (options.kind === undefined ? this.s.list.all(limit) : this.s.listKind.all(options.kind, limit)) as MemoryRow[];
    return rows.map(toItem);
  }

  remove(id: number): boolean {
    return this.s.remove.run(id).changes > 0;
  }

  /**
   * Top-k items for a query: cosine over embeddings (when queryEmbedding is
   * given; only vectors of the same length, and of `model` when given),
   * blended with the keyword score; keyword only when queryEmbedding is null.
   */
  search(
    queryText: string,
    queryEmbedding: Float32Array | null,
    k = 5,
    options: { kind?: LongTermKind; model?: string } = {},
  ): LongTermHit[] {
    const n = Math.max(k * 4, 20);
    const filters = `${options.kind === undefined ? '' : ' AND m.kind = @kind'}`;
    const params: Record<string, unknown> = { n };
    if (options.kind !== undefined) params.kind = options.kind;
    const cand = new Map<number, { cos: number | null; kw: number | null }>();
    if (queryEmbedding !== null) {
      params.q = vectorToBlob(queryEmbedding);
      const modelFilter = options.model === undefined ? '' : ' AND m.embed_model = @model';
      if (options.model !== undefined) params.model = options.model;
      const rows = this.prep(
        `SELECT id, cos FROM (SELECT m.id AS id, hs_cosine(m.embedding, @q) ` +
          `AS cos FROM memories m WHERE m.embedding IS NOT NULL${filters}${modelFilter}) ` +
          'WHERE cos IS NOT NULL ORDER BY cos DESC, id LIMIT @n',
      ).all(params) as Array<{ id: number; cos: number }>;
      for (const r of rows) cand.set(r.id, { cos: r.cos, kw: null });
      delete params.model;
    }
    const match = ftsQuery(queryText);
    if (match !== null) {
      params.match = match;
      const cosCol = queryEmbedding === null ? 'NULL' : 'hs_cosine(m.embedding, @q)';
      let rows: Array<{ id: number; rank: number; cos: number | null }> = [];
      try {
        rows = this.prep(
          `SELECT m.id AS id, bm25(memories_fts) AS rank, ${cosCol} AS cos ` +
            `FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid ` +
            `WHERE memories_fts MATCH @match${filters} ORDER BY rank LIMIT @n`,
        ).all(params) as Array<{ id: number; rank: number; cos: number | null }>;
      } catch {
        rows = []; // keyword search is a fallback; a query FTS5 cannot parse just yields no keyword hits
      }
      const best = rows[0]?.rank ?? 0;
      for (const r of rows) {
        const kw = best < 0 ? r.rank / best : 1;
        const c = cand.get(r.id);
        if (c === undefined) cand.set(r.id, { cos: r.cos, kw });
        else c.kw = kw;
      }
    }
    const hits: Array<{ id: number; score: number; cos: number | null; kw: number | null }> = [];
    for (const [id, c] of cand) {
      const score = queryEmbedding === null ? (c.kw ?? 0) : COSINE_WEIGHT * Math.max(0, c.cos ?? 0) + (1 - COSINE_WEIGHT) * (c.kw ?? 0);
      if (score > 0) hits.push({ id, score, cos: c.cos, kw: c.kw });
    }
    hits.sort((a, b) => b.score - a.score || a.id - b.id);
    return hits.slice(0, Math.max(0, k)).map((h) => ({ item: this.get(h.id)!, score: h.score, cosine: h.cos, keyword: h.kw }));
  }

  /** Embeds the query with this memory's embedder and searches (same-model vectors only). */
  async recall(queryText: string, k = 5, options: { kind?: LongTermKind } = {}): Promise<LongTermHit[]> {
    const [q] = await this.embedder.embed([queryText]);
    return this.search(queryText, q ?? null, k, { ...options, model: this.embedderId() });
  }

  /** Re-embeds items stored with another (or no) embedder; returns how many. For an embedder swap. */
  async reembed(batch = 64): Promise<number> {
    const model = this.embedderId();
    let done = 0;
    for (;;) {
      const rows = this.s.stale.all(model, batch) as Array<{ id: number; text: string }>;
      if (rows.length === 0) return done;
      const vecs = await this.embedder.embed(rows.map((r) => r.text));
      this.db.transaction(() => {
        rows.forEach((r, i) => this.s.setEmbedding.run(vectorToBlob(vecs[i]!), model, this.clock.now(), r.id));
      })();
      done += rows.length;
    }
  }
}
