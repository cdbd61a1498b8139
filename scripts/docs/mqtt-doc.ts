/**
 * docs/mqtt-api.md: the MQTT topics the daemon publishes, from the topic
 * names daemon/mqtt exports (TOPICS). The payloads and the request topics are
 * described by hand in docs/mqtt.md until the typed topic → payload map
 * (daemon/mqtt/api.ts) exists to generate them from.
 */
import { TOPICS } from '../../daemon/mqtt/index.js';
import { generatedBanner, markdownTable } from './render.js';

const INTRO = `# MQTT API: topics

Every topic is under \`<base_topic>/<device_id>/\` (default \`homesight/homesight/\`, written \`<base>\` below). The
retained \`<base>/info\` topic lists the topics and every command with the JSON Schema of its arguments at run time.
Payloads, requests, commands, delivery, Home Assistant discovery and security: [mqtt.md](mqtt.md).`;

export function renderMqttApiDoc(): string {
  const rows = Object.entries(TOPICS).map(([name, topic]) => {
    const path = typeof topic === 'function' ? topic('<camera>') : topic;
    return [`\`${name}\``, `\`<base>/${path}\``];
  });
  return `${[generatedBanner('the topic names in daemon/mqtt'), INTRO, '', markdownTable(['name', 'topic'], rows)].join('\n')}\n`;
}
