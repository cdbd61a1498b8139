import { z } from 'zod';
import { live } from '../live.js';
import { port } from './common.js';

export const logSchema = z
  .strictObject({
    level: live(
      z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('log level; changeable at runtime (SIGHUP)'),
    ),
    pretty: z
      .union([z.literal('auto'), z.boolean()])
      .default('auto')
      .describe('pretty output; auto = only on a TTY, JSON otherwise (journald)'),
  })
  .prefault({});

export const pathsSchema = z
  .strictObject({
    data_dir: z.string().default('var/data').describe('state: database, gallery, adapters (systemd: StateDirectory)'),
    cache_dir: z.string().default('var/cache').describe('rebuildable caches: TensorRT engines (systemd: CacheDirectory)'),
    recordings_dir: z.string().default('var/recordings').describe('recorded segments'),
    models_dir: z.string().default('models').describe('ONNX/GGUF model files (scripts/fetch-models.sh fills it)'),
    media_dir: z.string().default('media').describe('media for file cameras given with a relative path'),
  })
  .prefault({});

export const healthSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1').describe('bind address of /healthz and /metrics; loopback by default'),
    port: port.default(8731).describe('0 picks a free port (tests)'),
  })
  .prefault({});

export const systemSchema = z
  .strictObject({
    stop_timeout_ms: z.number().int().min(100).max(120_000).default(10_000).describe('bound for each module stop on SIGTERM'),
    start_timeout_ms: z.number().int().min(100).max(600_000).default(120_000).describe('bound for each module start'),
    probe_timeout_ms: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(2_000)
      .describe('a module whose health() takes longer is stuck; the watchdog stops pinging'),
    probe_interval_ms: z
      .number()
      .int()
      .min(50)
      .max(60_000)
      .default(5_000)
      .describe('how often modules are probed when not under a systemd watchdog'),
    extensions: z
      .array(z.strictObject({ path: z.string().describe('ES module exporting createModule(ctx)'), essential: z.boolean().default(false) }))
      .default([])
      .describe('external modules loaded from files (like zigbee2mqtt external extensions)'),
  })
  .prefault({});
