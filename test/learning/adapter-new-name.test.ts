/**
 * Issue #19, "adapters carry household vocabulary the base never saw": the household calls Tom "Bubba", which is in
 * no config alias, so grounding leaves it in the question as a plain word and the shipped planner model cannot know
 * whom it means. The training data is what the cloud teacher has: samples through the device's privacy filter (every
 * name a <person-…> placeholder, the household context masked), written by adapterSample in the shipped model's own
 * prompt and plan-text format (placeholders as pseudonyms). A LoRA adapter trained on them with
 * cloud/trainer/train_lora.py is signed, considered by the adapter lifecycle (PlanEvaluator: the daemon's plan path on
 * the candidate, node/value F1 against the device's own labels), adopted, and hot-swapped into the LocalPlanner that
 * is already running: its next plan for "where was bubba this morning" (a phrasing not trained on) names Tom (the
 * adapter writes Tom's pseudonym; the planner maps it back). An adapter trained on wrong plans is rejected and the
 * planner keeps the adapter it has; a rollback goes back to the base.
 *
 * Gold plans: what the shipped model itself writes when the question names Tom (a name it knows), with the question
 * as asked: the adapter has to learn that Bubba is Tom, nothing else.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import t from 'tap';
import { findPython, LocalProcessTrainer, publishAdapter, type TrainResult } from '../../cloud/trainer/index.js';
import {
  adapterSample,
  LocalPlanner,
  modelPlanSample,
  PLANNER_MODEL_FORMAT,
  type PlannerAdapterSource,
  pseudonymsOf,
  type PlanRequest,
  type TaskPlan,
} from '../../daemon/agent/index.js';
import { configSchema } from '../../daemon/config/index.js';
import { sampleRequestContext, toJsonl } from '../../daemon/contracts/index.js';
import { localEvalSets, type LocalLabel } from '../../daemon/learning/adapter-sink.js';
import { PrivacyFilter } from '../../daemon/learning/index.js';
import {
  AdapterLifecycle,
  AdapterStore,
  LlamaAdapterRuntime,
  PlanEvaluator,
  readTrainFormat,
} from '../../daemon/learning/adapters/index.js';
import { signingKeys, tempDir } from './support/fixtures.js';

const SHIPPED = configSchema.parse({}).learning.adapters;
const MODEL = fileURLToPath(new URL('../../models/planner/homesight-planner-2m-q8_0.gguf', import.meta.url));

function pythonOrSkip(): string | { skip: string } {
  if (!existsSync(MODEL)) return { skip: `${MODEL} is missing` };
  try {
    return findPython();
  } catch (err) {
    return { skip: (err as Error).message };
  }
}
const python = pythonOrSkip();

const HOUSEHOLD: PlanRequest['household'] = {
  people: [
    { name: 'Anna', aliases: [], relation: 'owner' },
    { name: 'Tom', aliases: [], relation: 'husband' },
    { name: 'Mia', aliases: ['my daughter'], relation: 'daughter' },
  ],
  rooms: ['kitchen', 'hallway', 'garden'],
  cameras: ['kitchen_cam', 'hall_cam', 'garden_cam'],
  cameraRooms: { kitchen_cam: 'kitchen', hall_cam: 'hallway', garden_cam: 'garden' },
  asker: 'Anna',
};
const request = (question: string): PlanRequest => ({
  question,
  now: '2026-12-06T21:30:00+01:00',
  timezone: 'Europe/Berlin',
  household: HOUSEHOLD,
});

const TRAIN_TIMES = ['last night', 'yesterday', 'today', 'this afternoon', 'yesterday evening'];
const ABOUT = [
  (w: string, t: string) => `where was ${w} ${t}`,
  (w: string, t: string) => `did ${w} come home ${t}`,
  (w: string, t: string) => `was ${w} in the kitchen ${t}`,
  (w: string, t: string) => `what did ${w} do ${t}`,
  (w: string, t: string) => `how often was ${w} in the garden ${t}`,
  (w: string, t: string) => `show me ${w} in the hallway ${t}`,
];
/** Questions about no one in particular: the adapter must leave them as they were. */
const OTHERS = [
  (t: string) => `who was in the kitchen ${t}`,
  (t: string) => `was mia in the garden ${t}`,
  (t: string) => `how many people were in the hallway ${t}`,
];

const names = (p: Pick<TaskPlan, 'task_nodes'>): string[] =>
  p.task_nodes.flatMap((n) =>
    Object.values(n.arguments as Record<string, unknown>).filter((v) => v === 'Tom' || v === 'Anna' || v === 'Mia'),
  );

t.test(
  'an adapter teaches a new name, is adopted and used by the next plan; a regressing one is rejected',
  {
    skip: typeof python === 'string' ? false : python.skip,
  },
  async (t) => {
    if (typeof python !== 'string') return;
    const dir = tempDir(t, 'hs-new-name-');
    const keys = signingKeys();
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
    const disposers: Array<() => Promise<void>> = [];
    // models and contexts are disposed; the backend itself is not: with a LoRA adapter loaded on its models,
    // Llama.dispose() never settled here and the test process ended inside the teardown (node-llama-cpp 3.21.1)
    t.teardown(async () => {
      for (const d of disposers.reverse()) await d();
    });
    const store = await AdapterStore.open({ dir: join(dir, 'store'), keep: 3, trustedKeys: [keys.publicKey] });
    const privacy = new PrivacyFilter({
      secret: 'device-secret-of-this-household',
      people: HOUSEHOLD.people.map((p) => ({ name: p.name, aliases: p.aliases })),
    });
    const people = pseudonymsOf(
      HOUSEHOLD.people.map((p) => p.name),
      (n) => privacy.placeholderFor(n),
    );
    // What the learning module connects to the planner: the store's adapter, with how the teacher's adapters write people.
    const source: PlannerAdapterSource = {
      active: () => {
        const a = store.active();
        return a === null ? null : { id: a.id, file: a.file, people };
      },
      onChange: (l) => store.onChange(l),
    };
    const planOptions = { threads: 1, contextSize: 1024, gpuLayers: 0, maxTokens: 160, temperature: 0, timeoutMs: 30_000, fewShots: 0 };
    // The daemon's planner: it follows the store (AdapterStore is a PlannerAdapterSource).
    const planner = new LocalPlanner({ llama, modelPath: MODEL, ...planOptions, adapters: source });
    disposers.push(() => planner.dispose());
    const TEST_QUESTION = 'where was bubba this morning';

    const bare = await planner.plan(request(TEST_QUESTION));
    t.notOk(names(bare.plan).includes('Tom'), `the bare model does not know Bubba: ${JSON.stringify(bare.plan.task_nodes)}`);

    // Gold: the model's own plan for the question with Tom's name, compose_answer asked the question as it was.
    const gold = async (q: string, known: string): Promise<TaskPlan> => {
      const p = (await planner.plan(request(known))).plan;
      return {
        ...p,
        task_nodes: p.task_nodes.map((n) => (n.task === 'compose_answer' ? { ...n, arguments: { ...n.arguments, question: q } } : n)),
      };
    };
    const labelled: Array<{ question: string; plan: TaskPlan }> = [];
    for (const f of ABOUT) {
      for (const time of TRAIN_TIMES) {
        labelled.push({ question: f('bubba', time), plan: await gold(f('bubba', time), f('tom', time)) });
        labelled.push({ question: f('tom', time), plan: await gold(f('tom', time), f('tom', time)) });
      }
    }
    for (const f of OTHERS) for (const time of TRAIN_TIMES) labelled.push({ question: f(time), plan: await gold(f(time), f(time)) });
    // Held out: Bubba questions asked "this morning" (no such training sample): what the adapter should improve.
    const heldout: Array<{ question: string; plan: TaskPlan }> = [];
    for (const f of ABOUT)
      heldout.push({ question: f('bubba', 'this morning'), plan: await gold(f('bubba', 'this morning'), f('tom', 'this morning')) });
    // Questions about no one in particular asked "this morning": what it must leave as it was (in the regression set).
    const unchanged: Array<{ question: string; plan: TaskPlan }> = [];
    for (const f of OTHERS) unchanged.push({ question: f('this morning'), plan: await gold(f('this morning'), f('this morning')) });

    t.equal(await readTrainFormat(MODEL), PLANNER_MODEL_FORMAT);
    // The sample as the teacher gets it (masked by the privacy filter) and writes it for the planner model.
    const masked = sampleRequestContext(
      privacy.maskContext({
        now: request('').now,
        timezone: request('').timezone,
        household: {
          people: HOUSEHOLD.people.map((p) => ({ name: p.name, aliases: p.aliases })),
          rooms: HOUSEHOLD.rooms,
          cameras: HOUSEHOLD.cameras,
          cameraRooms: { ...HOUSEHOLD.cameraRooms },
          asker: 'Anna',
        },
      }),
    );
    const cloudSample = (question: string, plan: TaskPlan) =>
      adapterSample(PLANNER_MODEL_FORMAT, { question: privacy.maskText(question), plan: privacy.maskPlan(plan), context: masked });
    const tom = labelled[1]!;
    t.same(cloudSample(tom.question, tom.plan), modelPlanSample(request(tom.question), tom.plan), 'a known name: what the device writes');
    t.notMatch(JSON.stringify(cloudSample(labelled[0]!.question, labelled[0]!.plan)), /Tom|Anna|Mia/, 'no name reaches the teacher');
    const trainer = new LocalProcessTrainer({ python, threads: 1 });
    const train = async (name: string, rows: Array<{ question: string; plan: TaskPlan }>, steps: number): Promise<TrainResult> => {
      const data = join(dir, `${name}.jsonl`);
      writeFileSync(data, toJsonl(rows.map((r) => cloudSample(r.question, r.plan))));
      const r = await trainer.train({
        baseModel: MODEL,
        dataFile: data,
        outFile: join(dir, `${name}.gguf`),
        steps,
        rank: 8,
        alpha: 16,
        lr: 5e-3,
        batch: 8,
        seed: 0,
      });
      t.comment(
        `${name}: ${rows.length} samples, ${steps} steps in ${r.trainSeconds.toFixed(1)} s (total ${r.totalSeconds.toFixed(1)} s), ` +
          `loss ${r.lossStart.toFixed(3)} → ${r.lossEnd.toFixed(3)}`,
      );
      return r;
    };
    const good = await train('bubba', labelled, 40);
    const manifest = await publishAdapter({ adapterFile: good.adapterFile, id: 'household-bubba-1', privateKey: keys.privateKey });
    t.comment(`adapter: ${manifest.size} bytes`);

    // The device: corrections (the regression set: Bubba questions and questions about no one in particular) and
    // held-out pseudo-labels in long-term memory.
    const memory: LocalLabel[] = [
      ...labelled
        .filter((l) => l.question.includes('bubba'))
        .slice(0, 16 - unchanged.length)
        .map((l) => ({ kind: 'correction', payload: l })),
      ...unchanged.map((l) => ({ kind: 'correction', payload: l })),
      ...heldout.map((l) => ({ kind: 'pseudo_label', payload: l })),
    ];
    const sets = localEvalSets(memory, {
      max: 16,
      sample: (question, plan) => ({
        ...adapterSample(PLANNER_MODEL_FORMAT, { question, plan, context: request(question) }),
        meta: { request: request(question) },
      }),
    });
    t.equal(sets.regression.length, 16, 'the regression set is the 16 corrections');
    t.ok(
      unchanged.every((u) => sets.regression.some((r) => (r.meta?.['request'] as PlanRequest | undefined)?.question === u.question)),
      'the questions about no one in particular are in it',
    );
    t.equal(sets.heldout.length, heldout.length);
    const runtime = new LlamaAdapterRuntime({
      model: await llama.loadModel({ modelPath: MODEL }),
      modelPath: MODEL,
      threads: 1,
      contextSize: 1024,
    });
    disposers.push(() => runtime.model.dispose());
    const lifecycle = new AdapterLifecycle({
      store,
      runtime,
      evaluator: new PlanEvaluator({ people }),
      trustedKeys: [keys.publicKey],
      // the policy the daemon ships (learning.adapters defaults)
      policy: { margin: SHIPPED.margin, regressionTolerance: SHIPPED.regression_tolerance },
    });

    const adopted = await lifecycle.consider({ manifest, file: good.adapterFile }, sets);
    t.equal(adopted.kind, 'adopt', adopted.reason);
    t.comment(`decision: ${adopted.reason}; timings ${JSON.stringify(adopted.timings_ms)}`);
    const after = await planner.plan(request(TEST_QUESTION));
    t.equal(planner.info().adapter, 'household-bubba-1', 'the running planner swapped the adapter in');
    t.ok(names(after.plan).includes('Tom'), `the next plan names Tom: ${JSON.stringify(after.plan.task_nodes)}`);

    // An adapter trained on wrong plans (every question a count of Mia) must not replace it.
    const wrong = labelled.map((l) => ({
      question: l.question,
      plan: {
        task_steps: [],
        task_nodes: [
          { task: 'count_events', arguments: { identity: 'Mia' } },
          { task: 'compose_answer', arguments: { question: l.question, inputs: ['<node-0>'] } },
        ],
        task_links: [{ source: 'count_events', target: 'compose_answer' }],
      },
    }));
    const bad = await train('wrong', wrong, 20);
    const badManifest = await publishAdapter({ adapterFile: bad.adapterFile, id: 'household-wrong-2', privateKey: keys.privateKey });
    const rejected = await lifecycle.consider({ manifest: badManifest, file: bad.adapterFile }, sets);
    t.equal(rejected.kind, 'reject', rejected.reason);
    t.match(rejected.code, /^E_ADAPTER_(NOT_BETTER|REGRESSION)$/);
    t.comment(`decision: ${rejected.reason}`);
    t.equal(store.active()?.id, 'household-bubba-1', 'the store keeps the adopted adapter');
    const still = await planner.plan(request(TEST_QUESTION));
    t.equal(planner.info().adapter, 'household-bubba-1', 'the planner keeps it too');
    t.ok(names(still.plan).includes('Tom'));

    // Rollback swaps back to the bare base model.
    await store.rollback();
    const back = await planner.plan(request(TEST_QUESTION));
    t.equal(planner.info().adapter, null, 'rolled back: no adapter');
    t.same(back.plan.task_nodes, bare.plan.task_nodes, 'the plan is the bare model’s again');
  },
);
