import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { BenchConfigError, loadBenchmarkJob } from '../../bench/harness/index.js';
import type { ConfigProblem } from '../../daemon/config/index.js';

const repo = new URL('../../', import.meta.url).pathname;
const fixtures = join(repo, 'test/bench/fixtures');

const JOB = `benchmarkingjob:
  name: "j"
  workspace: "./ws"
  testenv: "./testenv.yaml"
  test_object:
    type: "algorithms"
    algorithms:
      - name: "a"
        url: "./alg.yaml"
  rank:
    sort_by: [{node_f1: descend}]
`;
const TESTENV = `testenv:
  dataset:
    test_url: "${fixtures}/q2a/q2a.jsonl"
  metrics:
    - name: node_f1
    - name: v_f1
`;
const ALG = `algorithm:
  paradigm_type: singletasklearning
  modules:
    - type: planner
      name: replay
      hyperparameters:
        - file: {values: ["${fixtures}/q2a/damaged.jsonl"]}
`;

function jobDir(tt: { testdir(content: Record<string, string>): string }, files: { job?: string; testenv?: string; alg?: string }): string {
  return tt.testdir({ 'job.yaml': files.job ?? JOB, 'testenv.yaml': files.testenv ?? TESTENV, 'alg.yaml': files.alg ?? ALG });
}

function problems(dir: string): ConfigProblem[] {
  try {
    loadBenchmarkJob(join(dir, 'job.yaml'));
  } catch (err) {
    if (err instanceof BenchConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a BenchConfigError');
}

t.test('a valid job resolves paths against each file and fills Ianvs defaults', async (t) => {
  const dir = jobDir(t, {});
  const job = loadBenchmarkJob(join(dir, 'job.yaml'));
  t.equal(job.workspace, join(dir, 'ws'));
  t.equal(job.testenv.file, join(dir, 'testenv.yaml'));
  t.equal(job.algorithms[0]!.planner.name, 'replay');
  t.same(job.algorithms[0]!.planner.hyperparameters, [{ key: 'file', values: [`${fixtures}/q2a/damaged.jsonl`] }]);
  t.same(job.rank.selected, { paradigms: ['all'], modules: ['all'], hyperparameters: ['all'], metrics: ['all'] });
  t.equal(job.rank.saveMode, 'selected_and_all');
  t.equal(job.parallel, 1);
});

t.test('unknown key: file, line, column, key path and a hint', async (t) => {
  const ps = problems(jobDir(t, { job: JOB + '    sortby: x\n' }));
  t.equal(ps.length, 1);
  t.match(ps[0], { line: 12, column: 5, path: 'benchmarkingjob.rank.sortby', message: 'unknown key "sortby"' });
  t.match(ps[0]!.source, /job\.yaml$/);
  t.ok(ps[0]!.hint);
});

t.test('wrong value lists what is allowed', async (t) => {
  const ps = problems(jobDir(t, { job: JOB.replace('type: "algorithms"', 'type: "models"') }));
  t.match(ps[0], { line: 6, column: 11, path: 'benchmarkingjob.test_object.type', found: '"models" (string)', allowed: '"algorithms"' });
  t.match(ps[0]!.hint, /only test object type/);
});

t.test('sort_by must name a metric of the testenv; the problem points at the key', async (t) => {
  const ps = problems(jobDir(t, { job: JOB.replace('{node_f1: descend}', '{edge_f1: descend}') }));
  t.match(ps[0], { line: 11, column: 16, path: 'benchmarkingjob.rank.sort_by.0.edge_f1', allowed: 'node_f1, v_f1' });
  t.match(ps[0]!.hint, /add \{name: edge_f1\}/);
});

t.test('a missing testenv file is reported where the job names it', async (t) => {
  const ps = problems(jobDir(t, { job: JOB.replace('./testenv.yaml', './nope.yaml') }));
  t.match(ps[0], { line: 4, column: 12, path: 'benchmarkingjob.testenv', message: /file not found: .*nope\.yaml/ });
});

t.test('unknown metric names list the built-ins; a custom metric needs a url that exists', async (t) => {
  const ps = problems(jobDir(t, { testenv: TESTENV + '    - name: accuracy\n    - name: mine\n      url: ./mine.ts\n' }));
  t.equal(ps.length, 2);
  t.match(ps[0], { line: 7, path: 'testenv.metrics.2.name', message: 'unknown metric "accuracy"' });
  t.match(ps[0]!.allowed, /node_f1, edge_f1/);
  t.match(ps[0]!.allowed, /BWT/);
  t.match(ps[1], { line: 9, column: 12, path: 'testenv.metrics.3.url', message: /metric module not found/ });
});

t.test('algorithm: paradigm, planner name, hyperparameter shape, updater placement, replay file', async (t) => {
  const ps = problems(
    jobDir(t, {
      alg: `algorithm:
  paradigm_type: federatedlearning
  modules:
    - type: planner
      name: gpt
`,
    }),
  );
  t.match(ps[0], { line: 2, column: 18, path: 'algorithm.paradigm_type', message: /singletasklearning and lifelonglearning/ });

  const ps2 = problems(
    jobDir(t, {
      alg: `algorithm:
  paradigm_type: singletasklearning
  modules:
    - type: planner
      name: gpt
      hyperparameters:
        - {a: {values: [1]}, b: {values: [2]}}
    - type: updater
      name: fewshot_memory
`,
    }),
  );
  t.match(ps2, [{ line: 7, path: 'algorithm.modules.0.hyperparameters.0', message: 'each entry must have exactly one key' }]);

  const ps3 = problems(
    jobDir(t, {
      alg: `algorithm:
  paradigm_type: singletasklearning
  modules:
    - type: planner
      name: gpt
    - type: updater
      name: fewshot_memory
`,
    }),
  );
  t.equal(ps3.length, 2);
  t.match(ps3[0], {
    line: 5,
    column: 13,
    path: 'algorithm.modules.0.name',
    message: '"gpt" is not a built-in planner and no url is given',
    allowed: '"replay", "local", "retrieval", "cloud"',
  });
  t.match(ps3[1], { line: 6, path: 'algorithm.modules.1.type', message: /only runs in the lifelonglearning paradigm/ });

  const ps4 = problems(jobDir(t, { alg: ALG.replace('damaged.jsonl', 'missing.jsonl') }));
  t.match(ps4[0], { line: 7, path: 'algorithm.modules.0.hyperparameters.0.file.values.0', message: /replay file not found/ });
});

t.test('problems of every file are collected in one error', async (t) => {
  const ps = problems(jobDir(t, { testenv: TESTENV.replace('node_f1', 'nodef1'), alg: ALG.replace('replay', 'nope') }));
  t.same(
    ps.map((p) => p.path).sort(),
    ['algorithm.modules.0.name', 'benchmarkingjob.rank.sort_by.0.node_f1', 'testenv.metrics.0.name'].sort(),
  );
});

t.test('YAML syntax errors have a line and column', async (t) => {
  const ps = problems(jobDir(t, { job: 'benchmarkingjob:\n  name: [j\n  workspace: x\n' }));
  t.match(ps[0], { message: /YAML syntax error/, hint: 'check indentation and quoting' });
  t.type(ps[0]!.line, 'number');
});

t.test('`homesight bench` prints one located line per problem and exits 78', async (t) => {
  const dir = jobDir(t, { job: JOB + '    sortby: x\n' });
  const r = spawnSync(process.execPath, [join(repo, 'bin/homesight.js'), 'bench', join(dir, 'job.yaml'), '--no-progress'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(r.status, 78, r.stderr);
  t.match(r.stderr, `${relative(process.cwd(), join(dir, 'job.yaml'))}:12:5: benchmarkingjob.rank.sortby: unknown key "sortby"`);
});
