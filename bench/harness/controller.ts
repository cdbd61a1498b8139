import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { HomeSightError } from '../../daemon/system/index.js';
import { refuseRequest, TOOL_NAMES, type Planner, type PlanRequest } from './agent.js';
import type { TestCase } from './cases.js';
import { coercePlan, readJsonl, requestFor, type BenchSample, type LoadedDataset } from './dataset.js';
import type { EvalRecord } from './metrics/registry.js';
import { createPlanner, isSamplePlanner, type AgentPlannerLoader } from './planners.js';
import type { BenchProgress } from './progress.js';
import { createUpdater, FewShotMemoryUpdater, type UpdateReport, type Updater } from './updaters.js';

/** How the test sets split into lifelong rounds. */
export interface RoundPlan {
  rounds: number;
  train: BenchSample[][];
  test: BenchSample[][];
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  xs.forEach((x, i) => out[Math.floor((i * n) / xs.length)]!.push(x));
  return out;
}

/**
 * Rounds of a lifelong run. Samples with a `round` field (Q2A) go to their
 * round; R = incremental_rounds when given (later rounds are left out), else
 * the highest round + 1. Data without rounds (TaskBench) is cut in file order
 * into R equal contiguous parts (incremental_rounds required).
 */
export function planRounds(dataset: LoadedDataset, incrementalRounds: number | null): RoundPlan {
  const all = [...dataset.train, ...dataset.test];
  const withRounds = all.length > 0 && all.every((s) => s.round !== null);
  if (withRounds) {
    const max = Math.max(...all.map((s) => s.round!));
    const R = incrementalRounds ?? max + 1;
    const by = (xs: readonly BenchSample[]): BenchSample[][] => Array.from({ length: R }, (_, r) => xs.filter((s) => s.round === r));
    const plan = { rounds: R, train: by(dataset.train), test: by(dataset.test) };
    const empty = plan.test.findIndex((t) => t.length === 0);
    if (empty >= 0) {
      throw new HomeSightError('E_BENCH_ROUNDS', `lifelong round ${empty} has no test samples`, {
        hint: 'lower testenv incremental_rounds or rebuild the dataset with more test samples per round',
      });
    }
    return plan;
  }
  if (incrementalRounds === null) {
    throw new HomeSightError(
      'E_BENCH_ROUNDS',
      'the dataset has no "round" field, so the lifelong paradigm needs testenv incremental_rounds',
      { hint: 'set incremental_rounds: 3 (the data is then cut into 3 parts in file order)' },
    );
  }
  if (dataset.test.length < incrementalRounds) {
    throw new HomeSightError('E_BENCH_ROUNDS', `${dataset.test.length} test samples cannot fill ${incrementalRounds} rounds`, {
      hint: 'lower incremental_rounds',
    });
  }
  return { rounds: incrementalRounds, train: chunk(dataset.train, incrementalRounds), test: chunk(dataset.test, incrementalRounds) };
}

/** The outcome of running (or loading) one test case. */
export interface CaseRun {
  testCase: TestCase;
  cached: boolean;
  /** Records per evaluation row: singletask one row; lifelong R + 1 rows, each over every round's test set. */
  rows: EvalRecord[][];
  updates: UpdateReport[];
  rounds: RoundPlan | null;
  finishedAt: string | null;
  /** Set when the case could not run (planner failed to load, …). */
  error: string | null;
}

export interface ControllerOptions {
  dataset: LoadedDataset;
  incrementalRounds: number | null;
  modelEval: { threshold?: number; operator?: string; mode?: string } | null;
  parallel: number;
  force: boolean;
  signal: AbortSignal;
  log: Logger;
  progress: BenchProgress;
  modelsDir: string;
  agentPlanners: AgentPlannerLoader;
}

/** How many past plans of the train split a singletask request gets as examples unless the planner's `examples` says otherwise. */
export const DEFAULT_EXAMPLES = 5;

interface RecordLine {
  row: number;
  id: string;
  plan: unknown;
  error: string | null;
  latency_ms: number;
  tokens: number | null;
  planner: string;
  confidence: number | null;
}

function toRecord(line: RecordLine, sample: BenchSample): EvalRecord {
  let prediction = null;
  let error = line.error;
  if (error === null) {
    const c = coercePlan(line.plan);
    if ('plan' in c) prediction = c.plan;
    else error = `unparsable plan: ${c.error}`;
  }
  return { sample, prediction, error, latencyMs: line.latency_ms, tokens: line.tokens, planner: line.planner, confidence: line.confidence };
}

/** Reads a case's journal; lines cut short by a kill are skipped. */
function readRecords(file: string, samples: ReadonlyMap<string, BenchSample>): Map<number, Map<string, EvalRecord>> {
  const out = new Map<number, Map<string, EvalRecord>>();
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const text of lines) {
    if (text.trim() === '') continue;
    let line: RecordLine;
    try {
      line = JSON.parse(text) as RecordLine;
    } catch {
      continue;
    }
    const s = samples.get(line.id);
    if (s === undefined || typeof line.row !== 'number') continue;
    let row = out.get(line.row);
    if (row === undefined) out.set(line.row, (row = new Map()));
    row.set(line.id, toRecord(line, s));
  }
  return out;
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (signal.aborted) return;
      const i = next++;
      await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

function abortError(): HomeSightError {
  return new HomeSightError('E_BENCH_ABORTED', 'benchmark run interrupted', {
    hint: 'run the job again: finished test cases and recorded plans are reused',
  });
}

interface DoneMarker {
  id: string;
  label: string;
  finished_at: string;
  rows: number;
  records: number;
}

function expectedRows(tc: TestCase, rounds: RoundPlan | null): number {
  return tc.algorithm.paradigm === 'lifelonglearning' ? rounds!.rounds + 1 : 1;
}

/** Test Case Controller: runs each case (or loads it from its cache), in order. */
export class TestCaseController {
  private readonly samples: Map<string, BenchSample>;
  readonly rounds: RoundPlan | null;

  constructor(
    private readonly cases: readonly TestCase[],
    private readonly o: ControllerOptions,
  ) {
    this.samples = new Map(o.dataset.test.map((s) => [s.id, s]));
    this.rounds = cases.some((c) => c.algorithm.paradigm === 'lifelonglearning') ? planRounds(o.dataset, o.incrementalRounds) : null;
  }

  /** plan() calls the whole run makes (cached ones included), for the progress bar. */
  totalCalls(): number {
    return this.cases.reduce((s, c) => s + expectedRows(c, this.rounds) * this.o.dataset.test.length, 0);
  }

  private testSamples(): BenchSample[] {
    // Lifelong runs test every round's test set; the order is round by round.
    return this.rounds === null ? this.o.dataset.test : this.rounds.test.flat();
  }

  private loadCached(tc: TestCase): CaseRun | null {
    const doneFile = join(tc.dir, 'done.json');
    if (this.o.force || !existsSync(doneFile)) return null;
    let done: DoneMarker;
    try {
      done = JSON.parse(readFileSync(doneFile, 'utf8')) as DoneMarker;
    } catch {
      return null;
    }
    const nRows = expectedRows(tc, this.rounds);
    const samples = tc.algorithm.paradigm === 'lifelonglearning' ? this.testSamples() : this.o.dataset.test;
    const journal = readRecords(join(tc.dir, 'records.jsonl'), this.samples);
    const rows: EvalRecord[][] = [];
    for (let r = 0; r < nRows; r++) {
      const row = journal.get(r);
      if (row === undefined || samples.some((s) => !row.has(s.id))) return null;
      rows.push(samples.map((s) => row.get(s.id)!));
    }
    const updates = existsSync(join(tc.dir, 'updates.jsonl'))
      ? readJsonl(join(tc.dir, 'updates.jsonl')).map((l) => l.value as UpdateReport)
      : [];
    return {
      testCase: tc,
      cached: true,
      rows,
      updates,
      rounds: tc.algorithm.paradigm === 'lifelonglearning' ? this.rounds : null,
      finishedAt: done.finished_at,
      error: null,
    };
  }

  /** Runs every case in order; a case that fails to start is reported, the others still run. */
  async run(onCase?: (run: CaseRun) => void): Promise<CaseRun[]> {
    const out: CaseRun[] = [];
    for (const tc of this.cases) {
      if (this.o.signal.aborted) throw abortError();
      const cached = this.loadCached(tc);
      let run: CaseRun;
      if (cached !== null) {
        this.o.progress.advance(
          cached.rows.reduce((s, r) => s + r.length, 0),
          `${tc.label} (cached)`,
        );
        this.o.log.info({ case: tc.label, id: tc.id }, 'test case cached');
        run = cached;
      } else {
        run = await this.runCase(tc);
      }
      out.push(run);
      onCase?.(run);
    }
    return out;
  }

  private async runCase(tc: TestCase): Promise<CaseRun> {
    mkdirSync(tc.dir, { recursive: true });
    const lifelong = tc.algorithm.paradigm === 'lifelonglearning';
    const journalFile = join(tc.dir, 'records.jsonl');
    rmSync(join(tc.dir, 'done.json'), { force: true });
    if (this.o.force || lifelong) {
      // Lifelong state (memory, adapters) is not journaled, so a lifelong case restarts whole.
      rmSync(journalFile, { force: true });
      rmSync(join(tc.dir, 'updates.jsonl'), { force: true });
    }
    writeFileSync(
      join(tc.dir, 'case.json'),
      JSON.stringify(
        {
          id: tc.id,
          label: tc.label,
          algorithm: tc.algorithm.name,
          algorithm_file: tc.algorithm.file,
          paradigm: tc.algorithm.paradigm,
          planner: { name: tc.algorithm.planner.name, url: tc.algorithm.planner.url, settings: tc.plannerSettings },
          updater:
            tc.algorithm.updater === null
              ? null
              : { name: tc.algorithm.updater.name, url: tc.algorithm.updater.url, settings: tc.updaterSettings },
          dataset: this.o.dataset.fingerprint,
          started_at: new Date().toISOString(),
        },
        null,
        2,
      ) + '\n',
    );
    const dest = pino.destination({ dest: join(tc.dir, 'case.log'), sync: true, append: true, mkdir: true });
    const log = pino({ level: 'debug', base: { case: tc.label, id: tc.id }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
    const nRows = expectedRows(tc, this.rounds);
    let planner: Planner | null = null;
    let updater: Updater | null = null;
    try {
      try {
        planner = await createPlanner(
          tc.algorithm.planner,
          {
            settings: tc.plannerSettings,
            resolvePath: (p) => resolve(tc.algorithm.planner.baseDir, p),
            train: lifelong ? [] : this.o.dataset.train,
            households: this.o.dataset.households,
            tools: this.o.dataset.tools,
            modelsDir: this.o.modelsDir,
            log: log.child({ part: 'planner' }),
            signal: this.o.signal,
          },
          this.o.agentPlanners,
        );
        if (tc.algorithm.updater !== null) {
          const ud = tc.algorithm.updater;
          updater = await createUpdater(ud, {
            settings: tc.updaterSettings,
            resolvePath: (p) => resolve(ud.baseDir, p),
            households: this.o.dataset.households,
            log: log.child({ part: 'updater' }),
          });
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.error({ err }, 'test case could not start');
        this.o.log.error({ case: tc.label, err: message }, 'test case could not start');
        this.o.progress.advance(nRows * this.o.dataset.test.length, `${tc.label} (failed)`);
        return {
          testCase: tc,
          cached: false,
          rows: [],
          updates: [],
          rounds: lifelong ? this.rounds : null,
          finishedAt: null,
          error: message,
        };
      }
      if (!lifelong) {
        // Singletask: the train split is the household's long-term memory; each request gets its
        // `examples` (default 5) most similar past plans, as the daemon retrieves them from memory.
        const k = tc.plannerSettings.examples ?? DEFAULT_EXAMPLES;
        const memory = new FewShotMemoryUpdater({ k });
        await memory.update({
          round: 0,
          train: this.o.dataset.train,
          planner,
          households: this.o.dataset.households,
          modelEval: this.o.modelEval,
          workDir: join(tc.dir, 'work'),
          log,
          signal: this.o.signal,
        });
        updater = memory;
      }
      log.info({ planner: planner.name, settings: tc.plannerSettings, rows: nRows }, 'test case started');
      const journal = lifelong ? new Map<number, Map<string, EvalRecord>>() : readRecords(journalFile, this.samples);
      const rows: EvalRecord[][] = [];
      const updates: UpdateReport[] = [];
      const samples = lifelong ? this.testSamples() : this.o.dataset.test;
      rows.push(await this.evaluate(tc, planner, updater, samples, 0, journal.get(0), journalFile, log));
      if (lifelong) {
        for (let r = 0; r < this.rounds!.rounds; r++) {
          if (this.o.signal.aborted) throw abortError();
          const started = performance.now();
          const report =
            updater === null
              ? {}
              : ((await updater.update({
                  round: r,
                  train: this.rounds!.train[r]!,
                  planner,
                  households: this.o.dataset.households,
                  modelEval: this.o.modelEval,
                  workDir: join(tc.dir, 'work'),
                  log: log.child({ part: 'updater', round: r }),
                  signal: this.o.signal,
                })) ?? {});
          const line = { round: r, train: this.rounds!.train[r]!.length, ms: Math.round(performance.now() - started), ...report };
          updates.push(line);
          appendFileSync(join(tc.dir, 'updates.jsonl'), JSON.stringify(line) + '\n');
          log.info(line, 'round update done');
          rows.push(await this.evaluate(tc, planner, updater, samples, r + 1, undefined, journalFile, log));
        }
      }
      const finishedAt = new Date().toISOString();
      const marker: DoneMarker = {
        id: tc.id,
        label: tc.label,
        finished_at: finishedAt,
        rows: rows.length,
        records: rows.reduce((s, r) => s + r.length, 0),
      };
      writeFileSync(join(tc.dir, 'done.json'), JSON.stringify(marker, null, 2) + '\n');
      log.info(marker, 'test case finished');
      return { testCase: tc, cached: false, rows, updates, rounds: lifelong ? this.rounds : null, finishedAt, error: null };
    } finally {
      await planner?.dispose?.().catch((err: unknown) => log.warn({ err }, 'planner dispose failed'));
      await updater?.dispose?.().catch((err: unknown) => log.warn({ err }, 'updater dispose failed'));
      dest.flushSync();
      dest.end();
    }
  }

  private async evaluate(
    tc: TestCase,
    planner: Planner,
    updater: Updater | null,
    samples: readonly BenchSample[],
    row: number,
    done: Map<string, EvalRecord> | undefined,
    journalFile: string,
    log: Logger,
  ): Promise<EvalRecord[]> {
    const out = new Array<EvalRecord>(samples.length);
    const todo: Array<{ s: BenchSample; i: number }> = [];
    samples.forEach((s, i) => {
      const prev = done?.get(s.id);
      if (prev !== undefined) out[i] = prev;
      else todo.push({ s, i });
    });
    if (todo.length < samples.length) {
      this.o.progress.advance(samples.length - todo.length, `${tc.label} (resumed)`);
      log.info({ row, reused: samples.length - todo.length }, 'reusing recorded plans');
    }
    await pool(todo, this.o.parallel, this.o.signal, async ({ s, i }) => {
      let request: PlanRequest = requestFor(s, this.o.dataset.households);
      // Without household metadata saying otherwise, every tool may be planned (the gold plans may use them all).
      request.allowTools ??= [...TOOL_NAMES];
      if (updater?.prepare !== undefined) request = updater.prepare(request, s);
      const started = performance.now();
      let line: RecordLine;
      try {
        // The agent declines some requests before any planner runs (daemon/agent/planning/pipeline.ts); replayed plans are taken as
        // recorded.
        const result = isSamplePlanner(planner)
          ? await planner.planSample(s, request, this.o.signal)
          : (refuseRequest(request) ?? (await planner.plan(request, this.o.signal)));
        const latency = Number.isFinite(result.latencyMs) ? result.latencyMs : performance.now() - started;
        line = {
          row,
          id: s.id,
          plan: result.plan,
          error: null,
          latency_ms: latency,
          tokens: result.tokens ?? null,
          planner: result.planner,
          confidence: result.confidence,
        };
      } catch (err) {
        if (this.o.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        // A failure may carry the time it took (replayed failures do); else the measured time.
        const known = err instanceof HomeSightError ? err.context.latencyMs : undefined;
        const latency = typeof known === 'number' && Number.isFinite(known) ? known : performance.now() - started;
        line = { row, id: s.id, plan: null, error: message, latency_ms: latency, tokens: null, planner: planner.name, confidence: null };
      }
      if (this.o.signal.aborted) return;
      appendFileSync(journalFile, JSON.stringify(line) + '\n');
      const rec = toRecord(line, s);
      out[i] = rec;
      log.debug(
        { row, sample: s.id, latency_ms: Math.round(line.latency_ms), ok: rec.prediction !== null, error: rec.error ?? undefined },
        'planned',
      );
      this.o.progress.advance(1, tc.label);
    });
    if (this.o.signal.aborted) throw abortError();
    return out;
  }
}
