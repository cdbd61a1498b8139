import { defineModule } from '../context.js';
import type { RecapsModule } from './module.js';

/**
 * The recaps module's definition for the composition root (daemon/modules.ts); module.ts loads only when it is
 * enabled. Recaps from the stored timeline on recap/get and the daily digest; presence answers "while I was away".
 */
export const recapsModule = defineModule({
  name: 'recaps',
  dependencies: { memory: 'start-after', mqtt: 'use', presence: 'use' },
  sections: ['recaps'],
  enabled: (config) => config.recaps.enabled,
  create: async (ctx): Promise<RecapsModule> => (await import('./module.js')).createRecapsModule(ctx),
});
