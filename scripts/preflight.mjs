#!/usr/bin/env node
// Before the system-binaries and root tiers run (npm test, test:system, test:root): stops at once, with one
// message, when a package of scripts/test-packages.txt is not installed, instead of letting dozens of tests fail
// with `spawn mosquitto ENOENT`. `root` also requires uid 0. The standalone tier needs none of this.
//   node scripts/preflight.mjs [system|root]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const tier = process.argv[2] ?? 'system';
const list = new URL('./test-packages.txt', import.meta.url);
const specs = readFileSync(list, 'utf8')
  .split('\n')
  .map((line) => line.trim().split(/\s+/)[0] ?? '')
  .filter((spec) => spec !== '' && !spec.startsWith('#'));

const names = specs.flatMap((spec) => spec.split('|'));
const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...names], { encoding: 'utf8' });
if (query.error !== undefined) {
  process.stderr.write(
    `preflight: no dpkg-query (not Debian/Ubuntu), so the system packages in scripts/test-packages.txt are not checked\n`,
  );
} else {
  const installed = new Set(
    query.stdout
      .split('\n')
      .filter((line) => line.endsWith(' install ok installed'))
      .map((line) => line.split(' ')[0]),
  );
  const missing = specs.filter((spec) => !spec.split('|').some((p) => installed.has(p)));
  if (missing.length > 0) {
    process.stderr.write(
      `npm test: ${missing.length} system package(s) the tests need are not installed: ${missing.join(' ')}\n` +
        '  install them (and the npm dependencies) with:  npm run setup:test   (Debian/Ubuntu; uses sudo when not root)\n' +
        '  or run only the tests that need no system binaries:  npm run test:standalone\n',
    );
    process.exit(1);
  }
}
if (tier === 'root' && process.getuid?.() !== 0) {
  process.stderr.write('npm run test:root: these tests mount a tmpfs and need root; run it as root (e.g. sudo npm run test:root)\n');
  process.exit(1);
}
