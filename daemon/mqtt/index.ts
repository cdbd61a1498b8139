/**
 * MQTT: the one core every feature publishes through, the embedded broker,
 * Home Assistant discovery. Other modules use `MqttBridge`:
 *
 *   const bridge = findMqttBridge(ctx.container);
 *   bridge?.registerCommand('enroll', schema, handler, {description});
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
  RequestHandler,
  RequestOptions,
  CommandOptions,
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
export { envelopeSchema, decodeRequest, checkReplyTopic } from './requests.js';
export { topicMatches, isPublishTopic, newId } from './topics.js';
export type { CameraState } from './extensions.js';

/** The MQTT bridge of a running daemon, or null when the mqtt module is off or failed to build. */
export function findMqttBridge(container: ServiceContainer): MqttBridge | null {
  return container.find('mqtt', MqttModule)?.bridge ?? null;
}
