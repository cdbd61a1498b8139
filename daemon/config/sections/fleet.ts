import { z } from 'zod';
import { secretFile } from './common.js';

/** An ed25519 public key as base64 of its 32 raw bytes (what `scripts/make-bundle keygen` prints). */
export const ed25519PublicKey = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, 'base64 of a 32-byte ed25519 public key (44 characters ending in "=")')
  .describe('ed25519 public key, base64 of the 32 raw bytes');

export const fleetSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('accept signed update bundles and config pushes over MQTT'),
    releases_dir: z.string().default('releases').describe('installed versions, releases/<version>; relative to paths.data_dir'),
    current_link: z
      .string()
      .default('current')
      .describe('symlink to the running release (switched atomically); relative to paths.data_dir; point the systemd unit at it'),
    inbox_dir: z
      .string()
      .default('fleet-inbox')
      .describe('local bundle paths given in an update command must lie inside this folder; relative to paths.data_dir'),
    trusted_keys: z.array(ed25519PublicKey).default([]).describe('ed25519 public keys that may sign update bundles'),
    keep: z.number().int().min(2).default(3).describe('releases kept on disk (the running one and the previous one are never removed)'),
    health_window_s: z.number().min(1).default(120).describe('a new version must report healthy within this time, or it is rolled back'),
    self_check_timeout_s: z.number().min(1).max(3600).default(120).describe("bound for the bundle's self-check command"),
    service: z
      .string()
      .regex(/^[A-Za-z0-9@_.:-]+\.service$/, 'a systemd unit name ending in .service')
      .default('homesight.service')
      .describe('systemd unit restarted to switch versions'),
    config_file: z
      .string()
      .optional()
      .describe('file that config pushes replace; default: the file the daemon was started with (HOMESIGHT_CONFIG)'),
    download: z
      .strictObject({
        max_mb: z.number().min(1).default(2048).describe('bundles larger than this are refused'),
        timeout_s: z.number().min(1).default(600),
        ca_file: secretFile.optional().describe('extra CA (PEM) trusted for HTTPS bundle URLs'),
      })
      .prefault({}),
  })
  .prefault({});

export type FleetConfig = z.infer<typeof fleetSchema>;
