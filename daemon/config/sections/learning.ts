import { z } from 'zod';
import { live } from '../live.js';
import { secretFile } from './common.js';

export const learningSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe('lifelong learning: hard examples go privacy-filtered to the cloud teacher, whose plans come back as pseudo-labels'),
    teacher: z
      .strictObject({
        url: z.string().url().optional().describe('cloud teacher base URL'),
        token_file: secretFile.optional().describe('file with the device token (written by `homesight learning enroll`)'),
        timeout_ms: z.number().int().min(100).default(15_000),
      })
      .prefault({}),
    upload: live(
      z
        .strictObject({
          interval_s: z.number().min(1).default(900).describe('batches go out every interval_s + random(0…jitter_s) seconds'),
          jitter_s: z.number().min(0).default(60),
          window: z
            .string()
            .regex(/^\d\d:\d\d-\d\d:\d\d$/, 'HH:MM-HH:MM')
            .optional()
            .describe('only upload inside this local time window'),
          metered: z.boolean().default(false).describe('link is metered: upload text only, no adapters download'),
          max_items: z
            .number()
            .int()
            .min(1)
            .default(5000)
            .describe('queue bound; when full, the lowest-value, then oldest samples are dropped (counted, audited)'),
          max_bytes: z.number().int().min(1024).default(50_000_000).describe('queue bound in bytes, dropped the same way'),
          batch_size: z.number().int().min(1).max(500).default(50).describe('samples per upload request'),
          backoff_s: z.number().min(0.001).default(30).describe('first retry delay after a failed upload (doubles per attempt)'),
          backoff_max_s: z.number().min(0.001).default(21_600).describe('retry delay cap'),
        })
        .prefault({}),
    ),
    mining: live(
      z
        .strictObject({
          min_logprob: z.number().max(0).default(-1.5).describe('a plan whose mean token log-prob is below this is a hard example'),
        })
        .prefault({}),
    ),
    adapters: z
      .strictObject({
        trusted_keys: z.array(z.string()).default([]).describe('ed25519 public keys (PEM or base64) that may sign adapters'),
        keep: z.number().int().min(1).default(3).describe('adopted adapters kept for rollback (the active one included)'),
        margin: z
          .number()
          .min(0)
          .default(0.01)
          .describe('an adapter must beat the current one by this much on the held-out set (evaluator score units; NLL: nats/token)'),
        regression_tolerance: z
          .number()
          .min(0)
          .default(0)
          .describe('how much worse than the current adapter the regression set may get (0 = never worse)'),
        dir: z.string().optional().describe('adapter store folder; default <paths.data_dir>/adapters'),
        scale: z.number().gt(0).max(4).default(1).describe('LoRA scale the planner applies the active adapter with'),
      })
      .prefault({}),
  })
  .prefault({});
