import { z } from 'zod';

/**
 * Standing watches ("tell me when Opa gets up"): how many may be active, their defaults, and what a
 * notification carries. Watches themselves are created by requests (agent, MQTT watch/*, MCP, CLI) and live in
 * the memory database, not in the config.
 */
export const watchesSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('evaluate standing watches on vision events and serve watch/* on MQTT'),
    max_active: z.number().int().min(1).max(100_000).default(5000).describe('more active watches are refused (E_WATCH_LIMIT)'),
    default_hours: z
      .number()
      .min(0.1)
      .max(24 * 365)
      .default(24)
      .describe('validity of a watch whose request names no window'),
    default_cooldown_s: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(300)
      .describe('quiet time after a watch fires, unless the request says'),
    snapshot_max_bytes: z
      .number()
      .int()
      .min(0)
      .max(4_194_304)
      .default(262_144)
      .describe('larger event snapshots are left out of notifications (0: never attach one)'),
  })
  .prefault({});

export type WatchesConfig = z.infer<typeof watchesSchema>;
