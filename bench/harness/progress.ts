import cliProgress from 'cli-progress';

/** Progress of a benchmark run, counted in plan() calls. */
export interface BenchProgress {
  start(total: number): void;
  /** `n` more plan() calls are done (cached ones count too). */
  advance(n: number, caseLabel: string): void;
  stop(): void;
}

export const silentProgress: BenchProgress = { start() {}, advance() {}, stop() {} };

/** A cli-progress bar on stderr (redrawn in place on a TTY, a line every few seconds otherwise). */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): BenchProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'bench {bar} {percentage}% | {value}/{total} plans | {case} | ETA {eta_formatted}',
      hideCursor: stream.isTTY === true,
      noTTYOutput: stream.isTTY !== true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start(total) {
      bar.start(total, 0, { case: '' });
    },
    advance(n, caseLabel) {
      bar.increment(n, { case: caseLabel });
    },
    stop() {
      bar.stop();
    },
  };
}
