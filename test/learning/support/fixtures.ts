import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPlanSample, toJsonl } from '../../../daemon/contracts/index.js';
import type { EvalSample } from '../../../daemon/learning/adapters/index.js';
import { STORY_LINES, garbageLines, householdPlans, type PlanSplits } from './plans.js';

export const SHARED_DIR = process.env['HOMESIGHT_SHARED_DIR'] ?? fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const BASE_MODEL = join(SHARED_DIR, 'models', 'stories260K.gguf');
export const BASE_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';
export const MAKE_BASE_VARIANT = fileURLToPath(new URL('./make_base_variant.py', import.meta.url));

/** A temp folder removed when the test ends. */
export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'hs-learning-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface DataFiles {
  splits: PlanSplits;
  train: string;
  heldout: string;
  regression: string;
  garbage: string;
  heldoutSamples: EvalSample[];
  regressionSamples: EvalSample[];
  storySamples: EvalSample[];
}

/** Writes the household plan splits (and garbage text) as JSONL into dir. */
export function writeData(dir: string, seed = 7): DataFiles {
  const splits = householdPlans(seed);
  const write = (name: string, rows: object[]) => {
    const p = join(dir, name);
    writeFileSync(p, toJsonl(rows));
    return p;
  };
  const toSamples = (rows: object[]): EvalSample[] =>
    rows.map((r) => ({ ...formatPlanSample(r as Record<string, unknown>), meta: { record: r } }));
  return {
    splits,
    train: write('train.jsonl', splits.train),
    heldout: write('heldout.jsonl', splits.heldout),
    regression: write('regression.jsonl', splits.regression),
    garbage: write(
      'garbage.jsonl',
      garbageLines(3, 48).map((text) => ({ text })),
    ),
    heldoutSamples: toSamples(splits.heldout),
    regressionSamples: toSamples(splits.regression),
    storySamples: STORY_LINES.map((text) => ({ prompt: '', completion: text })),
  };
}

export function signingKeys(): { privateKey: KeyObject; publicKeyPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}
