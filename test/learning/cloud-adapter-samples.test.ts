/**
 * The cloud's train job writes adapter samples in the base model's format (issue #19 item 1): for the shipped planner
 * model (homesight-planner-v1) the planner model's own prompt, built from the household context the device uploaded
 * with the sample (placeholders as pseudonyms), and the plan text of the delexicalised label; a label without a
 * context cannot be written so and is counted, not sent. The owner's correction (teacher 'user') outranks the
 * teacher's pseudo-label of the same question and is trained on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { AdapterJobs, FsBlobStore, openTeacherStore, type TrainingRunner } from '../../cloud/index.js';
import type { TrainResult } from '../../cloud/trainer/index.js';
import { PLANNER_MODEL_FORMAT, type TaskPlan } from '../../daemon/agent/index.js';
import type { SampleContext } from '../../daemon/contracts/index.js';
import { silentLogger } from '../../daemon/system/index.js';
import { tempDir } from './support/fixtures.js';

const TOM = '<person-1a2b3c4d>';
const ANNA = '<person-5e6f7a8b>';
const CONTEXT: SampleContext = {
  now: '2026-12-06T21:30:00+01:00',
  timezone: 'Europe/Berlin',
  household: {
    people: [
      { name: ANNA, aliases: [] },
      { name: TOM, aliases: [] },
    ],
    rooms: ['kitchen'],
    cameras: ['kitchen_cam'],
    cameraRooms: { kitchen_cam: 'kitchen' },
    asker: ANNA,
  },
};
const plan = (tool: string, identity: string, question: string): TaskPlan => ({
  task_steps: [],
  task_nodes: [
    { task: 'resolve_time', arguments: { phrase: 'this morning' } },
    { task: tool, arguments: { start: '<node-0>', end: '<node-0>', identity } },
    { task: 'compose_answer', arguments: { question, inputs: ['<node-1>'] } },
  ],
  task_links: [],
});

const TRAIN_JOB = { id: 7, kind: 'train', household: 'h1', key: 'train:h1', payload: {}, state: 'running', attempts: 1 } as never;
const jobContext = () => ({ signal: new AbortController().signal, log: silentLogger() });

/** A training runner that keeps the data it was given instead of training. */
class CapturingRunner implements TrainingRunner {
  readonly name = 'capture';
  data = '';
  /** The training data's records. */
  records: Array<{ prompt: string; completion: string }> = [];
  constructor(
    private readonly blobs: FsBlobStore,
    private readonly dir: string,
  ) {}
  async run(spec: Parameters<TrainingRunner['run']>[0]): Promise<TrainResult> {
    const file = join(this.dir, 'train.jsonl');
    await this.blobs.download(spec.dataKey, file);
    this.data = readFileSync(file, 'utf8');
    this.records = this.data
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { prompt: string; completion: string });
    const none = { sha256: '', baseSha256: '', lossStart: 1, lossEnd: 0.5, evalNllStart: null, evalNllEnd: null };
    return {
      ...none,
      adapterFile: spec.outKey,
      steps: spec.steps,
      rank: spec.rank,
      alpha: spec.alpha,
      backend: 'none',
      device: 'cpu',
      trainSeconds: 0,
      totalSeconds: 0,
    };
  }
}

t.test('planner-model samples from the uploaded context; corrections outrank; no context, no sample', async (t) => {
  const dir = tempDir(t);
  const store = await openTeacherStore({ kind: 'sqlite', file: join(dir, 'cloud.db') });
  t.teardown(() => store.close());
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  const q1 = `where was ${TOM} this morning`;
  const q2 = 'where was bubba this morning';
  const q3 = 'who was in the kitchen this morning';
  await store.addSamples({ id: 'dev', household: 'h1' }, [
    { id: 's1', question: q1, context: CONTEXT },
    { id: 's2', question: q2, context: CONTEXT },
    { id: 's3', question: q2, context: CONTEXT },
    { id: 's4', question: q3 },
  ]);
  await store.recordLabel('h1', 's1', { question: q1, plan: plan('query_events', TOM, q1), teacher: 'model' });
  await store.recordLabel('h1', 's2', { question: q2, plan: plan('who_was_where', ANNA, q2), teacher: 'model' });
  await store.recordLabel('h1', 's3', { question: q2, plan: plan('query_events', TOM, q2), teacher: 'user' });
  await store.recordLabel('h1', 's4', { question: q3, plan: plan('count_events', ANNA, q3), teacher: 'model' });
  const runner = new CapturingRunner(blobs, dir);
  const jobs = new AdapterJobs({
    store,
    blobs,
    runner,
    baseModel: 'unused.gguf',
    baseFormat: PLANNER_MODEL_FORMAT,
    privateKey: 'unused',
    testShare: 0,
  });
  const effects = await jobs.train(TRAIN_JOB, jobContext());
  const records = runner.records;
  const known = records.find((r) => r.prompt.includes('<person-1>'));
  const nickname = records.find((r) => r.prompt.includes('bubba'));
  t.equal(records.length, 2);
  t.equal(
    known?.prompt,
    'now 2026-12-06 21:30 sun Europe/Berlin\nm <person-1> <time-1>\nq where was <person-1> <time-1>\n',
    "the planner model's prompt: a placeholder grounds as the name does on the device",
  );
  t.match(known?.completion, /^resolve_time phrase=<time-1>\nquery_events start=#0 end=#0 identity=<person-1>\n/);
  t.equal(nickname?.prompt, 'now 2026-12-06 21:30 sun Europe/Berlin\nm <time-1>\nq where was bubba <time-1>\n');
  t.match(nickname?.completion, /query_events start=#0 end=#0 identity=P1a2b3c4d\n/, "the owner's correction, Tom as his pseudonym");
  t.match(effects?.result, { curated: { train: 2, corrections: 1, unusable: 1 } }, 'the label without a context is counted, not sent');
});

t.test("replay: base-corpus records mixed into the household's data, per label, the same for a retried job", async (t) => {
  const dir = tempDir(t);
  const store = await openTeacherStore({ kind: 'sqlite', file: join(dir, 'cloud.db') });
  t.teardown(() => store.close());
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  const corpus = join(dir, 'corpus.jsonl');
  writeFileSync(
    corpus,
    Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: `c${i}`, prompt: `q corpus ${i}\n`, target: `count_events\nend\n` })).join(
      '\n',
    ),
  );
  const q1 = `where was ${TOM} this morning`;
  const q2 = 'who was in the kitchen this morning';
  await store.addSamples({ id: 'dev', household: 'h1' }, [
    { id: 's1', question: q1, context: CONTEXT },
    { id: 's2', question: q2, context: CONTEXT },
  ]);
  await store.recordLabel('h1', 's1', { question: q1, plan: plan('query_events', TOM, q1), teacher: 'model' });
  await store.recordLabel('h1', 's2', { question: q2, plan: plan('who_was_where', ANNA, q2), teacher: 'model' });
  const runner = new CapturingRunner(blobs, dir);
  const options = { store, blobs, runner, baseModel: 'unused.gguf', baseFormat: PLANNER_MODEL_FORMAT, privateKey: 'unused', testShare: 0 };
  const jobs = new AdapterJobs({ ...options, replay: { file: corpus, perLabel: 3 } });
  const effects = await jobs.train(TRAIN_JOB, jobContext());
  const records = runner.records;
  t.equal(records.length, 2 + 6, 'two household records and three corpus records for each');
  const replayed = records.filter((r) => r.prompt.startsWith('q corpus'));
  t.equal(replayed.length, 6);
  t.ok(
    replayed.every((r) => r.completion === 'count_events\nend\n'),
    "a corpus record's target is the completion",
  );
  t.match(effects?.result, { curated: { train: 2, replay: 6 } });
  const first = runner.data;
  await new AdapterJobs({ ...options, replay: { file: corpus, perLabel: 3 } }).train(TRAIN_JOB, jobContext());
  t.equal(runner.data, first, 'a retried job trains on the same data');

  writeFileSync(corpus, '{"prompt": "q only a prompt"}\n');
  const bad = new AdapterJobs({ ...options, replay: { file: corpus, perLabel: 1 } });
  await t.rejects(bad.train(TRAIN_JOB, jobContext()), {
    code: 'E_TRAIN_INPUT',
    message: /corpus\.jsonl:1 has no prompt and completion/,
  });
});
