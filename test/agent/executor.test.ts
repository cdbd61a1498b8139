import t, { type Test } from 'tap';
import { join } from 'node:path';
import {
  AgentService,
  RetrievalPlanner,
  SEED_EXAMPLES,
  memoryConversations,
  memoryEvents,
  memoryLongTerm,
  type TaskPlan,
} from '../../daemon/agent/index.js';
import { PlanExecutor, createToolImpls, type AgentDeps, type ToolImpls } from '../../daemon/agent/execution/index.js';
import { HomeSightError, ManualClock } from '../../daemon/system/index.js';
import { HOUSEHOLD, NOW, agentConfig, ScriptedPlanner, openStore, planRequest, seedEvents, tempDir } from './support.js';

const AGENT = agentConfig({
  planner: 'local',
  max_repairs: 2,
  cloud: { min_confidence: -1.5 },
  node_timeout_ms: 2000,
  llm: { few_shots: 3 },
});

const WHO_PLAN = SEED_EXAMPLES.find((s) => s.question.startsWith('Who was in view'))!.plan;

function setup(t: Test) {
  const dir = tempDir(t);
  const clock = new ManualClock(NOW);
  const store = openStore(dir, clock);
  t.teardown(() => store.close());
  const events = seedEvents(store, join(dir, 'snaps'));
  const deps: AgentDeps = {
    events: memoryEvents(() => store),
    longTerm: memoryLongTerm(() => store),
    conversations: memoryConversations(() => store),
  };
  return { dir, clock, store, events, deps };
}

t.test('who was in view between 7 and 8 pm and what were they doing: people, activities, evidence', async (t) => {
  const { clock, deps } = setup(t);
  const planner = new ScriptedPlanner(() => WHO_PLAN);
  const svc = new AgentService({ agent: AGENT, householdId: 'home', household: HOUSEHOLD, deps, planners: { local: planner }, clock });
  const progress: string[] = [];
  const r = await svc.ask(
    { question: 'Who was in view between 7 and 8 pm and what were they doing?' },
    { onProgress: (p) => progress.push(p.stage) },
  );
  t.equal(r.planner, 'local');
  t.same(r.plan, WHO_PLAN, 'the scripted plan ran');
  t.match(r.answer, /^19:00–20:00: Seen: /);
  t.match(r.answer, /Alice at plaza from 19:05 to 19:40, sitting and walking/);
  t.match(r.answer, /Bob at entrance from 19:30 to 19:50, standing/);
  t.match(r.answer, /unknown people \(1 sighting\) at plaza from 19:45 to 19:47, walking/);
  t.notMatch(r.answer, /18:00/, "Bob's earlier visit is outside the window");
  // Evidence: the events with snapshots, one per person and camera.
  const snaps = r.evidence.map((e) => e.snapshot).filter((s): s is string => s !== null);
  t.ok(
    snaps.some((s) => s.endsWith('alice-walk.jpg')),
    "Alice's snapshot",
  );
  t.ok(
    snaps.some((s) => s.endsWith('bob-stand.jpg')),
    "Bob's snapshot",
  );
  t.same(
    r.evidence
      .map((e) => e.event?.identity)
      .filter((x) => x !== null)
      .sort(),
    ['Alice', 'Bob'],
  );
  // Trace: every node with inputs, output summary and timings.
  t.equal(r.trace.nodes.length, 4);
  for (const n of r.trace.nodes) {
    t.equal(n.status, 'ok', `${n.task} ok`);
    t.ok(n.ms >= 0 && n.startMs >= 0);
    t.type(n.output, 'string');
  }
  t.match(r.trace.nodes[1]!.inputs, /"start":"2024-05-04T19:00:00\+02:00"/, 'the time range was projected into start');
  t.ok(progress.includes('planned') && progress.includes('node') && progress.at(-1) === 'answered');
  t.ok(r.timings.total_ms >= r.timings.execute_ms);
});

t.test('independent nodes run in parallel; per-node timeout; dependents skipped; compose still answers', async (t) => {
  const { deps } = setup(t);
  const base = createToolImpls();
  let running = 0;
  let maxRunning = 0;
  const slow =
    <A, R>(f: (a: A, c: never) => Promise<R>, ms: number) =>
    async (a: A, c: never): Promise<R> => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return f(a, c);
    };
  const impls: ToolImpls = {
    ...base,
    last_seen: slow(base.last_seen as never, 150) as ToolImpls['last_seen'],
    activity_timeline: slow(base.activity_timeline as never, 150) as ToolImpls['activity_timeline'],
    query_events: (() => new Promise(() => undefined)) as ToolImpls['query_events'], // never answers
  };
  const ex = new PlanExecutor({ impls, nodeTimeoutMs: 300 });
  const plan: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'last_seen', arguments: { person: 'Alice' } },
      { task: 'activity_timeline', arguments: { person: 'mum', day: '2024-05-04' } },
      { task: 'query_events', arguments: { start: '2024-05-04T19:00:00+02:00', end: '2024-05-04T20:00:00+02:00' } },
      { task: 'get_snapshot', arguments: { events: '<node-2>' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>', '<node-2>'] } },
    ],
    task_links: [],
  };
  const t0 = performance.now();
  const r = await ex.execute(plan, { deps, household: HOUSEHOLD, now: NOW, question: 'where is Alice?', allowTools: [], hubTopics: [] });
  const ms = performance.now() - t0;
  t.ok(maxRunning >= 2, 'last_seen and activity_timeline overlapped');
  t.ok(ms < 3000, `finished in ${Math.round(ms)} ms (the slowest branch alone takes 300 ms)`);
  t.same(
    r.trace.map((x) => x.status),
    ['ok', 'ok', 'error', 'skipped', 'ok'],
  );
  t.equal(r.trace[2]!.error?.code, 'E_NODE_TIMEOUT');
  t.equal(r.trace[3]!.error?.code, 'E_DEP_FAILED');
  const answer = (r.outputs[4] as { answer: string }).answer;
  t.match(answer, /Alice was last seen 20:40 at entrance, walking/);
  t.match(answer, /Alice on 2024-05-04: .*walking \(plaza\)/, 'alias "mum" resolved to Alice');
  t.match(answer, /query_events failed: query_events did not finish within 300 ms/);
});

t.test('cancellation stops the run and the ask', async (t) => {
  const { deps, clock } = setup(t);
  const base = createToolImpls();
  const impls: ToolImpls = {
    ...base,
    who_was_where: ((a: never, c: { signal: AbortSignal }) =>
      new Promise((_, reject) =>
        c.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      )) as unknown as ToolImpls['who_was_where'],
  };
  const ex = new PlanExecutor({ impls, nodeTimeoutMs: 10_000 });
  const svc = new AgentService({
    agent: AGENT,
    householdId: 'home',
    household: HOUSEHOLD,
    deps,
    planners: { local: new ScriptedPlanner(() => WHO_PLAN) },
    clock,
    executor: ex,
  });
  const ac = new AbortController();
  const p = svc.ask(
    { question: 'who was here between 7 and 8 pm?' },
    { signal: ac.signal, onProgress: (e) => e.stage === 'node' && e.task === 'who_was_where' && e.status === 'running' && ac.abort() },
  );
  await t.rejects(p, { code: 'E_CANCELLED' });
});

t.test('execution errors are fed back once: a repaired plan answers', async (t) => {
  const { deps, clock } = setup(t);
  // get_frames needs ingest, which this agent does not have.
  const broken: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'between 7 and 8 pm' } },
      { task: 'get_frames', arguments: { camera: 'demo', start: '<node-0>', end: '<node-0>' } },
      { task: 'recognize_identity', arguments: { frames: '<node-1>' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-2>'] } },
    ],
    task_links: [],
  };
  const planner = new ScriptedPlanner((req) => ((req.repairHints ?? []).length > 0 ? WHO_PLAN : broken));
  const svc = new AgentService({ agent: AGENT, householdId: 'home', household: HOUSEHOLD, deps, planners: { local: planner }, clock });
  const r = await svc.ask({ question: 'Who was on the demo camera between 7 and 8 pm?' });
  t.equal(planner.calls.length, 2, 'planned twice');
  t.match(planner.calls[1]!.repairHints!.join(' '), /node 1 \(get_frames\) failed: get_frames: ingest is not available/);
  t.same(r.plan, WHO_PLAN, 'the repaired plan was used');
  t.match(r.answer, /Alice at plaza/);
  t.match(r.notes.join(' '), /a repaired plan was used/);
});

t.test('a camera without recorded video: get_frames says so, and the retrieval planner re-plans from the events', async (t) => {
  const { deps, clock } = setup(t);
  // The porch is a still camera (never recorded): ingest finds no video in any range.
  const withFrames: AgentDeps = {
    ...deps,
    frames: { framesAt: async () => [], snapshot: async () => '' },
    vision: { analyzeFrames: async () => [] },
  };
  const retrieval = new RetrievalPlanner();
  const svc = new AgentService({
    agent: { ...AGENT, planner: 'retrieval' },
    householdId: 'home',
    household: HOUSEHOLD,
    deps: withFrames,
    planners: { retrieval },
    clock,
  });
  const q = 'who was on the porch between 7 and 8 pm?';
  const first = await retrieval.plan(planRequest(q));
  t.ok(
    first.plan.task_nodes.some((n) => n.task === 'get_frames'),
    'the nearest stored plan looks at the video',
  );
  const r = await svc.ask({ question: q });
  t.notOk(
    r.plan.task_nodes.some((n) => n.task === 'get_frames'),
    'the re-plan does without the failing tool',
  );
  t.notMatch(r.answer, /Nobody is visible/, 'no video is not "nobody"');
  t.match(r.answer, /Bob at entrance/, 'answered from the events');
  t.match(r.notes.join(' '), /get_frames: no recorded video of porch between .* a repaired plan was used/);
});

t.test('reflection: invalid plans are repaired with the errors fed back, bounded by max_repairs', async (t) => {
  const { deps, clock } = setup(t);
  const invalid: TaskPlan = {
    task_steps: [],
    task_nodes: [{ task: 'who_was_where', arguments: { start: '<node-1>', end: 'yesterday' } }],
    task_links: [],
  };
  const planner = new ScriptedPlanner((_req, call) => (call < 2 ? invalid : WHO_PLAN));
  const svc = new AgentService({
    agent: AGENT,
    householdId: 'home',
    household: HOUSEHOLD,
    deps,
    planners: { local: planner, retrieval: new RetrievalPlanner() },
    clock,
  });
  const r = await svc.ask({ question: 'who was in view between 7 and 8 pm?' });
  t.equal(planner.calls.length, 3, 'first try + 2 repairs');
  t.match(
    planner.calls[1]!.repairHints!.join('\n'),
    new RegExp(
      /task_nodes\[0\]\.arguments\.start: <node-1> does not exist \(the plan has 1 nodes\)\n/.source +
        /task_nodes\[0\]\.arguments\.end: who_was_where: Invalid ISO datetime/.source,
    ),
  );
  t.same(planner.calls[1]!.previousPlan, invalid);
  t.equal(r.planner, 'local');
  t.same(
    r.trace.planning.map((a) => a.ok),
    [false, false, true],
  );
  // Never valid: the retrieval planner answers after max_repairs and says so.
  const stubborn = new ScriptedPlanner(() => invalid);
  const svc2 = new AgentService({
    agent: AGENT,
    householdId: 'home',
    household: HOUSEHOLD,
    deps,
    planners: { local: stubborn, retrieval: new RetrievalPlanner() },
    clock,
  });
  const r2 = await svc2.ask({ question: 'who was in view between 7 and 8 pm?' });
  t.equal(stubborn.calls.length, 3);
  t.equal(r2.planner, 'retrieval');
  t.match(r2.answer, /Alice at plaza/);
  t.match(r2.answer, /Note: the local plan stayed invalid after 2 repairs; the retrieval planner answered/);
});

t.test('short-term memory: follow-ups resolve against the previous turn; accepted plans are remembered', async (t) => {
  const { deps, clock, store } = setup(t);
  // A "local" planner that re-fills the nearest example (so its plans count as accepted model plans).
  const retrieval = new RetrievalPlanner();
  const local = {
    name: 'local',
    plan: async (req: Parameters<RetrievalPlanner['plan']>[0]) => ({ ...(await retrieval.plan(req)), planner: 'local' }),
  };
  const svc = new AgentService({ agent: AGENT, householdId: 'home', household: HOUSEHOLD, deps, planners: { local, retrieval }, clock });
  const a = await svc.ask({ question: 'Who was seen between 7 and 8 pm?', conversationId: 'c1' });
  t.equal(a.planner, 'local');
  t.match(a.answer, /^19:00–20:00: Seen: Alice/);
  clock.advance(60_000);
  const b = await svc.ask({ question: 'And after that?', conversationId: 'c1' });
  t.match(b.answer, /^20:00–21:00: Seen: Alice at entrance from 20:40 to 21:10, walking/, 'the hour after the previous range');
  const turns = store.conversations.recentTurns('c1', 5);
  t.equal(turns.length, 2);
  t.same(turns[0]!.plan, a.plan);
  // Accepted plans are in long-term memory and come back as few-shots.
  const plans = store.longTerm.list({ kind: 'plan' });
  t.ok(plans.some((p) => p.text === 'Who was seen between 7 and 8 pm?'));
  const ex = await svc.examples('Who was seen between 5 and 6 pm?', NOW);
  t.equal(ex[0]!.question, 'Who was seen between 7 and 8 pm?', "the household's own accepted plan is the nearest few-shot");
  // A correction is preferred next time.
  const corrected: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'today' } },
      { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
    ],
    task_links: [],
  };
  t.same((await svc.correct('Who was seen between 5 and 6 pm?', corrected)).stored, true);
  t.same((await svc.correct('x', { task_nodes: [{ task: 'nope', arguments: {} }] })).stored, false, 'an invalid correction is refused');
  const ex2 = await svc.examples('Who was seen between 5 and 6 pm?', NOW);
  t.equal(ex2[0]!.question, 'Who was seen between 5 and 6 pm?');
});

t.test('wrong household and plan-only requests', async (t) => {
  const { deps, clock } = setup(t);
  const svc = new AgentService({
    agent: AGENT,
    householdId: 'home',
    household: HOUSEHOLD,
    deps,
    planners: { local: new ScriptedPlanner(() => WHO_PLAN) },
    clock,
  });
  await t.rejects(svc.ask({ question: 'who?', household: 'neighbours' }), { code: 'E_HOUSEHOLD' });
  const r = await svc.ask({ question: 'who was here between 7 and 8 pm?', options: { execute: false } });
  t.equal(r.executed, false);
  t.same(r.trace.nodes, []);
  t.same(r.plan, WHO_PLAN);
});

t.test('executor refuses plans that fail validation (never runs unknown or forbidden tools)', async (t) => {
  const { deps } = setup(t);
  const ex = new PlanExecutor({ nodeTimeoutMs: 1000 });
  const ctx = { deps, household: HOUSEHOLD, now: NOW, question: 'q', allowTools: [], hubTopics: [] };
  await t.rejects(ex.execute({ task_steps: [], task_nodes: [{ task: 'shell', arguments: { cmd: 'rm -rf /' } }], task_links: [] }, ctx), {
    code: 'E_PLAN_INVALID',
  });
  await t.rejects(ex.execute({ task_steps: [], task_nodes: [{ task: 'remember', arguments: { fact: 'x' } }], task_links: [] }, ctx), {
    code: 'E_PLAN_INVALID',
  });
  t.ok(new HomeSightError('E_INTERNAL', 'x'));
});
