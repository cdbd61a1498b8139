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
  type ApiModule,
  MQTT_PUBLISHED,
  MQTT_REQUESTS,
  type PublishedTopic,
  type PublishedTopicName,
  type RequestRoute,
  type RouteRequest,
  type RouteResponse,
  type RouteTopic,
  replyEnvelopeSchema,
} from './api.js';
export { EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.js';
export { type CoreHooks, MqttCore, type MqttCoreOptions } from './core.js';
export { buildEntities, type DiscoveryEntity, type EntityInput, TOPICS } from './entities.js';
export type { CameraState } from './extensions.js';
export { HA_COMPONENTS, type HaComponent, type HaPayload, haJsonSchemas } from './ha.js';
export { MqttModule, type MqttModuleOptions } from './module.js';
export { Outbox } from './outbox.js';
export { hashPasswordLine, loadPasswordFile, type PasswordEntry, parsePasswordLine, verifyPassword } from './passwd.js';
export { clientKey } from './router.js';
export { isPublishTopic, newId, topicMatches } from './topics.js';
export type {
  CommandButton,
  CommandInfo,
  MessageHandler,
  MqttBridge,
  MqttMessage,
  ProtocolVersion,
  PublishOptions,
  PublishProperties,
  QoS,
  ReplyEnvelope,
  RequestContext,
  RouteHandler,
  ServeOptions,
} from './types.js';

/** The MQTT bridge of a running daemon, or null when the mqtt module is off or failed to build. */
export function findMqttBridge(container: ServiceContainer): MqttBridge | null {
  return container.find('mqtt', MqttModule)?.bridge ?? null;
}
