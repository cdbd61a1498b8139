import type { CommandButton, RouteRequest, RouteResponse, RouteTopic } from './api.js';

export type { CommandButton } from './api.js';

import type { Logger } from '../system/index.js';
import type { HaEntityDeclaration } from './ha.js';

export type QoS = 0 | 1 | 2;
export type ProtocolVersion = 4 | 5;

/** A message delivered to a subscriber. */
export interface MqttMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** MQTT v5 request/response: where the requester wants the answer. */
  responseTopic?: string;
  /** MQTT v5 request/response: echoed back with the answer. */
  correlationData?: Buffer;
  /** The protocol of the connection the message came in on. */
  protocolVersion: ProtocolVersion;
}

/** MQTT v5 publish properties HomeSight uses (dropped on a 3.1.1 connection). */
export interface PublishProperties {
  responseTopic?: string;
  correlationData?: Buffer;
  contentType?: string;
  messageExpiryInterval?: number;
  userProperties?: Record<string, string>;
}

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  properties?: PublishProperties;
  /**
   * QoS ≥ 1, non-retained messages are written to the on-disk outbox first and
   * resent until the broker acknowledges them (default true). Set false for
   * replies and other messages that are worthless later.
   */
  buffer?: boolean;
  /**
   * Retained messages are kept and re-sent on every reconnect (the broker may
   * have lost them); false for publishers that re-announce themselves.
   * Default true.
   */
  retainCache?: boolean;
}

export type MessageHandler = (msg: MqttMessage) => void | Promise<void>;

/** What a route handler gets besides its validated arguments. */
export interface RequestContext {
  /** The request id (the payload's `id`, the v5 correlation data in hex, or a generated one); echoed in every reply. */
  readonly id: string;
  /** The route's topic, e.g. `agent/ask` or `command/reload`. */
  readonly name: string;
  readonly protocolVersion: ProtocolVersion;
  readonly log: Logger;
  /** Aborted when the requester cancels (agent/cancel with this id) or the daemon stops. */
  readonly signal: AbortSignal;
  /** Sends an intermediate `{status: 'progress', data}` message to the requester. */
  progress(data: unknown): Promise<void>;
}

/** Serves one route of the API map: gets the parsed request, returns the `data` of the `ok` reply (or throws HomeSightError). */
export type RouteHandler<T extends RouteTopic> = (
  args: RouteRequest<T>,
  ctx: RequestContext,
) => RouteResponse<T> | Promise<RouteResponse<T>>;

/** Limits the serving module sets from its own config (the API map's values are the defaults). */
export interface ServeOptions {
  /** Largest payload in bytes. */
  maxBytes?: number;
  /** Requests handled at once (by the group, when given). */
  concurrency?: number;
  /**
   * Requests per minute per client (the reply topic without a trailing random id), bursts up to the same number;
   * all clients together get 4×.
   */
  rate?: { perMinute: number };
  /** Routes served with the same group share the rate buckets and the concurrency count (agent/ask and agent/plan). */
  group?: string;
  /** What goes to the route's result topic instead of the whole reply data (e.g. a summary of an answer). */
  resultData?: (data: unknown, args: unknown) => unknown;
  /**
   * Each request's outcome on this route, refusals by the router included (E_RATE_LIMITED, E_BUSY, …): the serving module's health counts.
   */
  onOutcome?: (outcome: { status: 'ok' } | { status: 'error'; code: string }) => void;
}

/** Reply envelope on every request/command topic. */
export interface ReplyEnvelope {
  id: string;
  command: string;
  status: 'ok' | 'error' | 'progress';
  data?: unknown;
  error?: { code: string; message: string; hint?: string };
  ts: string;
}

/**
 * The one MQTT core every feature publishes through. Topics given to it are
 * relative to `baseTopic` (`<base_topic>/<device_id>`) unless they start with
 * `/`, which marks an absolute topic (`/homeassistant/status`).
 */
export interface MqttBridge {
  /** `<base_topic>/<device_id>`. */
  readonly baseTopic: string;
  readonly connected: boolean;
  /** The protocol of the current connection (null while disconnected). */
  readonly protocolVersion: ProtocolVersion | null;
  /** Absolute topic for a subtopic. */
  topic(subtopic: string): string;
  /**
   * Publishes (objects are JSON-encoded). Resolves once the message is
   * accepted: sent, written to the outbox, or kept as retained state.
   */
  publish(subtopic: string, payload: string | Buffer | object, options?: PublishOptions): Promise<void>;
  /** Subscribes a handler (wildcards allowed); the subscription is renewed on every reconnect. Returns an unsubscribe function. */
  subscribe(subtopic: string, owner: object, handler: MessageHandler): () => void;
  unsubscribeAll(owner: object): void;
  /**
   * Serves a request topic of the API map (daemon/mqtt/api.ts): the router subscribes it, size-caps, decodes and
   * validates payloads, rate-limits, answers to the v5 response topic or the payload's `reply_to`, and publishes
   * final replies on the route's result topic. Returns a function that stops serving it.
   */
  serve<T extends RouteTopic>(topic: T, handler: RouteHandler<T>, options?: ServeOptions): () => void;
  /** Called on every (re)connect, after subscriptions are renewed. */
  onConnect(owner: object, fn: () => void): void;
  /** The served commands (`command/…` routes). */
  commands(): CommandInfo[];
  /**
   * Adds a module's Home Assistant entities to the device's discovery. `entities` is read at every announcement
   * (connect, Home Assistant back online, any change); call `changed()` when its answer changes (a person enrolled)
   * and discovery re-announces, removing entities no longer declared. A second call from the same owner replaces
   * the first.
   */
  declareEntities(owner: object, entities: () => readonly HaEntityDeclaration[]): DeclaredEntities;
}

/** What declareEntities returns. */
export interface DeclaredEntities {
  /** The declared entities changed: re-announce discovery. */
  changed(): void;
  /** Takes them back: the next announcement removes them from Home Assistant. */
  withdraw(): void;
}

export interface CommandInfo {
  name: string;
  topic: string;
  description?: string;
  button?: CommandButton;
  /** JSON Schema of the arguments, derived from the zod schema. */
  schema: unknown;
}
