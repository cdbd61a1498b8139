import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { HomeSightError } from '../daemon/system/index.js';

/** The cloud teacher's own config (YAML; every key has a default). */
export const cloudConfigSchema = z.strictObject({
  host: z.string().default('127.0.0.1').describe('listen address'),
  port: z.number().int().min(0).max(65535).default(8787).describe('listen port (0 = any free port)'),
  db_file: z.string().default('var/cloud/teacher.db').describe('SQLite database'),
  keys_dir: z.string().default('var/cloud/keys').describe('adapter signing key (ed25519, created on first start) and adapters'),
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
        kind: z.literal('oracle'),
        dataset: z.array(z.string()).min(1).describe('ORACLE/REPLAY teacher for tests and experiments: gold plans from Q2A JSONL'),
      }),
      z.strictObject({
        kind: z.literal('openai'),
        url: z.string().url(),
        model: z.string(),
        api_key_file: z.string().optional(),
        timeout_ms: z.number().int().default(60_000),
      }),
    ])
    .describe('who labels the samples'),
  trainer: z
    .strictObject({
      enabled: z.boolean().default(false),
      base_model: z.string().optional().describe('GGUF base model the devices run'),
      python: z.string().optional(),
      steps: z.number().int().min(1).default(200),
      min_labels: z.number().int().min(1).default(50).describe('train a household adapter once it has this many new labels'),
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
    db_file: r(c.db_file),
    keys_dir: r(c.keys_dir),
    enrollment_secret_file: r(c.enrollment_secret_file),
    teacher: c.teacher.kind === 'oracle' ? { ...c.teacher, dataset: c.teacher.dataset.map(r) } : c.teacher,
    trainer: { ...c.trainer, ...(c.trainer.base_model !== undefined ? { base_model: r(c.trainer.base_model) } : {}) },
  };
}
