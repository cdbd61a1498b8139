/**
 * Test tiers (like node-llama-cpp's): which test files need more than `npm ci` gives.
 *
 * - standalone: Node and node_modules only (plus ../shared models and media, skipped visibly when absent).
 * - system: needs the system binaries of scripts/test-packages.txt (mosquitto, openssl, ffmpeg, GStreamer's
 *   RTSP server, chromium, systemd-analyze, Python with torch/numpy/sentencepiece).
 * - root: needs uid 0 as well (mounts a tmpfs); skipped visibly when not root.
 *
 * Every test file is in exactly one tier: the files that match a ROOT or SYSTEM pattern, else standalone.
 * test/tooling/tiers.test.ts checks that no pattern is stale and that a standalone file (with the local files
 * it imports) names none of the system binaries. A new test that needs one goes into SYSTEM here.
 * Patterns are repository paths; `*` matches within one folder, `**` across folders.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const TIER_NAMES = ['standalone', 'system', 'root'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export const ROOT: readonly string[] = ['test/faults/diskfull.test.ts'];

export const SYSTEM: readonly string[] = [
  // mosquitto (MQTT v5, TLS with openssl's test CA, mosquitto_passwd)
  'test/mqtt/availability.test.ts',
  'test/mqtt/buffering.test.ts',
  'test/mqtt/embedded.test.ts',
  'test/mqtt/mosquitto.test.ts',
  'test/agent/mqtt.test.ts',
  'test/watches/mosquitto.test.ts',
  // whole daemons with cameras, brokers and RTSP servers
  'test/faults/*.test.ts',
  // ffmpeg, GStreamer's RTSP server (Python gi)
  'test/ingest/*.test.ts',
  'test/agent/vision.test.ts',
  'test/dataset/activity.test.ts',
  'test/vision/activity-clip.test.ts',
  'test/vision/graph-models.test.ts',
  'test/vision/daemon.test.ts',
  'test/vision/module.test.ts',
  // chromium (headless report rendering)
  'test/bench/report.test.ts',
  // python3 (sd_notify receiver), systemd-analyze
  'test/system/notify.test.ts',
  'test/system/systemd.test.ts',
  // Python with torch, numpy, sentencepiece (cloud/trainer)
  'test/learning/adapter-trust.test.ts',
  'test/learning/trainer-tokenizer.test.ts',
  'test/learning/trainer-train.test.ts',
  'test/learning/lifelong-drift.test.ts',
  'test/learning/adapter-new-name.test.ts',
  'test/trainer/**/*.test.ts',
  // PostgreSQL 15 (initdb, pg_ctl: the teacher store and its replicas)
  'test/cloud/store-postgres.test.ts',
  'test/cloud/replicas.test.ts',
];

function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .split('**/')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${body}$`);
}

export function matches(file: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => patternRegExp(p).test(file));
}

/** The tier of a test file given as a repository path (test/…/x.test.ts). */
export function tierOf(file: string): TierName {
  if (matches(file, ROOT)) return 'root';
  if (matches(file, SYSTEM)) return 'system';
  return 'standalone';
}

/** Every test file tap runs (its include pattern: every *.test.ts under test/), as sorted repository paths. */
export function testFiles(repo: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(repo, dir), { withFileTypes: true }).flatMap((e) => {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(path);
      return e.name.endsWith('.test.ts') ? [path] : [];
    });
  return walk('test').sort();
}
