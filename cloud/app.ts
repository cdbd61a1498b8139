import { randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { receivedSampleSchema } from '../daemon/contracts/index.js';
import { HomeSightError, silentLogger, type Logger } from '../daemon/system/index.js';
import type { BlobStore } from './blobs/index.js';
import { JobRunner, Labeler } from './jobs/index.js';
import type { DeviceRow, TeacherStore } from './store/index.js';
import type { TeacherPlanner } from './teacher.js';

export interface CloudAppOptions {
  store: TeacherStore;
  teacher: TeacherPlanner;
  /** teacher.min_confidence for the inline labeller (default 0.6; a replica's job runner brings its own Labeler). */
  minConfidence?: number;
  /** Where adapter files are served from (none: the adapter download answers 404). */
  blobs?: BlobStore;
  /**
   * The replica's job runner: an upload wakes it. Without one (embedded teacher, tests), the app labels inline:
   * each upload runs the pending label jobs in this process, through the same jobs table.
   */
  jobs?: JobRunner;
  /** Secret a device must present to enroll. */
  enrollmentSecret: string;
  /** Largest request body (bytes); bigger → 413. */
  bodyLimit?: number;
  /** Failed auth/enroll attempts per IP per window before 429. */
  rateLimit?: { max: number; windowMs: number };
  /** Samples per upload request. */
  maxBatch?: number;
  log?: Logger;
}

const uploadSchema = z.strictObject({ samples: z.array(receivedSampleSchema).min(1) });
const enrollSchema = z.strictObject({
  device_id: z.string().min(1).max(128),
  household: z.string().min(1).max(128),
  enrollment_secret: z.string().min(1).max(1024),
});

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

declare module 'fastify' {
  interface FastifyRequest {
    device?: DeviceRow;
  }
}

/** Runs the pending label jobs now (one pass at a time); resolves with how many jobs ran. */
export interface InlineLabelling {
  drain(): Promise<number>;
}

export interface CloudApp {
  app: FastifyInstance;
  labeler: InlineLabelling;
  /** Readiness turns false (SIGTERM: load balancers stop sending before the replica closes). */
  setDraining(): void;
}

/** The cloud teacher's HTTP API (fastify 5): device routes, /healthz (live) and /readyz (store reachable, migrated,
 * not draining). */
export function buildCloudApp(o: CloudAppOptions): CloudApp {
  const log = o.log ?? silentLogger();
  const app = Fastify({ bodyLimit: o.bodyLimit ?? 5 * 1024 * 1024, logger: false, trustProxy: false });
  const inline =
    o.jobs ??
    new JobRunner({
      store: o.store,
      handlers: { label: new Labeler(o.store, o.teacher, { minConfidence: o.minConfidence ?? 0.6 }).handler() },
      owner: `inline-${process.pid}-${randomBytes(4).toString('hex')}`,
      log,
    });
  let pass: Promise<number> | null = null;
  const labeler: InlineLabelling = {
    drain() {
      pass ??= inline.runUntilIdle(['label']).finally(() => {
        pass = null;
      });
      return pass;
    },
  };
  let draining = false;
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof HomeSightError && err.code === 'E_TEACHER_STORE') {
      log.warn({ err: err.message }, 'store unavailable');
      return reply.code(503).header('retry-after', '2').send({ error: 'storage unavailable; retry' });
    }
    if (err instanceof HomeSightError && err.code === 'E_BLOB_NOT_FOUND') return reply.code(404).send({ error: 'no such file' });
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: (err as Error).message });
    log.error({ err: (err as Error).message }, 'request failed');
    return reply.code(500).send({ error: 'internal error' });
  });
  const limit = o.rateLimit ?? { max: 10, windowMs: 60_000 };
  const failures = new Map<string, { n: number; reset: number }>();
  const blocked = (ip: string): boolean => {
    const f = failures.get(ip);
    if (f === undefined) return false;
    if (Date.now() > f.reset) {
      failures.delete(ip);
      return false;
    }
    return f.n >= limit.max;
  };
  const fail = (ip: string): void => {
    const f = failures.get(ip);
    if (f === undefined || Date.now() > f.reset) failures.set(ip, { n: 1, reset: Date.now() + limit.windowMs });
    else f.n++;
  };
  const tooMany = (reply: FastifyReply): FastifyReply =>
    reply
      .code(429)
      .header('retry-after', String(Math.ceil(limit.windowMs / 1000)))
      .send({ error: 'too many failed attempts from this address; wait' });

  const auth = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (blocked(req.ip)) {
      await tooMany(reply);
      return;
    }
    const h = req.headers.authorization;
    const token = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : '';
    const dev = token.length > 0 ? await o.store.deviceByToken(token) : null;
    if (dev === null) {
      fail(req.ip);
      await reply.code(401).send({ error: 'bad or missing device token' });
      return;
    }
    req.device = dev;
  };

  app.get('/v1/health', async () => ({ ok: true, teacher: o.teacher.name, ...(await o.store.counts()) }));
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    if (draining) return reply.code(503).send({ ready: false, reason: 'draining' });
    try {
      await o.store.ping();
    } catch (err) {
      return reply.code(503).send({ ready: false, reason: `store: ${(err as Error).message}` });
    }
    return { ready: true, store: o.store.kind };
  });

  app.post('/v1/devices/enroll', async (req, reply) => {
    if (blocked(req.ip)) return tooMany(reply);
    const p = enrollSchema.safeParse(req.body);
    if (!p.success) return reply.code(400).send({ error: 'expected {device_id, household, enrollment_secret}' });
    if (!safeEqual(p.data.enrollment_secret, o.enrollmentSecret)) {
      fail(req.ip);
      return reply.code(401).send({ error: 'wrong enrollment secret' });
    }
    const token = randomBytes(32).toString('base64url');
    await o.store.enroll(p.data.device_id, p.data.household, token);
    return { token, device_id: p.data.device_id, household: p.data.household };
  });

  app.register(async (scoped) => {
    scoped.addHook('preHandler', auth);

    scoped.post('/v1/samples', async (req, reply) => {
      const p = uploadSchema.safeParse(req.body);
      if (!p.success)
        return reply
          .code(400)
          .send({ error: 'expected {samples: [{id, question, ...}]}', issues: p.error.issues.slice(0, 5).map((i) => i.message) });
      if (p.data.samples.length > (o.maxBatch ?? 500))
        return reply.code(413).send({ error: `at most ${o.maxBatch ?? 500} samples per request` });
      const r = await o.store.addSamples(req.device!, p.data.samples);
      if (r.accepted.length > 0) {
        if (o.jobs !== undefined) o.jobs.poke();
        else
          void labeler
            .drain()
            .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'inline labelling failed; next upload retries'));
      }
      return r;
    });

    scoped.get('/v1/pseudo-labels', async (req) => {
      const q = req.query as { since?: string; limit?: string };
      const since = Math.max(0, Number.parseInt(q.since ?? '0', 10) || 0);
      const lim = Math.min(500, Math.max(1, Number.parseInt(q.limit ?? '200', 10) || 200));
      const labels = await o.store.labelsSince(req.device!.household, since, lim);
      return {
        labels: labels.map((l) => ({
          seq: l.seq,
          sample_id: l.sample_id,
          question: l.question,
          plan: l.plan,
          teacher: l.teacher,
          confidence: l.confidence,
        })),
        next: labels.length > 0 ? labels[labels.length - 1]!.seq : since,
      };
    });

    scoped.get('/v1/adapters/manifest', async (req) => ({
      adapters: (await o.store.adapters(req.device!.household)).map((a) => a.manifest),
    }));

    scoped.get('/v1/adapters/:id', async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const a = (await o.store.adapters(req.device!.household)).find((x) => x.id === id);
      if (a === undefined || o.blobs === undefined) return reply.code(404).send({ error: 'no such adapter for this household' });
      return reply.type('application/octet-stream').send(await o.blobs.read(a.blob));
    });
  });

  return {
    app,
    labeler,
    setDraining() {
      draining = true;
    },
  };
}
