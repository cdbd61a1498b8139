import { MqttCore, type Outbox } from '../../daemon/mqtt/index.js';
import { silentLogger, systemClock } from '../../daemon/system/index.js';

/**
 * The daemon's MQTT core as the benches run it against their mosquitto: MQTT 5 only (no fallback), the daemon's
 * default keepalive, reconnect, request size and discovery prefix, silent, on the wall clock. Not started.
 */
export function benchMqttCore(o: { url: string; baseTopic: string; clientId: string; outbox: Outbox }): MqttCore {
  return new MqttCore({
    ...o,
    protocolVersion: 5,
    allowFallback: false,
    keepaliveS: 30,
    reconnect: { minMs: 100, maxMs: 1000 },
    maxRequestBytes: 65536,
    discoveryPrefix: 'homeassistant',
    log: silentLogger(),
    clock: systemClock,
  });
}
