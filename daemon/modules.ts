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

export const MODULES: ModuleFactory[] = [];
