/** Contract between the bench runner and each capability's benchmarks. */
export interface BenchContext {
  /** ../shared (models, media), or HOMESIGHT_SHARED_DIR. */
  sharedDir: string;
  /** bench/results */
  resultsDir: string;
  /** Scratch folder for this bench (deleted afterwards unless --keep). */
  workDir: string;
  /** --quick: smaller sizes for a smoke run. */
  quick: boolean;
  /** Progress for long runs: a message and a fraction 0..1 (or null when unknown). */
  progress(message: string, fraction: number | null): void;
}

export interface BenchResult {
  /** Measured values with their units in the key name, e.g. `insert_events_per_s`, `query_p95_ms`. */
  metrics: Record<string, number | string | boolean>;
  /** Ratios against the bare library doing the same work (ours / bare; 1.0 = no overhead). */
  ratios: Record<string, number>;
  /** Targets from the issue, checked against metrics/ratios: `{key, op, value}`. */
  targets?: Array<{ key: string; op: '<=' | '>='; value: number }>;
  notes?: string[];
}

export interface Bench {
  /** File name of its result: bench/results/<name>.json */
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
