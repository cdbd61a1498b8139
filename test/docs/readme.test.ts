/** The README stays an entrance (what HomeSight is, the two commands, a minimal config, where to read on); the manual is in docs/. */

import { readFileSync } from 'node:fs';
import t from 'tap';

const MAX_LINES = 150;

t.test(`README.md has at most ${MAX_LINES} lines`, async (t) => {
  const lines = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    .trimEnd()
    .split('\n').length;
  t.ok(lines <= MAX_LINES, `README.md has ${lines} lines; move detail into docs/`);
});
