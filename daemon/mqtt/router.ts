import { z } from 'zod';
import { asHomeSightError, type Clock, errorMessage, HomeSightError, type Logger } from '../system/index.js';
import { MQTT_REQUESTS, type RequestRoute, type RouteTopic } from './api.js';
import { checkReplyTopic, decodePayload, errorBody, readEnvelope, zodToError } from './requests.js';
import { newId } from './topics.js';
import type {
  CommandInfo,
  MessageHandler,
  MqttMessage,
  ProtocolVersion,
  PublishOptions,
  ReplyEnvelope,
  RequestContext,
  RouteHandler,
  ServeOptions,
} from './types.js';

/** What the router needs of the MQTT core. */
export interface RouterTransport {
  readonly baseTopic: string;
  /** The protocol of the current connection (null while disconnected). */
  readonly protocolVersion: ProtocolVersion | null;
  publish(subtopic: string, payload: string | Buffer | object, options?: PublishOptions): Promise<void>;
  subscribe(subtopic: string, owner: object, handler: MessageHandler): () => void;
  topic(subtopic: string): string;
}

export interface RouterOptions {
  transport: RouterTransport;
  /** mqtt.max_request_bytes: the size cap of routes that set none. */
  maxRequestBytes: number;
  /** Reply topics under this prefix are refused. */
  discoveryPrefix: string;
  clock: Clock;
  log: Logger;
  /** Aborted when the daemon stops: every running request is cancelled. */
  stopSignal: AbortSignal;
  /** Per request outcome (metrics). */
  onRequest?(name: string, status: 'ok' | 'error'): void;
  /** Called when a route starts or stops being served (info topic, discovery buttons). */
  onRoutesChanged?(): void;
}

interface ServedRoute {
  topic: RouteTopic;
  spec: RequestRoute;
  handler: RouteHandler<RouteTopic>;
  options: ServeOptions;
}

/** Where a reply goes, as far as the request let us know. */
interface Correlation {
  id: string;
  /** MQTT v5 response topic (already checked). */
  responseTopic?: string;
  correlationData?: Buffer;
  /** MQTT 3.1.1 `reply_to` from the payload (already checked). */
  replyTo?: string;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token bucket per key: `perMinute` requests per minute, bursts up to the same number. */
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

const COMMAND_PREFIX = 'command/';
/** Where error replies go when neither the request nor its route names a topic for them. */
const ERROR_TOPIC = 'request/error';

/**
 * The one request path: every request topic of the API map is served here.
 * Per request: retained requests are ignored; the payload is size-capped,
 * decoded (UTF-8, JSON object) and its envelope read (`id`, `reply_to`); the
 * client is rate-limited; the arguments are validated with the route's zod
 * schema; concurrency is capped; the handler runs with a cancellable signal
 * and a progress sender. Replies go to the MQTT v5 response topic (with its
 * correlation data) or to `reply_to`; final replies also go to the route's
 * result topic. A request whose reply address cannot be read (an undecodable
 * 3.1.1 payload) gets its error on the route's result topic or `request/error`.
 */
export class RequestRouter {
  private readonly served = new Map<string, ServedRoute>();
  private readonly running = new Map<string, AbortController>();
  /** Requests being handled, per group (a route without one is its own group). */
  private readonly active = new Map<string, number>();
  private readonly limiters = new Map<string, { perClient: RateLimiter; all: RateLimiter; perMinute: number }>();
  private readonly log: Logger;

  constructor(private readonly options: RouterOptions) {
    this.log = options.log;
    // One subscription serves every command, so overlapping filters never double-deliver, and unknown commands get an answer.
    options.transport.subscribe(`${COMMAND_PREFIX}+`, this, (msg) => this.onCommand(msg));
    // Cancellation is the router's own: agent/cancel's id names a running request.
    this.serve('agent/cancel', (a) => ({ cancelled: this.cancel(String(a.id)), id: String(a.id) }));
  }

  serve<T extends RouteTopic>(topic: T, handler: RouteHandler<T>, options: ServeOptions = {}): () => void {
    const spec: RequestRoute | undefined = MQTT_REQUESTS[topic];
    if (spec === undefined) {
      throw new HomeSightError('E_MQTT_TOPIC', `"${String(topic)}" is not a request topic of the MQTT API`, {
        hint: 'declare it in daemon/mqtt/api.ts',
      });
    }
    if (this.served.has(topic)) throw new HomeSightError('E_MQTT_COMMAND_DUPLICATE', `"${topic}" is served twice`, { context: { topic } });
    const route: ServedRoute = { topic, spec, handler: handler as unknown as RouteHandler<RouteTopic>, options };
    this.served.set(topic, route);
    const unsubscribe = topic.startsWith(COMMAND_PREFIX)
      ? null
      : this.options.transport.subscribe(topic, route, (msg) => this.handle(route, msg));
    if (options.rate !== undefined) this.limiterFor(options.group ?? topic, options.rate.perMinute);
    this.options.onRoutesChanged?.();
    return () => {
      if (this.served.get(topic) !== route) return;
      unsubscribe?.();
      this.served.delete(topic);
      this.options.onRoutesChanged?.();
    };
  }

  /** The served `command/…` routes, with their argument JSON Schemas. */
  commands(): CommandInfo[] {
    const out: CommandInfo[] = [];
    for (const r of this.served.values()) {
      if (!r.topic.startsWith(COMMAND_PREFIX)) continue;
      let schema: unknown;
      try {
        schema = z.toJSONSchema(r.spec.request, { unrepresentable: 'any', io: 'input' });
      } catch {
        schema = {};
      }
      const info: CommandInfo = {
        name: commandName(r.topic),
        topic: this.options.transport.topic(r.topic),
        schema,
        description: r.spec.description,
      };
      if (r.spec.button !== undefined) info.button = r.spec.button;
      out.push(info);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Cancels a running request by its id; false when none runs. */
  cancel(id: string): boolean {
    const ac = this.running.get(id);
    ac?.abort(new HomeSightError('E_CANCELLED', 'cancelled by the client'));
    return ac !== undefined;
  }

  private limiterFor(group: string, perMinute: number): { perClient: RateLimiter; all: RateLimiter; perMinute: number } {
    let l = this.limiters.get(group);
    if (l === undefined || l.perMinute !== perMinute) {
      l = { perClient: new RateLimiter(perMinute, this.options.clock), all: new RateLimiter(perMinute * 4, this.options.clock), perMinute };
      this.limiters.set(group, l);
    }
    return l;
  }

  private onCommand(msg: MqttMessage): void {
    const topic = msg.topic.slice(this.options.transport.baseTopic.length + 1);
    const route = this.served.get(topic);
    if (route !== undefined) {
      void this.handle(route, msg);
      return;
    }
    const known = [...this.served.keys()].filter((k) => k.startsWith(COMMAND_PREFIX)).map(commandName);
    void this.refuse(msg, commandName(topic), () => {
      throw new HomeSightError('E_UNKNOWN_COMMAND', `unknown command "${commandName(topic).slice(0, 64)}"`, {
        hint: `known commands: ${known.join(', ') || 'none'}`,
      });
    });
  }

  /** Answers a request that no route serves (an unknown command): the error goes to the requester only. */
  private async refuse(msg: MqttMessage, name: string, fail: () => never): Promise<void> {
    if (msg.retain) return;
    let corr = this.correlate(msg, undefined);
    try {
      corr = this.correlate(msg, decodePayload(msg.payload, this.options.maxRequestBytes));
      fail();
    } catch (err) {
      this.options.onRequest?.(name, 'error');
      await this.finish(corr.value, name, undefined, { error: errorBody(err) });
    }
  }

  /**
   * Reads where the reply goes: the v5 response topic and correlation data from
   * the packet, `id`/`reply_to` from the decoded payload (when it decoded).
   */
  private correlate(
    msg: MqttMessage,
    payload: Record<string, unknown> | undefined,
  ): { value: Correlation; problem: HomeSightError | null } {
    const corr: Correlation = { id: newId(this.options.clock.now()) };
    let problem: HomeSightError | null = null;
    const check = (topic: string): boolean => {
      try {
        checkReplyTopic(topic, this.options.transport.baseTopic, this.options.discoveryPrefix);
        return true;
      } catch (err) {
        problem ??= asHomeSightError(err);
        return false;
      }
    };
    if (msg.correlationData !== undefined) {
      corr.correlationData = msg.correlationData;
      if (msg.correlationData.length <= 64) corr.id = msg.correlationData.toString('hex');
    }
    if (msg.responseTopic !== undefined && check(msg.responseTopic)) corr.responseTopic = msg.responseTopic;
    if (payload !== undefined) {
      const env = readEnvelope(payload);
      if (env.id !== undefined) corr.id = env.id;
      if (env.replyTo !== undefined && check(env.replyTo)) corr.replyTo = env.replyTo;
      problem ??= env.problem;
    }
    return { value: corr, problem };
  }

  /** Handles one request on a served route. Never throws. */
  private async handle(route: ServedRoute, msg: MqttMessage): Promise<void> {
    const name = route.topic.startsWith(COMMAND_PREFIX) ? commandName(route.topic) : route.topic;
    const log = this.log.child({ request: name });
    if (msg.retain) {
      // A retained request would re-run on every reconnect.
      log.warn({ topic: msg.topic }, 'ignoring a retained request');
      return;
    }
    const started = this.options.clock.monotonic();
    let corr: Correlation = this.correlate(msg, undefined).value;
    let args: unknown;
    try {
      const decoded = decodePayload(msg.payload, route.options.maxBytes ?? route.spec.maxBytes ?? this.options.maxRequestBytes);
      const c = this.correlate(msg, decoded);
      corr = c.value;
      if (c.problem !== null) throw c.problem;
      this.rateLimit(route, corr);
      const { id: _id, reply_to: _replyTo, ...rest } = decoded;
      const parsed = route.spec.request.safeParse(
        route.spec.cancels === true ? { ...rest, ...(decoded.id === undefined ? {} : { id: decoded.id }) } : rest,
      );
      if (!parsed.success) throw zodToError(parsed.error, route.topic);
      args = parsed.data;
      const data = await this.run(route, name, corr, msg, args, log);
      this.options.onRequest?.(name, 'ok');
      route.options.onOutcome?.({ status: 'ok' });
      log.info({ id: corr.id, ms: Math.round(this.options.clock.monotonic() - started) }, 'request handled');
      await this.finish(corr, name, route, data === undefined ? {} : { data }, args);
    } catch (err) {
      const body = errorBody(err);
      this.options.onRequest?.(name, 'error');
      route.options.onOutcome?.({ status: 'error', code: body.code });
      log.warn({ id: corr.id, err: body }, 'request refused or failed');
      await this.finish(corr, name, route, { error: body }, args);
    }
  }

  private rateLimit(route: ServedRoute, corr: Correlation): void {
    const rate = route.options.rate;
    if (rate === undefined) return;
    const l = this.limiterFor(route.options.group ?? route.topic, rate.perMinute);
    const clientWait = l.perClient.take(clientKey(corr.responseTopic ?? corr.replyTo));
    const wait = clientWait > 0 ? clientWait : l.all.take('*');
    if (wait > 0) {
      throw new HomeSightError('E_RATE_LIMITED', `too many requests from this client; retry in ${Math.ceil(wait / 1000)} s`, {
        context: { retry_after_ms: wait },
        hint: `at most ${rate.perMinute} per minute`,
      });
    }
  }

  private async run(route: ServedRoute, name: string, corr: Correlation, msg: MqttMessage, args: unknown, log: Logger): Promise<unknown> {
    const limit = route.options.concurrency ?? route.spec.concurrency ?? 4;
    const group = route.options.group ?? route.topic;
    const active = this.active.get(group) ?? 0;
    if (active >= limit) {
      throw new HomeSightError('E_BUSY', `"${route.options.group ?? name}" is already handling ${active} requests`, {
        hint: 'retry when the running ones have answered',
      });
    }
    // A cancel request carries the id of the request it cancels: it is not itself a running request.
    const tracked = route.spec.cancels !== true;
    if (tracked && this.running.has(corr.id))
      throw new HomeSightError('E_DUPLICATE_ID', `a request with id "${corr.id}" is running`, { hint: 'use a new id per request' });
    const ac = new AbortController();
    if (tracked) this.running.set(corr.id, ac);
    this.active.set(group, active + 1);
    try {
      const ctx: RequestContext = {
        id: corr.id,
        name: route.topic,
        protocolVersion: msg.protocolVersion,
        log,
        signal: AbortSignal.any([this.options.stopSignal, ac.signal]),
        progress: (data) => this.send(corr, { id: corr.id, command: name, status: 'progress', data, ts: this.now() }).then(() => undefined),
      };
      return await route.handler(args as never, ctx);
    } finally {
      this.active.set(group, (this.active.get(group) ?? 1) - 1);
      if (tracked) this.running.delete(corr.id);
    }
  }

  /**
   * Sends the final envelope to the requester and to the route's result topic (or `request/error` when nobody else would hear of an error).
   */
  private async finish(
    corr: Correlation,
    name: string,
    route: ServedRoute | undefined,
    body: { data?: unknown; error?: ReplyEnvelope['error'] },
    args?: unknown,
  ): Promise<void> {
    const status = body.error === undefined ? 'ok' : 'error';
    const env: ReplyEnvelope = { id: corr.id, command: name, status, ...body, ts: this.now() };
    const tasks: Array<Promise<unknown>> = [];
    const replied = this.send(corr, env);
    tasks.push(replied);
    const resultTopic = route?.spec.resultTopic;
    if (resultTopic !== undefined) {
      const project = route?.options.resultData;
      const published = status === 'ok' && project !== undefined ? { ...env, data: project(body.data, args) } : env;
      tasks.push(this.options.transport.publish(resultTopic, published, { qos: 1, buffer: false }));
    } else if (status === 'error' && corr.responseTopic === undefined && corr.replyTo === undefined) {
      tasks.push(
        this.options.transport.publish(
          ERROR_TOPIC,
          { ...env, topic: route?.topic ?? `${COMMAND_PREFIX}${name}` },
          { qos: 1, buffer: false },
        ),
      );
    }
    const results = await Promise.allSettled(tasks);
    for (const r of results)
      if (r.status === 'rejected') this.log.error({ request: name, err: errorMessage(r.reason) }, 'could not send a reply');
  }

  /**
   * Sends an envelope to the requester: the v5 response topic with its correlation data, or `reply_to`. Resolves false when there is
   * neither.
   */
  private async send(corr: Correlation, env: ReplyEnvelope): Promise<boolean> {
    const t = this.options.transport;
    if (corr.responseTopic !== undefined && t.protocolVersion === 5) {
      await t.publish(`/${corr.responseTopic}`, env, {
        qos: 1,
        buffer: false,
        properties: corr.correlationData === undefined ? {} : { correlationData: corr.correlationData },
      });
      return true;
    }
    if (corr.replyTo !== undefined) {
      await t.publish(`/${corr.replyTo}`, env, { qos: 1, buffer: false });
      return true;
    }
    return false;
  }

  private now(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}

function commandName(topic: string): string {
  return topic.startsWith(COMMAND_PREFIX) ? topic.slice(COMMAND_PREFIX.length) : topic;
}
