/**
 * The cloud teacher service: `npm run cloud -- --config cloud/teacher.example.yaml [--teacher-model FILE.gguf]` (the
 * option labels with a model teacher on that planner GGUF, whatever the config's teacher). With PostgreSQL storage any
 * number of these processes (replicas) share the work: each serves the device API and claims jobs from the store.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Logger } from '../daemon/system/index.js';
import { buildCloudApp } from './app.js';
import { FsBlobStore, S3BlobStore, type BlobStore } from './blobs/index.js';
import { cloudConfigSchema, loadCloudConfig, s3Settings, storageSettings, type CloudConfig } from './config.js';
import { AdapterJobs, JobRunner, Labeler, LocalTrainingRunner, type JobHandler } from './jobs/index.js';
import { openTeacherStore, type JobKind } from './store/index.js';
import { AgreementTeacher } from './agreement-teacher.js';
import { ModelTeacher } from './model-teacher.js';
import { OpenAiTeacher, OracleReplayTeacher, type TeacherPlanner } from './teacher.js';
import { LocalProcessTrainer } from './trainer/index.js';

export function teacherFromConfig(c: CloudConfig, log?: Logger): TeacherPlanner {
  const t = c.teacher;
  if (t.kind === 'oracle') return new OracleReplayTeacher(t.dataset);
  const voting = { samples: t.samples, temperature: t.temperature, seed: t.seed };
  if (t.kind === 'model') {
    const teacher = (model: string): ModelTeacher =>
      new ModelTeacher({
        model,
        voting,
        threads: t.threads,
        gpuLayers: t.gpu_layers,
        contextSize: t.context_size,
        maxTokens: t.max_tokens,
        timeoutMs: t.timeout_ms,
        maxNodes: t.max_nodes,
        ...(log !== undefined ? { log: log.child({ part: 'teacher' }) } : {}),
      });
    return t.agree_with.length === 0 ? teacher(t.model) : new AgreementTeacher([t.model, ...t.agree_with].map(teacher));
  }
  const key = t.api_key_file === undefined ? undefined : readFileSync(t.api_key_file, 'utf8').trim();
  return new OpenAiTeacher({
    baseUrl: t.url,
    model: t.model,
    timeoutMs: t.timeout_ms,
    voting,
    ...(key !== undefined ? { apiKey: key } : {}),
  });
}

/**
 * `--teacher-model FILE`: the config with a model teacher on that GGUF. The config's voting and min_confidence carry
 * over (its model settings too, when its teacher is a model); the rest is at the defaults.
 */
export function withTeacherModel(c: CloudConfig, model: string): CloudConfig {
  const t = c.teacher;
  const kept = t.kind === 'model' ? t : t.kind === 'openai' ? { samples: t.samples, temperature: t.temperature, seed: t.seed } : {};
  const teacher = cloudConfigSchema.shape.teacher.parse({
    ...kept,
    min_confidence: t.min_confidence,
    kind: 'model',
    model: resolve(model),
  });
  return { ...c, teacher };
}

/** The adapter signing key (PEM), created 0600 on first start; the public half is written next to it for devices.
 * Replicas share it (a mounted Secret): create it once, before the replicas start. */
export function signingKey(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'adapter-signing.pem');
  if (!existsSync(file)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'adapter-signing.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return readFileSync(file, 'utf8');
}

export function blobStoreFromConfig(c: CloudConfig): BlobStore {
  const s3 = s3Settings(c);
  if (s3 !== null) return new S3BlobStore(s3);
  return new FsBlobStore(c.blobs.kind === 'fs' ? c.blobs.dir : 'var/cloud/blobs');
}

export interface RunningCloud {
  url: string;
  /** This replica's name in job leases. */
  owner: string;
  /** Graceful drain: readiness off, stop claiming, running jobs finish (or are released after jobs.drain_s), close. */
  close(): Promise<void>;
}

export async function startCloud(c: CloudConfig, log: Logger = pino({ name: 'homesight-cloud' })): Promise<RunningCloud> {
  const store = await openTeacherStore(storageSettings(c), log);
  const blobs = blobStoreFromConfig(c);
  const teacher = teacherFromConfig(c, log);
  // a teacher that cannot work (a missing model file) stops the start, not every label job after it
  await teacher.load?.();
  const owner = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const training = c.trainer.enabled && c.trainer.base_model !== undefined;
  const handlers: Partial<Record<JobKind, JobHandler>> = {
    label: new Labeler(store, teacher, { minConfidence: c.teacher.min_confidence }).handler(
      training ? { minNewLabels: c.trainer.min_labels } : undefined,
    ),
  };
  if (training) {
    const adapters = new AdapterJobs({
      store,
      blobs,
      runner: new LocalTrainingRunner(blobs, new LocalProcessTrainer(c.trainer.python === undefined ? {} : { python: c.trainer.python })),
      baseModel: c.trainer.base_model!,
      privateKey: signingKey(c.keys_dir),
      steps: c.trainer.steps,
      ...(c.trainer.replay === undefined ? {} : { replay: { file: c.trainer.replay.file, perLabel: c.trainer.replay.per_label } }),
    });
    handlers.train = adapters.train;
    handlers.publish = adapters.publish;
  }
  const jobs = new JobRunner({
    store,
    handlers,
    owner,
    leaseMs: c.jobs.lease_s * 1000,
    pollMs: c.jobs.poll_ms,
    concurrency: c.jobs.concurrency,
    log: log.child({ owner }),
  });
  const { app, setDraining } = buildCloudApp({
    store,
    teacher,
    minConfidence: c.teacher.min_confidence,
    blobs,
    jobs,
    enrollmentSecret: readFileSync(c.enrollment_secret_file, 'utf8').trim(),
    bodyLimit: c.body_limit_bytes,
    rateLimit: { max: c.rate_limit.max_failures, windowMs: c.rate_limit.window_s * 1000 },
    log,
  });
  const url = await app.listen({ host: c.host, port: c.port });
  jobs.start();
  const sweep = setInterval(() => {
    store.enqueuePendingLabels().then(
      (n) => {
        if (n > 0) {
          log.info({ households: n }, 'label jobs enqueued for waiting samples');
          jobs.poke();
        }
      },
      (err: unknown) => log.warn({ err: (err as Error).message }, 'label sweep failed'),
    );
  }, c.jobs.sweep_s * 1000);
  log.info({ url, owner, teacher: teacher.name, store: store.kind, blobs: blobs.kind, kinds: jobs.kinds }, 'cloud teacher listening');
  let closing: Promise<void> | null = null;
  return {
    url,
    owner,
    close() {
      closing ??= (async () => {
        setDraining();
        clearInterval(sweep);
        await jobs.stop(c.jobs.drain_s * 1000);
        await app.close();
        await store.close();
        await teacher.dispose?.();
        if (blobs instanceof S3BlobStore) blobs.close();
        log.info({ owner }, 'cloud teacher stopped');
      })();
      return closing;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' }, 'teacher-model': { type: 'string' } } });
  const file = values.config ?? process.env.HOMESIGHT_CLOUD_CONFIG ?? 'cloud/teacher.example.yaml';
  const config = loadCloudConfig(file);
  const model = values['teacher-model'];
  startCloud(model === undefined ? config : withTeacherModel(config, model)).then(
    (s) => {
      const stop = (): void =>
        void s.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      process.stderr.write(`homesight-cloud: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
