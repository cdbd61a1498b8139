/**
 * Presence: per household person where and when they were last seen, what they are doing and whether they are
 * home; persons per room; unknown people per camera. Other folders ask it through findPresence(container).
 */
import type { ServiceContainer } from '../system/index.js';
import { PresenceModule, type PresenceService } from './module.js';

export type { PresenceService } from './module.js';

/** The presence service of a running daemon, or null when the presence module is off or failed to build. */
export function findPresence(container: ServiceContainer): PresenceService | null {
  return container.find('presence', PresenceModule) ?? null;
}
