/**
 * Recaps: "what happened today / last night / while I was away" from the stored timeline, with evidence, and
 * the daily digest. Other folders (MCP) ask through findRecapService(container); the request and the recap's
 * shapes are the recap/get route's zod schemas (daemon/mqtt/api.ts).
 */
import type { ServiceContainer } from '../system/index.js';
import { RecapsModule, type RecapService } from './module.js';

export type { RecapService } from './module.js';

/** The recap service of a running daemon, or null when the recaps module is off or failed to build. */
export function findRecapService(container: ServiceContainer): RecapService | null {
  return container.find('recaps', RecapsModule) ?? null;
}
