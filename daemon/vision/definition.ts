import { defineModule } from '../context.js';
import type { VisionModule } from './module.js';

/**
 * The vision module's definition for the composition root (daemon/modules.ts); module.ts loads only when it
 * is enabled. Experts on onnxruntime-node (detect → track → identity → pose → activity) on every camera, events into memory.
 */
export const visionModule = defineModule({
  name: 'vision',
  dependencies: { memory: 'start-after', ingest: 'start-after', mqtt: 'use' },
  sections: ['vision'],
  enabled: (config) => config.vision.enabled,
  create: async (ctx): Promise<VisionModule> => (await import('./module.js')).createVisionModule(ctx),
});
