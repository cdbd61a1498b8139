/**
 * Nearest-rank percentile, the rule the latency benches report (harness/metrics' percentile interpolates instead):
 * the value at ⌊p/100·n⌋ of the sorted values, the last one at most; NaN for none.
 */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}
