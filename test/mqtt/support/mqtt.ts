import { createServer } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function waitFor(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  correlationData?: Buffer;
  text(): string;
  json<T = Record<string, unknown>>(): T;
  /** The `error` of a reply envelope. */
  error(): { code: string; message: string; hint?: string };
}

/** A plain MQTT client (the "consumer" side of a test) that records everything it receives. */
export class Consumer {
  readonly messages: Received[] = [];
  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const r: Received = {
        topic,
        payload,
        retain: packet.retain,
        text: () => payload.toString('utf8'),
        json: <T>() => JSON.parse(payload.toString('utf8')) as T,
        error: () => (JSON.parse(payload.toString('utf8')) as { error: { code: string; message: string; hint?: string } }).error,
      };
      if (packet.properties?.correlationData !== undefined) r.correlationData = packet.properties.correlationData;
      this.messages.push(r);
    });
  }

  static async connect(url: string, opts: IClientOptions = {}): Promise<Consumer> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    return new Consumer(client);
  }

  async subscribe(filter: string | string[]): Promise<void> {
    await this.client.subscribeAsync(filter, { qos: 1 });
  }

  on(topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  last(topic: string): Received | undefined {
    const all = this.on(topic);
    return all[all.length - 1];
  }

  async waitTopic(topic: string, pred: (m: Received) => boolean = () => true, timeoutMs = 10_000): Promise<Received> {
    let found: Received | undefined;
    await waitFor(
      () => (found = this.messages.find((m) => m.topic === topic && pred(m))) !== undefined,
      timeoutMs,
      `a message on ${topic}`,
    );
    return found!;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
