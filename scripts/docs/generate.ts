/**
 * `npm run docs`: writes the generated reference docs (configuration, example
 * config, agent tools, MQTT topics) from their sources in daemon/.
 * `--check` writes nothing and exits 1 when a committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REGENERATE_COMMAND, renderGeneratedDocs } from './index.js';

const root = new URL('../../', import.meta.url).pathname;

function current(path: string): string | null {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return null;
  }
}

function main(): number {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  let stale = 0;
  for (const file of renderGeneratedDocs()) {
    if (current(file.path) === file.text) continue;
    if (values.check) {
      process.stderr.write(`${file.path} is stale\n`);
      stale++;
    } else {
      writeFileSync(join(root, file.path), file.text);
      process.stdout.write(`wrote ${file.path}\n`);
    }
  }
  if (stale > 0) process.stderr.write(`run \`${REGENERATE_COMMAND}\` to regenerate\n`);
  return stale > 0 ? 1 : 0;
}

process.exitCode = main();
