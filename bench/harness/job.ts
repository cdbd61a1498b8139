import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type HomeSightConfig } from '../../daemon/config/index.js';
import { silentLogger } from '../../daemon/system/index.js';
import { agentPlannerLoader } from './agent-planners.js';
import { expandTestCases } from './cases.js';
import { planRounds, TestCaseController } from './controller.js';
import { loadBenchmarkJob, type JobDecl } from './declarations.js';
import type { AgentPlannerLoader } from './planners.js';
import { silentProgress, type BenchProgress } from './progress.js';
import { scoreCase, type CaseResult } from './scoring.js';
import { writeStory, type StoryOutputs } from './story.js';
import { loadTestEnvironment, type TestEnvironment } from './testenv.js';

export interface RunJobOptions {
  /** Concurrent plan() calls within a test case (overrides the job's `parallel`). */
  parallel?: number;
  /** Ignore cached test cases and recorded plans. */
  force?: boolean;
  /** Output folder instead of the job's workspace. */
  workspace?: string;
  /** At most this many test samples, evenly spaced (overrides the testenv's limit; a quick run). */
  limit?: number;
  /** Run only these algorithms (by name). */
  only?: string[];
  signal?: AbortSignal;
  log?: Logger;
  progress?: BenchProgress;
  /** HomeSight config for models_dir and the agent planners' defaults (default: embedded default + env). */
  config?: HomeSightConfig;
  /** Replaces the agent-backed planners (tests). */
  agentPlanners?: AgentPlannerLoader;
  /** Called as each test case finishes or loads from cache. */
  onCase?: (result: CaseResult) => void;
  now?: Date;
}

export interface JobResult {
  job: JobDecl;
  env: TestEnvironment;
  cases: CaseResult[];
  story: StoryOutputs;
  /** Test cases that could not run. */
  failed: number;
}

/**
 * Runs a benchmarking job end to end: validate the declarations, load the test
 * environment, expand and run the test cases (cached cases are reused), score
 * them and write the leaderboard and report.
 */
export async function runBenchmarkJob(file: string, o: RunJobOptions = {}): Promise<JobResult> {
  const log = o.log ?? silentLogger();
  const job = loadBenchmarkJob(resolve(file));
  if (o.workspace !== undefined) job.workspace = resolve(o.workspace);
  if (o.limit !== undefined) job.testenv.dataset.limit = o.limit;
  const env = await loadTestEnvironment(job.testenv);
  const algorithms = o.only === undefined ? job.algorithms : job.algorithms.filter((a) => o.only!.includes(a.name));
  const lifelong = algorithms.some((a) => a.paradigm === 'lifelonglearning');
  const rounds = lifelong ? planRounds(env.dataset, job.testenv.incrementalRounds).rounds : null;
  const config = o.config ?? loadConfig({ env: process.env }).config;
  const modelsDir = resolve(config.paths.models_dir);
  const cases = expandTestCases(algorithms, {
    workspace: job.workspace,
    job: job.name,
    datasetFingerprint: env.dataset.fingerprint,
    rounds,
    searchDirs: [modelsDir],
  });
  const progress = o.progress ?? silentProgress;
  const controller = new TestCaseController(cases, {
    dataset: env.dataset,
    incrementalRounds: job.testenv.incrementalRounds,
    modelEval: job.testenv.modelEval,
    parallel: o.parallel ?? job.parallel,
    force: o.force ?? false,
    signal: o.signal ?? new AbortController().signal,
    log,
    progress,
    modelsDir,
    agentPlanners: o.agentPlanners ?? agentPlannerLoader(config),
  });
  log.info({ job: job.name, cases: cases.length, test_samples: env.dataset.test.length, format: env.dataset.format }, 'benchmark started');
  progress.start(controller.totalCalls());
  const results: CaseResult[] = [];
  try {
    const runs = await controller.run();
    for (const run of runs) {
      const r = await scoreCase(run, env);
      results.push(r);
      o.onCase?.(r);
    }
  } finally {
    progress.stop();
  }
  const story = await writeStory(job, env, results, o.now);
  const failed = results.filter((r) => r.error !== null).length;
  log.info({ job: job.name, failed, report: story.html }, 'benchmark finished');
  return { job, env, cases: results, story, failed };
}
