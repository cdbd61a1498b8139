import { agentModule } from './agent/definition.js';
import { fleetModule } from './fleet/definition.js';
import { ingestModule } from './ingest/definition.js';
import { learningModule } from './learning/definition.js';
import { mcpModule } from './mcp/definition.js';
import { memoryModule } from './memory/definition.js';
import { mqttModule } from './mqtt/definition.js';
import { presenceModule } from './presence/definition.js';
import { recapsModule } from './recaps/definition.js';
import { visionModule } from './vision/definition.js';
import { watchesModule } from './watches/definition.js';
import type { ModuleDefinition } from './context.js';

/**
 * The daemon's modules, in the order they are built: each after the modules it uses (its definition's
 * dependencies), so a factory finds them in ctx.container. Start order (each module's dependsOn) is derived
 * from the same dependencies: the enabled ones marked 'start-after' (startsAfter() in context.ts).
 * A folder's definition.ts is the one file of it the composition root imports besides index.ts: it names the
 * module and loads the module's code only when the module is enabled.
 */
export const MODULES = [
  memoryModule,
  ingestModule,
  mqttModule,
  visionModule,
  watchesModule,
  agentModule,
  learningModule,
  fleetModule,
  presenceModule,
  recapsModule,
  mcpModule,
] as const;

/** The modules by name, with their types: what `Daemon.module(name)` returns. */
export type ModuleMap = { [D in (typeof MODULES)[number] as D['name']]: Awaited<ReturnType<D['create']>> };
export type ModuleName = keyof ModuleMap;

export type { ModuleDefinition };
