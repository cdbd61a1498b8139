/**
 * MQTT: the one core every feature publishes through, the request router, the
 * embedded broker, Home Assistant discovery. Request topics and their schemas
 * are declared in api.ts; a module serves one through `MqttBridge`:
 *
 *   const bridge = findMqttBridge(ctx.container);
 *   bridge?.serve('command/enroll', (args, rc) => …);
 */
import type { ServiceContainer } from '../system/index.js';
import { MqttModule } from './module.js';
import type { MqttBridge } from './types.js';

export {
  MQTT_PUBLISHED,
  MQTT_REQUESTS,
  type PublishedTopic,
  type RequestRoute,
  type RouteRequest,
  type RouteResponse,
  type RouteTopic,
  replyEnvelopeSchema,
} from './api.js';
export { MqttCore } from './core.js';
export { MqttModule } from './module.js';
export { Outbox } from './outbox.js';
export { hashPasswordLine } from './passwd.js';
export { clientKey } from './router.js';
export type { HaEntityDeclaration } from './ha.js';
export { slug } from './topics.js';
export type { DeclaredEntities, MqttBridge, RequestContext, ServeOptions } from './types.js';

/** The MQTT bridge of a running daemon, or null when the mqtt module is off or failed to build. */
export function findMqttBridge(container: ServiceContainer): MqttBridge | null {
  return container.find('mqtt', MqttModule)?.bridge ?? null;
}
