/**
 * The reference trainer for real: LoRA on stories260K (CPU torch) over household plans, through the
 * Trainer seam (local process and command template), the GGUF adapter read back and loaded by
 * node-llama-cpp, and the held-out gold-plan NLL measured by llama.cpp with and without the adapter.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { CommandTemplateTrainer, LocalProcessTrainer, findPython, type TrainProgress } from '../../cloud/trainer/index.js';
import { LlamaAdapterRuntime, NllEvaluator, readAdapterFileInfo, sha256File } from '../../daemon/learning/adapters/index.js';
import { BASE_MODEL, BASE_SHA256, tempDir, writeData } from './support/fixtures.js';

const STEPS = 120;

t.test('train a LoRA adapter on plans, load it in node-llama-cpp, gold plans get likelier', async (t) => {
  const dir = tempDir(t);
  const data = writeData(dir);
  const out = join(dir, 'household.gguf');
  const progress: TrainProgress[] = [];
  const trainer = new LocalProcessTrainer({ threads: 1 });
  const t0 = Date.now();
  const r = await trainer.train(
    {
      baseModel: BASE_MODEL,
      dataFile: data.train,
      evalFile: data.heldout,
      outFile: out,
      steps: STEPS,
      rank: 8,
      alpha: 16,
      seed: 1,
      lr: 5e-3,
      batch: 4,
    },
    (p) => progress.push(p),
  );
  const trainMs = Date.now() - t0;
  t.comment(
    `trained ${r.steps} steps in ${r.trainSeconds}s (total ${trainMs} ms, ` +
      `backend ${r.backend}/${r.device}): loss ${r.lossStart.toFixed(3)} -> ${r.lossEnd.toFixed(3)}, ` +
      `held-out NLL ${r.evalNllStart?.toFixed(3)} -> ${r.evalNllEnd?.toFixed(3)}`,
  );

  // progress lines arrive in order and the loss falls
  t.equal(progress.length, STEPS / 10, 'one progress line per 10 steps');
  t.same(
    progress.map((p) => p.step),
    Array.from({ length: STEPS / 10 }, (_, i) => (i + 1) * 10),
  );
  t.ok(r.lossEnd < r.lossStart * 0.25, `training loss fell a lot (${r.lossStart.toFixed(3)} -> ${r.lossEnd.toFixed(3)})`);
  const first = progress[0] as TrainProgress;
  const last = progress.at(-1) as TrainProgress;
  t.ok(last.lossEma < first.lossEma, 'smoothed step loss fell during training');
  t.ok(r.evalNllEnd !== null && r.evalNllStart !== null && r.evalNllEnd < r.evalNllStart, 'held-out NLL fell in the trainer');

  // the file is a llama.cpp LoRA adapter with the right metadata and shapes
  t.ok(existsSync(out));
  t.equal(r.sha256, await sha256File(out), 'reported sha256 is the file digest');
  t.equal(r.baseSha256, BASE_SHA256, 'trainer recorded the base model digest');
  const info = await readAdapterFileInfo(out);
  t.equal(info.generalType, 'adapter');
  t.equal(info.adapterType, 'lora');
  t.equal(info.architecture, 'llama');
  t.equal(info.alpha, 16);
  t.equal(info.baseSha256, BASE_SHA256);
  t.equal(info.tensors.size, (5 * 7 + 1) * 2, '5 layers x 7 projections + the LM head, each lora_a and lora_b');
  const base = await readGgufFileInfo(BASE_MODEL, {
    logWarnings: false,
    ignoreKeys: ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type'],
  });
  const baseDims = new Map((base.tensorInfo ?? []).map((x) => [x.name, x.dimensions.map(Number)]));
  for (const name of ['blk.0.attn_q.weight', 'blk.3.attn_k.weight', 'blk.4.ffn_down.weight', 'output.weight']) {
    const w = baseDims.get(name) as number[];
    t.same(info.tensors.get(`${name}.lora_a`), [w[0], 8], `${name}.lora_a ne = [n_in, rank]`);
    t.same(info.tensors.get(`${name}.lora_b`), [8, w[1]], `${name}.lora_b ne = [rank, n_out]`);
  }

  // llama.cpp (node-llama-cpp 3.21.1) loads it; the gold plans become likelier
  const runtime = await LlamaAdapterRuntime.load({ modelPath: BASE_MODEL, threads: 1, contextSize: 512 });
  t.teardown(() => runtime.dispose());
  const ev = new NllEvaluator();
  const t1 = Date.now();
  const without = await runtime.withTarget(null, (tg) => ev.evaluate(tg, data.heldoutSamples));
  const t2 = Date.now();
  const withA = await runtime.withTarget({ id: 'household', file: out }, (tg) => ev.evaluate(tg, data.heldoutSamples));
  const t3 = Date.now();
  const nllBase = without.details['mean_nll'] as number;
  const nllAdapter = withA.details['mean_nll'] as number;
  t.comment(
    `llama.cpp held-out gold-plan NLL: base ${nllBase.toFixed(4)} -> adapter ${nllAdapter.toFixed(4)} ` +
      `nats/token over ${withA.details['tokens']} tokens (eval ${t2 - t1} ms / ${t3 - t2} ms)`,
  );
  t.ok(nllAdapter < nllBase / 4, 'adapter cuts the held-out gold-plan NLL to under a quarter');
  // the torch forward pass and llama.cpp agree on the same numbers (tokenizer, RoPE, GQA, LoRA layout)
  t.ok(
    Math.abs(nllBase - (r.evalNllStart as number)) < 0.05,
    `base NLL: llama.cpp ${nllBase.toFixed(4)} vs torch ${r.evalNllStart?.toFixed(4)}`,
  );
  t.ok(
    Math.abs(nllAdapter - (r.evalNllEnd as number)) < 0.05,
    `adapter NLL: llama.cpp ${nllAdapter.toFixed(4)} vs torch ${r.evalNllEnd?.toFixed(4)}`,
  );

  // generation with the adapter writes plan JSON, the base model writes a story
  const gen = async (file: string | null) =>
    runtime.withTarget(file === null ? null : { id: 'g', file }, async (tg) => {
      const m = tg.model;
      const tokens = [m.tokens.bos as number, ...m.tokenize(data.heldoutSamples[0]?.prompt ?? '')];
      const outTokens: number[] = [];
      for await (const tok of tg.sequence.evaluate(tokens as never, { temperature: 0 })) {
        outTokens.push(tok);
        if (outTokens.length >= 64 || tok === m.tokens.eos) break;
      }
      return m.detokenize(outTokens as never);
    });
  const textBase = await gen(null);
  const textAdapter = await gen(out);
  t.comment(`greedy continuation, base: ${JSON.stringify(textBase)}`);
  t.comment(`greedy continuation, adapter: ${JSON.stringify(textAdapter)}`);
  t.match(textAdapter, /^\{"task_nodes":\[\{"task":"query_events","arguments":\{"/, 'with the adapter the model writes a TaskBench plan');
  t.notMatch(textBase, /^\{"task_nodes"/, 'without it, it does not');
});

t.test('CommandTemplateTrainer runs the same trainer through an argv template', async (t) => {
  const dir = tempDir(t);
  const data = writeData(dir);
  const out = join(dir, 'tpl.gguf');
  const python = findPython();
  const trainer = new CommandTemplateTrainer({
    template: ['env', 'OMP_NUM_THREADS=1', '{python}', '{script}', '{args}', '--log-every', '5'],
    python,
  });
  const job = { baseModel: BASE_MODEL, dataFile: data.train, outFile: out, steps: 20, rank: 4, alpha: 8, seed: 3, batch: 2, maxLen: 96 };
  t.same(trainer.command(job).slice(0, 3), ['env', 'OMP_NUM_THREADS=1', python]);
  t.ok(trainer.command(job).includes('--rank') && trainer.command(job).includes('96'), '{args} expands to the trainer arguments');
  const steps: number[] = [];
  const r = await trainer.train(job, (p) => steps.push(p.step));
  t.same(steps, [5, 10, 15, 20]);
  t.ok(r.lossEnd < r.lossStart, `loss fell (${r.lossStart.toFixed(3)} -> ${r.lossEnd.toFixed(3)})`);
  t.equal((await readAdapterFileInfo(out)).tensors.size, 72);
  t.throws(() => new CommandTemplateTrainer({ template: ['x', '{nope}'] }).command(job), { code: 'E_TRAINER_COMMAND' });
  // the command ran but left no file where the caller expects it
  const lost = new CommandTemplateTrainer({ template: ['{python}', '{script}', '{args}', '--out', join(dir, 'elsewhere.gguf')], python });
  await t.rejects(lost.train({ ...job, outFile: join(dir, 'missing.gguf'), steps: 4 }), { code: 'E_TRAINER_OUTPUT' });
});
