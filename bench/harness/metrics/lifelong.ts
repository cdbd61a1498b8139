/**
 * Lifelong-learning metrics over the round × test-set score matrix.
 *
 * M has R + 1 rows and R columns (R = incremental rounds). Column j is the
 * test set of round j. Row 0 is the planner before any update (Ianvs: the model
 * after its initial training; GEM: the reference b̄), row i (1 ≤ i ≤ R) is the
 * planner after the updates of rounds 0 … i−1. A cell is the chosen model
 * metric (testenv `model_eval.model_metric`, e.g. node_f1) on that test set;
 * null when it could not be computed.
 *
 * Ianvs definitions (core/testcasecontroller/metrics/metrics.py `compute`), with
 * L = R + 1 rows; a term whose cells are null is skipped, denominators stay:
 *
 *   BWT_ianvs      = 1/R² · Σ_{i=0}^{R−1} Σ_{j=0}^{R−1} (M[i+1][j] − M[i][j])
 *   FWT_ianvs      = 1/R  · Σ_{i=0}^{R−1} (M[i][i] − M[0][i])
 *   accuracy       = 1/R² · Σ_{i=1}^{R}   Σ_{j=0}^{R−1} M[i][j]      (round-average accuracy)
 *   MATRIX         = rows 1 … R of M (an R × R matrix)
 *   task_avg_acc   = 1/R  · Σ_j M[R][j]   (final model, averaged over the tasks = rounds' test sets)
 *
 * Textbook GEM definitions (Lopez-Paz & Ranzato 2017) with R_{i,j} = M[i][j−1]
 * (after learning task i, tested on task j; tasks 1 … T, T = R) and b̄_j = M[0][j−1]:
 *
 *   ACC_gem = 1/T       · Σ_{j=1}^{T}   R_{T,j}
 *   BWT_gem = 1/(T − 1) · Σ_{j=1}^{T−1} (R_{T,j} − R_{j,j})
 *   FWT_gem = 1/(T − 1) · Σ_{j=2}^{T}   (R_{j−1,j} − b̄_j)
 *
 * (null when T = 1 or every term is null). Ianvs's BWT telescopes per column to
 * 1/R² · Σ_j (M[R][j] − M[0][j]): the final model against the initial one on every
 * task, not against the model that had just learned the task as in GEM.
 */
export type ScoreMatrix = ReadonlyArray<ReadonlyArray<number | null>>;

export interface LifelongScores {
  BWT: number | null;
  FWT: number | null;
  accuracy: number | null;
  task_avg_acc: number | null;
  MATRIX: Array<Array<number | null>>;
  BWT_GEM: number | null;
  FWT_GEM: number | null;
  ACC_GEM: number | null;
}

function checkShape(m: ScoreMatrix): number {
  const R = m.length - 1;
  if (R < 1) throw new RangeError(`lifelong matrix needs at least 2 rows (got ${m.length})`);
  for (const [i, row] of m.entries()) {
    if (row.length !== R)
      throw new RangeError(`lifelong matrix row ${i} has ${row.length} cells, expected ${R} (rows = rounds + 1, columns = rounds)`);
  }
  return R;
}

function cell(m: ScoreMatrix, i: number, j: number): number | null {
  const v = m[i]?.[j];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function ianvsBWT(m: ScoreMatrix): number | null {
  const R = checkShape(m);
  let sum = 0;
  let any = false;
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < R; j++) {
      const a = cell(m, i + 1, j);
      const b = cell(m, i, j);
      if (a === null || b === null) continue;
      sum += a - b;
      any = true;
    }
  }
  return any ? sum / (R * R) : null;
}

export function ianvsFWT(m: ScoreMatrix): number | null {
  const R = checkShape(m);
  let sum = 0;
  let any = false;
  for (let i = 0; i < R; i++) {
    const a = cell(m, i, i);
    const b = cell(m, 0, i);
    if (a === null || b === null) continue;
    sum += a - b;
    any = true;
  }
  return any ? sum / R : null;
}

export function ianvsAccuracy(m: ScoreMatrix): number | null {
  const R = checkShape(m);
  let sum = 0;
  let any = false;
  for (let i = 1; i <= R; i++) {
    for (let j = 0; j < R; j++) {
      const a = cell(m, i, j);
      if (a === null) continue;
      sum += a;
      any = true;
    }
  }
  return any ? sum / (R * R) : null;
}

export function taskAvgAcc(m: ScoreMatrix): number | null {
  const R = checkShape(m);
  const xs: number[] = [];
  for (let j = 0; j < R; j++) {
    const a = cell(m, R, j);
    if (a !== null) xs.push(a);
  }
  return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;
}

export function gemScores(m: ScoreMatrix): { ACC: number | null; BWT: number | null; FWT: number | null } {
  const T = checkShape(m);
  const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length);
  const acc: number[] = [];
  for (let j = 0; j < T; j++) {
    const a = cell(m, T, j);
    if (a !== null) acc.push(a);
  }
  const bwt: number[] = [];
  const fwt: number[] = [];
  if (T > 1) {
    // R_{T,j} − R_{j,j} for j = 1 … T−1 → M[T][j−1] − M[j][j−1]
    for (let j = 1; j <= T - 1; j++) {
      const a = cell(m, T, j - 1);
      const b = cell(m, j, j - 1);
      if (a !== null && b !== null) bwt.push(a - b);
    }
    // R_{j−1,j} − b̄_j for j = 2 … T → M[j−1][j−1] − M[0][j−1]
    for (let j = 2; j <= T; j++) {
      const a = cell(m, j - 1, j - 1);
      const b = cell(m, 0, j - 1);
      if (a !== null && b !== null) fwt.push(a - b);
    }
  }
  return { ACC: mean(acc), BWT: mean(bwt), FWT: mean(fwt) };
}

/** All lifelong scores of one matrix. */
export function lifelongScores(m: ScoreMatrix): LifelongScores {
  const R = checkShape(m);
  const gem = gemScores(m);
  return {
    BWT: ianvsBWT(m),
    FWT: ianvsFWT(m),
    accuracy: ianvsAccuracy(m),
    task_avg_acc: taskAvgAcc(m),
    MATRIX: m.slice(1, R + 1).map((row) => row.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null))),
    BWT_GEM: gem.BWT,
    FWT_GEM: gem.FWT,
    ACC_GEM: gem.ACC,
  };
}

/** Ianvs samples_transfer_ratio = #samples sent to the cloud / (#samples inferred + 1), rounded to 4 places. */
export function samplesTransferRatio(rounds: ReadonlyArray<{ inferred: number; transferred: number }>): number | null {
  if (rounds.length === 0) return null;
  let inferred = 0;
  let transferred = 0;
  for (const r of rounds) {
    inferred += r.inferred;
    transferred += r.transferred;
  }
  return Math.round((transferred / (inferred + 1)) * 10_000) / 10_000;
}
