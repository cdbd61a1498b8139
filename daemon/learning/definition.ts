import { defineModule } from '../context.js';
import type { LearningModule } from './module.js';

/**
 * The learning module's definition for the composition root (daemon/modules.ts); module.ts loads only when it
 * is enabled. Hard-example mining, privacy-filtered upload queue, cloud teacher sync, pseudo-labels, feedback and audit requests.
 */
export const learningModule = defineModule({
  name: 'learning',
  dependencies: { memory: 'start-after', agent: 'start-after', mqtt: 'start-after' },
  sections: ['learning'],
  enabled: (config) => config.learning.enabled,
  create: async (ctx): Promise<LearningModule> => (await import('./module.js')).createLearningModule(ctx),
});
