import { createHash } from 'node:crypto';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface DeviceRow {
  id: string;
  household: string;
}

export interface StoredSample {
  household: string;
  id: string;
  device: string;
  payload: Record<string, unknown>;
  created: number;
  /** 0 = pending, 1 = labeled, 2 = no pseudo-label (no valid plan, or not confident enough: see `note`). */
  labeled: number;
}

/** Where a sample's labelling stands: `labeled` as in StoredSample, and why there is no label when there is none. */
export interface SampleState {
  labeled: number;
  note: string | null;
}

export interface StoredLabel {
  seq: number;
  household: string;
  sample_id: string;
  question: string;
  plan: unknown;
  teacher: string;
  /** The teacher's confidence in the plan (its vote share); null for labels kept before confidences were. */
  confidence: number | null;
  created: number;
  /** The household context the device uploaded with the labelled sample (placeholders only); absent when it sent none. */
  context?: unknown;
}

export interface StoredAdapter {
  id: string;
  manifest: unknown;
  /** Key of the adapter file in the blob store. */
  blob: string;
  /** How many labels the household had when the adapter's training job read them. */
  labels: number;
}

/**
 * What a sample's labelling produced: a kept pseudo-label (with the teacher's confidence where it has one), or no
 * label with the reason (no valid plan, a confidence under teacher.min_confidence); null = no label, no reason.
 */
export type LabelOutcome = { question: string; plan: unknown; teacher: string; confidence?: number } | { unlabeled: string } | null;

export const JOB_KINDS = ['label', 'train', 'publish'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** A job to enqueue. `key` names the work: while a job with the key is queued or running, enqueueing it again
 * does not add a second one (a running one is marked to run once more after it completes). */
export interface JobSpec {
  kind: JobKind;
  household: string;
  key: string;
  payload?: Record<string, unknown>;
  maxAttempts?: number;
}

export interface Job {
  id: number;
  kind: JobKind;
  household: string;
  key: string;
  payload: Record<string, unknown>;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  /** The replica that holds the lease while running. */
  owner: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
}

/** A claimed job: the lease is (id, owner, attempt); completion is keyed by it, so a replica whose lease
 * expired (and whose job another replica took over) cannot complete it a second time. */
export interface Lease {
  id: number;
  owner: string;
  attempt: number;
}

/** What a job's completion applies in the same transaction as marking it done (exactly once). */
export interface JobEffects {
  result?: Record<string, unknown>;
  adapter?: { household: string; id: string; manifest: unknown; blob: string; labels: number };
  enqueue?: JobSpec[];
}

export type JobCounts = Record<JobState, number>;

/**
 * The teacher's storage seam (SQLite embedded, PostgreSQL for replicas). Household isolation: every query that
 * reads or writes household data names the household in its WHERE clause (or key); the household comes from the
 * authenticated device row, never from the request.
 */
export interface TeacherStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Resolves when the store answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;

  enroll(id: string, household: string, token: string): Promise<void>;
  deviceByToken(token: string): Promise<DeviceRow | null>;
  /** Stores samples idempotently by (household, id) and, when any is new, enqueues the household's label job in
   * the same transaction. */
  addSamples(
    device: DeviceRow,
    samples: Array<{ id: string } & Record<string, unknown>>,
  ): Promise<{ accepted: string[]; duplicates: string[] }>;
  unlabeled(household: string, limit: number): Promise<StoredSample[]>;
  /** Keeps a sample's labelling outcome (idempotent: a label per (household, sample) at most). */
  recordLabel(household: string, sampleId: string, outcome: LabelOutcome): Promise<void>;
  /** A sample's labelling state, or null when the household has no such sample. */
  sampleState(household: string, sampleId: string): Promise<SampleState | null>;
  labelsSince(household: string, since: number, limit: number): Promise<StoredLabel[]>;
  counts(household?: string): Promise<{ samples: number; labels: number }>;
  /** Adds (or replaces) an adapter outside a job (tests, imports). */
  addAdapter(household: string, id: string, manifest: unknown, blob: string, labels?: number): Promise<void>;
  adapters(household: string): Promise<StoredAdapter[]>;

  enqueue(spec: JobSpec): Promise<void>;
  /** Enqueues a label job for every household with unlabelled samples and none active (after a long teacher outage
   * failed its jobs for good); returns how many were added. */
  enqueuePendingLabels(): Promise<number>;
  /** Claims the oldest runnable job of these kinds (queued and due, or running with an expired lease). */
  claim(owner: string, kinds: readonly JobKind[], leaseMs: number): Promise<Job | null>;
  /** Extends the lease; false when it is no longer held (expired and taken over, or finished). */
  heartbeat(lease: Lease, leaseMs: number): Promise<boolean>;
  /** Marks the job done and applies its effects in one transaction; false (nothing applied) when the lease is lost. */
  complete(lease: Lease, effects?: JobEffects): Promise<boolean>;
  /** Records a failed attempt: queued again after `retryInMs`, or failed for good once attempts reach the cap. */
  fail(lease: Lease, error: string, retryInMs: number): Promise<void>;
  /** Gives a claimed job back without counting the attempt (graceful drain). */
  release(lease: Lease): Promise<void>;
  job(id: number): Promise<Job | null>;
  jobs(filter: { kind?: JobKind; household?: string }): Promise<Job[]>;
  jobCounts(): Promise<JobCounts>;
}
