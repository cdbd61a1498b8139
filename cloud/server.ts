/**
 * The cloud teacher service: `npm run cloud -- --config cloud/teacher.example.yaml`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildCloudApp } from './app.js';
import { loadCloudConfig, type CloudConfig } from './config.js';
import { AdapterJobs } from './jobs.js';
import { CloudStore } from './store.js';
import { OpenAiTeacher, OracleReplayTeacher, type TeacherPlanner } from './teacher.js';
import { LocalProcessTrainer } from './trainer/index.js';

export function teacherFromConfig(c: CloudConfig): TeacherPlanner {
  if (c.teacher.kind === 'oracle') return new OracleReplayTeacher(c.teacher.dataset);
  const key = c.teacher.api_key_file === undefined ? undefined : readFileSync(c.teacher.api_key_file, 'utf8').trim();
  return new OpenAiTeacher({
    baseUrl: c.teacher.url,
    model: c.teacher.model,
    timeoutMs: c.teacher.timeout_ms,
    ...(key !== undefined ? { apiKey: key } : {}),
  });
}

/** The adapter signing key (PEM), created 0600 on first start; the public half is written next to it for devices. */
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

export async function startCloud(c: CloudConfig): Promise<{ url: string; close(): Promise<void> }> {
  const log = pino({ name: 'homesight-cloud' });
  const store = new CloudStore(c.db_file);
  const teacher = teacherFromConfig(c);
  const { app, labeler } = buildCloudApp({
    store,
    teacher,
    enrollmentSecret: readFileSync(c.enrollment_secret_file, 'utf8').trim(),
    bodyLimit: c.body_limit_bytes,
    rateLimit: { max: c.rate_limit.max_failures, windowMs: c.rate_limit.window_s * 1000 },
    log,
  });
  const key = signingKey(c.keys_dir);
  let timer: NodeJS.Timeout | null = null;
  if (c.trainer.enabled && c.trainer.base_model !== undefined) {
    const jobs = new AdapterJobs({
      store,
      trainer: new LocalProcessTrainer(c.trainer.python === undefined ? {} : { python: c.trainer.python }),
      baseModel: c.trainer.base_model,
      privateKey: key,
      workDir: join(c.keys_dir, 'adapters'),
      steps: c.trainer.steps,
      log,
    });
    const trained = new Map<string, number>();
    let busy = false;
    timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void (async () => {
        const households = (store.db.prepare('SELECT DISTINCT household FROM pseudo_labels').all() as Array<{ household: string }>).map(
          (r) => r.household,
        );
        for (const h of households) {
          const n = store.counts(h).labels;
          if (n - (trained.get(h) ?? 0) < c.trainer.min_labels) continue;
          await jobs.train(h).catch((err: unknown) => log.error({ err: (err as Error).message, household: h }, 'adapter job failed'));
          trained.set(h, n);
        }
      })().finally(() => {
        busy = false;
      });
    }, 60_000);
  }
  const labelTimer = setInterval(() => void labeler.drain(), 30_000);
  const url = await app.listen({ host: c.host, port: c.port });
  log.info({ url, teacher: teacher.name }, 'cloud teacher listening');
  return {
    url,
    async close() {
      if (timer !== null) clearInterval(timer);
      clearInterval(labelTimer);
      await app.close();
      await labeler.drain();
      store.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  const file = values.config ?? process.env.HOMESIGHT_CLOUD_CONFIG ?? 'cloud/teacher.example.yaml';
  startCloud(loadCloudConfig(file)).then(
    (s) => {
      const stop = (): void => void s.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      process.stderr.write(`homesight-cloud: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
