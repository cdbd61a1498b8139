/**
 * Runs one test tier (test/tiers.ts) with tap: `node --import tsx scripts/test-tier.ts standalone|system|root
 * [tap options…]`. npm's test:standalone, test:system and test:root call it; `npm test` runs tap on all files.
 */
import { spawnSync } from 'node:child_process';
import { TIER_NAMES, testFiles, tierOf, type TierName } from '../test/tiers.js';

const repo = new URL('../', import.meta.url).pathname;
const [tier, ...tapArgs] = process.argv.slice(2);
if (!TIER_NAMES.includes(tier as TierName)) {
  process.stderr.write(`usage: node --import tsx scripts/test-tier.ts ${TIER_NAMES.join('|')} [tap options…]\n`);
  process.exit(64);
}
const files = testFiles(repo).filter((f) => tierOf(f) === tier);
process.stderr.write(`test tier ${tier}: ${files.length} file(s)\n`);
const tap = spawnSync(`${repo}node_modules/.bin/tap`, [...tapArgs, ...files], { cwd: repo, stdio: 'inherit' });
process.exit(tap.status ?? 1);
