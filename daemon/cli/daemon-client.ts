import type { AgentClient, Envelope } from '../agent/index.js';
import { readSecret, type HomeSightConfig } from '../config/index.js';
import { EXIT, errorMessage } from '../system/index.js';
import { loadCliConfig } from './common.js';

/**
 * How the commands that talk to the running daemon over MQTT (`ask`, `plan`, `watch …`, `mcp`) reach it: the
 * broker the config points at (or --url) and a request client on `<base_topic>/<device_id>`.
 */

/** Broker URL and credentials the daemon's config points at; `url` (--url) overrides the address. */
export function brokerOf(
  config: HomeSightConfig,
  url: unknown,
): { url: string; protocolVersion: 4 | 5; username?: string; password?: string } {
  const m = config.mqtt;
  const out: { url: string; protocolVersion: 4 | 5; username?: string; password?: string } =
    typeof url === 'string'
      ? { url, protocolVersion: m.protocol_version }
      : m.broker === 'embedded'
        ? { url: `mqtt://${m.embedded.host === '0.0.0.0' ? '127.0.0.1' : m.embedded.host}:${m.embedded.port}`, protocolVersion: 4 }
        : { url: m.url ?? 'mqtt://127.0.0.1:1883', protocolVersion: m.protocol_version };
  if (m.username !== undefined) out.username = m.username;
  if (m.password_file !== undefined) out.password = readSecret(m.password_file, 'mqtt.password_file');
  return out;
}

/**
 * The config (--config) and a client for the running daemon (--url, else the config's broker), not yet connected;
 * the exit code after printing why not (a bad config, an unreadable broker password). `prefix` starts the error line.
 */
export async function daemonClient(
  values: Record<string, string | boolean | string[] | undefined>,
  prefix = 'homesight',
): Promise<{ client: AgentClient; config: HomeSightConfig } | number> {
  const loaded = loadCliConfig(values.config);
  if (typeof loaded === 'number') return loaded;
  const config = loaded.config;
  let broker: ReturnType<typeof brokerOf>;
  try {
    broker = brokerOf(config, values.url);
  } catch (err) {
    process.stderr.write(`${prefix}: ${errorMessage(err)}\n`);
    return EXIT.CONFIG;
  }
  // Imported when used: the agent's code is not loaded for the commands that do not talk to the daemon.
  const { AgentClient } = await import('../agent/index.js');
  return { client: new AgentClient({ ...broker, deviceTopic: `${config.mqtt.base_topic}/${config.device_id}` }), config };
}

/** The line a daemon's error reply prints: `message (hint) [code]`. */
export function replyErrorLine(error: Envelope['error']): string {
  const e = error ?? { code: 'E_UNKNOWN', message: 'error' };
  return `${e.message}${e.hint !== undefined ? ` (${e.hint})` : ''} [${e.code}]`;
}
