import { z } from 'zod';
import { port, secretFile } from './common.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export const mqttSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    broker: z
      .enum(['embedded', 'external'])
      .default('embedded')
      .describe('embedded = aedes in this process (MQTT 3.1.1, loopback); external = the broker at mqtt.url'),
    url: z
      .string()
      .regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'mqtt://, mqtts://, ws:// or wss://')
      .optional()
      .describe('external broker, e.g. mqtts://broker.lan:8883 (no credentials in the URL: use username/password_file)'),
    embedded: z
      .strictObject({
        host: z.string().default('127.0.0.1').describe('bind address; anything but loopback needs require_auth'),
        port: port.default(1883).describe('0 picks a free port'),
        require_auth: z.boolean().default(false).describe('refuse clients without a valid username/password'),
        password_file: secretFile.optional().describe('users allowed on the embedded broker, mosquitto_passwd format ($6$/$7$ hashes)'),
      })
      .prefault({}),
    protocol_version: z
      .union([z.literal(5), z.literal(4)])
      .default(5)
      .describe('external broker: 5 = MQTT v5, falling back to 3.1.1 when refused; the embedded broker always speaks 3.1.1'),
    base_topic: z
      .string()
      .regex(/^[^#+$/]([^#+]*[^#+/])?$/, 'no MQTT wildcards, no leading "/" or "$", no trailing "/"')
      .default('homesight')
      .describe('topics are <base_topic>/<device_id>/...'),
    client_id: z.string().min(1).max(128).optional().describe('default: homesight_<device_id>'),
    username: z.string().optional().describe('user on the external broker (its password in password_file)'),
    password_file: secretFile.optional(),
    keepalive_s: z.number().int().min(5).max(3600).default(30),
    reconnect: z
      .strictObject({
        min_ms: z.number().int().min(50).max(60_000).default(1_000).describe('first retry after a lost connection'),
        max_ms: z.number().int().min(100).max(600_000).default(60_000).describe('backoff doubles up to this'),
      })
      .prefault({}),
    tls: z
      .strictObject({
        ca_file: secretFile.optional().describe('CA that signed the broker certificate (PEM)'),
        cert_file: secretFile.optional().describe('client certificate (PEM), for brokers that require one'),
        key_file: secretFile.optional().describe('client private key (PEM)'),
        reject_unauthorized: z.boolean().default(true).describe('verify the broker certificate; never turn off outside tests'),
      })
      .optional(),
    discovery: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Home Assistant MQTT discovery (retained configs, removed when a camera goes)'),
        prefix: z
          .string()
          .regex(/^[^#+]+$/, 'no MQTT wildcards')
          .default('homeassistant')
          .describe("HA's discovery prefix; HA's birth message on <prefix>/status makes the daemon announce again"),
      })
      .prefault({}),
    buffer_max: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('QoS 1 events kept on disk while the broker is away; oldest dropped beyond'),
    max_request_bytes: z
      .number()
      .int()
      .min(256)
      .max(16_777_216)
      .default(65_536)
      .describe('inbound command/request payloads larger than this are refused'),
    snapshot_min_interval_s: z.number().min(0).default(2).describe('at most one snapshot per camera this often'),
  })
  .superRefine((m, ctx) => {
    if (m.broker === 'external' && m.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'broker is external but no url is set',
        params: { hint: 'set mqtt.url (mqtt://host:1883 or mqtts://host:8883) or use broker: embedded' },
      });
    }
    if (m.broker === 'embedded' && !LOOPBACK.test(m.embedded.host) && !m.embedded.require_auth) {
      ctx.addIssue({
        code: 'custom',
        path: ['embedded', 'host'],
        message: `embedded broker on a non-loopback address (${m.embedded.host}) without authentication`,
        params: { hint: 'set mqtt.embedded.require_auth: true with a password_file, or bind to 127.0.0.1' },
      });
    }
    if ((m.tls?.cert_file === undefined) !== (m.tls?.key_file === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'tls.cert_file and tls.key_file go together',
        params: { hint: 'set both or neither' },
      });
    }
    if (m.reconnect.max_ms < m.reconnect.min_ms) {
      ctx.addIssue({ code: 'custom', path: ['reconnect', 'max_ms'], message: 'reconnect.max_ms is below reconnect.min_ms' });
    }
  })
  .prefault({});

export type MqttConfig = z.infer<typeof mqttSchema>;
