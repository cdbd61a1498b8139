/**
 * ROUGE-1, ROUGE-2 and ROUGE-L F-measures, as Google's `rouge_score` package
 * computes them (the package behind Hugging Face `load_metric("rouge")`,
 * which TaskBench's evaluate.py uses for the task-decomposition stage).
 *
 * Tokenisation (rouge_score `tokenize.tokenize`, no stemmer):
 *   lower-case → replace every run of characters outside [a-z0-9] by a space →
 *   split on whitespace → keep tokens matching ^[a-z0-9]+$.
 */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(/\s+/)
    .filter((t) => /^[a-z0-9]+$/.test(t));
}

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

function fScore(overlap: number, predCount: number, refCount: number): RougeScore {
  // rouge_score: precision = overlap / max(pred, 1); recall = overlap / max(ref, 1);
  // F = 2PR / (P + R), 0 when P + R = 0.
  const precision = overlap / Math.max(predCount, 1);
  const recall = overlap / Math.max(refCount, 1);
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fmeasure };
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/**
 * ROUGE-N between a prediction and a reference.
 *   overlap = Σ_g min(count_pred(g), count_ref(g)) over n-grams g
 *   P = overlap / max(#pred n-grams, 1), R = overlap / max(#ref n-grams, 1), F = 2PR/(P+R)
 */
export function rougeN(prediction: string, reference: string, n: number): RougeScore {
  const pred = ngramCounts(rougeTokens(prediction), n);
  const ref = ngramCounts(rougeTokens(reference), n);
  let overlap = 0;
  let predCount = 0;
  let refCount = 0;
  for (const c of pred.values()) predCount += c;
  for (const [g, c] of ref) {
    refCount += c;
    overlap += Math.min(c, pred.get(g) ?? 0);
  }
  return fScore(overlap, predCount, refCount);
}

/** Length of the longest common subsequence of two token lists (O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly unknown[], b: readonly unknown[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * ROUGE-L (sentence level, newlines are plain whitespace):
 *   P = LCS / #pred tokens, R = LCS / #ref tokens, F = 2PR/(P+R); 0 when either side has no tokens.
 */
export function rougeL(prediction: string, reference: string): RougeScore {
  const pred = rougeTokens(prediction);
  const ref = rougeTokens(reference);
  if (pred.length === 0 || ref.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  return fScore(lcsLength(pred, ref), pred.length, ref.length);
}

export interface StepRouge {
  rouge1: number | null;
  rouge2: number | null;
  rougeL: number | null;
  /** Samples that entered the mean (gold `task_steps` not empty). */
  support: number;
}

/**
 * Step ROUGE over a corpus: each sample's `task_steps` are joined with "\n"
 * (as TaskBench does) and scored against the gold steps; the corpus value is
 * the arithmetic mean of the per-sample F-measures.
 *
 *   step_rougeX = (1/N) Σ_s F_X(join(pred_s), join(gold_s)),  N = #samples with gold steps
 *
 * TaskBench reports the bootstrap median ("mid") of `rouge_score`'s
 * BootstrapAggregator, a randomised estimate centred on this mean; the plain
 * mean is the deterministic value it estimates. Samples whose gold has no steps
 * are skipped (null when none is left).
 */
export function stepRouge(pairs: ReadonlyArray<{ gold: readonly string[]; pred: readonly string[] }>): StepRouge {
  let r1 = 0;
  let r2 = 0;
  let rl = 0;
  let n = 0;
  for (const { gold, pred } of pairs) {
    if (gold.length === 0) continue;
    const g = gold.join('\n');
    const p = pred.join('\n');
    r1 += rougeN(p, g, 1).fmeasure;
    r2 += rougeN(p, g, 2).fmeasure;
    rl += rougeL(p, g).fmeasure;
    n++;
  }
  if (n === 0) return { rouge1: null, rouge2: null, rougeL: null, support: 0 };
  return { rouge1: r1 / n, rouge2: r2 / n, rougeL: rl / n, support: n };
}
