import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { HomeSightError, asHomeSightError, isErrorCode } from '../../daemon/system/index.js';
import { ERROR_CODES } from '../../daemon/system/error-codes.js';

/**
 * The registry in daemon/system/error-codes.ts is the one list of error codes. The compiler holds
 * HomeSightError to it; this test covers what the compiler cannot see: codes in plain objects typed as
 * string, in Python (the trainer's JSON lines), and codes left in the registry after their last use.
 */

const repo = new URL('../../', import.meta.url).pathname;
const ROOTS = ['daemon', 'cloud', 'bench'];
const REGISTRY = 'daemon/system/error-codes.ts';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '__pycache__') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|py)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Quoted `E_*` literals per file; a prefix such as 'E_MODEL_' (used with startsWith) is not a code. */
function codesInTree(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const root of ROOTS) {
    for (const file of sourceFiles(join(repo, root))) {
      const rel = relative(repo, file);
      if (rel === REGISTRY) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/['"`](E_[A-Z0-9_]*[A-Z0-9])['"`]/g)) {
        const code = m[1]!;
        found.set(code, [...(found.get(code) ?? []), rel]);
      }
    }
  }
  return found;
}

t.test('every E_* code in daemon/, cloud/ and bench/ is in the registry', async (t) => {
  const unlisted = [...codesInTree()]
    .filter(([code]) => !isErrorCode(code))
    .map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`);
  t.same(unlisted, [], `add these to ${REGISTRY} with a one-line meaning`);
});

t.test('every registered code is still used somewhere', async (t) => {
  const used = codesInTree();
  const unused = Object.keys(ERROR_CODES).filter((code) => !used.has(code));
  t.same(unused, [], `remove these from ${REGISTRY} (or raise them again)`);
});

t.test('each meaning is one short line', async (t) => {
  const bad = Object.entries(ERROR_CODES).filter(([, meaning]) => meaning.length < 10 || meaning.length > 120 || meaning.includes('\n'));
  t.same(bad, [], 'meanings of 10..120 characters on one line');
});

t.test('asHomeSightError keeps registered codes and files any other code under context.cause_code', async (t) => {
  const registered = asHomeSightError(Object.assign(new Error('gone'), { code: 'E_MEMORY_NO_DB' }), 'E_INTERNAL');
  t.equal(registered.code, 'E_MEMORY_NO_DB');
  const errno = asHomeSightError(Object.assign(new Error('no such file'), { code: 'ENOENT' }), 'E_MODULE_START');
  t.equal(errno.code, 'E_MODULE_START');
  t.same(errno.context, { cause_code: 'ENOENT' });
  t.equal(asHomeSightError('plain').code, 'E_INTERNAL');
  const own = new HomeSightError('E_BUSY', 'busy');
  t.equal(asHomeSightError(own, 'E_INTERNAL'), own);
  t.equal(isErrorCode('E_NOT_A_CODE'), false);
});
