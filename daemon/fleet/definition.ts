import { defineModule } from '../context.js';
import type { FleetModule } from './module.js';

/**
 * The fleet module's definition for the composition root (daemon/modules.ts); module.ts loads only when it
 * is enabled. Signed update bundles with rollback, and config pushes, as requests on the MQTT bridge.
 */
export const fleetModule = defineModule({
  name: 'fleet',
  dependencies: { mqtt: 'start-after' },
  sections: ['fleet'],
  enabled: (config) => config.fleet.enabled,
  create: async (ctx): Promise<FleetModule> => (await import('./module.js')).createFleetModule(ctx),
});
