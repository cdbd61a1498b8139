/** The README stays an entrance (what HomeSight is, the two commands, a minimal config, where to read on); the manual is in docs/. */

import { readFileSync } from 'node:fs';
import t from 'tap';
import { ConfigError, parseConfigText } from '../../daemon/config/index.js';

const MAX_LINES = 150;
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

t.test(`README.md has at most ${MAX_LINES} lines`, async (t) => {
  const lines = readme.trimEnd().split('\n').length;
  t.ok(lines <= MAX_LINES, lines <= MAX_LINES ? `${lines} lines` : `README.md has ${lines} lines; move detail into docs/`);
});

t.test("the README's minimal config is valid (its secret files aside, which exist only on a device)", async (t) => {
  const block = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no yaml block');
  try {
    parseConfigText(block, 'README.md', { env: {} });
    t.pass('parses');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const other = err.problems.filter((p) => !p.message.startsWith('secret file not found'));
    t.same(other, [], 'no problem but the missing secret files');
  }
});
