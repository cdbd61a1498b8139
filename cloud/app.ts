import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { validatePlan } from '../daemon/agent/index.js';
import { silentLogger, type Logger } from '../daemon/system/index.js';
import type { CloudStore, DeviceRow } from './store.js';
import type { TeacherPlanner } from './teacher.js';

export interface CloudAppOptions {
  store: CloudStore;
  teacher: TeacherPlanner;
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

const sampleSchema = z.looseObject({ id: z.string().min(1).max(200), question: z.string().min(1).max(4000) });
const uploadSchema = z.strictObject({ samples: z.array(sampleSchema).min(1) });
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

/**
 * Labels stored samples with the teacher: each plan is validated with the agent's validatePlan (the same code as the
 * edge) before it is kept as a pseudo-label. A user's corrected plan, when valid, wins over the teacher's.
 */
export class Labeler {
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: CloudStore,
    private readonly teacher: TeacherPlanner,
    private readonly log: Logger,
  ) {}

  /** Labels everything pending (one pass at a time); resolves with how many labels were kept. */
  drain(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    let kept = 0;
    for (;;) {
      const batch = this.store.unlabeled(50);
      if (batch.length === 0) return kept;
      for (const s of batch) {
        const p = s.payload as { question: string; plan?: unknown; corrected_plan?: unknown };
        let plan: unknown = null;
        let teacher = this.teacher.name;
        if (p.corrected_plan !== undefined && validatePlan(p.corrected_plan).length === 0) {
          plan = p.corrected_plan;
          teacher = 'user';
        } else {
          try {
            plan = await this.teacher.plan({
              household: s.household,
              question: p.question,
              ...(p.plan !== undefined ? { plan: p.plan } : {}),
            });
          } catch (err) {
            this.log.warn({ err: (err as Error).message, sample: s.id }, 'teacher failed; will retry on the next pass');
            return kept;
          }
        }
        const issues = plan === null ? ['no plan'] : validatePlan(plan).map((i) => i.message);
        if (plan === null || issues.length > 0) {
          this.store.markLabeled(s.household, s.id, 2);
          this.log.info({ sample: s.id, issues }, 'teacher plan rejected by validation');
          continue;
        }
        this.store.addLabel({ household: s.household, sample_id: s.id, question: p.question, plan, teacher });
        this.store.markLabeled(s.household, s.id, 1);
        kept++;
      }
    }
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    device?: DeviceRow;
  }
}

/** The cloud teacher's HTTP API (fastify 5). Returns the app and its labeler. */
export function buildCloudApp(o: CloudAppOptions): { app: FastifyInstance; labeler: Labeler } {
  const log = o.log ?? silentLogger();
  const app = Fastify({ bodyLimit: o.bodyLimit ?? 5 * 1024 * 1024, logger: false, trustProxy: false });
  const labeler = new Labeler(o.store, o.teacher, log);
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
    const dev = token.length > 0 ? o.store.deviceByToken(token) : null;
    if (dev === null) {
      fail(req.ip);
      await reply.code(401).send({ error: 'bad or missing device token' });
      return;
    }
    req.device = dev;
  };

  app.get('/v1/health', async () => ({ ok: true, teacher: o.teacher.name, ...o.store.counts() }));

  app.post('/v1/devices/enroll', async (req, reply) => {
    if (blocked(req.ip)) return tooMany(reply);
    const p = enrollSchema.safeParse(req.body);
    if (!p.success) return reply.code(400).send({ error: 'expected {device_id, household, enrollment_secret}' });
    if (!safeEqual(p.data.enrollment_secret, o.enrollmentSecret)) {
      fail(req.ip);
      return reply.code(401).send({ error: 'wrong enrollment secret' });
    }
    const token = randomBytes(32).toString('base64url');
    o.store.enroll(p.data.device_id, p.data.household, token);
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
      const r = o.store.addSamples(req.device!, p.data.samples);
      if (r.accepted.length > 0) void labeler.drain();
      return r;
    });

    scoped.get('/v1/pseudo-labels', async (req) => {
      const q = req.query as { since?: string; limit?: string };
      const since = Math.max(0, Number.parseInt(q.since ?? '0', 10) || 0);
      const lim = Math.min(500, Math.max(1, Number.parseInt(q.limit ?? '200', 10) || 200));
      const labels = o.store.labelsSince(req.device!.household, since, lim);
      return {
        labels: labels.map((l) => ({ seq: l.seq, sample_id: l.sample_id, question: l.question, plan: l.plan, teacher: l.teacher })),
        next: labels.length > 0 ? labels[labels.length - 1]!.seq : since,
      };
    });

    scoped.get('/v1/adapters/manifest', async (req) => ({ adapters: o.store.adapters(req.device!.household).map((a) => a.manifest) }));

    scoped.get('/v1/adapters/:id', async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const a = o.store.adapters(req.device!.household).find((x) => x.id === id);
      if (a === undefined) return reply.code(404).send({ error: 'no such adapter for this household' });
      return reply.type('application/octet-stream').send(createReadStream(a.file));
    });
  });

  return { app, labeler };
}
