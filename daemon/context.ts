import type { Registry } from 'prom-client';
import type { HomeSightConfig } from './config/index.js';
import type { Clock, EventBus, LogHub, Logger, ServiceContainer } from './system/index.js';
import type { HomeSightEvents } from './contracts/index.js';

/**
 * What the composition root hands each module factory. Modules take what
 * they need from it in their constructor; there are no module-level globals.
 */
export interface ModuleContext {
  config: HomeSightConfig;
  logs: LogHub;
  /** Child logger for this module, `{module: name}`. */
  log: Logger;
  clock: Clock;
  bus: EventBus<HomeSightEvents>;
  metrics: Registry;
  /** Other modules, for factories that depend on another module's public API. */
  container: ServiceContainer;
  env: NodeJS.ProcessEnv;
}
