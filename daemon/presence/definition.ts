import { defineModule } from '../context.js';
import type { PresenceModule } from './module.js';

/**
 * The presence module's definition for the composition root (daemon/modules.ts); module.ts loads only when it is
 * enabled. Presence per person, per room and unknown people per camera from the vision events, restored from the
 * stored events at start, published on the MQTT bridge (which it uses when there is one) with Home Assistant entities.
 */
export const presenceModule = defineModule({
  name: 'presence',
  dependencies: { memory: 'start-after', mqtt: 'use' },
  sections: ['presence'],
  enabled: (config) => config.presence.enabled,
  create: async (ctx): Promise<PresenceModule> => (await import('./module.js')).createPresenceModule(ctx),
});
