#!/usr/bin/env node
// No source line over 140 characters (issue 16, "Tooling"): TypeScript, JavaScript, Python and shell files
// tracked by git (test fixtures and benchmark results are data, not source). Biome's formatter wraps code at
// 140 (biome.json); what it cannot wrap (long strings, comments, Python, shell) is counted here.
//   node scripts/check-lines.mjs              exit 1 and list every long line when there is one
//   node scripts/check-lines.mjs --warn-only  one summary line, exit 0 (until the tree-wide format pass)
//   node scripts/check-lines.mjs --md         Markdown as well
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 140;
const args = new Set(process.argv.slice(2));
const SOURCE = /\.(ts|mts|js|mjs|cjs|py|sh)$/;
const SKIP = /(^|\/)(fixtures|node_modules)\/|^bench\/results\//;
const SCRIPTS = new Set(['.ci/run', 'scripts/make-bundle']);

const root = new URL('../', import.meta.url).pathname;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !SKIP.test(f) && (SOURCE.test(f) || SCRIPTS.has(f) || (args.has('--md') && f.endsWith('.md'))));

const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(root + file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the working tree
  }
  text.split('\n').forEach((line, i) => {
    // Characters, not UTF-16 units: "→" and "≤" count once.
    const length = [...line].length;
    if (length > LIMIT) long.push({ file, line: i + 1, length });
  });
}

const byFile = new Set(long.map((l) => l.file)).size;
if (long.length === 0) {
  process.stdout.write(`check-lines: no line over ${LIMIT} characters in ${files.length} files\n`);
} else if (args.has('--warn-only')) {
  process.stdout.write(
    `check-lines: ${long.length} lines over ${LIMIT} characters in ${byFile} of ${files.length} files (not enforced yet)\n`,
  );
} else {
  for (const l of long) process.stderr.write(`${l.file}:${l.line}: ${l.length} characters\n`);
  process.stderr.write(`check-lines: ${long.length} lines over ${LIMIT} characters in ${byFile} files\n`);
  process.exit(1);
}
