import { randomBytes, randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { HomeSightError } from '../../system/index.js';

/**
 * A small MQTT client for agent/ask (the CLI, tests and benchmarks use it):
 * MQTT v5 request/response (response topic + correlation data), or 3.1.1
 * with a `reply_to` field when the broker speaks only 3.1.1 (the embedded
 * aedes broker).
 */

export interface AgentClientOptions {
  /** mqtt://host:port */
  url: string;
  /** `<base_topic>/<device_id>` */
  deviceTopic: string;
  /** 5 (default; falls back to 4 when the broker refuses) or 4. */
  protocolVersion?: 4 | 5;
  username?: string;
  password?: string;
  connectTimeoutMs?: number;
}

export interface Envelope {
  id: string;
  command: string;
  status: 'progress' | 'ok' | 'error';
  data?: unknown;
  error?: { code: string; message: string; hint?: string };
  ts: string;
}

export interface RequestOptions {
  timeoutMs?: number;
  onProgress?: (data: unknown) => void;
  signal?: AbortSignal;
}

function connect(o: AgentClientOptions, version: 4 | 5): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const opts: IClientOptions = {
      protocolVersion: version,
      clientId: `homesight-cli-${randomBytes(4).toString('hex')}`,
      connectTimeout: o.connectTimeoutMs ?? 5000,
      reconnectPeriod: 0,
      clean: true,
    };
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    const c = mqtt.connect(o.url, opts);
    const fail = (err: Error): void => {
      c.end(true);
      reject(err);
    };
    c.once('connect', () => {
      c.removeListener('error', fail);
      resolve(c);
    });
    c.once('error', fail);
    c.once('close', () => fail(new Error('connection closed')));
  });
}

export class AgentClient {
  private client: MqttClient | null = null;
  private version: 4 | 5 = 5;

  constructor(private readonly options: AgentClientOptions) {}

  get protocolVersion(): 4 | 5 {
    return this.version;
  }

  async connect(): Promise<void> {
    if (this.client !== null) return;
    const want = this.options.protocolVersion ?? 5;
    try {
      this.client = await connect(this.options, want);
      this.version = want;
    } catch (err) {
      if (want === 5) {
        try {
          this.client = await connect(this.options, 4);
          this.version = 4;
          return;
        } catch {
          // report the first error
        }
      }
      throw new HomeSightError(
        'E_MQTT_UNREACHABLE',
        `cannot connect to ${this.options.url}: ${err instanceof Error ? err.message : String(err)}`,
        {
          context: { url: this.options.url },
          hint: 'is the daemon running? check mqtt settings (or pass --url)',
        },
      );
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c !== null) await c.endAsync(true).catch(() => undefined);
  }

  /** Publishes raw bytes to `<device>/<subtopic>` and collects envelopes until a final one (ok/error). */
  async requestRaw(
    subtopic: string,
    payload: Buffer | string,
    opts: RequestOptions & { replyTo?: 'v5' | 'field' | 'none'; id?: string } = {},
  ): Promise<Envelope> {
    await this.connect();
    const c = this.client!;
    const mode = opts.replyTo ?? (this.version === 5 ? 'v5' : 'field');
    const replyTopic = `${this.options.deviceTopic}/reply/${randomUUID()}`;
    const correlation = randomBytes(8);
    const timeoutMs = opts.timeoutMs ?? 120_000;
    await c.subscribeAsync(replyTopic, { qos: 1 });
    try {
      return await new Promise<Envelope>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            done(
              new HomeSightError('E_TIMEOUT', `no answer within ${timeoutMs} ms`, {
                hint: 'the daemon may be busy or not serving agent/ask',
              }),
            ),
          timeoutMs,
        );
        const onAbort = (): void => done(new HomeSightError('E_CANCELLED', 'cancelled'));
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        const onMessage = (topic: string, buf: Buffer, packet: { properties?: { correlationData?: Buffer } }): void => {
          if (topic !== replyTopic) return;
          if (mode === 'v5' && packet.properties?.correlationData !== undefined && !packet.properties.correlationData.equals(correlation))
            return;
          let env: Envelope;
          try {
            env = JSON.parse(buf.toString('utf8')) as Envelope;
          } catch {
            return;
          }
          if (env.status === 'progress') {
            opts.onProgress?.(env.data);
            return;
          }
          done(null, env);
        };
        const done = (err: Error | null, env?: Envelope): void => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          c.removeListener('message', onMessage);
          if (err !== null) reject(err);
          else resolve(env!);
        };
        c.on('message', onMessage);
        const pub: Parameters<MqttClient['publish']>[2] = { qos: 1 };
        let body: Buffer | string = payload;
        if (mode === 'v5') pub.properties = { responseTopic: replyTopic, correlationData: correlation };
        else if (mode === 'field') {
          // Put reply_to into the JSON object (as a 3.1.1 client must).
          try {
            const obj = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) as Record<string, unknown>;
            body = JSON.stringify({ ...obj, reply_to: replyTopic });
          } catch {
            body = payload; // malformed on purpose (tests): no reply_to possible
          }
        }
        c.publish(`${this.options.deviceTopic}/${subtopic}`, body, pub, (err) => {
          if (err) done(err);
        });
      });
    } finally {
      await c.unsubscribeAsync(replyTopic).catch(() => undefined);
    }
  }

  /** Asks a question; resolves with the final envelope. */
  ask(
    question: string,
    fields: { conversation_id?: string; household?: string; options?: Record<string, unknown>; now?: string; id?: string } = {},
    opts: RequestOptions & { plan?: boolean } = {},
  ): Promise<Envelope> {
    const body = JSON.stringify({ id: fields.id ?? randomUUID(), question, ...fields });
    return this.requestRaw(opts.plan === true ? 'agent/plan' : 'agent/ask', body, opts);
  }
}
