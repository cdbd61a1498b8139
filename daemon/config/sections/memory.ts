import { z } from 'zod';
import { live } from '../live.js';

export const memorySchema = z
  .strictObject({
    db_file: z.string().default('homesight.db').describe('SQLite file; relative to paths.data_dir'),
    event_retain_days: live(
      z
        .number()
        .min(0)
        .default(30)
        .describe(
          'events that ended longer ago are deleted, with their snapshots (0 = keep); ' +
            'never less than the longest cameras.*.record.retain_days',
        ),
    ),
    batch_ms: z.number().int().min(1).max(10_000).default(250).describe('event writes are batched into one transaction this often'),
    batch_max: z.number().int().min(1).max(100_000).default(1000).describe('…or as soon as this many events are waiting'),
    integrity_check: z
      .enum(['auto', 'full', 'quick', 'off'])
      .default('auto')
      .describe(
        'check at start: full = PRAGMA integrity_check, quick = quick_check (several times faster), ' +
          'auto = full up to 1 GiB, quick above; a corrupt file is moved aside',
      ),
    cache_mb: z.number().min(1).max(4096).default(32).describe('SQLite page cache in MiB'),
    retention_interval_s: live(z.number().min(10).max(86_400).default(3600).describe('how often event retention runs')),
    delete_snapshots: live(z.boolean().default(true).describe('delete the snapshot JPEG of an event removed by retention')),
  })
  .prefault({});
