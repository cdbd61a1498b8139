/**
 * Standing watches: "tell me when Opa gets up", "let me know if someone I don't know comes to the front door
 * tonight". A watch is a trigger over the vision event stream with a validity window and an action (MQTT
 * notification with snapshot, Home Assistant event), evaluated incrementally on events, persisted in the memory
 * database. Callers use the WatchService (findWatchService); the spec's zod schema (watchSpecSchema) lives in
 * daemon/contracts, the single source of its shape.
 */
import type { ServiceContainer } from '../system/index.js';
import { WatchesModule } from './module.js';
import type { WatchService } from './service.js';

export type { WatchService } from './service.js';

/** The watch service of a running daemon, or null when the watches module is off or failed to build. */
export function findWatchService(container: ServiceContainer): WatchService | null {
  return container.find('watches', WatchesModule) ?? null;
}
