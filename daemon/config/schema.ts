import { z } from 'zod';
import { agentSchema } from './sections/agent.js';
import { fleetSchema } from './sections/fleet.js';
import { householdSchema } from './sections/household.js';
import { camerasSchema, ffmpegSchema, recordingsSchema } from './sections/ingest.js';
import { learningSchema } from './sections/learning.js';
import { mcpSchema } from './sections/mcp.js';
import { memorySchema } from './sections/memory.js';
import { mqttSchema } from './sections/mqtt.js';
import { presenceSchema } from './sections/presence.js';
import { recapsSchema } from './sections/recaps.js';
import { healthSchema, logSchema, pathsSchema, systemSchema } from './sections/system.js';
import { visionSchema } from './sections/vision.js';
import { watchesSchema } from './sections/watches.js';
import { live } from './live.js';

/** Schema version of the config file format; bumped with a migration when keys move. */
export const CONFIG_VERSION = 1;

/** The one schema of HomeSight's settings. Every section is owned by its module. */
export const configSchema = z.strictObject({
  version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION).describe('config format version'),
  device_id: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, "_" or "-" (used in MQTT topics)')
    .default('homesight')
    .describe("this device's id in MQTT topics and the fleet"),
  household: householdSchema,
  log: logSchema,
  paths: pathsSchema,
  health: healthSchema,
  system: systemSchema,
  ffmpeg: ffmpegSchema,
  cameras: camerasSchema.default({}),
  recordings: live(recordingsSchema),
  memory: memorySchema,
  vision: visionSchema,
  agent: agentSchema,
  mqtt: mqttSchema,
  learning: learningSchema,
  fleet: fleetSchema,
  watches: watchesSchema,
  presence: presenceSchema,
  recaps: recapsSchema,
  mcp: mcpSchema,
});

export type HomeSightConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type CameraConfig = HomeSightConfig['cameras'][string];

/**
 * What the daemon runs with when no config file is given: the looping plaza
 * clip and a still "entrance" camera (a photo of a person enrolled from
 * another photo of him) as file cameras, the embedded MQTT broker, models from
 * paths.models_dir. The plaza's faces are 4–20 px (too small to recognise),
 * so the entrance camera is where the default shows identities.
 */
export const EMBEDDED_DEFAULT: ConfigInput = {
  cameras: {
    demo: {
      room: 'plaza',
      source: { kind: 'file', path: 'vtest.avi', loop: true, realtime: true },
      detect: { width: 768, height: 576, fps: 5 },
      record: { enabled: true, segment_seconds: 60, format: 'mkv', retain_days: 1 },
    },
    entrance: {
      room: 'entrance',
      source: { kind: 'file', path: 'obama2.jpg', loop: true, realtime: true },
      detect: { width: 313, height: 600, fps: 2 },
      record: { enabled: false },
    },
  },
  household: {
    rooms: ['plaza', 'entrance'],
    people: [{ name: 'Barack', relation: 'neighbour', faces: ['obama.jpg'] }],
  },
};
