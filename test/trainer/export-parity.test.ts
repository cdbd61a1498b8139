/**
 * Export parity: a tiny planner trained from scratch by train_planner.py and exported as GGUF F32, F16, Q8_0 and
 * Q4_0 loads in node-llama-cpp, and llama.cpp's per-token NLL of held-out targets equals torch's (model.py on
 * the file's weights, score_gguf.py): within 1e-3 nats per token for F32 (the trained weights exactly) and F16,
 * within 2e-2 for Q8_0 (llama.cpp also quantizes the activations to 8 bits in its Q8_0 matmuls). The cost of
 * quantization itself (torch on F32 vs llama.cpp on F16/Q8_0/Q4_0) is reported and bounded.
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { getLlama, type LlamaModel, type Token } from 'node-llama-cpp';
import t from 'tap';
import { exitMessage, plannerPython, runTrainPlanner, SCORE_GGUF, TINY_MODEL, tempDir, writeTinyCorpus } from './support/planner.js';

const py = plannerPython();
const FULL_DISTRIBUTION = { temperature: 1, topK: 0, topP: 1, minP: 0 } as const;

interface Scored {
  ids: number[];
  start: number;
  nll: number[];
}

/** llama.cpp's -log p of every target token (and EOS) given everything before it, for BOS + prompt + target + EOS. */
async function llamaNll(model: LlamaModel, samples: { prompt: string; target: string }[]): Promise<Scored[]> {
  const ctx = await model.createContext({ contextSize: 512, batchSize: 512, threads: 1 });
  try {
    const seq = ctx.getSequence();
    const out: Scored[] = [];
    for (const s of samples) {
      const prompt = [...model.tokenize(s.prompt)];
      const ids = [model.tokens.bos as Token, ...prompt, ...model.tokenize(s.target), model.tokens.eos as Token];
      const start = 1 + prompt.length;
      await seq.clearHistory();
      const input = ids
        .slice(0, -1)
        .map((tok, i) => (i >= start - 1 ? ([tok, { generateNext: { probabilities: true, options: FULL_DISTRIBUTION } }] as const) : tok));
      const res = await seq.controlledEvaluate(input as Parameters<typeof seq.controlledEvaluate>[0]);
      const nll: number[] = [];
      for (let i = start - 1; i < ids.length - 1; i++)
        nll.push(-Math.log(Math.max(res[i]?.next.probabilities?.get(ids[i + 1] as Token) ?? 0, 1e-30)));
      out.push({ ids: ids as number[], start, nll });
    }
    return out;
  } finally {
    await ctx.dispose();
  }
}

const maxAbs = (a: Scored[], b: Scored[]) =>
  Math.max(...a.flatMap((s, i) => s.nll.map((v, k) => Math.abs(v - (b[i]?.nll[k] ?? Number.NaN)))));
const mean = (a: Scored[]) => a.flatMap((s) => s.nll).reduce((x, y) => x + y, 0) / a.flatMap((s) => s.nll).length;

t.test('GGUF exports: llama.cpp NLL per token = torch NLL per token', { skip: 'skip' in py ? py.skip : false }, async (t) => {
  if (!('python' in py)) return;
  const dir = tempDir(t);
  const corpus = writeTinyCorpus(dir);
  const out = join(dir, 'run');
  const r = runTrainPlanner(py.python, [
    '--corpus',
    corpus.dir,
    '--out',
    out,
    ...TINY_MODEL,
    '--steps',
    '40',
    '--eval-every',
    '20',
    '--export',
    'f32,f16,q8_0,q4_0',
    '--quiet',
  ]);
  t.equal(r.status, 0, exitMessage(r));
  const start = r.lines.find((l) => l.type === 'start');
  t.ok(typeof start?.['params'] === 'number' && (start['params'] as number) < 200_000, `tiny model: ${start?.['params']} parameters`);
  const samples = corpus.val.slice(0, 6).map(({ prompt, target }) => ({ prompt, target }));

  const torchScores = (file: string): Scored[] => {
    const res = spawnSync(py.python, [SCORE_GGUF, file], {
      input: JSON.stringify(samples),
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    t.equal(res.status, 0, exitMessage(res));
    return JSON.parse(res.stdout) as Scored[];
  };
  const llama = await getLlama({ gpu: false, logLevel: 'error' as never });
  t.teardown(() => llama.dispose());
  const torchF32 = torchScores(join(out, 'planner-custom-f32.gguf'));
  t.ok(
    mean(torchF32) < Math.log(600) - 0.5,
    `the model learnt something: torch NLL ${mean(torchF32).toFixed(3)} < uniform ${Math.log(600).toFixed(3)}`,
  );

  const bounds: Record<string, { sameWeights: number; vsF32Mean: number }> = {
    f32: { sameWeights: 1e-3, vsF32Mean: 1e-3 },
    f16: { sameWeights: 1e-3, vsF32Mean: 5e-3 },
    q8_0: { sameWeights: 2e-2, vsF32Mean: 2e-2 },
    q4_0: { sameWeights: 5e-2, vsF32Mean: 0.25 },
  };
  for (const [kind, bound] of Object.entries(bounds)) {
    const file = join(out, `planner-custom-${kind}.gguf`);
    const model = await llama.loadModel({ modelPath: file });
    try {
      const byLlama = await llamaNll(model, samples);
      const byTorch = kind === 'f32' ? torchF32 : torchScores(file);
      t.same(
        byLlama.map((s) => s.ids),
        byTorch.map((s) => s.ids),
        `${kind}: same token ids in llama.cpp and the trainer`,
      );
      const d = maxAbs(byLlama, byTorch);
      const q = Math.abs(mean(byLlama) - mean(torchF32));
      t.comment(
        `${kind}: ${byLlama.flatMap((s) => s.nll).length} target tokens, ` +
          `max |Δ| per token vs torch on the same weights ${d.toExponential(2)}, ` +
          `mean NLL llama.cpp ${mean(byLlama).toFixed(5)} vs torch F32 ${mean(torchF32).toFixed(5)} ` +
          `(Δ ${q.toExponential(2)})`,
      );
      t.ok(d <= bound.sameWeights, `${kind}: per-token NLL within ${bound.sameWeights} of torch (${d.toExponential(2)})`);
      t.ok(q <= bound.vsF32Mean, `${kind}: mean NLL within ${bound.vsF32Mean} of the trained F32 model (${q.toExponential(2)})`);
    } finally {
      await model.dispose();
    }
  }
});
