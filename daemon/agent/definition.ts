import { defineModule } from '../context.js';
import type { AgentModule } from './module.js';

/**
 * The agent module's definition for the composition root (daemon/modules.ts); module.ts loads only when it
 * is enabled. Questions → plan (local GGUF / retrieval / cloud) → tools over memory, ingest, vision → answer, served on MQTT.
 */
export const agentModule = defineModule({
  name: 'agent',
  dependencies: { memory: 'start-after', ingest: 'use', vision: 'use', mqtt: 'start-after', watches: 'use' },
  sections: ['agent'],
  enabled: (config) => config.agent.enabled,
  create: async (ctx): Promise<AgentModule> => (await import('./module.js')).createAgentModule(ctx),
});
