/**
 * train_planner.py as a tool: JSON progress lines, loss on target tokens falls, the training report (json, md,
 * svg curves), determinism per seed, checkpoints and --resume continuing bit for bit (a run stopped at step 12
 * and resumed to 24 exports the same F32 GGUF as a straight run to 24), and input errors with codes.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { exitMessage, plannerPython, runTrainPlanner, TINY_MODEL, type TrainerLine, tempDir, writeTinyCorpus } from './support/planner.js';

const py = plannerPython();
const skip = 'skip' in py ? py.skip : false;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const ofType = (lines: TrainerLine[], type: string) => lines.filter((l) => l.type === type);

t.test('progress, report, determinism and resume', { skip }, async (t) => {
  if (!('python' in py)) return;
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir, 240, 16, 3);
  // one tokenizer for all runs, so the runs differ only in how they trained
  const common = [...TINY_MODEL, '--export', 'f32', '--eval-every', '6', '--log-every', '3', '--quiet'];
  const straight = join(dir, 'straight');
  const withBar = common.filter((x) => x !== '--quiet');
  const a = runTrainPlanner(py.python, ['--corpus', corpus.dir, '--out', straight, ...withBar, '--steps', '24', '--ckpt-every', '100']);
  t.equal(a.status, 0, exitMessage(a));
  const tokenizer = join(straight, 'tokenizer.model');
  t.match(a.stderr, /\] 24\/24 loss [\d.]+ [\d,]+ tok\/s elapsed \d+:\d\d:\d\d ETA \d+:\d\d:\d\d/, 'progress bar with ETA on stderr');

  // progress lines
  t.same(
    ofType(a.lines, 'step').map((l) => l['step']),
    [3, 6, 9, 12, 15, 18, 21, 24],
    'a step line every --log-every steps',
  );
  t.same(
    ofType(a.lines, 'eval').map((l) => l['step']),
    [6, 12, 18, 24],
    'validation NLL every --eval-every steps',
  );
  t.same(
    ofType(a.lines, 'checkpoint').map((l) => l['step']),
    [24],
    'checkpoint at the end',
  );
  const steps = ofType(a.lines, 'step');
  const firstLoss = steps[0]?.['loss_ema'] as number;
  const lastLoss = steps.at(-1)?.['loss_ema'] as number;
  t.ok(lastLoss < firstLoss, `training loss (EMA) fell: ${firstLoss.toFixed(3)} -> ${lastLoss.toFixed(3)}`);
  const evals = ofType(a.lines, 'eval').map((l) => l['val_nll'] as number);
  t.ok((evals.at(-1) as number) < (evals[0] as number), `validation NLL fell: ${evals.map((v) => v.toFixed(3)).join(' ')}`);
  const done = ofType(a.lines, 'done')[0];
  t.ok(done, 'a done line');

  // report
  const report = JSON.parse(readFileSync(join(straight, 'report.json'), 'utf8')) as {
    model: { params: number };
    training: { step: number; tokens_per_s: number };
    curves: { train: [number, number][]; val: [number, number][] };
    exports: { file: string; sha256: string }[];
    tokenizer: { vocab: number };
  };
  t.equal(report.training.step, 24);
  t.equal(report.curves.val.length, 4);
  t.equal(report.exports[0]?.sha256, sha(join(straight, 'planner-custom-f32.gguf')), 'report records the export digest');
  t.match(readFileSync(join(straight, 'report.md'), 'utf8'), /\| parameters \| [\d,]+ /);
  const svg = readFileSync(join(straight, 'loss.svg'), 'utf8');
  t.match(svg, /^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.equal((svg.match(/<polyline/g) ?? []).length, 2, 'train and validation curves');

  // same seed, same tokenizer -> the same bytes
  const again = join(dir, 'again');
  const b = runTrainPlanner(py.python, [
    '--corpus',
    corpus.dir,
    '--out',
    again,
    ...common,
    '--steps',
    '24',
    '--ckpt-every',
    '100',
    '--tokenizer',
    tokenizer,
  ]);
  t.equal(b.status, 0, exitMessage(b));
  t.equal(sha(join(again, 'planner-custom-f32.gguf')), sha(join(straight, 'planner-custom-f32.gguf')), 'deterministic per seed');

  // stop at 12 (as if killed after the checkpoint), then resume to 24
  const split = join(dir, 'split');
  const c1 = runTrainPlanner(py.python, [
    '--corpus',
    corpus.dir,
    '--out',
    split,
    ...common,
    '--steps',
    '24',
    '--ckpt-every',
    '12',
    '--tokenizer',
    tokenizer,
    '--stop-at',
    '12',
  ]);
  t.equal(c1.status, 0, exitMessage(c1));
  t.same(
    ofType(c1.lines, 'checkpoint').map((l) => l['step']),
    [12],
  );
  t.notOk(existsSync(join(split, 'planner-custom-f32.gguf')), 'a stopped run exports nothing');
  const c2 = runTrainPlanner(py.python, [
    '--corpus',
    corpus.dir,
    '--out',
    split,
    ...common,
    '--steps',
    '24',
    '--ckpt-every',
    '12',
    '--tokenizer',
    tokenizer,
    '--resume',
  ]);
  t.equal(c2.status, 0, exitMessage(c2));
  t.equal(ofType(c2.lines, 'start')[0]?.['from_step'], 12, 'resumed from step 12');
  t.same(
    ofType(c2.lines, 'step').map((l) => l['step']),
    [15, 18, 21, 24],
  );
  t.equal(
    sha(join(split, 'planner-custom-f32.gguf')),
    sha(join(straight, 'planner-custom-f32.gguf')),
    'resumed run = straight run, bit for bit',
  );
  const splitReport = JSON.parse(readFileSync(join(split, 'report.json'), 'utf8')) as typeof report;
  t.same(splitReport.curves, report.curves, 'the report carries the curves across the resume');
});

t.test('bad input fails with E_TRAIN_INPUT', { skip }, async (t) => {
  if (!('python' in py)) return;
  const dir = tempDir(t);
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"prompt": "q"}\n');
  const r = runTrainPlanner(py.python, ['--corpus', bad, '--out', join(dir, 'o'), ...TINY_MODEL, '--steps', '2']);
  t.equal(r.status, 2);
  t.match(r.lines.at(-1), { type: 'error', code: 'E_TRAIN_INPUT', message: /bad\.jsonl:1: .*prompt and target/ });
  const missing = runTrainPlanner(py.python, ['--corpus', join(dir, 'nope'), '--out', join(dir, 'o'), ...TINY_MODEL]);
  t.match(missing.lines.at(-1), { type: 'error', code: 'E_TRAIN_INPUT', message: /nope/ });
  const corpus = writeTinyCorpus(dir, 20, 4);
  const odd = runTrainPlanner(py.python, [
    '--corpus',
    corpus.dir,
    '--out',
    join(dir, 'o'),
    '--dim',
    '60',
    '--layers',
    '1',
    '--heads',
    '4',
    '--ff',
    '64',
    '--steps',
    '1',
  ]);
  t.match(odd.lines.at(-1), { type: 'error', code: 'E_TRAIN_INPUT', message: /multiples of 32/ });
});

t.test('--benchmark times training steps and reports tokens/s', { skip }, async (t) => {
  if (!('python' in py)) return;
  const r = runTrainPlanner(py.python, [
    '--benchmark',
    '0.01',
    // one step whatever the machine's speed (a fast step would otherwise fit a second into 10 ms)
    '--benchmark-steps',
    '1',
    '--dim',
    '64',
    '--layers',
    '1',
    '--heads',
    '2',
    '--ff',
    '64',
    '--batch',
    '2',
    '--max-len',
    '32',
  ]);
  t.equal(r.status, 0, exitMessage(r));
  const bench = ofType(r.lines, 'bench').at(-1);
  t.match(bench, { type: 'bench', threads: 1, batch: 2, seq: 32, steps: 1 });
  t.ok((bench?.['tokens_per_s'] as number) > 0 && (bench?.['tokens_per_cpu_s'] as number) > 0, 'tokens/s and tokens per CPU-second');
});
