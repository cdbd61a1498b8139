import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = new URL('../../', import.meta.url).pathname;
const fixtures = join(repo, 'test/bench/fixtures');
const cli = join(repo, 'bin/homesight.js');

function setup(dir: string, delayMs: number): { job: string; trace: string } {
  const trace = join(dir, 'trace.txt');
  writeFileSync(trace, '');
  writeFileSync(
    join(dir, 'job.yaml'),
    `benchmarkingjob:
  name: resume
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object: {type: algorithms, algorithms: [{name: A, url: ./a.yaml}, {name: B, url: ./b.yaml}]}
  rank: {sort_by: [{node_f1: descend}]}
`,
  );
  writeFileSync(
    join(dir, 'testenv.yaml'),
    `testenv:\n  dataset: {test_url: ${fixtures}/q2a/q2a.jsonl}\n  metrics: [{name: node_f1}, {name: latency_p50_ms}]\n`,
  );
  for (const tag of ['A', 'B']) {
    writeFileSync(
      join(dir, `${tag.toLowerCase()}.yaml`),
      `algorithm:
  paradigm_type: singletasklearning
  modules:
    - type: planner
      name: slow
      url: ${fixtures}/slow-planner.ts
      hyperparameters: [{tag: {values: [${tag}]}}, {delay_ms: {values: [${delayMs}]}}]
`,
    );
  }
  return { job: join(dir, 'job.yaml'), trace };
}

function traceLines(trace: string, tag: string): string[] {
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${tag} `));
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function caseDir(ws: string, alg: string): string {
  const base = join(ws, 'resume', alg);
  return join(base, readdirSync(base)[0]!);
}

t.test('killed mid-run (SIGKILL): the rerun reuses the finished case and the recorded plans', async (t) => {
  const dir = t.testdir();
  const { job, trace } = setup(dir, 150);
  const child = spawn(process.execPath, [cli, 'bench', job, '--no-progress'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOMESIGHT_TEST_TRACE: trace },
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const done = exited(child);
  // A (5 samples) finished and B has planned at least two samples: kill it hard.
  await waitFor(() => traceLines(trace, 'A').length === 5 && traceLines(trace, 'B').length >= 2, 45_000);
  child.kill('SIGKILL');
  t.equal((await done).signal, 'SIGKILL');
  const ws = join(dir, 'ws');
  t.ok(existsSync(join(caseDir(ws, 'A'), 'done.json')), 'A finished before the kill');
  t.notOk(existsSync(join(caseDir(ws, 'B'), 'done.json')), 'B was interrupted');
  const bBefore = traceLines(trace, 'B').length;

  const rerun = spawnSync(process.execPath, [cli, 'bench', job, '--no-progress'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HOMESIGHT_TEST_TRACE: trace },
  });
  t.equal(rerun.status, 0, rerun.stderr);
  t.equal(traceLines(trace, 'A').length, 5, 'A was not planned again');
  const bAfter = traceLines(trace, 'B').length;
  // Plans recorded before the kill are reused; at most the one in flight when killed is redone.
  t.ok(bAfter >= 5 && bAfter <= 6, `B planned ${bBefore} before the kill and ${bAfter} in all`);
  t.equal(new Set(traceLines(trace, 'B')).size, 5, 'every B sample planned');
  const board = JSON.parse(readFileSync(join(ws, 'resume/rank/leaderboard.json'), 'utf8')) as {
    cases: Array<{ label: string; cached: boolean; supports: { samples: number } }>;
  };
  t.same(
    board.cases.map((c) => [c.label, c.cached, c.supports.samples]),
    [
      ['A', true, 5],
      ['B', false, 5],
    ],
  );
  t.match(rerun.stdout, /\| 1 \| A \|/);
});

t.test('SIGINT stops the run cleanly (exit 130, hint to rerun) and the rerun completes', async (t) => {
  const dir = t.testdir();
  const { job, trace } = setup(dir, 100);
  const child = spawn(process.execPath, [cli, 'bench', job, '--no-progress'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOMESIGHT_TEST_TRACE: trace },
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = exited(child);
  await waitFor(() => traceLines(trace, 'A').length >= 2, 45_000);
  child.kill('SIGINT');
  t.equal((await done).code, 130);
  t.match(stderr, /interrupted/);
  t.match(stderr, /hint: run the job again/);
  const rerun = spawnSync(process.execPath, [cli, 'bench', job, '--no-progress'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HOMESIGHT_TEST_TRACE: trace },
  });
  t.equal(rerun.status, 0, rerun.stderr);
  t.equal(new Set(traceLines(trace, 'A')).size, 5);
  t.ok(traceLines(trace, 'A').length <= 6, 'A resumed from its recorded plans');
});
