/**
 * The trainer's Python side against llama.cpp's: the SPM tokenizer read from GGUF gives the same ids as
 * node-llama-cpp's model.tokenize, the plan-text format is the same in Python and TypeScript, the GGUF
 * writer round-trips the base model byte for byte, and bad input fails with clear errors.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';
import { LocalProcessTrainer, TRAIN_SCRIPT, findPython, trainerArgs } from '../../cloud/trainer/index.js';
import { formatPlanSample } from '../../daemon/contracts/index.js';
import { BASE_MODEL, tempDir, writeData } from './support/fixtures.js';

const TOKENIZE = fileURLToPath(new URL('../../cloud/trainer/tokenize_text.py', import.meta.url));
const python = findPython();

const STRINGS = [
  'Once upon a time, there was a little girl named Lily.',
  'Question: Who was in the kitchen between 7 pm and 8 pm?\nPlan:\n',
  '{"task_nodes":[{"task":"query_events","arguments":{"room":"living room","after":"19:00"}}],"task_links":[]}',
  '  leading and  double  spaces ',
  'tabs\tand\nnewlines\n\n',
  'Ünïcødé — “quotes” 日本語 😀',
  'a',
  ' ',
  'x_y-z <node-0> 1234567890',
  'The cat sat. The dog ran! Did they play?',
];

t.test('SPM tokenizer agrees with llama.cpp on every string', async (t) => {
  const r = spawnSync(python, [TOKENIZE, BASE_MODEL], { input: JSON.stringify(STRINGS), encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as number[][];
  const llama = await getLlama({ gpu: false, logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath: BASE_MODEL });
  t.teardown(async () => {
    await model.dispose();
    await llama.dispose();
  });
  let agree = 0;
  STRINGS.forEach((s, i) => {
    const ref = [...model.tokenize(s)];
    if (JSON.stringify(ref) === JSON.stringify(py[i])) agree++;
    t.same(py[i], ref, `tokens of ${JSON.stringify(s).slice(0, 40)}`);
  });
  t.comment(`tokenizer agreement: ${agree}/${STRINGS.length} strings identical to node-llama-cpp 3.21.1`);
});

t.test('plan-text format is the same in TypeScript and in train_lora.py', async (t) => {
  const dir = tempDir(t);
  const data = writeData(dir);
  const extra = join(dir, 'mixed.jsonl');
  const rows = [
    data.splits.train[0],
    { user_request: '  Who came home?  ', plan: { task_links: [], task_nodes: [{ task: 'query_events', arguments: ['porch'] }] } },
    { prompt: 'P:\n', completion: 'C' },
    { text: 'just text' },
  ];
  writeFileSync(extra, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const r = spawnSync(
    python,
    [TRAIN_SCRIPT, '--base', BASE_MODEL, '--data', extra, '--out', join(dir, 'x.gguf'), '--dry-run', '--print-samples', '4'],
    {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    },
  );
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; prompt?: string; completion?: string; loss?: number });
  const samples = lines.filter((l) => l.type === 'sample');
  t.equal(samples.length, 4);
  rows.forEach((row, i) => {
    const ts = formatPlanSample(row as Record<string, unknown>);
    t.same({ prompt: samples[i]?.prompt, completion: samples[i]?.completion }, ts, `sample ${i} formatted identically`);
  });
  t.equal(formatPlanSample(rows[1] as Record<string, unknown>).prompt, 'Question: Who came home?\nPlan:\n');
  t.ok(
    lines.some((l) => l.type === 'start' && typeof l.loss === 'number' && (l.loss as number) > 0),
    'dry run scores the data',
  );
  t.throws(() => formatPlanSample({ foo: 1 }), /plan record/);
});

t.test('GGUF writer round-trips the base model byte for byte', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'copy.gguf');
  const code = [
    'import sys; sys.path.insert(0, sys.argv[1])',
    'from gguf import GGUFWriter, read_gguf',
    'g = read_gguf(sys.argv[2]); w = GGUFWriter(g.alignment); w.copy_metadata(g)',
    'for x in g.tensors: w.add_raw_tensor(x.name, x.shape, x.ggml_type, g.raw_tensor(x.name))',
    'w.write(sys.argv[3])',
  ].join('\n');
  const r = spawnSync(python, ['-B', '-c', code, fileURLToPath(new URL('../../cloud/trainer/', import.meta.url)), BASE_MODEL, out], {
    encoding: 'utf8',
  });
  t.equal(r.status, 0, r.stderr);
  t.ok(readFileSync(out).equals(readFileSync(BASE_MODEL)), 'identical bytes');
});

t.test('trainer input errors are reported with codes', async (t) => {
  const dir = tempDir(t);
  const data = writeData(dir);
  const trainer = new LocalProcessTrainer({ python });
  const job = { baseModel: BASE_MODEL, dataFile: data.train, outFile: join(dir, 'a.gguf'), steps: 2, rank: 2, alpha: 4, seed: 0 };
  await t.rejects(trainer.train({ ...job, dataFile: join(dir, 'nope.jsonl') }), { code: 'E_TRAIN_INPUT', message: /nope\.jsonl/ });
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"question": "q"}\n');
  await t.rejects(trainer.train({ ...job, dataFile: bad }), { code: 'E_TRAIN_INPUT', message: /bad\.jsonl:1: .*plan record/ });
  const notGguf = join(dir, 'not.gguf');
  writeFileSync(notGguf, 'hello');
  await t.rejects(trainer.train({ ...job, baseModel: notGguf }), { code: 'E_TRAIN_INPUT', message: /not a GGUF file/ });
  await t.rejects(trainer.train({ ...job, targets: ['attn_qq'] }), { code: 'E_TRAIN_INPUT', message: /unknown/ });
  t.throws(() => findPython('/nonexistent/python3'), { code: 'E_TRAINER_PYTHON' });
  t.same(trainerArgs({ ...job, lr: 0.01, targets: ['attn_q', 'output'] }, 1).slice(-6), [
    '--lr',
    '0.01',
    '--targets',
    'attn_q,output',
    '--threads',
    '1',
  ]);
  const ac = new AbortController();
  const p = trainer.train({ ...job, steps: 100000 }, () => ac.abort(), ac.signal);
  await t.rejects(p, { code: 'E_TRAINER_ABORTED' }, 'abort stops a running training');
});
