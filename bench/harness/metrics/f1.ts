export { setF1, type PRF } from '../agent.js';

/**
 * python-Levenshtein's `ratio(a, b)` on sequences (InDel based: a substitution
 * costs 2): ratio = (|a| + |b| − indel(a, b)) / (|a| + |b|) = 2·LCS(a, b) / (|a| + |b|);
 * 1 for two empty sequences.
 */
export function levenshteinRatio(a: readonly unknown[], b: readonly unknown[]): number {
  const total = a.length + b.length;
  if (total === 0) return 1;
  // LCS by dynamic programming (same value as the InDel distance formulation).
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return (2 * prev[b.length]!) / total;
}

/**
 * Normalised edit distance of the node sequences (TaskBench "ed"):
 *
 *   ED = 1 − (1/N) Σ_s ratio(ids(pred_s), ids(gold_s))
 *
 * where ids() maps each tool name to its 1-based index in the vocabulary and
 * any unknown name to 0 (as evaluate.py's `tool_map.get(name, 0)`: two
 * different unknown names compare equal). Without a vocabulary every distinct
 * name is its own symbol. Order-sensitive; lower is better; null for N = 0.
 */
export function editDistance(
  pairs: ReadonlyArray<{ gold: readonly string[]; pred: readonly string[] }>,
  vocabulary?: readonly string[],
): number | null {
  if (pairs.length === 0) return null;
  const index = vocabulary === undefined ? null : new Map(vocabulary.map((n, i) => [n, i + 1]));
  const ids = (names: readonly string[]): Array<string | number> => (index === null ? [...names] : names.map((n) => index.get(n) ?? 0));
  let sum = 0;
  for (const { gold, pred } of pairs) sum += levenshteinRatio(ids(pred), ids(gold));
  return 1 - sum / pairs.length;
}

/**
 * Percentile with linear interpolation between closest ranks (numpy's default,
 * "type 7"): h = (n − 1)·p/100, value = x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋) over the sorted values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const xs = [...values].sort((a, b) => a - b);
  const h = ((xs.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, xs.length - 1);
  return xs[lo]! + (h - lo) * (xs[hi]! - xs[lo]!);
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
