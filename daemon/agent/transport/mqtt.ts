import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { checkReplyTopic, decodeRequest, type MqttBridge, type MqttMessage } from '../../mqtt/index.js';
import { HomeSightError, asHomeSightError, silentLogger, systemClock, type Clock, type Logger } from '../../system/index.js';
import { taskPlanSchema } from '../catalog/index.js';
import { askOptionsSchema, type AgentService, type AskProgress } from '../service.js';

/**
 * MQTT ask/answer on top of the MQTT bridge:
 *
 *   <base>/agent/ask      {question, conversation_id?, household?, options?, reply_to?, id?}
 *   <base>/agent/plan     same, plans without executing
 *   <base>/agent/cancel   {id}: cancels a running ask
 *   <base>/agent/correct  {question, plan, note?}: stores a corrected plan
 *
 * Replies go to the MQTT v5 response topic (with its correlation data) or the
 * payload's `reply_to` (3.1.1): envelopes `{id, command, status:
 * progress|ok|error, data?, error?, ts}`; final answers are also published on
 * `<base>/agent/answer`. Payloads are size-capped and schema-checked, each
 * client (reply topic) is rate-limited, bad input gets an error reply, and
 * nothing a client sends can crash the daemon.
 */

export const askRequestSchema = z.strictObject({
  id: z.union([z.string().min(1).max(128), z.number().int().safe()]).optional().describe('request id, echoed in replies'),
  question: z.string().trim().min(1).max(1000).describe('the question in plain language'),
  conversation_id: z.string().min(1).max(128).optional().describe('for follow-ups ("and after that?")'),
  household: z.string().min(1).max(64).optional().describe('household id; must be this device\'s'),
  options: askOptionsSchema.optional(),
  reply_to: z.string().min(1).max(512).optional().describe('reply topic for MQTT 3.1.1 clients'),
});
export type AskRequestPayload = z.infer<typeof askRequestSchema>;

const cancelSchema = z.strictObject({ id: z.union([z.string().min(1).max(128), z.number().int().safe()]), reply_to: z.string().min(1).max(512).optional() });
const correctSchema = z.strictObject({
  id: z.union([z.string().min(1).max(128), z.number().int().safe()]).optional(),
  question: z.string().trim().min(1).max(1000),
  plan: taskPlanSchema,
  note: z.string().max(500).optional(),
  reply_to: z.string().min(1).max(512).optional(),
});

/** The part of the MQTT bridge the agent uses. */
export type AgentBridge = Pick<MqttBridge, 'baseTopic' | 'subscribe' | 'unsubscribeAll' | 'publish' | 'reply'>;

export interface AgentMqttOptions {
  bridge: AgentBridge;
  service: Pick<AgentService, 'ask' | 'plan' | 'correct'>;
  maxPayloadBytes: number;
  ratePerMinute: number;
  /** Asks answered at once; more get E_BUSY. Default 2. */
  maxConcurrent?: number;
  /** Home Assistant discovery prefix (replies may not go there). Default 'homeassistant'. */
  discoveryPrefix?: string;
  clock?: Clock;
  log?: Logger;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token bucket per client: `perMinute` requests per minute, bursts up to the same number. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {}

  /** Takes one token; returns ms to wait when there is none (0 = allowed). */
  take(key: string): number {
    const now = this.clock.monotonic();
    const rate = this.perMinute / 60_000;
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size > 10_000) this.prune(now);
      b = { tokens: this.perMinute, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / rate);
  }

  private prune(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
  }
}

/**
 * The rate-limit key of a request: its reply topic, without a trailing random
 * id (clients often answer on `…/reply/<uuid>`), so a client cannot dodge the
 * limit by changing the last topic level.
 */
export function clientKey(replyTopic: string | undefined): string {
  if (replyTopic === undefined) return 'anonymous';
  const levels = replyTopic.split('/');
  while (levels.length > 1 && /^[0-9a-fA-F-]{12,}$/.test(levels[levels.length - 1]!)) levels.pop();
  return levels.join('/');
}

/** Reads `reply_to` from a payload too large to parse, bounded. */
function sniffReplyTo(payload: Buffer): string | undefined {
  const head = payload.subarray(0, 65_536).toString('utf8');
  const m = /"reply_to"\s*:\s*"([^"\\]{1,512})"/.exec(head);
  return m?.[1];
}

export class AgentMqttHandler {
  private readonly owner = {};
  private readonly limiter: RateLimiter;
  /** All clients together: 4× one client's rate. */
  private readonly globalLimiter: RateLimiter;
  private readonly running = new Map<string, AbortController>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private active = 0;
  private stopped = false;
  /** Counters for health. */
  readonly stats = { asks: 0, answered: 0, errors: 0, rateLimited: 0 };

  constructor(private readonly options: AgentMqttOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger();
    this.limiter = new RateLimiter(options.ratePerMinute, this.clock);
    this.globalLimiter = new RateLimiter(options.ratePerMinute * 4, this.clock);
  }

  start(): void {
    const b = this.options.bridge;
    b.subscribe('agent/ask', this.owner, (msg) => this.guard(msg, 'agent/ask', () => this.onAsk(msg, true)));
    b.subscribe('agent/plan', this.owner, (msg) => this.guard(msg, 'agent/plan', () => this.onAsk(msg, false)));
    b.subscribe('agent/cancel', this.owner, (msg) => this.guard(msg, 'agent/cancel', () => this.onCancel(msg)));
    b.subscribe('agent/correct', this.owner, (msg) => this.guard(msg, 'agent/correct', () => this.onCorrect(msg)));
  }

  stop(): void {
    this.stopped = true;
    this.options.bridge.unsubscribeAll(this.owner);
    for (const ac of this.running.values()) ac.abort(new HomeSightError('E_CANCELLED', 'the daemon is stopping'));
    this.running.clear();
  }

  /** Sends an envelope to the requester (v5 response topic or reply_to). */
  private async send(msg: MqttMessage, replyTo: string | undefined, command: string, env: { id: string; status: 'progress' | 'ok' | 'error'; data?: unknown; error?: unknown }): Promise<boolean> {
    const body = { id: env.id, command, status: env.status, ...(env.data !== undefined ? { data: env.data } : {}), ...(env.error !== undefined ? { error: env.error } : {}), ts: new Date(this.clock.now()).toISOString() };
    const b = this.options.bridge;
    try {
      if (msg.responseTopic !== undefined && msg.protocolVersion === 5) return await b.reply(msg, body);
      if (replyTo !== undefined) {
        checkReplyTopic(replyTo, b.baseTopic, this.options.discoveryPrefix ?? 'homeassistant');
        await b.publish(`/${replyTo}`, body, { qos: 1, buffer: false });
        return true;
      }
    } catch (err) {
      this.log.warn({ command, err: asHomeSightError(err).toJSON() }, 'reply not sent');
    }
    return false;
  }

  /** Runs a handler; anything thrown becomes an error reply. Never throws. */
  private async guard(msg: MqttMessage, command: string, fn: () => Promise<void>): Promise<void> {
    if (this.stopped) return;
    if (msg.retain) {
      this.log.warn({ topic: msg.topic }, 'ignoring a retained request');
      return;
    }
    try {
      await fn();
    } catch (err) {
      const e = asHomeSightError(err, 'E_AGENT');
      this.stats.errors++;
      const replyTo = msg.responseTopic === undefined ? sniffReplyTo(msg.payload) : undefined;
      const id = (() => {
        const m = /"id"\s*:\s*"?([A-Za-z0-9_.:-]{1,128})"?/.exec(msg.payload.subarray(0, 4096).toString('utf8'));
        return m?.[1] ?? (msg.correlationData !== undefined && msg.correlationData.length <= 64 ? msg.correlationData.toString('hex') : randomUUID());
      })();
      const error = e.hint === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, hint: e.hint };
      const sent = await this.send(msg, replyTo, command, { id, status: 'error', error });
      if (command === 'agent/ask') {
        await this.options.bridge.publish('agent/answer', { id, command, status: 'error', error, ts: new Date(this.clock.now()).toISOString() }, { qos: 1, buffer: false }).catch(() => undefined);
      }
      this.log.info({ command, code: e.code, replied: sent }, 'agent request refused or failed');
    }
  }

  private decode(msg: MqttMessage): { id: string; replyTo: string | undefined; args: Record<string, unknown> } {
    const req = decodeRequest(msg.payload, this.options.maxPayloadBytes);
    const id = req.id ?? (msg.correlationData !== undefined && msg.correlationData.length <= 64 ? msg.correlationData.toString('hex') : randomUUID());
    const args: Record<string, unknown> = { ...req.args };
    if (req.id !== undefined) args.id = req.id;
    if (req.replyTo !== undefined) args.reply_to = req.replyTo;
    return { id, replyTo: req.replyTo, args };
  }

  private invalid(error: z.ZodError): HomeSightError {
    const lines = error.issues.slice(0, 6).map((i) => `${i.path.map(String).join('.') || 'payload'}: ${i.message}`);
    return new HomeSightError('E_BAD_REQUEST', `invalid request: ${lines.join('; ')}`, {
      hint: 'send {"question": "...", "conversation_id"?: "...", "options"?: {"planner"?: "local|cloud|retrieval", "execute"?: bool}, "reply_to"?: "topic"}',
    });
  }

  private async onAsk(msg: MqttMessage, execute: boolean): Promise<void> {
    const command = execute ? 'agent/ask' : 'agent/plan';
    const { id, replyTo, args } = this.decode(msg);
    // Counted before the schema check: a flood of wrong requests is limited too.
    const client = clientKey(msg.responseTopic ?? replyTo);
    const clientWait = this.limiter.take(client);
    const wait = clientWait > 0 ? clientWait : this.globalLimiter.take('*');
    if (wait > 0) {
      this.stats.rateLimited++;
      throw new HomeSightError('E_RATE_LIMITED', `too many questions from this client; retry in ${Math.ceil(wait / 1000)} s`, {
        context: { retry_after_ms: wait },
        hint: `at most ${this.options.ratePerMinute} per minute (agent.rate_limit_per_min)`,
      });
    }
    const parsed = askRequestSchema.safeParse(args);
    if (!parsed.success) throw this.invalid(parsed.error);
    if (this.active >= (this.options.maxConcurrent ?? 2)) {
      throw new HomeSightError('E_BUSY', `already answering ${this.active} questions`, { hint: 'retry when they are answered' });
    }
    if (this.running.has(id)) throw new HomeSightError('E_DUPLICATE_ID', `a request with id "${id}" is running`, { hint: 'use a new id per request' });
    const p = parsed.data;
    const ac = new AbortController();
    this.running.set(id, ac);
    this.active++;
    this.stats.asks++;
    try {
      const req: Parameters<AgentService['ask']>[0] = { question: p.question, options: { ...(p.options ?? {}), ...(execute ? {} : { execute: false }) } };
      if (p.conversation_id !== undefined) req.conversationId = p.conversation_id;
      if (p.household !== undefined) req.household = p.household;
      const onProgress = (data: AskProgress): void => {
        void this.send(msg, replyTo, command, { id, status: 'progress', data });
      };
      const result = await this.options.service.ask(req, { signal: ac.signal, onProgress });
      this.stats.answered++;
      await this.send(msg, replyTo, command, { id, status: 'ok', data: result });
      if (execute) {
        await this.options.bridge
          .publish('agent/answer', { id, command, status: 'ok', data: { question: p.question, answer: result.answer, planner: result.planner, evidence: result.evidence }, ts: new Date(this.clock.now()).toISOString() }, { qos: 1, buffer: false })
          .catch(() => undefined);
      }
    } finally {
      this.active--;
      this.running.delete(id);
    }
  }

  private async onCancel(msg: MqttMessage): Promise<void> {
    const { id: reqId, replyTo, args } = this.decode(msg);
    const p = cancelSchema.safeParse(args);
    if (!p.success) throw this.invalid(p.error);
    const target = String(p.data.id);
    const ac = this.running.get(target);
    ac?.abort(new HomeSightError('E_CANCELLED', 'cancelled by the client'));
    await this.send(msg, replyTo, 'agent/cancel', { id: reqId, status: 'ok', data: { cancelled: ac !== undefined, id: target } });
  }

  private async onCorrect(msg: MqttMessage): Promise<void> {
    const { id, replyTo, args } = this.decode(msg);
    const p = correctSchema.safeParse(args);
    if (!p.success) throw this.invalid(p.error);
    const r = await this.options.service.correct(p.data.question, p.data.plan, p.data.note);
    if (!r.stored) {
      throw new HomeSightError('E_PLAN_INVALID', `the corrected plan is invalid: ${r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
        hint: 'fix the plan (the tools and their arguments: docs/agent-tools.md)',
      });
    }
    await this.send(msg, replyTo, 'agent/correct', { id, status: 'ok', data: { stored: true } });
  }
}
