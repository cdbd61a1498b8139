import type { ModuleReport } from './system/index.js';

/**
 * Facts modules publish to each other through the EventBus. A module adds its
 * own event types here (type-only imports from its index keep this cycle-free).
 */
export interface HomeSightEvents {
  [event: string]: unknown;
  /** After each health probe: the container's module reports. */
  'system.health': { status: 'ok' | 'degraded' | 'failed'; modules: ModuleReport[]; summary: string };
  /** A config reload happened (applied or rejected). */
  'system.reload': { ok: boolean; applied: string[]; needsRestart: string[]; problems: string[] };
}
