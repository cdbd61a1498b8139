import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HomeSightError } from '../system/index.js';
import type { PublishProperties, QoS } from './types.js';

export interface OutboxRow {
  id: number;
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties: PublishProperties | undefined;
  created: number;
}

interface RawRow {
  id: number;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: number;
  props: string | null;
  created: number;
}

interface StoredProps {
  responseTopic?: string;
  correlationData?: string;
  contentType?: string;
  messageExpiryInterval?: number;
  userProperties?: Record<string, string>;
}

function encodeProps(p: PublishProperties | undefined): string | null {
  if (p === undefined) return null;
  const out: StoredProps = { ...p, correlationData: p.correlationData?.toString('base64') };
  if (out.correlationData === undefined) delete out.correlationData;
  return JSON.stringify(out);
}

function decodeProps(s: string | null): PublishProperties | undefined {
  if (s === null) return undefined;
  const o = JSON.parse(s) as StoredProps;
  const { correlationData, ...rest } = o;
  return correlationData === undefined ? rest : { ...rest, correlationData: Buffer.from(correlationData, 'base64') };
}

/**
 * The on-disk queue of QoS ≥ 1 messages not yet acknowledged by the broker.
 * A message is written here before it is sent and deleted on PUBACK, so a
 * broker restart, a lost connection or a daemon crash loses nothing; beyond
 * `max` rows the oldest are dropped (and counted). Its own small SQLite file
 * (WAL), separate from the memory database.
 */
export class Outbox {
  private db: Database.Database | null = null;
  private stmts: {
    insert: Database.Statement;
    del: Database.Statement;
    after: Database.Statement;
    drop: Database.Statement;
    get: Database.Statement;
    set: Database.Statement;
  } | null = null;
  private count = 0;
  /** Messages dropped because the outbox was full (or closed), since start. */
  dropped = 0;
  private closed = false;
  private acked: number[] = [];
  private flushScheduled = false;

  constructor(
    readonly file: string,
    private max: number,
  ) {}

  /** Opens the database (also done on first use). */
  open(): void {
    if (this.db !== null) return;
    let db: Database.Database;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      db = new Database(this.file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          topic TEXT NOT NULL,
          payload BLOB NOT NULL,
          qos INTEGER NOT NULL,
          retain INTEGER NOT NULL,
          props TEXT,
          created INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
    } catch (err) {
      throw new HomeSightError('E_MQTT_OUTBOX', `cannot open the MQTT outbox database ${this.file}`, {
        context: { file: this.file },
        hint: 'check paths.data_dir is writable; a corrupt file can be deleted (only unsent events are lost)',
        cause: err,
      });
    }
    this.stmts = {
      insert: db.prepare('INSERT INTO outbox (topic, payload, qos, retain, props, created) VALUES (?, ?, ?, ?, ?, ?)'),
      del: db.prepare('DELETE FROM outbox WHERE id = ?'),
      after: db.prepare('SELECT id, topic, payload, qos, retain, props, created FROM outbox WHERE id > ? ORDER BY id LIMIT ?'),
      drop: db.prepare(
        'DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?)',
      ),
      get: db.prepare('SELECT value FROM kv WHERE key = ?'),
      set: db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
    this.count = (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
    this.db = db;
  }

  private get s(): NonNullable<Outbox['stmts']> {
    if (this.closed) throw new HomeSightError('E_MQTT_OUTBOX_CLOSED', 'the MQTT outbox is closed (module stopped)');
    this.open();
    return this.stmts!;
  }

  get size(): number {
    return this.db === null ? 0 : this.count - this.acked.length;
  }

  setMax(max: number): void {
    this.max = max;
  }

  /**
   * Appends a message; when full, drops the oldest rows not in flight.
   * Returns the row id, or null when max is 0 (buffering off).
   */
  push(
    topic: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    properties: PublishProperties | undefined,
    now: number,
    inflight: readonly number[] = [],
  ): number | null {
    if (this.max === 0 || this.closed) {
      this.dropped++;
      return null;
    }
    const info = this.s.insert.run(topic, payload, qos, retain ? 1 : 0, encodeProps(properties), now);
    this.count++;
    if (this.count > this.max) this.flushAcks();
    if (this.count > this.max) {
      const n = this.s.drop.run(JSON.stringify(inflight), this.count - this.max).changes;
      this.count -= n;
      this.dropped += n;
    }
    return Number(info.lastInsertRowid);
  }

  /** Rows with id > after, oldest first. */
  after(after: number, limit: number): OutboxRow[] {
    if (this.closed) return [];
    return (this.s.after.all(after, limit) as RawRow[]).map((r) => ({
      id: r.id,
      topic: r.topic,
      payload: r.payload,
      qos: r.qos as QoS,
      retain: r.retain === 1,
      properties: decodeProps(r.props),
      created: r.created,
    }));
  }

  /** Deletes an acknowledged row; deletes are batched into one transaction per event-loop turn. */
  ack(id: number): void {
    if (this.db === null || this.closed) return;
    this.acked.push(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    this.flushScheduled = false;
    if (this.db === null || this.acked.length === 0) return;
    const ids = this.acked;
    this.acked = [];
    const del = this.s.del;
    let n = 0;
    this.db.transaction(() => {
      for (const id of ids) n += del.run(id).changes;
    })();
    this.count -= n;
  }

  /** Small persistent key/value (announced discovery topics, last identities). */
  getValue<T>(key: string): T | undefined {
    const row = this.s.get.get(key) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  setValue(key: string, value: unknown): void {
    this.s.set.run(key, JSON.stringify(value));
  }

  close(): void {
    if (this.db !== null && !this.closed) this.flushAcks();
    this.closed = true;
    if (this.db?.open === true) this.db.close();
    this.db = null;
    this.stmts = null;
  }
}
