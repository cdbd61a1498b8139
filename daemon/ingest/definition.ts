import { defineModule } from '../context.js';
import type { IngestModule } from './module.js';

/**
 * The ingest module's definition for the composition root (daemon/modules.ts); module.ts loads only when it
 * is enabled. Cameras give frames to vision and recordings (indexed in memory) to the agent's framesAt.
 */
export const ingestModule = defineModule({
  name: 'ingest',
  dependencies: { memory: 'start-after' },
  sections: ['cameras', 'recordings', 'ffmpeg'],
  enabled: () => true,
  create: async (ctx): Promise<IngestModule> => (await import('./module.js')).createIngestModule(ctx),
});
