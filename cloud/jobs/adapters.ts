import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { adapterSample, type TaskPlan } from '../../daemon/agent/index.js';
import { sampleContextSchema, sampleRequestContext, toJsonl } from '../../daemon/contracts/index.js';
import { readTrainFormat } from '../../daemon/learning/adapters/index.js';
import { HomeSightError } from '../../daemon/system/index.js';
import type { BlobStore } from '../blobs/index.js';
import { curate, type LabeledPlan } from '../curation.js';
import type { Job, JobEffects, TeacherStore } from '../store/index.js';
import { publishAdapter, type Trainer, type TrainResult } from '../trainer/index.js';
import type { JobContext, JobHandler } from './runner.js';

/** One training run as the training runner sees it: data and output are blob keys, not paths. */
export interface TrainingSpec {
  jobId: number;
  household: string;
  baseModel: string;
  dataKey: string;
  evalKey?: string;
  /** Where the adapter GGUF goes in the blob store. */
  outKey: string;
  steps: number;
  rank: number;
  alpha: number;
}

/** Runs the trainer as a separate process (or a cluster job) that reads its data from and writes its adapter to the
 * blob store. Implementations: LocalTrainingRunner; a Kubernetes batch/v1 Job runner fits the same seam. */
export interface TrainingRunner {
  readonly name: string;
  run(spec: TrainingSpec, signal?: AbortSignal): Promise<TrainResult>;
}

/** The local process runner: fetches the data blobs into a scratch folder, runs the Trainer (cloud/trainer's
 * train_lora.py child process), uploads the adapter, removes the scratch folder. */
export class LocalTrainingRunner implements TrainingRunner {
  readonly name = 'local-process';
  constructor(
    private readonly blobs: BlobStore,
    private readonly trainer: Trainer,
    private readonly scratch: string = tmpdir(),
  ) {}

  async run(spec: TrainingSpec, signal?: AbortSignal): Promise<TrainResult> {
    const dir = await mkdtemp(join(this.scratch, `homesight-train-${spec.jobId}-`));
    try {
      const dataFile = join(dir, 'train.jsonl');
      const evalFile = join(dir, 'test.jsonl');
      await this.blobs.download(spec.dataKey, dataFile);
      if (spec.evalKey !== undefined) await this.blobs.download(spec.evalKey, evalFile);
      const r = await this.trainer.train(
        {
          baseModel: spec.baseModel,
          dataFile,
          outFile: join(dir, 'adapter.gguf'),
          steps: spec.steps,
          rank: spec.rank,
          alpha: spec.alpha,
          seed: 1,
          ...(spec.evalKey !== undefined ? { evalFile } : {}),
        },
        undefined,
        signal,
      );
      await this.blobs.putFile(spec.outKey, r.adapterFile);
      return { ...r, adapterFile: spec.outKey };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export interface AdapterJobOptions {
  store: TeacherStore;
  blobs: BlobStore;
  runner: TrainingRunner;
  baseModel: string;
  /**
   * The base model's `homesight.train.format` (null: none); read from the GGUF when not given. A homesight-planner-v1
   * base is trained on its own prompt and plan text (adapterSample), any other on the generic plan-JSON format.
   */
  baseFormat?: string | null;
  /** ed25519 private key (PEM or base64 PKCS#8) that signs adapters. */
  privateKey: string;
  steps?: number;
  rank?: number;
  alpha?: number;
  testShare?: number;
  maxPerTool?: number;
  /**
   * Rehearsal against forgetting: records of the base model's own training corpus mixed into every household's
   * training data, `perLabel` of them per household record (a sample stable per job). An adapter trained on a few
   * dozen household plans alone also changes what the base already did right: on the drift experiment, adapters
   * taught with gold plans made the device's own confident plans worse by 0.02–0.15 plan score.
   */
  replay?: ReplayOptions;
}

export interface ReplayOptions {
  /** JSONL in the base model's training format: {prompt, completion} or train_planner.py's {prompt, target}. */
  file: string;
  perLabel: number;
  /** Records read from the file into the pool that is sampled from (the first ones; default 20,000). */
  pool?: number;
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Adapter jobs: 'train' (a household's pseudo-labels → curation → training data in the blob store → the training
 * runner → adapter blob; its completion enqueues 'publish') and 'publish' (ed25519-signed manifest → the adapter row
 * devices see, written with the job's completion). The adapter id comes from the train job's id, so a retried job
 * writes the same blobs and its publication applies once.
 */
export class AdapterJobs {
  private format: Promise<string | null> | null = null;
  private replayPool: Promise<string[]> | null = null;

  constructor(private readonly o: AdapterJobOptions) {}

  /** The base model's training format (see AdapterJobOptions.baseFormat). */
  baseFormat(): Promise<string | null> {
    this.format ??= this.o.baseFormat !== undefined ? Promise.resolve(this.o.baseFormat) : readTrainFormat(this.o.baseModel);
    return this.format;
  }

  /**
   * A household's labels: the owner's corrections (teacher 'user') and the teacher's pseudo-labels, each with the
   * household context of its question when the store has it.
   */
  async labels(household: string): Promise<{ labels: LabeledPlan[]; count: number }> {
    const out: LabeledPlan[] = [];
    let since = 0;
    for (;;) {
      const page = await this.o.store.labelsSince(household, since, 500);
      if (page.length === 0) return { labels: out, count: out.length };
      for (const l of page) {
        const label: LabeledPlan = {
          question: l.question,
          plan: l.plan as TaskPlan,
          source: l.teacher === 'user' ? 'correction' : 'pseudo_label',
        };
        const context = sampleContextSchema.safeParse(l.context);
        if (context.success) label.context = sampleRequestContext(context.data);
        out.push(label);
      }
      since = page[page.length - 1]!.seq;
    }
  }

  /** JSONL training records in the base model's format; labels that cannot be written for it are counted, not sent. */
  private async records(labels: readonly LabeledPlan[]): Promise<{ jsonl: string; n: number; unusable: number }> {
    const format = await this.baseFormat();
    const records: object[] = [];
    let unusable = 0;
    for (const l of labels) {
      try {
        records.push(adapterSample(format, l));
      } catch {
        unusable++;
      }
    }
    return { jsonl: records.length === 0 ? '' : toJsonl(records), n: records.length, unusable };
  }

  /** The replay pool: the first `pool` records of the replay file as {prompt, completion} JSON lines. */
  private replayRecords(): Promise<string[]> {
    const r = this.o.replay;
    if (r === undefined) return Promise.resolve([]);
    this.replayPool ??= (async () => {
      const out: string[] = [];
      const max = r.pool ?? 20_000;
      const lines = createInterface({ input: createReadStream(r.file), crlfDelay: Infinity });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (line.trim() === '') continue;
        let rec: { prompt?: unknown; completion?: unknown; target?: unknown };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch (err) {
          throw new HomeSightError('E_TRAIN_INPUT', `replay file ${r.file}:${lineNo} is not JSON: ${(err as Error).message}`, {
            hint: "give the base model's training corpus (train_planner.py's train.jsonl)",
          });
        }
        const completion = typeof rec.completion === 'string' ? rec.completion : rec.target;
        if (typeof rec.prompt !== 'string' || typeof completion !== 'string')
          throw new HomeSightError('E_TRAIN_INPUT', `replay file ${r.file}:${lineNo} has no prompt and completion (or target)`, {
            hint: "records in the base model's training format: {prompt, completion} or {prompt, target}",
          });
        out.push(JSON.stringify({ prompt: rec.prompt, completion }));
        if (out.length >= max) {
          lines.close();
          break;
        }
      }
      return out;
    })();
    return this.replayPool;
  }

  /** `n` replay records, a sample that depends only on `seed` (a retried job trains on the same data). */
  private async replay(n: number, seed: number): Promise<string[]> {
    const pool = await this.replayRecords();
    if (pool.length === 0 || n <= 0) return [];
    const picked: string[] = [];
    let x = (seed * 2654435761) >>> 0 || 1;
    for (let i = 0; i < Math.min(n, pool.length); i++) {
      // xorshift32: small, seeded, good enough to spread the picks over the pool
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      picked.push(pool[x % pool.length]!);
    }
    return picked;
  }

  readonly train: JobHandler = async (job: Job, ctx: JobContext): Promise<JobEffects> => {
    const { labels, count } = await this.labels(job.household);
    const curated = curate(labels, { testShare: this.o.testShare ?? 0.2, maxPerTool: this.o.maxPerTool ?? 200 });
    const train = await this.records(curated.train);
    const test = await this.records(curated.test);
    if (train.n === 0) {
      return { result: { skipped: 'no training examples after curation', labels: count, unusable: train.unusable + test.unusable } };
    }
    const replayed = await this.replay(Math.round(train.n * (this.o.replay?.perLabel ?? 0)), job.id);
    if (replayed.length > 0) train.jsonl += `${replayed.join('\n')}\n`;
    const id = `${safe(job.household)}-j${job.id}`;
    const base = `jobs/${job.id}`;
    const dataKey = `${base}/train.jsonl`;
    const evalKey = test.n > 0 ? `${base}/test.jsonl` : undefined;
    await this.o.blobs.put(dataKey, train.jsonl);
    if (evalKey !== undefined) await this.o.blobs.put(evalKey, test.jsonl);
    const outKey = `adapters/${safe(job.household)}/${id}.gguf`;
    const r = await this.o.runner.run(
      {
        jobId: job.id,
        household: job.household,
        baseModel: this.o.baseModel,
        dataKey,
        outKey,
        steps: this.o.steps ?? 200,
        rank: this.o.rank ?? 4,
        alpha: this.o.alpha ?? 8,
        ...(evalKey !== undefined ? { evalKey } : {}),
      },
      ctx.signal,
    );
    const metrics = {
      loss_start: r.lossStart,
      loss_end: r.lossEnd,
      train_samples: train.n,
      replay_samples: replayed.length,
      corrections: curated.corrections,
      ...(r.evalNllEnd !== null ? { eval_nll: r.evalNllEnd } : {}),
    };
    ctx.log.info(
      {
        id,
        loss: [r.lossStart, r.lossEnd],
        train: train.n,
        replay: replayed.length,
        test: test.n,
        unusable: train.unusable + test.unusable,
      },
      'adapter trained',
    );
    const payload = { id, blob: outKey, metrics, labels: count };
    return {
      result: {
        ...payload,
        curated: {
          train: train.n,
          replay: replayed.length,
          test: test.n,
          corrections: curated.corrections,
          dropped: curated.dropped,
          unusable: train.unusable + test.unusable,
        },
      },
      enqueue: [{ kind: 'publish', household: job.household, key: `publish:${id}`, payload }],
    };
  };

  readonly publish: JobHandler = async (job: Job, ctx: JobContext): Promise<JobEffects> => {
    const p = job.payload as { id?: unknown; blob?: unknown; metrics?: unknown; labels?: unknown };
    if (typeof p.id !== 'string' || typeof p.blob !== 'string')
      throw new HomeSightError('E_INTERNAL', `publish job ${job.id} has no adapter id/blob`, { context: { payload: job.payload } });
    const dir = await mkdtemp(join(tmpdir(), `homesight-publish-${job.id}-`));
    try {
      const file = join(dir, 'adapter.gguf');
      await this.o.blobs.download(p.blob, file);
      const manifest = await publishAdapter({
        adapterFile: file,
        id: p.id,
        privateKey: this.o.privateKey,
        metrics: (p.metrics ?? {}) as Record<string, number>,
      });
      ctx.log.info({ id: p.id }, 'adapter signed and published');
      return {
        result: { id: p.id },
        adapter: { household: job.household, id: p.id, manifest, blob: p.blob, labels: typeof p.labels === 'number' ? p.labels : 0 },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
