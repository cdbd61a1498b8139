import { z } from 'zod';

export const fleetSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    releases_dir: z.string().default('releases').describe('relative to paths.data_dir'),
    trusted_keys: z.array(z.string()).default([]).describe('ed25519 public keys that may sign update bundles'),
    keep: z.number().int().min(1).default(3),
    health_window_s: z.number().min(1).default(120),
  })
  .prefault({});
