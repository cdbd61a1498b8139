import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Outbox } from '../../daemon/mqtt/index.js';
import { benchMqttCore } from '../support/mqtt.js';
import { startMosquitto } from '../support/processes.js';
import { pct } from '../support/stats.js';
import type { Bench, BenchContext, BenchResult } from '../types.js';

/**
 * MQTT benchmark against a real mosquitto: QoS 1 event throughput through the
 * core (each event written to the SQLite outbox first, deleted on PUBACK)
 * against bare mqtt.js publishing the same payloads; how fast a backlog built
 * while the broker was away drains; and command round trips (MQTT 5 response
 * topic) through the validated request path against a bare echo subscriber.
 */

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function payload(i: number): object {
  return {
    id: `evt-${i}`,
    ts: new Date().toISOString(),
    type: 'person',
    change: 'new',
    camera: 'kitchen',
    event: { kind: 'person', identity: 'Alice', activity: 'cooking', confidence: 0.8, box: [0.1, 0.2, 0.3, 0.4], zones: ['stove'] },
  };
}

/** Nagle off, as the core does: a fair comparison of request latency. */
function noDelay(c: MqttClient): MqttClient {
  (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  return c;
}

async function counter(url: string, topic: string): Promise<{ client: MqttClient; count: () => number; reset: () => void }> {
  const client = noDelay(await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }));
  let n = 0;
  client.on('message', () => n++);
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, count: () => n, reset: () => (n = 0) };
}

async function until(pred: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setImmediate(r));
  }
}

export const mqttBench: Bench = {
  name: 'mqtt-publish',
  description: 'QoS 1 events through the MQTT core (disk outbox) vs bare mqtt.js; backlog drain; command round trips',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const N = ctx.quick ? 2000 : 20000;
    const ROUNDS = ctx.quick ? 100 : 500;
    const { port, proc } = await startMosquitto(ctx.workDir, ['max_inflight_messages 0', 'max_queued_messages 0', 'set_tcp_nodelay true']);
    const url = `mqtt://127.0.0.1:${port}`;
    try {
      const sub = await counter(url, 'bench/+/events');

      // Bare mqtt.js: N QoS 1 publishes, all acknowledged and received.
      const bare = noDelay(await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }));
      ctx.progress('bare mqtt.js', 0.1);
      let t = performance.now();
      await Promise.all(
        Array.from({ length: N }, (_, i) => bare.publishAsync('bench/bare/events', JSON.stringify(payload(i)), { qos: 1 })),
      );
      await until(() => sub.count() >= N);
      const bareMs = performance.now() - t;
      await bare.endAsync();

      // Ours: the same through MqttCore.publish (outbox insert, pump, delete on PUBACK).
      sub.reset();
      const outbox = new Outbox(join(ctx.workDir, 'mqtt.db'), N * 2);
      const core = benchMqttCore({ url, baseTopic: 'bench/dev', clientId: 'bench-core', outbox });
      core.start();
      await core.waitConnected(5000);
      ctx.progress('MqttCore', 0.35);
      t = performance.now();
      for (let i = 0; i < N; i++) void core.publish('events', payload(i), { qos: 1 });
      const enqueueMs = performance.now() - t;
      await until(() => sub.count() >= N && core.buffered === 0);
      const oursMs = performance.now() - t;

      // Backlog: N events buffered while disconnected, then drained on connect.
      ctx.progress('backlog drain', 0.6);
      await core.stop();
      sub.reset();
      const offline = benchMqttCore({
        url,
        baseTopic: 'bench/dev',
        clientId: 'bench-core',
        outbox: new Outbox(join(ctx.workDir, 'backlog.db'), N * 2),
      });
      for (let i = 0; i < N; i++) void offline.publish('events', payload(i), { qos: 1 });
      t = performance.now();
      offline.start();
      await until(() => sub.count() >= N && offline.buffered === 0);
      const drainMs = performance.now() - t;

      // Command round trips: v5 response topic, through the validated request path vs a bare echo.
      ctx.progress('command round trips', 0.8);
      // A command of the API map with a trivial handler: the round trip measures the request path itself.
      offline.serve('command/rollback', () => ({ to: 'bench' }));
      const echo = noDelay(await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }));
      await echo.subscribeAsync('bench/echo', { qos: 1 });
      echo.on('message', (_topic, msg, packet) => {
        const rt = packet.properties?.responseTopic;
        if (rt !== undefined)
          echo.publish(rt, msg, { qos: 1, properties: { correlationData: packet.properties?.correlationData ?? Buffer.alloc(0) } });
      });
      const client = noDelay(await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }));
      await client.subscribeAsync('bench/resp/#', { qos: 1 });
      const waiting = new Map<string, () => void>();
      client.on('message', (_topic, _msg, packet) => waiting.get(packet.properties?.correlationData?.toString() ?? '')?.());
      const roundTrip = async (topic: string, i: number, resp: string): Promise<number> => {
        const corr = `${resp}-${i}`;
        const done = new Promise<void>((r) => waiting.set(corr, r));
        const a = performance.now();
        client.publish(topic, JSON.stringify({ id: `ping-${i}` }), {
          qos: 1,
          properties: { responseTopic: `bench/resp/${resp}`, correlationData: Buffer.from(corr) },
        });
        await done;
        waiting.delete(corr);
        return performance.now() - a;
      };
      const ours: number[] = [];
      const bareRt: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        ours.push(await roundTrip('bench/dev/command/rollback', i, 'ours'));
        bareRt.push(await roundTrip('bench/echo', i, 'bare'));
      }
      await Promise.all([client.endAsync(), echo.endAsync(), sub.client.endAsync()]);
      await offline.stop();
      outbox.close();

      const metrics = {
        events: N,
        bare_events_per_s: Math.round(N / (bareMs / 1000)),
        core_events_per_s: Math.round(N / (oursMs / 1000)),
        core_enqueue_us_per_event: r3((enqueueMs * 1000) / N),
        backlog_drain_events_per_s: Math.round(N / (drainMs / 1000)),
        command_rtt_p50_ms: r3(pct(ours, 50)),
        command_rtt_p95_ms: r3(pct(ours, 95)),
        bare_echo_rtt_p50_ms: r3(pct(bareRt, 50)),
        bare_echo_rtt_p95_ms: r3(pct(bareRt, 95)),
      };
      return {
        metrics,
        ratios: {
          publish_time_vs_bare: r3(oursMs / bareMs),
          command_rtt_p50_vs_bare_echo: r3(pct(ours, 50) / pct(bareRt, 50)),
        },
        notes: [
          'broker: mosquitto (Debian) on loopback, one process per run; consumer: mqtt.js subscribed at QoS 1',
          'ours writes every event to the SQLite outbox (WAL, synchronous=NORMAL) ' +
            'before sending and deletes it on PUBACK; bare mqtt.js keeps in-flight messages in memory only',
          'command round trip includes JSON parsing, zod validation, reply-topic checks and a second publish to …/result',
        ],
      };
    } finally {
      proc.kill('SIGTERM');
    }
  },
};
