/**
 * Writes the lifelong drift set: `npx tsx bench/jobs/lifelong-drift/build-data.ts [--out var/datasets/lifelong-drift]
 * [--seed 19019] [--households 6] [--rounds 5] [--per-round 40] [--test-share 0.3]` (see data.ts and the DATASHEET.md
 * it writes).
 */
import { parseArgs } from 'node:util';
import { buildDriftDataset, DEFAULT_DRIFT } from './data.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'var/datasets/lifelong-drift' },
    seed: { type: 'string' },
    households: { type: 'string' },
    rounds: { type: 'string' },
    'per-round': { type: 'string' },
    'test-share': { type: 'string' },
  },
});
const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
const r = await buildDriftDataset({
  ...DEFAULT_DRIFT,
  seed: num(values.seed, DEFAULT_DRIFT.seed),
  households: num(values.households, DEFAULT_DRIFT.households),
  rounds: num(values.rounds, DEFAULT_DRIFT.rounds),
  perRound: num(values['per-round'], DEFAULT_DRIFT.perRound),
  testShare: num(values['test-share'], DEFAULT_DRIFT.testShare),
  out: values.out,
});
process.stderr.write(`wrote ${r.samples} samples and ${r.events.length} drift events to ${values.out}\n`);
