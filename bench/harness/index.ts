/**
 * HomeSight's Ianvs-style benchmark harness: the public surface.
 *
 *  - declarations: benchmarkingjob / testenv / algorithm YAML with located errors
 *  - Test Environment Manager (testenv.ts): datasets (Q2A JSONL, TaskBench data.json + tool_desc.json) and metrics
 *  - Test Case Controller (controller.ts): hyperparameter grid → test cases, planners, caching/resume, paradigms
 *  - Story Manager (story.ts): leaderboard (CSV/Markdown/JSON) and the HTML report with offline-rendered charts
 */
export { runBenchmarkJob, type RunJobOptions, type JobResult } from './job.js';
export {
  loadBenchmarkJob,
  type JobDecl,
  type AlgorithmDecl,
  type TestEnvDecl,
  type ModuleDecl,
  type RankDecl,
  type MetricRef,
} from './declarations.js';
export { BenchConfigError, YamlFile } from './yaml.js';
export { catalogErrors, loadTestEnvironment, loadMetricModule, type TestEnvironment } from './testenv.js';
export {
  loadDataset,
  coercePlan,
  requestFor,
  type BenchSample,
  type HouseholdInfo,
  type LoadedDataset,
  type ToolVocabulary,
  type DatasetOptions,
} from './dataset.js';
export { expandTestCases, type TestCase } from './cases.js';
export { TestCaseController, planRounds, DEFAULT_EXAMPLES, type CaseRun, type RoundPlan } from './controller.js';
export {
  ReplayPlanner,
  createPlanner,
  loadPlannerModule,
  resolveModelPath,
  type PlannerFactory,
  type PlannerFactoryContext,
  type SamplePlanner,
  type AgentPlannerLoader,
  type AgentPlannerKind,
} from './planners.js';
export { agentPlannerLoader, HARNESS_PLANNER_KEYS } from './agent-planners.js';
export {
  FewShotMemoryUpdater,
  createUpdater,
  type Updater,
  type UpdaterFactory,
  type UpdaterFactoryContext,
  type UpdateContext,
  type UpdateReport,
} from './updaters.js';
export { scoreCase, type CaseResult, type LifelongResult } from './scoring.js';
export { writeStory, sortRows, toCsv, toMarkdownTable, type StoryOutputs, type RankRow } from './story.js';
export { renderSvg } from './charts.js';
export { progressBar, silentProgress, type BenchProgress } from './progress.js';
export {
  BUILTIN_METRICS,
  LIFELONG_METRICS,
  createMetricContext,
  scoreRecords,
  type EvalRecord,
  type MetricContext,
  type MetricDefinition,
} from './metrics/registry.js';
export { setF1, editDistance, levenshteinRatio, percentile, mean, type PRF } from './metrics/f1.js';
export { rougeN, rougeL, rougeTokens, stepRouge, lcsLength, type RougeScore, type StepRouge } from './metrics/rouge.js';
export { planItems, contentType, linkKey, EMPTY_PLAN, type LinkMode, type PlanItems, type PlanItemOptions } from './metrics/items.js';
export { normalizeValue, canonicalTime, pythonStr } from './metrics/values.js';
export { structuralPlanErrors } from './metrics/validity.js';
export {
  lifelongScores,
  ianvsBWT,
  ianvsFWT,
  ianvsAccuracy,
  taskAvgAcc,
  gemScores,
  samplesTransferRatio,
  type ScoreMatrix,
  type LifelongScores,
} from './metrics/lifelong.js';
