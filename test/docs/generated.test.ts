/**
 * The generated reference docs are current: each is rendered again from its
 * source (zod config schema, tool catalog, MQTT topics) and compared with the
 * committed file. The example config also parses to the embedded default it
 * writes out.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig, parseConfigText } from '../../daemon/config/index.js';
import { REGENERATE_COMMAND, renderGeneratedDocs } from '../../scripts/docs/index.js';

const root = new URL('../../', import.meta.url).pathname;

function committed(path: string): string {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return '';
  }
}

/** The first line that differs, for a message that says where. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((line, n) => line !== y[n]);
  const at = i === -1 ? Math.min(x.length, y.length) : i;
  return `line ${at + 1}: committed ${JSON.stringify(x[at] ?? '<end>')}, generated ${JSON.stringify(y[at] ?? '<end>')}`;
}

for (const file of renderGeneratedDocs()) {
  t.test(`${file.path} is current`, async (t) => {
    const text = committed(file.path);
    const stale = `${file.path} is stale (${firstDifference(text, file.text)}); run \`${REGENERATE_COMMAND}\``;
    t.ok(text === file.text, text === file.text ? 'matches its source' : stale);
    t.ok(/generated|Generated/.test(file.text.split('\n').slice(0, 3).join('\n')), 'starts with a generated — do not edit banner');
  });
}

t.test('the example config parses to the embedded default it writes out', async (t) => {
  const example = renderGeneratedDocs().find((f) => f.path === 'config/homesight.example.yaml');
  if (example === undefined) throw new Error('no generated example config');
  const parsed = parseConfigText(example.text, 'homesight.example.yaml', { env: {} });
  t.same(parsed.config, loadConfig({ env: {} }).config);
});
