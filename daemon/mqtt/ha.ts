import { z } from 'zod';

/**
 * Home Assistant MQTT discovery payloads, one strict schema per component.
 * Field names follow HA's MQTT integration docs (full names, no
 * abbreviations). Entity payloads are built as the schemas' input types and
 * parsed with them before they are published, so an unknown or mistyped
 * field fails here rather than being silently ignored by Home Assistant.
 */

const topic = z
  .string()
  .min(1)
  .regex(/^[^#+]+$/, 'no wildcards');
const template = z.string().min(1);

export const haAvailabilitySchema = z.strictObject({
  topic,
  payload_available: z.string().optional(),
  payload_not_available: z.string().optional(),
  value_template: template.optional(),
});

export const haDeviceSchema = z.strictObject({
  identifiers: z.array(z.string().min(1)).min(1),
  name: z.string().min(1),
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  model_id: z.string().optional(),
  sw_version: z.string().optional(),
  hw_version: z.string().optional(),
  serial_number: z.string().optional(),
  suggested_area: z.string().optional(),
  configuration_url: z.string().optional(),
  via_device: z.string().optional(),
});

export const haOriginSchema = z.strictObject({
  name: z.string().min(1),
  sw_version: z.string().optional(),
  support_url: z.string().optional(),
});

/** Options every MQTT entity platform accepts. */
const entityBase = {
  name: z.string().min(1).nullable(),
  unique_id: z.string().regex(/^[a-zA-Z0-9_-]+$/),
  device: haDeviceSchema,
  origin: haOriginSchema,
  availability: z.array(haAvailabilitySchema).min(1).optional(),
  availability_mode: z.enum(['all', 'any', 'latest']).optional(),
  icon: z
    .string()
    .regex(/^mdi:[a-z0-9-]+$/)
    .optional(),
  entity_category: z.enum(['config', 'diagnostic']).optional(),
  enabled_by_default: z.boolean().optional(),
  json_attributes_topic: topic.optional(),
  json_attributes_template: template.optional(),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
};

export const BINARY_SENSOR_DEVICE_CLASSES = [
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
] as const;

export const haBinarySensorSchema = z.strictObject({
  ...entityBase,
  state_topic: topic,
  value_template: template.optional(),
  payload_on: z.string().optional(),
  payload_off: z.string().optional(),
  device_class: z.enum(BINARY_SENSOR_DEVICE_CLASSES).optional(),
  expire_after: z.number().int().positive().optional(),
  off_delay: z.number().int().positive().optional(),
  force_update: z.boolean().optional(),
});

export const haSensorSchema = z.strictObject({
  ...entityBase,
  state_topic: topic,
  value_template: template.optional(),
  unit_of_measurement: z.string().optional(),
  state_class: z.enum(['measurement', 'total', 'total_increasing']).optional(),
  device_class: z.string().optional(),
  expire_after: z.number().int().positive().optional(),
  force_update: z.boolean().optional(),
  suggested_display_precision: z.number().int().min(0).optional(),
});

export const haCameraSchema = z.strictObject({
  ...entityBase,
  topic,
  image_encoding: z.literal('b64').optional(),
});

export const haEventSchema = z.strictObject({
  ...entityBase,
  state_topic: topic,
  event_types: z.array(z.string().min(1)).min(1),
  device_class: z.enum(['button', 'doorbell', 'motion']).optional(),
  value_template: template.optional(),
});

export const haButtonSchema = z.strictObject({
  ...entityBase,
  command_topic: topic,
  command_template: template.optional(),
  payload_press: z.string().optional(),
  retain: z.boolean().optional(),
  device_class: z.enum(['identify', 'restart', 'update']).optional(),
});

/**
 * An MQTT device trigger (home-assistant.io/integrations/device_trigger.mqtt): not an entity (no unique_id, name or
 * availability), a trigger of the device usable in automations, fired by any message on `topic` (or only `payload`).
 * The pair type × subtype must be unique on the device.
 */
export const haDeviceTriggerSchema = z.strictObject({
  automation_type: z.literal('trigger'),
  topic,
  type: z.string().min(1),
  subtype: z.string().min(1),
  payload: z.string().optional(),
  value_template: template.optional(),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  device: haDeviceSchema,
  origin: haOriginSchema,
});

export const HA_COMPONENTS = {
  binary_sensor: haBinarySensorSchema,
  sensor: haSensorSchema,
  camera: haCameraSchema,
  event: haEventSchema,
  button: haButtonSchema,
  device_automation: haDeviceTriggerSchema,
} as const;

export type HaComponent = keyof typeof HA_COMPONENTS;
export type HaPayload<C extends HaComponent> = z.input<(typeof HA_COMPONENTS)[C]>;

/**
 * An entity another module adds to the device's discovery (presence sensors, watch events, watch device triggers):
 * the component, its object id (unique on the device) and its payload without what discovery fills in (unique_id,
 * device, origin, availability; a device trigger gets only device and origin). Topics in it are absolute
 * (`bridge.topic(sub)`).
 */
export type HaEntityDeclaration = {
  [C in HaComponent]: { component: C; objectId: string; payload: Omit<HaPayload<C>, 'unique_id' | 'device' | 'origin'> };
}[HaComponent];

/** The JSON Schema of each component's discovery payload (docs, external validators). */
export function haJsonSchemas(): Record<HaComponent, unknown> {
  return Object.fromEntries(Object.entries(HA_COMPONENTS).map(([k, s]) => [k, z.toJSONSchema(s)])) as Record<HaComponent, unknown>;
}
