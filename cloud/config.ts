import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { readSecret } from '../daemon/config/index.js';
import { HomeSightError } from '../daemon/system/index.js';
import type { S3BlobStoreOptions } from './blobs/index.js';
import type { StorageSettings } from './store/index.js';

const storageSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('sqlite'),
      file: z.string().default('var/cloud/teacher.db').describe('SQLite database (one teacher process)'),
    }),
    z.strictObject({
      kind: z.literal('postgres'),
      url: z.string().min(1).describe('postgresql://user@host:5432/db (no password here: put it in password_file)'),
      password_file: z.string().optional().describe('file holding the PostgreSQL password'),
      max_connections: z.number().int().min(1).default(10).describe('connection pool size per replica'),
      statement_timeout_ms: z.number().int().min(100).default(30_000),
    }),
  ])
  .describe('where devices, samples, labels, adapters and jobs are kept: sqlite (embedded) or postgres (replicas)');

const blobsSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('fs'), dir: z.string().default('var/cloud/blobs').describe('folder of adapter and data files') }),
    z.strictObject({
      kind: z.literal('s3'),
      endpoint: z.string().url().describe('S3-compatible endpoint (MinIO, Ceph RGW, a cloud S3)'),
      region: z.string().default('us-east-1'),
      bucket: z.string().min(1),
      prefix: z.string().default('').describe("key prefix inside the bucket, e.g. 'teacher/'"),
      access_key_id_file: z.string().describe('file holding the access key id'),
      secret_access_key_file: z.string().describe('file holding the secret access key'),
      force_path_style: z.boolean().default(true).describe('http://host/bucket/key addressing (MinIO, Ceph)'),
    }),
  ])
  .describe('where adapter files and training data are kept');

/** Only a plan with at least this share of the teacher's k draws becomes a pseudo-label (the others are kept as unlabelled). */
const min_confidence = z
  .number()
  .min(0)
  .max(1)
  .default(0.6)
  .describe("a plan becomes a pseudo-label only with at least this share of the teacher's k draws (invalid draws count against it)");

/** Self-consistency of a model teacher: k plans at temperature > 0, the n-th seeded with seed + n. */
const voting = {
  samples: z.number().int().min(1).max(32).default(5).describe('plans sampled per question (self-consistency k)'),
  temperature: z.number().gt(0).max(2).default(0.7).describe('sampling temperature of each plan'),
  seed: z
    .number()
    .int()
    .min(0)
    .default(1)
    .describe('seed of the first sample (the n-th uses seed + n): the same seed gives the same votes'),
  min_confidence,
};

/** The cloud teacher's own config (YAML). */
export const cloudConfigSchema = z.strictObject({
  host: z.string().default('127.0.0.1').describe('listen address'),
  port: z.number().int().min(0).max(65535).default(8787).describe('listen port (0 = any free port)'),
  storage: storageSchema.default({ kind: 'sqlite', file: 'var/cloud/teacher.db' }),
  blobs: blobsSchema.default({ kind: 'fs', dir: 'var/cloud/blobs' }),
  jobs: z
    .strictObject({
      lease_s: z.number().min(1).default(30).describe('a claimed job is retried by another replica when its lease runs out'),
      poll_ms: z.number().int().min(10).default(500).describe('wait between claims when nothing is runnable'),
      concurrency: z.number().int().min(1).default(2).describe('jobs one replica runs at once'),
      drain_s: z.number().min(0).default(20).describe('on SIGTERM, time running jobs get before they are released'),
      sweep_s: z
        .number()
        .min(1)
        .default(60)
        .describe('how often a replica enqueues label jobs for households whose samples wait unlabelled (after teacher outages)'),
    })
    .prefault({}),
  keys_dir: z.string().default('var/cloud/keys').describe('adapter signing key (ed25519, created on first start)'),
  enrollment_secret_file: z.string().describe('file holding the secret devices present to enroll'),
  body_limit_bytes: z
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024),
  rate_limit: z.strictObject({ max_failures: z.number().int().min(1).default(10), window_s: z.number().min(1).default(60) }).prefault({}),
  teacher: z
    .discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('model'),
        model: z.string().min(1).describe("the teacher's planner GGUF (homesight-planner-v1), run here through node-llama-cpp"),
        threads: z.number().int().min(1).default(1).describe('llama.cpp threads (more only for a model large enough to use them)'),
        gpu_layers: z
          .union([z.literal('auto'), z.number().int().min(0)])
          .default('auto')
          .describe("'auto' = use a GPU when there is one; 0 = CPU"),
        context_size: z.number().int().min(256).default(1024),
        max_tokens: z.number().int().min(16).default(256).describe('most tokens of one sampled plan'),
        timeout_ms: z.number().int().min(100).default(60_000).describe('bound for one sampled plan'),
        max_nodes: z.number().int().min(2).max(8).default(8).describe('most nodes of a plan'),
        agree_with: z
          .array(z.string().min(1))
          .default([])
          .describe(
            "more planner GGUFs run with the same settings: a label only where every model's voted plan is the same " +
              '(the lowest confidence); more precise, fewer labels',
          ),
        ...voting,
      }),
      z.strictObject({
        kind: z.literal('openai'),
        url: z
          .string()
          .url()
          .describe('an OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama, a hosted API): the production teacher'),
        model: z.string(),
        api_key_file: z.string().optional(),
        timeout_ms: z.number().int().default(60_000),
        ...voting,
      }),
      z.strictObject({
        kind: z.literal('oracle'),
        dataset: z
          .array(z.string())
          .min(1)
          .describe('ORACLE/REPLAY teacher for tests and experiments (the upper bound): gold plans from Q2A JSONL'),
        min_confidence,
      }),
    ])
    .describe('who labels the samples: a planner model here (model), a large model behind an endpoint (openai), or gold plans (oracle)'),
  trainer: z
    .strictObject({
      enabled: z.boolean().default(false),
      base_model: z.string().optional().describe('GGUF base model the devices run'),
      python: z.string().optional(),
      steps: z.number().int().min(1).default(200),
      min_labels: z.number().int().min(1).default(50).describe('train a household adapter once it has this many new labels'),
      replay: z
        .strictObject({
          file: z.string().describe("the base model's training corpus (JSONL {prompt, completion} or train_planner.py's {prompt, target})"),
          per_label: z.number().min(0).max(20).default(3).describe('corpus records mixed in per household record'),
        })
        .optional()
        .describe("rehearsal against forgetting: base-corpus records mixed into every adapter's training data"),
    })
    .prefault({}),
});

export type CloudConfig = z.infer<typeof cloudConfigSchema>;

/** Loads the YAML file; relative paths are resolved against the file's folder. */
export function loadCloudConfig(file: string): CloudConfig {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HomeSightError('E_CLOUD_CONFIG', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const p = cloudConfigSchema.safeParse(raw);
  if (!p.success) {
    throw new HomeSightError('E_CLOUD_CONFIG', `${file}: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
      hint: 'see cloud/teacher.example.yaml',
    });
  }
  const base = dirname(resolve(file));
  const r = (x: string): string => resolve(base, x);
  const c = p.data;
  return {
    ...c,
    storage:
      c.storage.kind === 'sqlite'
        ? { ...c.storage, file: r(c.storage.file) }
        : c.storage.password_file === undefined
          ? c.storage
          : { ...c.storage, password_file: r(c.storage.password_file) },
    blobs:
      c.blobs.kind === 'fs'
        ? { ...c.blobs, dir: r(c.blobs.dir) }
        : { ...c.blobs, access_key_id_file: r(c.blobs.access_key_id_file), secret_access_key_file: r(c.blobs.secret_access_key_file) },
    keys_dir: r(c.keys_dir),
    enrollment_secret_file: r(c.enrollment_secret_file),
    teacher:
      c.teacher.kind === 'oracle'
        ? { ...c.teacher, dataset: c.teacher.dataset.map(r) }
        : c.teacher.kind === 'model'
          ? { ...c.teacher, model: r(c.teacher.model), agree_with: c.teacher.agree_with.map(r) }
          : c.teacher,
    trainer: {
      ...c.trainer,
      ...(c.trainer.base_model !== undefined ? { base_model: r(c.trainer.base_model) } : {}),
      ...(c.trainer.replay !== undefined ? { replay: { ...c.trainer.replay, file: r(c.trainer.replay.file) } } : {}),
    },
  };
}

/** The storage settings with the password read from its `_file` secret. */
export function storageSettings(c: CloudConfig): StorageSettings {
  const s = c.storage;
  if (s.kind === 'sqlite') return { kind: 'sqlite', file: s.file };
  return {
    kind: 'postgres',
    url: s.url,
    maxConnections: s.max_connections,
    statementTimeoutMs: s.statement_timeout_ms,
    ...(s.password_file !== undefined ? { password: readSecret(s.password_file, 'storage.password_file') } : {}),
  };
}

/** The S3 settings with the credentials read from their `_file` secrets (null for the filesystem store). */
export function s3Settings(c: CloudConfig): S3BlobStoreOptions | null {
  const b = c.blobs;
  if (b.kind !== 's3') return null;
  return {
    endpoint: b.endpoint,
    region: b.region,
    bucket: b.bucket,
    prefix: b.prefix,
    forcePathStyle: b.force_path_style,
    accessKeyId: readSecret(b.access_key_id_file, 'blobs.access_key_id_file'),
    secretAccessKey: readSecret(b.secret_access_key_file, 'blobs.secret_access_key_file'),
  };
}
