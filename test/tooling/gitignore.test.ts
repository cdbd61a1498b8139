/**
 * .gitignore lists only what is built or generated at run time: no file that is tracked (docs, benchmark
 * results, fixtures) may match an ignore pattern, or a fresh clone and the working tree would disagree.
 */
import { spawnSync } from 'node:child_process';
import t from 'tap';

const repo = new URL('../../', import.meta.url).pathname;

t.test(
  'no tracked file is ignored',
  { skip: spawnSync('git', ['-C', repo, 'rev-parse'], { stdio: 'ignore' }).status !== 0 && 'not a git checkout' },
  async (t) => {
    const r = spawnSync('git', ['-C', repo, 'ls-files', '--cached', '--ignored', '--exclude-standard'], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    t.same(
      r.stdout.split('\n').filter((f) => f !== ''),
      [],
      'tracked but matched by .gitignore',
    );
  },
);
