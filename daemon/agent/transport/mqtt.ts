import type { MqttBridge, RequestContext, RouteRequest, ServeOptions } from '../../mqtt/index.js';
import { HomeSightError } from '../../system/index.js';
import type { AgentService, AskRequest, AskResult } from '../service.js';

/**
 * The agent's request topics, served through the MQTT router (their schemas,
 * correlation, size and rate limits, progress and cancellation live there;
 * daemon/mqtt/api.ts declares them):
 *
 *   <base>/agent/ask      {question, conversation_id?, household?, options?, now?}
 *   <base>/agent/plan     same, plans without executing
 *   <base>/agent/correct  {question, plan, note?}: stores a corrected plan
 *   <base>/agent/cancel   {id}: cancels a running ask (served by the router)
 *
 * Final answers of agent/ask are also published on `<base>/agent/answer`.
 */

export interface AgentRoutesOptions {
  bridge: Pick<MqttBridge, 'serve'>;
  service: Pick<AgentService, 'ask' | 'correct'>;
  /** agent.max_payload_bytes */
  maxPayloadBytes: number;
  /** agent.rate_limit_per_min: per client, agent/ask and agent/plan together. */
  ratePerMinute: number;
  /** agent.max_concurrent: asks (and plans) answered at once; more get E_BUSY. Default 2. */
  maxConcurrent?: number;
}

export class AgentRoutes {
  private unserve: Array<() => void> = [];
  /** Counters for health: asks handled, answered, failed; rateLimited = refused by the router's rate limit (never reached ask()). */
  readonly stats = { asks: 0, answered: 0, errors: 0, rateLimited: 0 };

  constructor(private readonly options: AgentRoutesOptions) {}

  start(): void {
    const o = this.options;
    // ask and plan share one rate bucket per client and one concurrency cap, as agent.* configures them.
    const limits: ServeOptions = {
      group: 'agent',
      maxBytes: o.maxPayloadBytes,
      concurrency: o.maxConcurrent ?? 2,
      rate: { perMinute: o.ratePerMinute },
      onOutcome: (outcome) => {
        if (outcome.status === 'error' && outcome.code === 'E_RATE_LIMITED') this.stats.rateLimited++;
      },
    };
    this.unserve.push(
      o.bridge.serve('agent/ask', (a, rc) => this.ask(a, rc, true), {
        ...limits,
        // agent/answer carries what a dashboard shows, not the trace.
        resultData: (data, args) => {
          const r = data as AskResult;
          return { question: (args as RouteRequest<'agent/ask'>).question, answer: r.answer, planner: r.planner, evidence: r.evidence };
        },
      }),
      o.bridge.serve('agent/plan', (a, rc) => this.ask(a, rc, false), limits),
      o.bridge.serve('agent/correct', (a) => this.correct(a), { maxBytes: o.maxPayloadBytes }),
    );
  }

  stop(): void {
    for (const u of this.unserve) u();
    this.unserve = [];
  }

  private async ask(p: RouteRequest<'agent/ask'>, rc: RequestContext, execute: boolean): Promise<AskResult> {
    this.stats.asks++;
    try {
      const req: AskRequest = { question: p.question, options: { ...(p.options ?? {}), ...(execute ? {} : { execute: false }) } };
      if (p.conversation_id !== undefined) req.conversationId = p.conversation_id;
      if (p.household !== undefined) req.household = p.household;
      if (p.now !== undefined) req.now = Date.parse(p.now);
      const result = await this.options.service.ask(req, {
        signal: rc.signal,
        onProgress: (data) => {
          rc.progress(data).catch((err: unknown) => rc.log.debug({ err }, 'progress not sent'));
        },
      });
      this.stats.answered++;
      return result;
    } catch (err) {
      this.stats.errors++;
      throw err;
    }
  }

  private async correct(p: RouteRequest<'agent/correct'>): Promise<{ stored: true }> {
    const r = await this.options.service.correct(p.question, p.plan, p.note);
    if (!r.stored) {
      throw new HomeSightError(
        'E_PLAN_INVALID',
        `the corrected plan is invalid: ${r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        {
          hint: 'fix the plan (the tools and their arguments: docs/agent-tools.md)',
        },
      );
    }
    return { stored: true };
  }
}
