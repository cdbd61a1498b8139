import { z } from 'zod';
import { port, secretFile } from './common.js';

export const mqttSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    broker: z.enum(['embedded', 'external']).default('embedded').describe('embedded = aedes in-process (MQTT 3.1.1); external = url'),
    url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'mqtt://, mqtts://, ws:// or wss://').optional(),
    embedded: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: port.default(1883),
        require_auth: z.boolean().default(false),
      })
      .prefault({}),
    protocol_version: z.union([z.literal(5), z.literal(4)]).default(5).describe('5 = MQTT v5 (falls back to 3.1.1 when refused)'),
    base_topic: z.string().regex(/^[^#+]+$/, 'no MQTT wildcards').default('homesight'),
    client_id: z.string().optional(),
    username: z.string().optional(),
    password_file: secretFile.optional(),
    tls: z
      .strictObject({
        ca_file: secretFile.optional(),
        cert_file: secretFile.optional(),
        key_file: secretFile.optional(),
        reject_unauthorized: z.boolean().default(true),
      })
      .optional(),
    discovery: z
      .strictObject({ enabled: z.boolean().default(true), prefix: z.string().default('homeassistant') })
      .prefault({}),
    buffer_max: z.number().int().min(0).default(10_000).describe('events kept while the broker is away'),
  })
  .prefault({});
