import { HomeSightError } from '../system/index.js';
import type { PublishedTopicName } from './api.js';
import { HA_COMPONENTS, type HaComponent, type HaEntityDeclaration, type HaPayload } from './ha.js';
import { slug } from './topics.js';
import type { CommandInfo } from './types.js';

/** A published topic of the API map, for one camera where its pattern has `+`. */
function perCamera(pattern: PublishedTopicName & `camera/+/${string}`): (camera: string) => string {
  return (camera) => pattern.replace('+', camera);
}

/** Topics of HomeSight's state, relative to `<base>`: names from the API map (api.ts), so they cannot drift from it. */
export const TOPICS = {
  availability: 'availability',
  status: 'status',
  info: 'info',
  events: 'events',
  learningAudit: 'learning/audit',
  agentAnswer: 'agent/answer',
  cameraState: perCamera('camera/+/state'),
  cameraSnapshot: perCamera('camera/+/snapshot'),
} as const satisfies Record<string, PublishedTopicName | ((camera: string) => string)>;

export interface EntityInput {
  deviceId: string;
  /** `<base_topic>/<device_id>`. */
  baseTopic: string;
  discoveryPrefix: string;
  version: string;
  cameras: Record<string, { zones: string[]; room?: string | undefined }>;
  commands: CommandInfo[];
  /** Entities other modules declared on the bridge (MqttBridge.declareEntities). */
  declared?: readonly HaEntityDeclaration[];
}

export interface DiscoveryEntity {
  component: HaComponent;
  objectId: string;
  /** `<prefix>/<component>/<node_id>/<object_id>/config`. */
  topic: string;
  /** Validated payload. */
  payload: Record<string, unknown>;
}

function title(s: string): string {
  return s.replace(/[_-]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

/** A Jinja expression string literal. */
function jinjaString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Every Home Assistant entity of this device, derived from the config
 * (cameras, zones), the registered commands and the entities other modules
 * declared; each payload is parsed with its component's schema, and an object
 * id used twice is refused (it is the entity's unique_id).
 */
export function buildEntities(input: EntityInput): DiscoveryEntity[] {
  const node = `homesight_${slug(input.deviceId)}`;
  const base = input.baseTopic;
  const device: HaPayload<'sensor'>['device'] = {
    identifiers: [node],
    name: `HomeSight ${input.deviceId}`,
    manufacturer: 'HomeSight',
    model: 'HomeSight edge daemon',
    sw_version: input.version,
  };
  const common = {
    device,
    origin: { name: 'HomeSight', sw_version: input.version },
    availability: [{ topic: `${base}/${TOPICS.availability}`, payload_available: 'online', payload_not_available: 'offline' }],
  };
  const out: DiscoveryEntity[] = [];
  const add = <C extends HaComponent>(
    component: C,
    objectId: string,
    payload: Omit<HaPayload<C>, 'unique_id' | 'device' | 'origin'>,
  ): void => {
    // Entities share the unique_id space; a device trigger (no unique_id) only its own discovery topics.
    const trigger = (c: HaComponent): boolean => c === 'device_automation';
    if (out.some((e) => e.objectId === objectId && trigger(e.component) === trigger(component))) {
      throw new HomeSightError('E_MQTT_DISCOVERY', `two Home Assistant entities with the object id "${objectId}"`, {
        hint: 'object ids of declared entities must be unique on the device',
      });
    }
    // A device trigger is no entity: it has no unique_id or availability, only the device it belongs to.
    const full =
      component === 'device_automation'
        ? { device: common.device, origin: common.origin, ...payload }
        : { ...common, ...payload, unique_id: `${node}_${objectId}` };
    const parsed = HA_COMPONENTS[component].parse(full) as Record<string, unknown>;
    out.push({ component, objectId, topic: `${input.discoveryPrefix}/${component}/${node}/${objectId}/config`, payload: parsed });
  };

  for (const [cam, c] of Object.entries(input.cameras).sort(([a], [b]) => a.localeCompare(b))) {
    const state = `${base}/${TOPICS.cameraState(cam)}`;
    const label = title(cam);
    add('binary_sensor', `${cam}_occupancy`, {
      name: `${label} occupancy`,
      device_class: 'occupancy',
      state_topic: state,
      value_template: "{{ 'ON' if value_json.occupancy else 'OFF' }}",
      json_attributes_topic: state,
    });
    for (const zone of c.zones) {
      add('binary_sensor', `${cam}_${slug(zone)}_occupancy`, {
        name: `${label} ${title(zone)} occupancy`,
        device_class: 'occupancy',
        state_topic: state,
        value_template: `{{ 'ON' if value_json.zones[${jinjaString(zone)}].occupancy else 'OFF' }}`,
      });
    }
    add('sensor', `${cam}_person_count`, {
      name: `${label} person count`,
      icon: 'mdi:account-multiple',
      state_topic: state,
      value_template: '{{ value_json.persons }}',
      state_class: 'measurement',
      unit_of_measurement: 'persons',
    });
    add('sensor', `${cam}_last_identity`, {
      name: `${label} last identity`,
      icon: 'mdi:account-question',
      state_topic: state,
      value_template: "{{ value_json.last_identity | default('unknown', true) }}",
    });
    add('sensor', `${cam}_activity`, {
      name: `${label} activity`,
      icon: 'mdi:run',
      state_topic: state,
      value_template: "{{ value_json.last_activity | default('none', true) }}",
    });
    add('camera', `${cam}_snapshot`, { name: `${label} snapshot`, topic: `${base}/${TOPICS.cameraSnapshot(cam)}` });
  }

  add('sensor', 'status', {
    name: 'Status',
    icon: 'mdi:heart-pulse',
    entity_category: 'diagnostic',
    state_topic: `${base}/${TOPICS.status}`,
    value_template: '{{ value_json.status }}',
    json_attributes_topic: `${base}/${TOPICS.status}`,
    json_attributes_template: '{{ {"summary": value_json.summary, "version": value_json.version} | tojson }}',
  });
  add('event', 'agent_answer', {
    name: 'Agent answer',
    icon: 'mdi:message-reply-text',
    state_topic: `${base}/${TOPICS.agentAnswer}`,
    event_types: ['answer', 'error'],
    // Answers are reply envelopes ({id, status, data: {answer, …}} or {…, error}); HA needs event_type.
    value_template:
      "{{ {'event_type': ('answer' if value_json.status == 'ok' else 'error'), 'id': value_json.id, " +
      "'question': (value_json.data.question if value_json.data is defined and value_json.data is mapping else none), " +
      "'answer': (value_json.data.answer if value_json.data is defined and value_json.data is mapping else none), " +
      "'error': (value_json.error.message if value_json.error is defined else none)} | tojson }}",
  });

  for (const cmd of input.commands) {
    const b = cmd.button;
    if (b === undefined) continue;
    const targets: Array<{ id: string; name: string; payload: Record<string, unknown> }> = b.perCamera
      ? Object.keys(input.cameras)
          .sort()
          .map((cam) => ({ id: `${cam}_${cmd.name}`, name: `${title(cam)} ${b.name.toLowerCase()}`, payload: { camera: cam } }))
      : [{ id: cmd.name, name: b.name, payload: b.payload ?? {} }];
    for (const t of targets) {
      const payload: Omit<HaPayload<'button'>, 'unique_id' | 'device' | 'origin'> = {
        name: t.name,
        command_topic: cmd.topic,
        payload_press: JSON.stringify(t.payload),
      };
      if (b.icon !== undefined) payload.icon = b.icon;
      if (b.deviceClass !== undefined) payload.device_class = b.deviceClass;
      add('button', t.id, payload);
    }
  }
  for (const d of input.declared ?? []) add(d.component, d.objectId, d.payload);
  return out;
}
