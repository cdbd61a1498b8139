import { pino } from 'pino';
import { loadCliConfig, printProblems, type CliCommand } from '../../daemon/cli.js';
import { ConfigError } from '../../daemon/config/index.js';
import { EXIT, HomeSightError } from '../../daemon/system/index.js';

const benchFooter = (n: number): string => `${n} problem(s) in the benchmark declarations`;

/** `homesight bench JOB.yaml`: runs an Ianvs-style benchmarking job and writes its leaderboard and report. */
export const benchCommand: CliCommand = {
  name: 'bench',
  usage: 'bench JOB.yaml [--limit N] [--only ALG] [--force]',
  summary: 'run a benchmarking job (leaderboard + HTML report)',
  options: {
    parallel: { type: 'string', short: 'p' },
    force: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    config: { type: 'string', short: 'c' },
    workspace: { type: 'string', short: 'w' },
    limit: { type: 'string' },
    'no-progress': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
  },
  async run(values, positionals) {
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) {
      process.stderr.write(
        'usage: homesight bench JOB.yaml [--parallel N] [--limit N] [--only ALG]... ' +
          '[--force] [--workspace DIR] [--config FILE] [--no-progress] [--log-level LEVEL]\n',
      );
      return EXIT.USAGE;
    }
    let parallel: number | undefined;
    if (typeof values.parallel === 'string') {
      parallel = Number(values.parallel);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) {
        process.stderr.write(`homesight bench: --parallel must be a whole number 1..64 (got ${values.parallel})\n`);
        return EXIT.USAGE;
      }
    }
    let limit: number | undefined;
    if (typeof values.limit === 'string') {
      limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        process.stderr.write(`homesight bench: --limit must be a whole number ≥ 1 (got ${values.limit})\n`);
        return EXIT.USAGE;
      }
    }
    const level = String(values['log-level'] ?? 'warn');
    const log = pino({ level, base: { module: 'bench' } }, pino.destination({ dest: 2, sync: true }));
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // Loaded on demand: the harness pulls in vega, which other commands do not need.
    const { runBenchmarkJob, BenchConfigError, progressBar, silentProgress } = await import('../harness/index.js');
    try {
      const loaded = loadCliConfig(values.config, { footer: benchFooter });
      if (typeof loaded === 'number') return loaded;
      const config = loaded.config;
      const showProgress = values['no-progress'] !== true;
      const result = await runBenchmarkJob(file, {
        ...(parallel === undefined ? {} : { parallel }),
        force: values.force === true,
        ...(typeof values.workspace === 'string' ? { workspace: values.workspace } : {}),
        ...(limit === undefined ? {} : { limit }),
        ...(Array.isArray(values.only) ? { only: values.only } : {}),
        signal: controller.signal,
        log,
        progress: showProgress ? progressBar(process.stderr) : silentProgress,
        config,
      });
      const s = result.story;
      process.stdout.write(`\n${result.job.name}: ${result.cases.length} test case(s)\n\n${s.table}\n\n`);
      for (const c of result.cases.filter((x) => x.error !== null)) process.stdout.write(`did not run: ${c.label}: ${c.error}\n`);
      process.stdout.write(
        `leaderboard: ${s.markdown}\nreport:      ${s.html}\nrank csv: ` +
          `   ${s.selectedRankCsv}${s.allRankCsv === null ? '' : `, ${s.allRankCsv}`}\n`,
      );
      return result.failed > 0 ? EXIT.FAILURE : EXIT.OK;
    } catch (err) {
      if (err instanceof BenchConfigError || err instanceof ConfigError) {
        printProblems(err.problems, benchFooter);
        return EXIT.CONFIG;
      }
      if (err instanceof HomeSightError) {
        process.stderr.write(`homesight bench: ${err.message}${err.hint === undefined ? '' : `\n  hint: ${err.hint}`}\n`);
        return err.code === 'E_BENCH_ABORTED' ? EXIT.INTERRUPTED : EXIT.FAILURE;
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
