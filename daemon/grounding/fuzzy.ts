/**
 * Bounded Damerau-Levenshtein (optimal string alignment) for misspelled
 * names: "kitchin", "livng room", "Sofie". The bound grows with length so
 * short words never match loosely ("tom" is not "tim").
 */

/** Edit distance with adjacent transpositions; returns `limit + 1` as soon as it must exceed `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push(new Array<number>(b.length + 1).fill(0));
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    const prev = rows[i - 1]!;
    row[0] = i;
    let best = row[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
  }
  return rows[a.length]![b.length]!;
}

/** Edits a misspelling of a `length`-letter name may have: none up to 4 letters, one up to 7, two beyond. */
export function allowedEdits(length: number): number {
  if (length <= 4) return 0;
  if (length <= 7) return 1;
  return 2;
}

/**
 * Whether `typed` is `name` with two neighbouring letters swapped after the first ("gaet" for "gate"): the one
 * misspelling a short name (4 letters, no edits otherwise) may have.
 */
export function swappedLetters(typed: string, name: string): boolean {
  if (typed.length !== name.length || typed.length < 4 || typed[0] !== name[0]) return false;
  for (let i = 1; i < typed.length - 1; i++) {
    if (typed[i] === name[i]) continue;
    return typed[i] === name[i + 1] && typed[i + 1] === name[i] && typed.slice(i + 2) === name.slice(i + 2) && typed[i] !== typed[i + 1];
  }
  return false;
}
