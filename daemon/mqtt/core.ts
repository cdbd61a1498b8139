import mqtt, { type IClientOptions, type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { z } from 'zod';
import { HomeSightError, errorMessage, type Clock, type Logger } from '../system/index.js';
import type { Outbox, OutboxRow } from './outbox.js';
import { checkReplyTopic, decodeRequest, errorBody, zodToError } from './requests.js';
import { isPublishTopic, isTopicFilter, newId, topicMatches } from './topics.js';
import type {
  CommandInfo,
  CommandOptions,
  MessageHandler,
  MqttBridge,
  MqttMessage,
  ProtocolVersion,
  PublishOptions,
  PublishProperties,
  QoS,
  ReplyEnvelope,
  RequestContext,
  RequestHandler,
  RequestOptions,
} from './types.js';

export interface MqttCoreOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 or mqtts://broker:8883. */
  url: string;
  /** `<base_topic>/<device_id>`. */
  baseTopic: string;
  clientId: string;
  protocolVersion: ProtocolVersion;
  /** Try 3.1.1 when the broker refuses v5. */
  allowFallback: boolean;
  username?: string;
  password?: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  keepaliveS: number;
  reconnect: { minMs: number; maxMs: number };
  connectTimeoutMs?: number;
  maxRequestBytes: number;
  /** Reply topics under this prefix are refused. */
  discoveryPrefix: string;
  outbox: Outbox;
  log: Logger;
  clock: Clock;
  hooks?: CoreHooks;
}

/** Counters the module turns into metrics. */
export interface CoreHooks {
  published?(kind: 'sent' | 'buffered' | 'dropped'): void;
  connected?(up: boolean): void;
  request?(name: string, status: 'ok' | 'error'): void;
}

interface Subscription {
  filter: string;
  handlers: Map<object, Set<MessageHandler>>;
}

interface RequestRoute {
  name: string;
  topic: string;
  schema: z.ZodType;
  handler: RequestHandler<z.ZodType>;
  options: RequestOptions;
  isCommand: boolean;
  active: number;
}

const INFLIGHT_WINDOW = 64;
const COMMAND_NAME = /^[a-z][a-z0-9_]{0,63}$/;

function toBuffer(payload: string | Buffer | object): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

function v5Props(p: PublishProperties | undefined): IPublishPacket['properties'] | undefined {
  if (p === undefined) return undefined;
  const out: NonNullable<IPublishPacket['properties']> = {};
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = p.correlationData;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.userProperties !== undefined) out.userProperties = p.userProperties;
  return out;
}

/**
 * The MQTT core: one connection (a fresh mqtt.js client per attempt, with
 * our own backoff and v5→3.1.1 fallback), availability with LWT, an on-disk
 * outbox for QoS 1 events, a retained-state cache re-published on every
 * connect, owner-keyed subscriptions renewed on reconnect, and the validated
 * request/response machinery behind commands and `agent/ask`.
 */
export class MqttCore implements MqttBridge {
  readonly baseTopic: string;
  private client: MqttClient | null = null;
  private generation = 0;
  private proto: ProtocolVersion;
  private live = false;
  private stopped = true;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly subs = new Map<string, Subscription>();
  private readonly retained = new Map<string, { payload: Buffer; qos: QoS }>();
  private readonly inflight = new Set<number>();
  private lastSentId = 0;
  private pumping = false;
  private readonly routes = new Map<string, RequestRoute>();
  private readonly connectHooks = new Map<object, Set<() => void>>();
  private readonly commandWatchers = new Map<object, () => void>();
  private readonly abort = new AbortController();
  private readonly waiters = new Set<() => void>();
  private readonly log: Logger;
  lastError: string | null = null;
  connectedSince: number | null = null;
  disconnectedSince: number | null;
  connects = 0;
  readonly availabilityTopic: string;

  constructor(private readonly options: MqttCoreOptions) {
    this.baseTopic = options.baseTopic;
    this.proto = options.protocolVersion;
    this.backoffMs = options.reconnect.minMs;
    this.log = options.log;
    this.availabilityTopic = `${this.baseTopic}/availability`;
    this.disconnectedSince = options.clock.now();
    // One subscription serves every command, so overlapping filters never double-deliver.
    this.subscribe('command/+', this, (msg) => this.onCommandMessage(msg));
  }

  get connected(): boolean {
    return this.live;
  }

  get protocolVersion(): ProtocolVersion | null {
    return this.live ? this.proto : null;
  }

  /** The broker URL (embedded broker on port 0: known after it listens). */
  get url(): string {
    return this.options.url;
  }

  setUrl(url: string): void {
    this.options.url = url;
  }

  get buffered(): number {
    return this.options.outbox.size;
  }

  get dropped(): number {
    return this.options.outbox.dropped;
  }

  topic(subtopic: string): string {
    return subtopic.startsWith('/') ? subtopic.slice(1) : `${this.baseTopic}/${subtopic}`;
  }

  // ---- connection -------------------------------------------------------

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connectOnce();
  }

  /** Resolves when connected or after timeoutMs (false). */
  waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.live) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve(this.live);
      };
      const t = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  private clientOptions(proto: ProtocolVersion): IClientOptions {
    const o = this.options;
    const opts: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: proto,
      clean: true,
      keepalive: o.keepaliveS,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      queueQoSZero: false,
      resubscribe: false,
      will: { topic: this.availabilityTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    };
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    if (o.tls !== undefined) {
      if (o.tls.ca !== undefined) opts.ca = o.tls.ca;
      if (o.tls.cert !== undefined) opts.cert = o.tls.cert;
      if (o.tls.key !== undefined) opts.key = o.tls.key;
      opts.rejectUnauthorized = o.tls.rejectUnauthorized;
    }
    return opts;
  }

  private connectOnce(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    const proto = this.proto;
    let gotConnack = false;
    let fallback = false;
    let client: MqttClient;
    try {
      client = mqtt.connect(this.options.url, this.clientOptions(proto));
    } catch (err) {
      this.lastError = errorMessage(err);
      this.log.error({ err: this.lastError, url: this.options.url }, 'MQTT client could not be created');
      this.scheduleReconnect(false);
      return;
    }
    this.client = client;
    client.on('connect', () => {
      if (gen !== this.generation) return;
      gotConnack = true;
      void this.onConnected(client, gen);
    });
    client.on('message', (topic, payload, packet) => {
      if (gen !== this.generation) return;
      this.dispatch(topic, payload, packet, proto);
    });
    client.on('error', (err) => {
      if (gen !== this.generation) return;
      const code = (err as Error & { code?: unknown }).code;
      this.lastError = errorMessage(err);
      if (!gotConnack && proto === 5 && this.options.allowFallback && (code === 1 || code === 132)) {
        fallback = true;
        this.log.warn({ url: this.options.url }, 'broker refused MQTT v5; falling back to 3.1.1 (no response topics: requesters use reply_to)');
      } else {
        this.log.warn({ err: this.lastError, code, url: this.options.url }, 'MQTT connection error');
      }
    });
    client.on('close', () => {
      if (gen !== this.generation) return;
      client.removeAllListeners('close');
      client.on('error', () => undefined);
      client.end(true);
      const wasLive = this.live;
      this.live = false;
      this.client = null;
      if (wasLive) {
        this.disconnectedSince = this.options.clock.now();
        this.options.hooks?.connected?.(false);
        this.log.warn({ buffered: this.buffered }, 'MQTT connection lost; events are buffered on disk until it is back');
      }
      if (fallback) this.proto = 4;
      this.scheduleReconnect(fallback);
    });
  }

  private scheduleReconnect(immediately: boolean): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    const jitter = 0.8 + Math.random() * 0.4;
    const delay = immediately ? 0 : Math.round(this.backoffMs * jitter);
    if (!immediately) this.backoffMs = Math.min(this.options.reconnect.maxMs, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connectOnce();
    }, delay);
  }

  private async onConnected(client: MqttClient, gen: number): Promise<void> {
    this.backoffMs = this.options.reconnect.minMs;
    // Replies and events are small: send them now rather than waiting for Nagle to batch them.
    (client.stream as { setNoDelay?: (on: boolean) => unknown } | undefined)?.setNoDelay?.(true);
    this.connects++;
    const filters = [...this.subs.keys()];
    try {
      if (filters.length > 0) await client.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: 1 as QoS }])));
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'MQTT subscribe failed');
    }
    if (gen !== this.generation || this.stopped) return;
    this.live = true;
    this.connectedSince = this.options.clock.now();
    this.disconnectedSince = null;
    this.lastError = null;
    this.options.hooks?.connected?.(true);
    this.log.info({ url: this.options.url, protocol: this.proto === 5 ? 'MQTT 5' : 'MQTT 3.1.1', buffered: this.buffered }, 'MQTT connected');
    client.publish(this.availabilityTopic, 'online', { qos: 1, retain: true });
    for (const [topic, r] of this.retained) client.publish(topic, r.payload, { qos: r.qos, retain: true });
    this.inflight.clear();
    this.lastSentId = 0;
    this.pump();
    for (const set of this.connectHooks.values()) {
      for (const fn of set) {
        try {
          fn();
        } catch (err) {
          this.log.error({ err: errorMessage(err) }, 'MQTT connect hook threw');
        }
      }
    }
    for (const w of [...this.waiters]) w();
  }

  /** Publishes `offline`, lets in-flight events finish (bounded), disconnects. */
  async stop(timeoutMs = 2_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    if (client !== null && this.live) {
      const deadline = Date.now() + timeoutMs;
      while (this.inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await Promise.race([
        client.publishAsync(this.availabilityTopic, 'offline', { qos: 1, retain: true }).catch(() => undefined),
        new Promise((r) => setTimeout(r, Math.max(100, deadline - Date.now()))),
      ]);
    }
    this.generation++;
    this.live = false;
    this.client = null;
    if (client !== null) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await Promise.race([client.endAsync(false).catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
      client.end(true);
    }
    for (const w of [...this.waiters]) w();
  }

  /** Drops the connection as a crash would (tests): no offline message, the broker sends the LWT. */
  destroyConnection(): void {
    const s = (this.client as unknown as { stream?: { destroy(): void } } | null)?.stream;
    s?.destroy();
  }

  // ---- publishing -------------------------------------------------------

  publish(subtopic: string, payload: string | Buffer | object, options: PublishOptions = {}): Promise<void> {
    const topic = this.topic(subtopic);
    if (!isPublishTopic(topic)) {
      return Promise.reject(new HomeSightError('E_MQTT_TOPIC', `not a topic one can publish to: "${topic.slice(0, 120)}"`, { hint: 'no wildcards (+, #) and no leading $' }));
    }
    const buf = toBuffer(payload);
    const qos = options.qos ?? 0;
    const retain = options.retain ?? false;
    if (retain) {
      if (options.retainCache !== false) this.retained.set(topic, { payload: buf, qos });
      return this.send(topic, buf, qos, true, options.properties);
    }
    if (qos > 0 && options.buffer !== false) {
      const id = this.options.outbox.push(topic, buf, qos, false, options.properties, this.options.clock.now(), [...this.inflight]);
      this.options.hooks?.published?.(id === null ? 'dropped' : 'buffered');
      this.pump();
      return Promise.resolve();
    }
    return this.send(topic, buf, qos, false, options.properties);
  }

  /** Sends now if connected (resolves on ack for QoS ≥ 1), else drops; never rejects. */
  private send(topic: string, payload: Buffer, qos: QoS, retain: boolean, properties: PublishProperties | undefined): Promise<void> {
    const client = this.client;
    if (!this.live || client === null) {
      if (!retain) this.options.hooks?.published?.('dropped');
      return Promise.resolve();
    }
    const opts: IClientPublishOptions = { qos, retain };
    if (this.proto === 5) {
      const p = v5Props(properties);
      if (p !== undefined) opts.properties = p;
    }
    return new Promise((resolve) => {
      client.publish(topic, payload, opts, (err) => {
        if (err !== undefined && err !== null) this.log.debug({ topic, err: errorMessage(err) }, 'publish not acknowledged');
        else this.options.hooks?.published?.('sent');
        resolve();
      });
    });
  }

  private pump(): void {
    if (!this.live || this.pumping || this.client === null) return;
    this.pumping = true;
    try {
      while (this.live && this.inflight.size < INFLIGHT_WINDOW) {
        const rows = this.options.outbox.after(this.lastSentId, INFLIGHT_WINDOW - this.inflight.size);
        if (rows.length === 0) break;
        for (const row of rows) {
          this.lastSentId = row.id;
          this.sendRow(row);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private sendRow(row: OutboxRow): void {
    const client = this.client;
    if (client === null) return;
    const gen = this.generation;
    this.inflight.add(row.id);
    const opts: IClientPublishOptions = { qos: row.qos, retain: row.retain };
    if (this.proto === 5) {
      const p = v5Props(row.properties);
      if (p !== undefined) opts.properties = p;
    }
    client.publish(row.topic, row.payload, opts, (err) => {
      if (gen !== this.generation) return;
      this.inflight.delete(row.id);
      if (err === undefined || err === null) {
        this.options.outbox.ack(row.id);
        this.options.hooks?.published?.('sent');
      }
      // Errors mean the connection went away: the row stays and is resent on the next one.
      this.pump();
    });
  }

  // ---- subscriptions ----------------------------------------------------

  subscribe(subtopic: string, owner: object, handler: MessageHandler): () => void {
    const filter = this.topic(subtopic);
    if (!isTopicFilter(filter)) throw new HomeSightError('E_MQTT_TOPIC', `not a valid topic filter: "${filter}"`);
    let sub = this.subs.get(filter);
    const isNew = sub === undefined;
    if (sub === undefined) {
      sub = { filter, handlers: new Map() };
      this.subs.set(filter, sub);
    }
    let set = sub.handlers.get(owner);
    if (set === undefined) {
      set = new Set();
      sub.handlers.set(owner, set);
    }
    set.add(handler);
    if (isNew && this.live && this.client !== null) {
      this.client.subscribe(filter, { qos: 1 }, (err) => {
        if (err) this.log.error({ filter, err: errorMessage(err) }, 'MQTT subscribe failed');
      });
    }
    return () => this.removeHandler(filter, owner, handler);
  }

  private removeHandler(filter: string, owner: object, handler: MessageHandler): void {
    const sub = this.subs.get(filter);
    const set = sub?.handlers.get(owner);
    if (sub === undefined || set === undefined) return;
    set.delete(handler);
    if (set.size === 0) sub.handlers.delete(owner);
    if (sub.handlers.size === 0) {
      this.subs.delete(filter);
      if (this.live && this.client !== null) this.client.unsubscribe(filter);
    }
  }

  unsubscribeAll(owner: object): void {
    for (const sub of [...this.subs.values()]) {
      const set = sub.handlers.get(owner);
      if (set === undefined) continue;
      for (const h of [...set]) this.removeHandler(sub.filter, owner, h);
    }
    this.connectHooks.delete(owner);
  }

  /** Calls fn whenever a command is registered or removed. */
  watchCommands(owner: object, fn: () => void): void {
    this.commandWatchers.set(owner, fn);
  }

  unwatchCommands(owner: object): void {
    this.commandWatchers.delete(owner);
  }

  private commandsChanged(): void {
    for (const fn of this.commandWatchers.values()) {
      try {
        fn();
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, 'command watcher threw');
      }
    }
  }

  /** Re-sends every cached retained message (Home Assistant came back online). */
  republishRetained(): void {
    const client = this.client;
    if (!this.live || client === null) return;
    client.publish(this.availabilityTopic, 'online', { qos: 1, retain: true });
    for (const [topic, r] of this.retained) client.publish(topic, r.payload, { qos: r.qos, retain: true });
  }

  onConnect(owner: object, fn: () => void): void {
    let set = this.connectHooks.get(owner);
    if (set === undefined) {
      set = new Set();
      this.connectHooks.set(owner, set);
    }
    set.add(fn);
  }

  private dispatch(topic: string, payload: Buffer, packet: IPublishPacket, proto: ProtocolVersion): void {
    const msg: MqttMessage = { topic, payload, retain: packet.retain, protocolVersion: proto };
    const props = packet.properties;
    if (props?.responseTopic !== undefined) msg.responseTopic = props.responseTopic;
    if (props?.correlationData !== undefined) msg.correlationData = props.correlationData;
    for (const sub of this.subs.values()) {
      if (!topicMatches(sub.filter, topic)) continue;
      for (const set of sub.handlers.values()) {
        for (const h of set) {
          try {
            const r = h(msg);
            if (r instanceof Promise) r.catch((err: unknown) => this.log.error({ topic, err: errorMessage(err) }, 'MQTT message handler failed'));
          } catch (err) {
            this.log.error({ topic, err: errorMessage(err) }, 'MQTT message handler threw');
          }
        }
      }
    }
  }

  // ---- requests and commands -------------------------------------------

  registerCommand<S extends z.ZodType>(name: string, schema: S, handler: RequestHandler<S>, options: CommandOptions = {}): () => void {
    if (!COMMAND_NAME.test(name)) {
      throw new HomeSightError('E_MQTT_COMMAND_NAME', `invalid command name "${name}"`, { hint: 'lower-case letters, digits and _, starting with a letter' });
    }
    const key = `command/${name}`;
    if (this.routes.has(key)) throw new HomeSightError('E_MQTT_COMMAND_DUPLICATE', `command "${name}" is registered twice`, { context: { command: name } });
    const route: RequestRoute = { name, topic: key, schema, handler: handler as RequestHandler<z.ZodType>, options, isCommand: true, active: 0 };
    this.routes.set(key, route);
    this.commandsChanged();
    return () => {
      if (this.routes.get(key) === route) {
        this.routes.delete(key);
        this.commandsChanged();
      }
    };
  }

  handleRequests<S extends z.ZodType>(subtopic: string, schema: S, handler: RequestHandler<S>, options: RequestOptions = {}): () => void {
    if (this.routes.has(subtopic)) throw new HomeSightError('E_MQTT_COMMAND_DUPLICATE', `requests on "${subtopic}" are handled twice`);
    if (subtopic.startsWith('command/')) throw new HomeSightError('E_MQTT_TOPIC', 'use registerCommand for command/… topics');
    const route: RequestRoute = { name: subtopic, topic: subtopic, schema, handler: handler as RequestHandler<z.ZodType>, options, isCommand: false, active: 0 };
    this.routes.set(subtopic, route);
    const unsub = this.subscribe(subtopic, route, (msg) => this.runRequest(route, msg));
    return () => {
      unsub();
      if (this.routes.get(subtopic) === route) this.routes.delete(subtopic);
    };
  }

  commands(): CommandInfo[] {
    const out: CommandInfo[] = [];
    for (const r of this.routes.values()) {
      if (!r.isCommand) continue;
      let schema: unknown;
      try {
        schema = z.toJSONSchema(r.schema, { unrepresentable: 'any' });
      } catch {
        schema = {};
      }
      const info: CommandInfo = { name: r.name, topic: this.topic(r.topic), schema };
      if (r.options.description !== undefined) info.description = r.options.description;
      if (r.options.button !== undefined) info.button = r.options.button;
      out.push(info);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private onCommandMessage(msg: MqttMessage): void {
    const name = msg.topic.slice(this.baseTopic.length + '/command/'.length);
    const route = this.routes.get(`command/${name}`);
    if (route !== undefined) {
      void this.runRequest(route, msg);
      return;
    }
    const unknown: RequestRoute = {
      name,
      topic: `command/${name}`,
      schema: z.unknown(),
      handler: () => {
        throw new HomeSightError('E_UNKNOWN_COMMAND', `unknown command "${name.slice(0, 64)}"`, {
          hint: `known commands: ${[...this.routes.values()].filter((r) => r.isCommand).map((r) => r.name).join(', ') || 'none'}`,
        });
      },
      options: {},
      isCommand: true,
      active: 0,
    };
    void this.runRequest(unknown, msg, false);
  }

  /** Validates, runs the handler, sends progress and the final reply. Never throws. */
  private async runRequest(route: RequestRoute, msg: MqttMessage, publishResult = true): Promise<void> {
    let id: string = newId();
    let replyTo: string | undefined;
    const started = this.options.clock.monotonic();
    const log = this.log.child({ request: route.name });
    const send = async (status: ReplyEnvelope['status'], body: { data?: unknown; error?: ReplyEnvelope['error'] }, final: boolean): Promise<void> => {
      const env: ReplyEnvelope = { id, command: route.name, status, ...body, ts: new Date(this.options.clock.now()).toISOString() };
      const tasks: Promise<unknown>[] = [];
      if (msg.responseTopic !== undefined || replyTo !== undefined) tasks.push(this.replyTo(msg, replyTo, env));
      if (final && route.isCommand && publishResult) tasks.push(this.publish(`${route.topic}/result`, env, { qos: 1, buffer: false }));
      if (final && route.options.broadcastTopic !== undefined) {
        tasks.push(this.publish(route.options.broadcastTopic, { ...env, event_type: status === 'ok' ? 'answer' : 'error' }, { qos: 1 }));
      }
      await Promise.all(tasks);
    };
    try {
      if (msg.retain) {
        // A retained request would re-run on every reconnect.
        log.warn({ topic: msg.topic }, 'ignoring a retained request');
        return;
      }
      const req = decodeRequest(msg.payload, route.options.maxBytes ?? this.options.maxRequestBytes);
      if (req.id !== undefined) id = req.id;
      else if (msg.correlationData !== undefined && msg.correlationData.length <= 64) id = msg.correlationData.toString('hex');
      if (req.replyTo !== undefined) {
        checkReplyTopic(req.replyTo, this.baseTopic, this.options.discoveryPrefix);
        replyTo = req.replyTo;
      }
      if (msg.responseTopic !== undefined) checkReplyTopic(msg.responseTopic, this.baseTopic, this.options.discoveryPrefix);
      const parsed = route.schema.safeParse(req.args);
      if (!parsed.success) throw zodToError(parsed.error);
      const limit = route.options.concurrency ?? 4;
      if (route.active >= limit) {
        throw new HomeSightError('E_BUSY', `"${route.name}" is already handling ${route.active} requests`, { hint: 'retry when the running ones have answered' });
      }
      route.active++;
      let result: unknown;
      try {
        const ctx: RequestContext = {
          id,
          name: route.name,
          protocolVersion: msg.protocolVersion,
          log,
          signal: this.abort.signal,
          progress: (data) => send('progress', { data }, false),
        };
        result = await route.handler(parsed.data, ctx);
      } finally {
        route.active--;
      }
      this.options.hooks?.request?.(route.name, 'ok');
      log.info({ id, ms: Math.round(this.options.clock.monotonic() - started) }, 'request handled');
      await send('ok', result === undefined ? {} : { data: result }, true);
    } catch (err) {
      const body = errorBody(err);
      this.options.hooks?.request?.(route.name, 'error');
      log.warn({ id, err: body }, 'request refused or failed');
      try {
        await send('error', { error: body }, true);
      } catch (sendErr) {
        log.error({ err: errorMessage(sendErr) }, 'could not send the error reply');
      }
    }
  }

  private replyTo(msg: MqttMessage, replyTo: string | undefined, payload: unknown): Promise<void> {
    if (msg.responseTopic !== undefined && this.proto === 5) {
      const properties: PublishProperties = {};
      if (msg.correlationData !== undefined) properties.correlationData = msg.correlationData;
      return this.publish(`/${msg.responseTopic}`, payload as object, { qos: 1, buffer: false, properties });
    }
    if (replyTo !== undefined) return this.publish(`/${replyTo}`, payload as object, { qos: 1, buffer: false });
    return Promise.resolve();
  }

  async reply(msg: MqttMessage, payload: unknown): Promise<boolean> {
    let replyTo: string | undefined;
    if (msg.responseTopic === undefined) {
      try {
        replyTo = decodeRequest(msg.payload, this.options.maxRequestBytes).replyTo;
        if (replyTo !== undefined) checkReplyTopic(replyTo, this.baseTopic, this.options.discoveryPrefix);
      } catch {
        return false;
      }
      if (replyTo === undefined) return false;
    } else {
      try {
        checkReplyTopic(msg.responseTopic, this.baseTopic, this.options.discoveryPrefix);
      } catch {
        return false;
      }
    }
    await this.replyTo(msg, replyTo, payload);
    return true;
  }
}
