import type { HomeSightConfig } from './config/index.js';
import type { ModuleContext } from './context.js';
import type { ServiceModule } from './system/index.js';

/**
 * The daemon's capabilities, in the order their factories run (a factory may
 * look up modules created before it through ctx.container). Start order is
 * decided by each module's dependsOn, not by this list.
 */
export interface ModuleFactory {
  name: string;
  enabled(config: HomeSightConfig): boolean;
  create(ctx: ModuleContext): ServiceModule | Promise<ServiceModule>;
}

export const MODULES: ModuleFactory[] = [
  {
    // First: every other module stores or reads through it.
    name: 'memory',
    enabled: () => true,
    async create(ctx) {
      const { MemoryModule } = await import('./memory/index.js');
      return new MemoryModule(ctx);
    },
  },
  {
    // Cameras: frames for vision, recordings (indexed in memory) for framesAt.
    name: 'ingest',
    enabled: () => true,
    async create(ctx) {
      const { ingestModuleFactory } = await import('./ingest/index.js');
      return ingestModuleFactory.create(ctx);
    },
  },
  {
    // Experts on onnxruntime-node: detect → track → identity → pose → activity on every camera; events into memory.
    name: 'vision',
    enabled: (config) => config.vision.enabled,
    async create(ctx) {
      const { createVisionModule } = await import('./vision/index.js');
      return createVisionModule(ctx);
    },
  },
  {
    // MQTT core, embedded broker, Home Assistant discovery; other modules register commands on its bridge.
    name: 'mqtt',
    enabled: (config) => config.mqtt.enabled,
    async create(ctx) {
      const { MqttModule } = await import('./mqtt/index.js');
      return new MqttModule(ctx);
    },
  },
  {
    // Questions → plan (local GGUF / retrieval / cloud) → tools over memory, ingest, vision → answer; serves agent/ask on MQTT.
    name: 'agent',
    enabled: (config) => config.agent.enabled,
    async create(ctx) {
      const { createAgentModule } = await import('./agent/index.js');
      return createAgentModule(ctx);
    },
  },
  {
    // Lifelong learning: hard-example mining, privacy-filtered upload queue, cloud teacher sync, pseudo-labels, feedback/audit commands.
    name: 'learning',
    enabled: (config) => config.learning.enabled,
    async create(ctx) {
      const { createLearningModule } = await import('./learning/index.js');
      return createLearningModule(ctx);
    },
  },
  {
    // Signed update bundles with rollback, config pushes (commands on the MQTT bridge).
    name: 'fleet',
    enabled: (config) => config.fleet.enabled,
    async create(ctx) {
      const { FleetModule } = await import('./fleet/index.js');
      return FleetModule.create(ctx);
    },
  },
];
