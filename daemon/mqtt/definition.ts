import { defineModule } from '../context.js';
import type { MqttModule } from './module.js';

/**
 * The mqtt module's definition for the composition root (daemon/modules.ts); module.ts loads only when it
 * is enabled. The MQTT core, embedded broker and Home Assistant discovery; other modules serve their requests on its bridge.
 */
export const mqttModule = defineModule({
  name: 'mqtt',
  dependencies: { memory: 'start-after', ingest: 'use' },
  sections: ['mqtt'],
  enabled: (config) => config.mqtt.enabled,
  create: async (ctx): Promise<MqttModule> => (await import('./module.js')).createMqttModule(ctx),
});
