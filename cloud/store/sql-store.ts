import type { SqlDriver, SqlExecutor } from './driver.js';
import { migrate } from './migrations.js';
import {
  hashToken,
  type DeviceRow,
  type Job,
  type JobCounts,
  type JobEffects,
  type JobKind,
  type JobSpec,
  type JobState,
  type LabelOutcome,
  type Lease,
  type SampleState,
  type StoredAdapter,
  type StoredLabel,
  type StoredSample,
  type TeacherStore,
} from './types.js';

interface JobRow {
  id: number;
  kind: JobKind;
  household: string;
  key: string;
  payload: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  owner: string | null;
  error: string | null;
  result: string | null;
  again: number;
}

const DEFAULT_MAX_ATTEMPTS = 5;
/** Samples per INSERT (SQLite allows 32766 parameters, PostgreSQL 65535). */
const ADD_SAMPLES_CHUNK = 250;

function toJob(r: JobRow): Job {
  return {
    id: Number(r.id),
    kind: r.kind,
    household: r.household,
    key: r.key,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    owner: r.owner,
    error: r.error,
    result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>),
  };
}

/** The label job of a household: one per household while queued or running. */
export function labelJob(household: string): JobSpec {
  return { kind: 'label', household, key: `label:${household}` };
}

async function enqueueWith(x: SqlExecutor, s: JobSpec): Promise<void> {
  await x.query(
    'INSERT INTO jobs (kind, household, key, payload, state, attempts, max_attempts, run_after, again, created, updated) ' +
      "VALUES ($1, $2, $3, $4, 'queued', 0, $5, {now}, 0, {now}, {now}) " +
      // only a running job needs the mark: a queued one will see the new work anyway (and an upload writes no row)
      "ON CONFLICT (key) WHERE state IN ('queued', 'running') DO UPDATE SET again = 1 " +
      "WHERE jobs.state = 'running' AND jobs.again = 0",
    [s.kind, s.household, s.key, JSON.stringify(s.payload ?? {}), s.maxAttempts ?? DEFAULT_MAX_ATTEMPTS],
  );
}

/**
 * The teacher store over a SQL driver: the same statements on SQLite and PostgreSQL (see driver.ts for the few
 * dialect rewrites). Every household query names its household; jobs are rows claimed with
 * FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite has one writer, so its claim is atomic as it is).
 */
export class SqlTeacherStore implements TeacherStore {
  readonly kind: 'sqlite' | 'postgres';
  private constructor(readonly driver: SqlDriver) {
    this.kind = driver.dialect;
  }

  /** Opens the store and brings its schema up to date (safe when several replicas start at once). */
  static async open(driver: SqlDriver): Promise<SqlTeacherStore> {
    try {
      await migrate(driver);
    } catch (err) {
      await driver.close().catch(() => undefined);
      throw err;
    }
    return new SqlTeacherStore(driver);
  }

  async ping(): Promise<void> {
    await this.driver.query('SELECT 1 AS ok');
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  async enroll(id: string, household: string, token: string): Promise<void> {
    await this.driver.query(
      'INSERT INTO devices (id, household, token_hash, created) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO ' +
        'UPDATE SET token_hash = excluded.token_hash, household = excluded.household',
      [id, household, hashToken(token), Date.now()],
    );
  }

  async deviceByToken(token: string): Promise<DeviceRow | null> {
    const { rows } = await this.driver.query<DeviceRow>('SELECT id, household FROM devices WHERE token_hash = $1', [hashToken(token)]);
    return rows[0] ?? null;
  }

  addSamples(
    device: DeviceRow,
    samples: Array<{ id: string } & Record<string, unknown>>,
  ): Promise<{ accepted: string[]; duplicates: string[] }> {
    return this.driver.transaction(async (tx) => {
      // one multi-row statement per upload: RETURNING names the rows that were new
      const now = Date.now();
      const fresh = new Set<string>();
      for (let i = 0; i < samples.length; i += ADD_SAMPLES_CHUNK) {
        const chunk = samples.slice(i, i + ADD_SAMPLES_CHUNK);
        const values = chunk.map((_s, k) => `($1, $${k * 2 + 4}, $2, $${k * 2 + 5}, $3)`).join(', ');
        const params: unknown[] = [device.household, device.id, now];
        for (const s of chunk) params.push(s.id, JSON.stringify(s));
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO samples (household, id, device, payload, created) VALUES ${values} ON CONFLICT DO NOTHING RETURNING id`,
          params,
        );
        for (const r of rows) fresh.add(r.id);
      }
      const accepted: string[] = [];
      const duplicates: string[] = [];
      // an id twice in one upload: the first is accepted, the second is a duplicate
      for (const s of samples) {
        if (fresh.delete(s.id)) accepted.push(s.id);
        else duplicates.push(s.id);
      }
      if (accepted.length > 0) await enqueueWith(tx, labelJob(device.household));
      return { accepted, duplicates };
    });
  }

  async unlabeled(household: string, limit: number): Promise<StoredSample[]> {
    const { rows } = await this.driver.query<Omit<StoredSample, 'payload'> & { payload: string }>(
      'SELECT household, id, device, payload, created, labeled FROM samples WHERE household = $1 AND labeled = 0 ' +
        'ORDER BY created, id LIMIT $2',
      [household, limit],
    );
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  }

  recordLabel(household: string, sampleId: string, outcome: LabelOutcome): Promise<void> {
    return this.driver.transaction(async (tx) => {
      const kept = outcome !== null && !('unlabeled' in outcome) ? outcome : null;
      if (kept !== null) {
        await tx.query(
          'INSERT INTO pseudo_labels (household, sample_id, question, plan, teacher, confidence, created) ' +
            'VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
          [household, sampleId, kept.question, JSON.stringify(kept.plan), kept.teacher, kept.confidence ?? null, Date.now()],
        );
      }
      const note = outcome !== null && 'unlabeled' in outcome ? outcome.unlabeled : null;
      await tx.query('UPDATE samples SET labeled = $1, note = $2 WHERE household = $3 AND id = $4', [
        kept === null ? 2 : 1,
        note,
        household,
        sampleId,
      ]);
    });
  }

  async sampleState(household: string, sampleId: string): Promise<SampleState | null> {
    const { rows } = await this.driver.query<SampleState>('SELECT labeled, note FROM samples WHERE household = $1 AND id = $2', [
      household,
      sampleId,
    ]);
    return rows[0] === undefined ? null : { labeled: Number(rows[0].labeled), note: rows[0].note };
  }

  async labelsSince(household: string, since: number, limit: number): Promise<StoredLabel[]> {
    // The sample's payload rides along for its household context (adapter training writes prompts from it).
    const { rows } = await this.driver.query<Omit<StoredLabel, 'plan' | 'context'> & { plan: string; payload: string | null }>(
      'SELECT l.seq, l.household, l.sample_id, l.question, l.plan, l.teacher, l.confidence, l.created, s.payload FROM pseudo_labels l ' +
        'LEFT JOIN samples s ON s.household = l.household AND s.id = l.sample_id ' +
        'WHERE l.household = $1 AND l.seq > $2 ORDER BY l.seq LIMIT $3',
      [household, since, limit],
    );
    return rows.map(({ payload, ...r }) => {
      const context = payload === null ? undefined : (JSON.parse(payload) as { context?: unknown }).context;
      return {
        ...r,
        seq: Number(r.seq),
        plan: JSON.parse(r.plan) as unknown,
        confidence: r.confidence === null ? null : Number(r.confidence),
        ...(context === undefined ? {} : { context }),
      };
    });
  }

  async counts(household?: string): Promise<{ samples: number; labels: number }> {
    const w = household === undefined ? '' : ' WHERE household = $1';
    const a = household === undefined ? [] : [household];
    const s = await this.driver.query<{ n: number }>(`SELECT count(*) AS n FROM samples${w}`, a);
    const l = await this.driver.query<{ n: number }>(`SELECT count(*) AS n FROM pseudo_labels${w}`, a);
    return { samples: Number(s.rows[0]?.n ?? 0), labels: Number(l.rows[0]?.n ?? 0) };
  }

  async addAdapter(household: string, id: string, manifest: unknown, blob: string, labels = 0): Promise<void> {
    await this.driver.query(
      'INSERT INTO adapters (household, id, manifest, blob, labels, created) VALUES ($1, $2, $3, $4, $5, $6) ' +
        'ON CONFLICT (household, id) DO UPDATE SET manifest = excluded.manifest, blob = excluded.blob, labels = excluded.labels',
      [household, id, JSON.stringify(manifest), blob, labels, Date.now()],
    );
  }

  async adapters(household: string): Promise<StoredAdapter[]> {
    const { rows } = await this.driver.query<{ id: string; manifest: string; blob: string; labels: number }>(
      'SELECT id, manifest, blob, labels FROM adapters WHERE household = $1 ORDER BY created, id',
      [household],
    );
    return rows.map((r) => ({ ...r, manifest: JSON.parse(r.manifest) as unknown }));
  }

  async enqueue(spec: JobSpec): Promise<void> {
    await enqueueWith(this.driver, spec);
  }

  async enqueuePendingLabels(): Promise<number> {
    const r = await this.driver.query(
      'INSERT INTO jobs (kind, household, key, payload, state, max_attempts, run_after, created, updated) ' +
        `SELECT DISTINCT 'label', household, 'label:' || household, '{}', 'queued', ${DEFAULT_MAX_ATTEMPTS}, {now}, {now}, {now} ` +
        "FROM samples WHERE labeled = 0 ON CONFLICT (key) WHERE state IN ('queued', 'running') DO NOTHING",
    );
    return r.rowCount;
  }

  claim(owner: string, kinds: readonly JobKind[], leaseMs: number): Promise<Job | null> {
    return this.driver.transaction(async (tx) => {
      // leases that expired on their last allowed attempt fail for good instead of being claimed again
      await tx.query(
        "UPDATE jobs SET state = 'failed', owner = NULL, lease_until = NULL, updated = {now}, " +
          "error = COALESCE(error, 'lease expired on the last attempt') WHERE state = 'running' AND lease_until < {now} " +
          'AND attempts >= max_attempts',
      );
      const lock = this.kind === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
      const { rows } = await tx.query<JobRow>(
        "UPDATE jobs SET state = 'running', owner = $1, attempts = attempts + 1, lease_until = {now} + $2, updated = {now} " +
          'WHERE id = (SELECT id FROM jobs WHERE kind IN {set:$3} AND attempts < max_attempts AND ' +
          "((state = 'queued' AND run_after <= {now}) OR (state = 'running' AND lease_until < {now})) " +
          `ORDER BY id LIMIT 1${lock}) RETURNING *`,
        [owner, leaseMs, JSON.stringify(kinds)],
      );
      return rows[0] === undefined ? null : toJob(rows[0]);
    });
  }

  async heartbeat(lease: Lease, leaseMs: number): Promise<boolean> {
    const r = await this.driver.query(
      "UPDATE jobs SET lease_until = {now} + $1, updated = {now} WHERE id = $2 AND owner = $3 AND attempts = $4 AND state = 'running'",
      [leaseMs, lease.id, lease.owner, lease.attempt],
    );
    return r.rowCount > 0;
  }

  complete(lease: Lease, effects: JobEffects = {}): Promise<boolean> {
    return this.driver.transaction(async (tx) => {
      const { rows } = await tx.query<JobRow>(
        "UPDATE jobs SET state = 'done', owner = NULL, lease_until = NULL, result = $1, updated = {now} " +
          "WHERE id = $2 AND owner = $3 AND attempts = $4 AND state = 'running' RETURNING *",
        [effects.result === undefined ? null : JSON.stringify(effects.result), lease.id, lease.owner, lease.attempt],
      );
      const done = rows[0];
      if (done === undefined) return false;
      const a = effects.adapter;
      if (a !== undefined) {
        await tx.query(
          'INSERT INTO adapters (household, id, manifest, blob, labels, created) VALUES ($1, $2, $3, $4, $5, $6) ' +
            'ON CONFLICT (household, id) DO NOTHING',
          [a.household, a.id, JSON.stringify(a.manifest), a.blob, a.labels, Date.now()],
        );
      }
      for (const s of effects.enqueue ?? []) await enqueueWith(tx, s);
      // work that arrived while it ran (e.g. new samples for a label job) runs once more
      if (done.again === 1) {
        await enqueueWith(tx, {
          kind: done.kind,
          household: done.household,
          key: done.key,
          payload: JSON.parse(done.payload) as Record<string, unknown>,
          maxAttempts: done.max_attempts,
        });
      }
      return true;
    });
  }

  async fail(lease: Lease, error: string, retryInMs: number): Promise<void> {
    await this.driver.query(
      "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, owner = NULL, " +
        'lease_until = NULL, run_after = {now} + $1, error = $2, updated = {now} ' +
        "WHERE id = $3 AND owner = $4 AND attempts = $5 AND state = 'running'",
      [retryInMs, error.slice(0, 2000), lease.id, lease.owner, lease.attempt],
    );
  }

  async release(lease: Lease): Promise<void> {
    await this.driver.query(
      "UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, attempts = attempts - 1, run_after = {now}, " +
        "updated = {now} WHERE id = $1 AND owner = $2 AND attempts = $3 AND state = 'running'",
      [lease.id, lease.owner, lease.attempt],
    );
  }

  async job(id: number): Promise<Job | null> {
    const { rows } = await this.driver.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
    return rows[0] === undefined ? null : toJob(rows[0]);
  }

  async jobs(filter: { kind?: JobKind; household?: string }): Promise<Job[]> {
    const { rows } = await this.driver.query<JobRow>(
      "SELECT * FROM jobs WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR household = $2) ORDER BY id",
      [filter.kind ?? '', filter.household ?? ''],
    );
    return rows.map(toJob);
  }

  async jobCounts(): Promise<JobCounts> {
    const { rows } = await this.driver.query<{ state: JobState; n: number }>('SELECT state, count(*) AS n FROM jobs GROUP BY state');
    const out: JobCounts = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const r of rows) out[r.state] = Number(r.n);
    return out;
  }
}
