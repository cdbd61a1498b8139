import type { Registry } from 'prom-client';
import { configSchema, isLiveKey, liveKeys, type HomeSightConfig } from './config/index.js';
import type { Clock, EventBus, LogHub, Logger, ServiceContainer, ServiceModule } from './system/index.js';
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

/**
 * A module's one definition (each folder's module.ts exports it; daemon/modules.ts lists them): everything the
 * composition root needs to build the module, in one shape for all.
 */
export interface ModuleDefinition<Name extends string = string, Module extends ServiceModule = ServiceModule> {
  readonly name: Name;
  /** Modules it uses when they are enabled: built before it (daemon/modules.ts checks the order). */
  readonly dependencies: readonly string[];
  /** Its sections of the config, which it reads as zod parsed them (`config[section]`). */
  readonly sections: readonly (keyof HomeSightConfig)[];
  /** Keys of its sections that a reload applies live: the schema's live() marks (config/live.ts). */
  readonly liveKeys: readonly string[];
  enabled(config: HomeSightConfig): boolean;
  create(ctx: ModuleContext): Module | Promise<Module>;
}

/** A ModuleDefinition whose live keys are read from the schema for its sections. */
export function defineModule<const Name extends string, Module extends ServiceModule>(
  def: Omit<ModuleDefinition<Name, Module>, 'liveKeys'>,
): ModuleDefinition<Name, Module> {
  return { ...def, liveKeys: liveKeys(configSchema).filter((k) => isLiveKey(k, def.sections)) };
}
