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

export type {
  MqttBridge,
  MqttMessage,
  MessageHandler,
  PublishOptions,
  PublishProperties,
  QoS,
  ProtocolVersion,
  RequestContext,
  RouteHandler,
  ServeOptions,
  CommandButton,
  CommandInfo,
  ReplyEnvelope,
} from './types.js';
export { MqttModule, type MqttModuleOptions } from './module.js';
export { MqttCore, type MqttCoreOptions, type CoreHooks } from './core.js';
export { Outbox } from './outbox.js';
export { EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.js';
export { loadPasswordFile, verifyPassword, hashPasswordLine, parsePasswordLine, type PasswordEntry } from './passwd.js';
export { HA_COMPONENTS, haJsonSchemas, type HaComponent, type HaPayload } from './ha.js';
export { buildEntities, TOPICS, type DiscoveryEntity, type EntityInput } from './entities.js';
export {
  MQTT_REQUESTS,
  MQTT_PUBLISHED,
  replyEnvelopeSchema,
  type RequestRoute,
  type PublishedTopic,
  type ApiModule,
  type RouteTopic,
  type RouteRequest,
  type RouteResponse,
} from './api.js';
export { clientKey } from './router.js';
export { topicMatches, isPublishTopic, newId } from './topics.js';
export type { CameraState } from './extensions.js';

/** The MQTT bridge of a running daemon, or null when the mqtt module is off or failed to build. */
export function findMqttBridge(container: ServiceContainer): MqttBridge | null {
  return container.find('mqtt', MqttModule)?.bridge ?? null;
}
