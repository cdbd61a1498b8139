/**
 * What Home Assistant's MQTT integration accepts for each component, written
 * down independently of daemon/mqtt/ha.ts from HA's docs
 * (home-assistant.io/integrations/<component>.mqtt): required keys, the keys
 * it knows (full names), and the value sets the checks below rely on. A
 * consumer that sees an unknown key, a missing required key or a wrong value
 * reports it the way HA's voluptuous schema would refuse the entity.
 */
const COMMON = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'device',
  'default_entity_id',
  'enabled_by_default',
  'encoding',
  'entity_category',
  'entity_picture',
  'icon',
  'json_attributes_template',
  'json_attributes_topic',
  'name',
  'object_id',
  'origin',
  'payload_available',
  'payload_not_available',
  'platform',
  'qos',
  'unique_id',
];

const SHAPES: Record<string, { required: string[]; keys: string[] }> = {
  binary_sensor: {
    required: ['state_topic'],
    keys: ['device_class', 'expire_after', 'force_update', 'off_delay', 'payload_off', 'payload_on', 'state_topic', 'value_template'],
  },
  sensor: {
    required: ['state_topic'],
    keys: [
      'device_class',
      'expire_after',
      'force_update',
      'last_reset_value_template',
      'options',
      'suggested_display_precision',
      'state_class',
      'state_topic',
      'unit_of_measurement',
      'value_template',
    ],
  },
  camera: { required: ['topic'], keys: ['image_encoding', 'topic'] },
  event: { required: ['state_topic', 'event_types'], keys: ['device_class', 'event_types', 'state_topic', 'value_template'] },
  button: { required: ['command_topic'], keys: ['command_template', 'command_topic', 'device_class', 'payload_press', 'retain'] },
};

/**
 * MQTT device triggers (home-assistant.io/integrations/device_trigger.mqtt): no entity, so none of COMMON's entity
 * keys; HA drops unknown keys silently (REMOVE_EXTRA), which is a bug all the same, so they are reported here too.
 */
const DEVICE_TRIGGER = {
  required: ['automation_type', 'device', 'subtype', 'topic', 'type'],
  keys: ['automation_type', 'device', 'encoding', 'origin', 'payload', 'platform', 'qos', 'subtype', 'topic', 'type', 'value_template'],
};

const DEVICE_KEYS = [
  'configuration_url',
  'connections',
  'hw_version',
  'identifiers',
  'manufacturer',
  'model',
  'model_id',
  'name',
  'serial_number',
  'suggested_area',
  'sw_version',
  'via_device',
];
const BINARY_SENSOR_CLASSES = [
  'battery',
  'battery_charging',
  'carbon_monoxide',
  'cold',
  'connectivity',
  'door',
  'garage_door',
  'gas',
  'heat',
  'light',
  'lock',
  'moisture',
  'motion',
  'moving',
  'occupancy',
  'opening',
  'plug',
  'power',
  'presence',
  'problem',
  'running',
  'safety',
  'smoke',
  'sound',
  'tamper',
  'update',
  'vibration',
  'window',
];
const BUTTON_CLASSES = ['identify', 'restart', 'update'];
const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'];
const isTopic = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && !/[#+]/.test(v);

/** Problems with one discovery message (empty when HA would accept it). */
export function haProblems(topic: string, payload: Record<string, unknown>): string[] {
  const out: string[] = [];
  const m = /^([^/]+)\/([a-z_]+)\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)\/config$/.exec(topic);
  if (m === null) return [`topic ${topic} is not <prefix>/<component>/<node_id>/<object_id>/config`];
  const component = m[2]!;
  const trigger = component === 'device_automation';
  const shape = trigger ? DEVICE_TRIGGER : SHAPES[component];
  if (shape === undefined) return [`unknown component ${component}`];
  const known = new Set(trigger ? shape.keys : [...COMMON, ...shape.keys]);
  for (const k of Object.keys(payload)) if (!known.has(k)) out.push(`${component}: unknown key ${k}`);
  for (const k of shape.required) if (payload[k] === undefined) out.push(`${component}: missing required ${k}`);
  for (const k of ['state_topic', 'topic', 'command_topic', 'json_attributes_topic', 'availability_topic']) {
    if (payload[k] !== undefined && !isTopic(payload[k])) out.push(`${k} is not a topic`);
  }
  if (trigger) {
    if (payload.automation_type !== 'trigger') out.push("device_automation: automation_type must be 'trigger'");
    for (const k of ['type', 'subtype'])
      if (typeof payload[k] !== 'string' || payload[k] === '') out.push(`device_automation: ${k} must be a string`);
    if (payload.payload !== undefined && typeof payload.payload !== 'string') out.push('device_automation: payload must be a string');
  } else if (typeof payload.unique_id !== 'string' || payload.unique_id === '')
    out.push('unique_id missing (needed for the device registry)');
  const dev = payload.device as Record<string, unknown> | undefined;
  if (dev === undefined) out.push('device missing');
  else {
    for (const k of Object.keys(dev)) if (!DEVICE_KEYS.includes(k)) out.push(`device: unknown key ${k}`);
    if (!Array.isArray(dev.identifiers) || dev.identifiers.length === 0) out.push('device.identifiers missing');
  }
  const av = payload.availability;
  if (av !== undefined) {
    if (!Array.isArray(av) || av.length === 0) out.push('availability must be a non-empty list');
    else for (const a of av as Array<Record<string, unknown>>) if (!isTopic(a.topic)) out.push('availability entry without topic');
  }
  if (payload.qos !== undefined && ![0, 1, 2].includes(payload.qos as number)) out.push('qos must be 0, 1 or 2');
  if (payload.entity_category !== undefined && !['config', 'diagnostic'].includes(payload.entity_category as string))
    out.push('bad entity_category');
  if (
    component === 'binary_sensor' &&
    payload.device_class !== undefined &&
    !BINARY_SENSOR_CLASSES.includes(payload.device_class as string)
  )
    out.push('bad binary_sensor device_class');
  if (component === 'button' && payload.device_class !== undefined && !BUTTON_CLASSES.includes(payload.device_class as string))
    out.push('bad button device_class');
  if (component === 'sensor' && payload.state_class !== undefined && !STATE_CLASSES.includes(payload.state_class as string))
    out.push('bad state_class');
  if (component === 'event' && (!Array.isArray(payload.event_types) || payload.event_types.length === 0))
    out.push('event_types must be a non-empty list');
  if (component === 'camera' && payload.image_encoding !== undefined && payload.image_encoding !== 'b64')
    out.push('image_encoding must be b64');
  if (payload.name !== undefined && payload.name !== null && typeof payload.name !== 'string') out.push('name must be a string or null');
  return out;
}
