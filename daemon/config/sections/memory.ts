import { z } from 'zod';

export const memorySchema = z
  .strictObject({
    db_file: z.string().default('homesight.db').describe('SQLite file; relative to paths.data_dir'),
    event_retain_days: z.number().min(0).default(30).describe('events older than this are deleted (0 = keep)'),
    batch_ms: z.number().int().min(1).max(10_000).default(250).describe('event writes are batched into one transaction this often'),
    batch_max: z.number().int().min(1).max(100_000).default(1000),
  })
  .prefault({});
