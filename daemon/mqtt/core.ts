import mqtt, { type IClientOptions, type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { type Clock, errorMessage, HomeSightError, type Logger } from '../system/index.js';
import type { RouteTopic } from './api.js';
import type { HaEntityDeclaration } from './ha.js';
import type { Outbox, OutboxRow } from './outbox.js';
import { RequestRouter } from './router.js';
import { isPublishTopic, isTopicFilter, topicMatches } from './topics.js';
import type {
  CommandInfo,
  DeclaredEntities,
  MessageHandler,
  MqttBridge,
  MqttMessage,
  ProtocolVersion,
  PublishOptions,
  PublishProperties,
  QoS,
  RouteHandler,
  ServeOptions,
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

const INFLIGHT_WINDOW = 64;

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
 * connect, owner-keyed subscriptions renewed on reconnect, and the request
 * router (router.ts) behind every request topic.
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
  private readonly router: RequestRouter;
  private readonly connectHooks = new Map<object, Set<() => void>>();
  private readonly commandWatchers = new Map<object, () => void>();
  private readonly entitySources = new Map<object, () => readonly HaEntityDeclaration[]>();
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
    this.router = new RequestRouter({
      transport: this,
      maxRequestBytes: options.maxRequestBytes,
      discoveryPrefix: options.discoveryPrefix,
      clock: options.clock,
      log: options.log,
      stopSignal: this.abort.signal,
      onRequest: (name, status) => options.hooks?.request?.(name, status),
      onRoutesChanged: () => this.commandsChanged(),
    });
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
        this.log.warn(
          { url: this.options.url },
          'broker refused MQTT v5; falling back to 3.1.1 (no response topics: requesters use reply_to)',
        );
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
    this.log.info(
      { url: this.options.url, protocol: this.proto === 5 ? 'MQTT 5' : 'MQTT 3.1.1', buffered: this.buffered },
      'MQTT connected',
    );
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
      return Promise.reject(
        new HomeSightError('E_MQTT_TOPIC', `not a topic one can publish to: "${topic.slice(0, 120)}"`, {
          hint: 'no wildcards (+, #) and no leading $',
        }),
      );
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

  /** Calls fn whenever a command is registered or removed, or declared entities change (what discovery announces). */
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
            if (r instanceof Promise)
              r.catch((err: unknown) => this.log.error({ topic, err: errorMessage(err) }, 'MQTT message handler failed'));
          } catch (err) {
            this.log.error({ topic, err: errorMessage(err) }, 'MQTT message handler threw');
          }
        }
      }
    }
  }

  // ---- requests ---------------------------------------------------------

  serve<T extends RouteTopic>(topic: T, handler: RouteHandler<T>, options?: ServeOptions): () => void {
    return this.router.serve(topic, handler, options);
  }

  commands(): CommandInfo[] {
    return this.router.commands();
  }

  // ---- declared Home Assistant entities ---------------------------------

  declareEntities(owner: object, entities: () => readonly HaEntityDeclaration[]): DeclaredEntities {
    this.entitySources.set(owner, entities);
    this.commandsChanged();
    return {
      changed: () => {
        if (this.entitySources.get(owner) === entities) this.commandsChanged();
      },
      withdraw: () => {
        if (this.entitySources.get(owner) !== entities) return;
        this.entitySources.delete(owner);
        this.commandsChanged();
      },
    };
  }

  /** Every module's declared entities, now (discovery builds its payloads from them). */
  declaredEntities(): HaEntityDeclaration[] {
    return [...this.entitySources.values()].flatMap((source) => source());
  }
}
