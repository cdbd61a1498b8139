import type { Watch, WatchSpecInput, WatchStatus } from '../contracts/index.js';

/**
 * The watches capability as callers see it (the agent's standing-order path, the MQTT watch/* routes, the MCP
 * watch_* tools, the CLI through MQTT). Implemented by the watches module; callers find it through
 * findWatchService(container).
 */
export interface WatchService {
  /** Validates the spec (watchSpecSchema), stores the watch and starts evaluating it. */
  create(spec: WatchSpecInput, origin?: { question?: string }): Watch;
  /** Active watches (and, with `all`, finished ones too), newest first. */
  list(options?: { all?: boolean; status?: WatchStatus }): Watch[];
  /** One watch, or null. */
  get(id: string): Watch | null;
  /** Cancels an active watch; false when there is no active watch with that id. */
  cancel(id: string): boolean;
}
