import { defineModule } from '../context.js';
import type { MemoryModule } from './module.js';

/**
 * The memory module's definition for the composition root (daemon/modules.ts); module.ts loads only when it
 * is enabled. Every other module stores or reads through it, so it comes first and is essential.
 */
export const memoryModule = defineModule({
  name: 'memory',
  dependencies: {},
  sections: ['memory'],
  enabled: () => true,
  create: async (ctx): Promise<MemoryModule> => (await import('./module.js')).createMemoryModule(ctx),
});
