import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import t, { type Test } from 'tap';
import { validatePlan, type PlanRequest } from '../../daemon/agent/index.js';
import { parsePlanText, planTextGrammar } from '../../daemon/agent/planner-model/index.js';
import { LocalPlanner, type LocalPlannerOptions } from '../../daemon/agent/planning/index.js';
import { marginConfidence, modelGrammarOptions, modelTurn, planFromModelText } from '../../daemon/agent/planning/model-planner.js';
import { planOfNodes } from '../../daemon/agent/planning/steps.js';
import { Gbnf } from '../planner-model/gbnf.js';
import { MODEL_HOUSEHOLD, modelQuestions, modelRequest, tinyPlannerModel } from './model-planner-support.js';

// HomeSight's planner model in the local planner (issue #17 items 6–8): grounding → compact prompt →
// plan text under the per-request grammar → parsed and relexicalised plan, with a margin confidence.

t.test('grounding and prompt: placeholders in the prompt, the household back in the plan', async (t) => {
  const req = modelRequest('did my daughter come in through the front door last night?');
  const turn = modelTurn(req);
  t.match(turn.question.text, /did <person-1> come in through the <(camera|room)-1> <time-1>\?/, 'delexicalised question');
  t.match(turn.prompt, /^now 2026-12-06 21:30 sun Europe\/Berlin\nm <person-1> /, 'prompt starts with now and the mentions');
  t.ok(turn.prompt.endsWith(`q ${turn.question.text}\n`), 'the question is the last line');
  const o = modelGrammarOptions(req, turn, 6);
  t.same(o.placeholders, ['<person-1>', turn.question.mentions[1]!.placeholder, '<time-1>'], "only this request's placeholders");
  t.same(o.allowTools, [], 'no side-effect tool unless allowed');
  t.equal(o.literalTimes, false, 'times only as references or placeholders');
  // a memory search is left out only of a question about the cameras that asks nothing the household said
  t.equal(o.recallMemory, false, 'a place and a time named, nothing told asked about: no memory search');
  const recall = (q: string): boolean | undefined => modelGrammarOptions(modelRequest(q), modelTurn(modelRequest(q)), 6).recallMemory;
  t.equal(recall("what's the gate code"), true, 'no place or time: a memory question may be one');
  t.equal(recall('what did I tell you about the front door last night'), true, 'asks what it was told');
  t.equal(recall('was the delivery guy at the door'), false, 'a caller at the door is a camera question, with no place named');
  t.equal(recall('who is our usual delivery guy'), true, 'what the household usually has may be something it said');
  // a memory query is a span of the question unless the question asks what the household said
  const spans = (q: string): readonly string[] | undefined =>
    modelGrammarOptions(modelRequest(q), modelTurn(modelRequest(q)), 6).spanArguments;
  t.ok(spans('was my daughter on the stairs')?.includes('query'), 'no memory word: the query is words of the question');
  t.equal(spans('what did I tell you about the spare key'), undefined, 'a memory question: any short search key');
  const kids = modelTurn(modelRequest('were the kids in the garage today?'));
  t.match(kids.prompt, /<group-1>=members:<person-1>,<person-2>/, 'a named group lists its members');
  t.same(
    modelGrammarOptions(modelRequest('were the kids in the garage today?'), kids, 6).placeholders?.filter((p) => p.startsWith('<group-')),
    [],
    'a group is no argument value: its members are',
  );
  const text =
    `resolve_time phrase=<time-1>\nquery_events start=#0 end=#0 ` +
    `camera=${turn.question.mentions[1]!.placeholder} identity=<person-1>\ncompose_answer ` +
    `question=<question> inputs=[#1]\nend\n`;
  const plan = planFromModelText(text, turn, req);
  t.same(
    plan.task_nodes.map((n) => n.arguments),
    [
      { phrase: 'last night' },
      { start: '<node-0>', end: '<node-0>', camera: 'front_door', identity: 'Lene' },
      { question: req.question, inputs: ['<node-1>'] },
    ],
    'placeholders relexicalised to the household values',
  );
  t.match(plan.task_steps[1], /identity=Lene/, 'steps are written from the relexicalised nodes');
  // A line written twice (a small model's slip) is one call: the repeat is dropped, references follow the first.
  const twice = planFromModelText(
    'resolve_time phrase=<time-1>\nresolve_time phrase=<time-1>\nquery_events start=#1 end=#1 identity=<person-1>\n' +
      'query_events start=#0 end=#0 identity=<person-1>\ncompose_answer question=<question> inputs=[#1,#2,#3]\nend\n',
    turn,
    req,
  );
  t.same(
    twice.task_nodes.map((n) => [n.task, n.arguments]),
    [
      ['resolve_time', { phrase: 'last night' }],
      // the front door the question names, which these lines left out, is filled in
      ['query_events', { start: '<node-0>', end: '<node-0>', identity: 'Lene', camera: 'front_door' }],
      ['compose_answer', { question: req.question, inputs: ['<node-0>', '<node-1>'] }],
    ],
    'repeated nodes dropped',
  );
  t.same(twice.task_links.length, 3, 'links from the kept nodes');
  // A live time is marked in the prompt: live frames, not stored events.
  const rn = modelRequest('who is in the kitchen rn');
  t.match(modelTurn(rn).prompt, /<time-1>=now\b/, '"rn" is this moment');
  t.same(
    planFromModelText('resolve_time phrase=<time-1>\ncompose_answer question=<question> inputs=[#0]\nend\n', modelTurn(rn), rn)
      .task_nodes[0]?.arguments,
    { phrase: 'rn' },
    'the phrase as typed (the resolver reads "rn" itself)',
  );
  t.notMatch(modelTurn(modelRequest('who was in the kitchen just now')).prompt, /=now\b/, '"just now" is the recent past');
  // A follow-up keeps the numbering of the conversation and carries the previous plan delexicalised.
  const follow = modelTurn(
    modelRequest('and what about my son?', { history: [{ question: req.question, answer: 'yes, at 22:10', plan }] }),
  );
  t.match(
    follow.prompt,
    /\nprev did <person-1> come in through the <(camera|room)-1> <time-1>\?\nprevplan resolve_time phrase=<time-1> ; /,
  );
  t.match(follow.question.text, /<person-2>/, 'a new person continues the numbering');
});

t.test('a follow-up that names no place keeps the place of the turn before', async (t) => {
  const earlier = {
    question: 'who was at the front door at 4',
    answer: 'Jonas at 16:05',
    plan: planOfNodes([
      { task: 'resolve_time', arguments: { phrase: 'at 4' } },
      { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'front door' } },
      { task: 'compose_answer', arguments: { question: 'who was at the front door at 4', inputs: ['<node-0>', '<node-1>'] } },
    ]),
  };
  const events = (question: string): Record<string, unknown> => {
    const req = modelRequest(question, { history: [earlier] });
    const text =
      'resolve_time phrase=<time-1>\nquery_events start=#0 end=#0\nget_snapshot events=#1\n' +
      'compose_answer question=<question> inputs=[#0,#1,#2]\nend\n';
    return planFromModelText(text, modelTurn(req), req).task_nodes[1]!.arguments as Record<string, unknown>;
  };
  t.equal(events('show me a picture').camera, 'front_door', "the room's camera for the events");
  t.equal(events('and in the garage?').camera, 'garage_cam', 'a place named: that place');
  t.equal(events('where was he after that?').camera, undefined, 'a question about where: no place');
  const seen = modelRequest('and lene?', { history: [earlier] });
  const last = planFromModelText(
    'last_seen person=<person-1>\ncompose_answer question=<question> inputs=[#0]\nend\n',
    modelTurn(seen),
    seen,
  );
  t.same(last.task_nodes[0]!.arguments, { person: 'Lene' }, "a person's last sighting is not narrowed");
  // unless the earlier question asked for a sighting there: "when was jonas last at the front door" → "and lene?"
  const seenThere = {
    question: 'when was jonas last at the front door',
    answer: 'at 16:05',
    plan: planOfNodes([
      { task: 'last_seen', arguments: { person: 'Jonas', camera: 'front_door' } },
      { task: 'compose_answer', arguments: { question: 'when was jonas last at the front door', inputs: ['<node-0>'] } },
    ]),
  };
  const swap = modelRequest('and lene?', { history: [seenThere] });
  // the conversation's numbering: Jonas is <person-1>, Lene <person-2>
  const there = planFromModelText(
    'last_seen person=<person-2>\ncompose_answer question=<question> inputs=[#0]\nend\n',
    modelTurn(swap),
    swap,
  );
  t.same(there.task_nodes[0]!.arguments, { person: 'Lene', camera: 'front_door' }, 'another person, the same place');
});

t.test('an activity filter stays where the conversation names it, by a word for it or in an earlier plan', async (t) => {
  const activity = (question: string, extra: Partial<PlanRequest> = {}): unknown => {
    const req = modelRequest(question, extra);
    const text = 'query_events identity=Lene activity=cleaning\ncompose_answer question=<question> inputs=[#0]\nend\n';
    return (planFromModelText(text, modelTurn(req), req).task_nodes[0]!.arguments as Record<string, unknown>).activity;
  };
  t.equal(activity('was lene tidying up in the kitchen'), 'cleaning', '"tidying up" is cleaning');
  t.equal(activity('was lene doing housework today'), 'cleaning');
  t.equal(activity('when did lene come home'), undefined, 'not asked: no filter');
  const earlier = {
    question: 'was jonas tidying up today',
    answer: 'yes',
    plan: planOfNodes([{ task: 'query_events', arguments: { identity: 'Jonas', activity: 'cleaning' } }]),
  };
  t.equal(activity('and lene?', { history: [earlier] }), 'cleaning', 'a follow-up keeps the earlier filter');
});

t.test('line grammar: references only to earlier nodes whose output the argument takes; nothing after the answer', async (t) => {
  const req = modelRequest('who was in the kitchen last night?');
  const turn = modelTurn(req);
  const o = modelGrammarOptions(req, turn, 6);
  const room = turn.question.mentions.find((m) => m.kind === 'room' || m.kind === 'camera')!.placeholder;
  const first = new Gbnf(planTextGrammar({ ...o, earlierKinds: [] }));
  t.ok(first.accepts('resolve_time phrase=<time-1>\n'), 'a first node');
  t.notOk(first.accepts('end\n'), 'no empty plan');
  t.notOk(first.accepts('query_events start=2026-12-06T20:00:00+01:00 end=#0\n'), 'no literal times');
  const third = new Gbnf(planTextGrammar({ ...o, earlierKinds: ['time_range', 'events'] }));
  t.ok(third.accepts(`query_events start=#0 end=#0 camera=${room}\n`), 'a time range from resolve_time');
  t.notOk(third.accepts(`query_events start=#1 end=#1 camera=${room}\n`), 'events are no time range');
  t.ok(third.accepts('compose_answer question=<question> inputs=[#0,#1]\n'));
  t.ok(third.accepts('end\n'));
  const closed = new Gbnf(planTextGrammar({ ...o, earlierKinds: ['time_range', 'answer'] }));
  t.ok(closed.accepts('end\n'), 'after compose_answer only the end');
  t.notOk(closed.accepts(`query_events start=#0 end=#0 camera=${room}\n`));
});

t.test('confidence is the least margin at the tool choices, as ln', async (t) => {
  t.equal(marginConfidence([]), null);
  t.equal(marginConfidence([1, 1]), 0, 'certain choices');
  t.equal(marginConfidence([0.9, 0.2, 0.5]), Math.log(0.2));
  t.ok(marginConfidence([0])! >= Math.log(1e-4), 'bounded below');
});

const model = tinyPlannerModel();
const skip = 'skip' in model ? model.skip : false;

t.test('tiny trained model: every plan of 40 varied questions parses, stays in the grammar and validates', { skip }, async (t) => {
  if (!('skip' in model)) await validPlans(t, model.path);
});

/** The planner model HomeSight ships (models/MANIFEST.md). */
const SHIPPED = fileURLToPath(new URL('../../models/planner/homesight-planner-2m-q8_0.gguf', import.meta.url));

t.test(
  'shipped planner model: every plan of 40 varied questions parses, stays in the grammar and validates',
  { skip: existsSync(SHIPPED) ? false : `${SHIPPED} is missing` },
  async (t) => {
    await validPlans(t, SHIPPED);
  },
);

/** A local planner on `modelPath` as the model tests run it (one CPU thread, greedy), disposed with the test. */
async function testPlanner(t: Test, modelPath: string): Promise<LocalPlanner> {
  const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
  t.teardown(() => llama.dispose());
  const opts: LocalPlannerOptions = {
    llama,
    modelPath,
    threads: 1,
    contextSize: 1024,
    gpuLayers: 0,
    maxTokens: 160,
    temperature: 0,
    timeoutMs: 30_000,
    fewShots: 0,
  };
  const p = new LocalPlanner(opts);
  t.teardown(() => p.dispose());
  await p.load();
  return p;
}

async function validPlans(t: Test, modelPath: string): Promise<void> {
  const p = await testPlanner(t, modelPath);
  t.equal(p.info().format, 'plan-text', 'the GGUF says it was trained on plan text');
  const names = new Set(['unknown', ...MODEL_HOUSEHOLD.people.map((x) => x.name)]);
  const ms: number[] = [];
  let confident = 0;
  for (const q of modelQuestions()) {
    const r = await p.plan(modelRequest(q));
    ms.push(r.latencyMs);
    const issues = validatePlan(r.plan, { cameras: MODEL_HOUSEHOLD.cameras, rooms: MODEL_HOUSEHOLD.rooms, allowTools: [], hubTopics: [] });
    if (issues.length > 0) t.fail(`${q}: ${JSON.stringify(issues)} ${JSON.stringify(r.plan.task_nodes)}`);
    for (const n of r.plan.task_nodes) {
      const a = n.arguments as Record<string, unknown>;
      for (const k of ['person', 'identity']) {
        const v = a[k];
        if (typeof v === 'string' && !names.has(v) && !/^<group-\d+>$/.test(v)) t.fail(`${q}: ${k}=${v} is no household name`);
      }
      if (n.task === 'compose_answer') t.equal(a.question, q, 'compose_answer gets the question as asked');
    }
    t.ok(r.confidence !== null && r.confidence <= 0 && r.confidence >= Math.log(1e-4), 'confidence in [ln 1e-4, 0]');
    if (r.confidence !== null && r.confidence > -1) confident++;
  }
  ms.sort((a, b) => a - b);
  t.comment(`40 plans: p50 ${ms[20]!.toFixed(1)} ms, p95 ${ms[37]!.toFixed(1)} ms, ${confident} with confidence > -1`);
  // Deterministic at temperature 0, and the same text the grammar admitted parses again.
  const a = await p.plan(modelRequest('who was in the kitchen last night?'));
  const b = await p.plan(modelRequest('who was in the kitchen last night?'));
  t.same(a.plan, b.plan, 'temperature 0 is deterministic');
  t.ok(parsePlanText('resolve_time phrase="x"\nend\n').task_nodes.length === 1);
}

t.test(
  'shipped planner model: a question the refusal check let through is answered from data, not declined',
  { skip: existsSync(SHIPPED) ? false : `${SHIPPED} is missing` },
  async (t) => {
    const p = await testPlanner(t, SHIPPED);
    // the model learnt "play some music" → decline; these ask about the household
    for (const q of [
      'did lene play the piano in the living room',
      'did mats play football in the garage',
      'was jonas playing music in the kitchen',
    ]) {
      const r = await p.plan(modelRequest(q));
      t.ok(
        r.plan.task_nodes.some((n) => n.task !== 'compose_answer'),
        `${q}: ${r.plan.task_nodes.map((n) => n.task).join(' → ')}`,
      );
    }
  },
);

t.test('the model may decline a request that is no question, or one about no one and nowhere the household has', async (t) => {
  const decline = (q: string): boolean | undefined => {
    const req = modelRequest(q);
    return modelGrammarOptions(req, modelTurn(req), 6).decline;
  };
  t.equal(decline('did mats play football in the garage'), false, 'a question about Mats and the garage');
  t.equal(decline('when did you last see aunt mabel'), true, 'nobody the household has');
  t.equal(decline('what happened in the basement at 8 yesterday'), true, 'a time, but no place the household has');
  t.equal(decline('play some jazz in the kitchen'), true, 'no question');
});
