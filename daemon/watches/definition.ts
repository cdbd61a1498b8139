import { defineModule } from '../context.js';
import type { WatchesModule } from './module.js';

/**
 * The watches module's definition for the composition root (daemon/modules.ts); module.ts loads only when it is
 * enabled. Standing watches stored in memory, evaluated on vision events, notified and served on the MQTT bridge
 * (which it uses when there is one); the agent creates them from standing orders.
 */
export const watchesModule = defineModule({
  name: 'watches',
  dependencies: { memory: 'start-after', mqtt: 'use' },
  sections: ['watches'],
  enabled: (config) => config.watches.enabled,
  create: async (ctx): Promise<WatchesModule> => (await import('./module.js')).createWatchesModule(ctx),
});
