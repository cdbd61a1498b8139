import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';

/** One held-out or regression example: the evaluator scores the completion given the prompt. */
export interface EvalSample {
  prompt: string;
  completion: string;
  /** Anything an evaluator may need beyond the text (the question, the gold plan for F1 metrics). */
  meta?: Record<string, unknown>;
}

/** A base model with (or without) an adapter, ready to evaluate on. Owned by the runtime: do not dispose. */
export interface EvaluationTarget {
  model: LlamaModel;
  /** A context created for this evaluation with the adapter (if any) applied as a LoRA. */
  context: LlamaContext;
  /** The context's one sequence; an evaluator clears its history before each sample. */
  sequence: LlamaContextSequence;
  /** null = the bare base model. */
  adapterId: string | null;
}

/** An evaluator's verdict on one sample set. `score` is always "higher is better". */
export interface EvalScore {
  metric: string;
  score: number;
  n: number;
  details: Record<string, number>;
}

/**
 * The seam the adoption decision uses. The default is NllEvaluator (mean negative log-likelihood of the gold
 * completions); the learning module can swap in plan metrics (node/edge/param F1 from bench/) by generating
 * plans on `target.context` and comparing them with `meta`'s gold plans.
 */
export interface AdapterEvaluator {
  readonly metric: string;
  evaluate(target: EvaluationTarget, samples: readonly EvalSample[], signal?: AbortSignal): Promise<EvalScore>;
}

/** Sampling options that leave llama.cpp's next-token distribution untouched (softmax of the logits). */
const FULL_DISTRIBUTION = { temperature: 1, topK: 0, topP: 1, minP: 0 } as const;

/**
 * Mean NLL (nats per token) of each completion given its prompt, over all samples' completion tokens, read from
 * llama.cpp's full next-token distribution (temperature 1, no top-k/top-p/min-p truncation). score = −NLL.
 * Token ids: BOS + tokenize(prompt + completion) + EOS; the completion starts where tokenize(prompt) ends.
 */
export class NllEvaluator implements AdapterEvaluator {
  readonly metric = 'neg_mean_nll';
  private readonly maxTokens: number;

  constructor(options: { maxTokens?: number } = {}) {
    this.maxTokens = options.maxTokens ?? 1024;
  }

  async evaluate(target: EvaluationTarget, samples: readonly EvalSample[], signal?: AbortSignal): Promise<EvalScore> {
    const { model, context } = target;
    const limit = Math.min(this.maxTokens, context.contextSize);
    const bos = model.tokens.bos;
    const eos = model.tokens.eos;
    let total = 0;
    let count = 0;
    let worst = 0;
    const seq = target.sequence;
    for (const s of samples) {
      signal?.throwIfAborted();
      const full: Token[] = [...(bos === null ? [] : [bos]), ...model.tokenize(s.prompt + s.completion), ...(eos === null ? [] : [eos])];
      const promptTokens: Token[] = [...(bos === null ? [] : [bos]), ...model.tokenize(s.prompt)];
      // the completion starts where the prompt's tokens stop being a prefix of the whole text's tokens
      let start = 0;
      while (start < promptTokens.length && full[start] === promptTokens[start]) start++;
      const ids = full.slice(0, limit);
      if (start >= ids.length) continue;
      await seq.clearHistory();
      const input = ids
        .slice(0, -1)
        .map((t, i) => (i >= start - 1 ? ([t, { generateNext: { probabilities: true, options: FULL_DISTRIBUTION } }] as const) : t));
      const out = await seq.controlledEvaluate(input as Parameters<typeof seq.controlledEvaluate>[0]);
      let sampleNll = 0;
      let n = 0;
      for (let i = Math.max(start - 1, 0); i < ids.length - 1; i++) {
        const p = out[i]?.next.probabilities?.get(ids[i + 1] as Token) ?? 0;
        sampleNll += -Math.log(Math.max(p, 1e-30));
        n++;
      }
      total += sampleNll;
      count += n;
      if (n > 0) worst = Math.max(worst, sampleNll / n);
    }
    await seq.clearHistory();
    const nll = count === 0 ? Number.POSITIVE_INFINITY : total / count;
    return { metric: this.metric, score: -nll, n: samples.length, details: { mean_nll: nll, tokens: count, worst_sample_nll: worst } };
  }
}
