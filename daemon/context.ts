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
  /**
   * The modules this one starts after (its ServiceModule.dependsOn): its definition's 'start-after'
   * dependencies that are enabled in this daemon (startsAfter()).
   */
  dependsOn: readonly string[];
}

/**
 * How a module uses another one when that one is enabled. 'start-after': it starts after it and is not started
 * when that one failed (it needs it running). 'use': it reads it through the container when it is there, in
 * any start order (it keeps working, degraded, without it).
 */
export type DependencyKind = 'start-after' | 'use';

/**
 * A module's one definition (each folder's module.ts exports it; daemon/modules.ts lists them): everything the
 * composition root needs to build the module, in one shape for all.
 */
export interface ModuleDefinition<Name extends string = string, Module extends ServiceModule = ServiceModule> {
  readonly name: Name;
  /**
   * Modules it uses when they are enabled, and how: all are built before it (daemon/modules.ts lists them in that
   * order); its start order (dependsOn) is derived from the 'start-after' ones (startsAfter()).
   */
  readonly dependencies: Readonly<Record<string, DependencyKind>>;
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

/** A module's dependsOn: the 'start-after' dependencies of its definition that are registered in the container. */
export function startsAfter(def: Pick<ModuleDefinition, 'dependencies'>, container: ServiceContainer): string[] {
  return Object.entries(def.dependencies)
    .filter(([name, kind]) => kind === 'start-after' && container.get(name) !== undefined)
    .map(([name]) => name);
}
