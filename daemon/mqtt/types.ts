import type { z } from 'zod';
import type { Logger } from '../system/index.js';

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

/** What a command or request handler gets besides its validated arguments. */
export interface RequestContext {
  /** The request id (the payload's `id`, or a generated one); echoed in every reply. */
  readonly id: string;
  readonly name: string;
  readonly protocolVersion: ProtocolVersion;
  readonly log: Logger;
  /** Aborted when the daemon stops. */
  readonly signal: AbortSignal;
  /** Sends an intermediate `{status: 'progress', data}` message to the requester. */
  progress(data: unknown): Promise<void>;
}

export type RequestHandler<S extends z.ZodType> = (args: z.infer<S>, ctx: RequestContext) => unknown;

/** A Home Assistant button for a command (discovery publishes it). */
export interface CommandButton {
  /** Entity name shown in Home Assistant. */
  name: string;
  /** One button per configured camera with payload `{"camera": "<name>"}`. */
  perCamera?: boolean;
  /** JSON payload sent when pressed (not with perCamera). Default `{}`. */
  payload?: Record<string, unknown>;
  icon?: string;
  deviceClass?: 'restart' | 'update' | 'identify';
}

export interface CommandOptions {
  /** One line for people; shown in the `info` topic. */
  description?: string;
  /** Payload size cap for this command (default mqtt.max_request_bytes). */
  maxBytes?: number;
  /** Requests handled at once; more are answered with E_BUSY (default 4). */
  concurrency?: number;
  button?: CommandButton;
}

export interface RequestOptions extends CommandOptions {
  /**
   * Also publish final replies here (QoS 1, buffered), with `event_type`
   * `answer` or `error` so a Home Assistant event entity can show them.
   */
  broadcastTopic?: string;
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
   * Registers a command on `<base>/command/<name>`: payloads are size-capped,
   * JSON-parsed and validated with `schema`; the handler's result (or error)
   * goes to the v5 response topic or the payload's `reply_to`, and to
   * `<base>/command/<name>/result`.
   */
  registerCommand<S extends z.ZodType>(name: string, schema: S, handler: RequestHandler<S>, options?: CommandOptions): () => void;
  /** The same request/response machinery on any subtopic (e.g. `agent/ask`). */
  handleRequests<S extends z.ZodType>(subtopic: string, schema: S, handler: RequestHandler<S>, options?: RequestOptions): () => void;
  /** Replies to a message: v5 response topic + correlation data, or the payload's `reply_to`. Returns false when it has neither. */
  reply(msg: MqttMessage, payload: unknown): Promise<boolean>;
  /** Called on every (re)connect, after subscriptions are renewed. */
  onConnect(owner: object, fn: () => void): void;
  /** Names of registered commands. */
  commands(): CommandInfo[];
}

export interface CommandInfo {
  name: string;
  topic: string;
  description?: string;
  button?: CommandButton;
  /** JSON Schema of the arguments, derived from the zod schema. */
  schema: unknown;
}
