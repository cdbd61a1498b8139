import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentService, getTool, memoryConversations, memoryEvents, type HouseholdInfo, type TaskPlan } from '../../daemon/agent/index.js';
import { PlanExecutor, createToolImpls } from '../../daemon/agent/execution/index.js';
import { RetrievalPlanner, refuseRequest, requestIssues } from '../../daemon/agent/planning/index.js';
import { dropInventedPeople, dropUnaskedActivities, fillPersonAndPlace } from '../../daemon/agent/planning/model-planner.js';
import { detectMentions, type Mention } from '../../daemon/grounding/index.js';
import { MQTT_REQUESTS } from '../../daemon/mqtt/api.js';
import { AgentRoutes } from '../../daemon/agent/transport/index.js';
import { MemoryStore, newEventId, type HomeEvent } from '../../daemon/memory/index.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { ScriptedPlanner, agentConfig, tempDir } from './support.js';
import { groundingContextFor } from '../../daemon/agent/planning/model-planner.js';

/**
 * Issue #18 Build items 1 (ambiguity, unresolvable names, person + place) and 7 (replay), in a household of our
 * own: the Novaks in Prague. Two people answer to "Max"; two cameras are doors; no group says who "the kids" are.
 */
const TZ = 'Europe/Prague';
const ROOT = new URL('../../', import.meta.url).pathname;
const CLOCK_NOW = Date.parse('2026-03-10T08:00:00+01:00');
const NOVAKS: HouseholdInfo = {
  timezone: TZ,
  people: [
    { name: 'Maximilian', aliases: ['Max'] },
    { name: 'Maxine', aliases: ['Max'] },
    { name: 'Lena', aliases: ['Leni'] },
    { name: 'Tomas', aliases: ['Tom'] },
  ],
  rooms: ['hall', 'garage', 'kitchen'],
  cameras: { front_door: 'hall', back_door: 'kitchen', garage: 'garage' },
};
const AGENT = agentConfig({ planner: 'local', max_repairs: 1 });

const plan = (nodes: TaskPlan['task_nodes']): TaskPlan => ({
  task_steps: nodes.map((n) => `Step: ${n.task}`),
  task_nodes: nodes,
  task_links: [],
});
const LAST_SEEN_LENI: TaskPlan = plan([
  { task: 'last_seen', arguments: { person: 'Lena' } },
  { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
]);
const WHO_THIS_MORNING: TaskPlan = plan([
  { task: 'resolve_time', arguments: { phrase: 'this morning' } },
  { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>' } },
  { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
]);

function ev(camera: string, identity: string, hhmm: string, day = '2026-03-10'): HomeEvent {
  const start = Date.parse(`${day}T${hhmm}:00+01:00`);
  return {
    id: newEventId(start),
    kind: 'identity',
    label: 'person',
    track_id: null,
    identity,
    activity: 'walking',
    confidence: 0.9,
    box: [0.1, 0.1, 0.2, 0.5],
    zones: [],
    snapshot: null,
    attributes: {},
    camera,
    start,
    end: start + 60_000,
  };
}

function service(t: Test, planner: ScriptedPlanner, clock = new ManualClock(CLOCK_NOW)) {
  const dir = tempDir(t, 'hs-understanding-');
  const store = new MemoryStore({ file: join(dir, 'memory.db'), log: silentLogger(), clock });
  t.teardown(() => store.close());
  store.cameras.sync(Object.entries(NOVAKS.cameras).map(([name, room]) => ({ name, room })));
  store.events.upsertMany([
    ev('garage', 'Lena', '07:10', '2026-03-09'),
    ev('front_door', 'Lena', '17:30', '2026-03-09'),
    ev('back_door', 'Tomas', '07:40'),
  ]);
  store.events.flush();
  const svc = new AgentService({
    agent: AGENT,
    householdId: 'novak',
    household: NOVAKS,
    deps: { events: memoryEvents(() => store), conversations: memoryConversations(() => store) },
    planners: { local: planner },
    clock,
    executor: new PlanExecutor({ impls: createToolImpls(), nodeTimeoutMs: 5000, clock }),
  });
  return { svc, store };
}

t.test('replay: a question is planned and run at the request\'s "now", and its turn is kept at that time', async (t) => {
  const planner = new ScriptedPlanner(() => WHO_THIS_MORNING);
  const { svc, store } = service(t, planner);
  const replayAt = Date.parse('2026-03-09T09:15:00+01:00');
  const r = await svc.ask({ question: 'who was around this morning?', conversationId: 'c7', now: replayAt });
  t.equal(planner.calls[0]!.now, '2026-03-09T09:15:00+01:00', 'the planner is asked at the replayed instant, not the clock');
  t.match(r.answer, /Lena/, 'the tools ran at the replayed instant (Lena at the garage at 07:10 on the 9th)');
  t.notMatch(r.answer, /Tomas/, "the clock's morning (Tomas, the 10th) is not the replayed one");
  t.equal(store.conversations.recentTurns('c7', 5)[0]!.at, replayAt, 'the turn is kept at its replay time');
  // A follow-up in that conversation sees the earlier turn.
  await svc.ask({ question: 'and after that?', conversationId: 'c7', now: replayAt + 60_000, options: { execute: false } });
  t.equal(planner.calls[1]!.history?.[0]?.question, 'who was around this morning?');
  const planned = await svc.plan({ question: 'and after that?', conversationId: 'c7', now: replayAt });
  t.equal(planner.calls[2]!.history?.length, 2, 'plan() replays inside the conversation too');
  t.equal(planned.planner, 'local');
});

t.test('replay over MQTT: agent/ask and agent/plan take "now"; the route hands it to the service', async (t) => {
  for (const topic of ['agent/ask', 'agent/plan'] as const) {
    const schema = MQTT_REQUESTS[topic].request;
    t.ok(schema.safeParse({ question: 'who was home?', now: '2026-03-09T09:15:00+01:00', conversation_id: 'c1' }).success, topic);
    t.notOk(schema.safeParse({ question: 'who was home?', now: 'yesterday' }).success, `${topic}: not an instant`);
  }
  const handlers = new Map<string, (a: unknown, rc: unknown) => Promise<unknown>>();
  const seen: Array<{ now?: number; conversationId?: string }> = [];
  const routes = new AgentRoutes({
    bridge: {
      serve: ((topic: string, h: (a: unknown, rc: unknown) => Promise<unknown>) => {
        handlers.set(topic, h);
        return () => undefined;
      }) as never,
    },
    service: {
      ask: async (req) => {
        seen.push(req);
        return {} as never;
      },
      correct: async () => ({ stored: true, issues: [] }),
    },
    maxPayloadBytes: 10_000,
    ratePerMinute: 60,
  });
  routes.start();
  const rc = { signal: new AbortController().signal, progress: async () => undefined, log: silentLogger() };
  await handlers.get('agent/plan')!({ question: 'and after that?', conversation_id: 'c1', now: '2026-03-09T09:15:00+01:00' }, rc);
  t.equal(seen[0]!.now, Date.parse('2026-03-09T09:15:00+01:00'));
  t.equal(seen[0]!.conversationId, 'c1');
});

t.test('ambiguity is asked back, for every planner, and nothing else runs', async (t) => {
  const planner = new ScriptedPlanner(() => LAST_SEEN_LENI);
  const { svc } = service(t, planner);
  const max = await svc.ask({ question: 'when did Max get home?' });
  t.equal(max.answer, 'Which "Max" do you mean: Maximilian or Maxine? Ask again with the name and I will look.');
  t.same(
    max.plan.task_nodes.map((n) => n.task),
    ['compose_answer'],
  );
  const door = await svc.ask({ question: 'was anyone at the door last night?' });
  t.match(door.answer, /^Which camera do you mean by "the door": front_door or back_door\?/);
  const kids = await svc.ask({ question: 'are the kids home yet?' });
  t.match(kids.answer, /^Who are "the kids"\? The household does not say; the people here are Maximilian, Maxine, Lena and Tomas\./);
  const gregor = await svc.ask({ question: 'when was Gregor last seen?' });
  t.match(gregor.answer, /^I don't know anyone called "Gregor" here; the people I know are Maximilian, Maxine, Lena and Tomas\./);
  t.same(
    gregor.plan.task_nodes.map((n) => n.task),
    ['compose_answer'],
    'an unknown name is neither dropped nor replaced by a household name',
  );
  t.equal(planner.calls.length, 0, 'no planner saw an ambiguous request');
  // A statement to keep may introduce someone new: that name is the fact, not a name to ask back about.
  const req0 = (await svc.buildRequest({ question: 'fyi the man with the red van who comes on fridays is Gregor' }, CLOCK_NOW)).request;
  t.equal(refuseRequest({ ...req0, allowTools: ['remember'] }), null, 'a new name in a statement to keep');
  t.equal(refuseRequest({ ...req0, allowTools: [] })?.clarification?.candidates.length, 4, 'not a memory write here: asked back');
  // The same check is what the bench harness and every planner's pipeline run first.
  const req = svc.buildRequest({ question: 'when did Max get home?' }, CLOCK_NOW);
  const asked = refuseRequest((await req).request);
  t.same(asked?.clarification?.candidates, ['Maximilian', 'Maxine']);
  t.equal(asked?.refusal, undefined, 'an ask-back is not a refusal');
  // Clear names are planned as usual.
  const clear = await svc.ask({ question: 'when was Leni last seen?' });
  t.equal(planner.calls.length, 1);
  t.match(clear.answer, /Lena/);
});

t.test('unresolvable and invented names are errors the reflection loop feeds back', async (t) => {
  const wrong = plan([
    { task: 'last_seen', arguments: { person: 'Tomas' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  const stranger = plan([
    { task: 'last_seen', arguments: { person: 'Bob' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  const planner = new ScriptedPlanner((_req, call) => (call === 0 ? wrong : call === 1 ? stranger : LAST_SEEN_LENI));
  const { svc } = service(t, planner);
  const agentWithTwoRepairs = agentConfig({ planner: 'local', max_repairs: 2 });
  svc.update(agentWithTwoRepairs);
  const r = await svc.ask({ question: 'when was Leni last seen?' });
  t.match(planner.calls[1]!.repairHints?.join(' '), /arguments.person: the question does not name "Tomas"; it names Lena/);
  t.match(planner.calls[2]!.repairHints?.join(' '), /unknown person "Bob"/, 'a name outside the household fails validation');
  t.same(r.plan.task_nodes[0]!.arguments, { person: 'Lena' });
  // A question naming nobody of the household: a plan that puts a name in is invalid.
  const { request } = await svc.buildRequest({ question: 'when was Gregor last seen?' }, CLOCK_NOW);
  t.match(requestIssues(wrong, request)[0]?.message, /does not name "Tomas"; it names nobody of the household/);
});

t.test('person + place: last_seen takes a camera, who_was_where a person; tools, retrieval and grounding fill them', async (t) => {
  t.ok(getTool('last_seen')!.input.safeParse({ person: 'Lena', camera: 'garage' }).success);
  t.ok(
    getTool('who_was_where')!.input.safeParse({ start: '2026-03-10T00:00:00+01:00', end: '2026-03-10T08:00:00+01:00', identity: 'Lena' })
      .success,
  );
  const { svc } = service(
    t,
    new ScriptedPlanner((req) =>
      /garage/.test(req.question)
        ? plan([
            { task: 'last_seen', arguments: { person: 'Lena', camera: 'garage' } },
            { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
          ])
        : plan([
            { task: 'resolve_time', arguments: { phrase: 'yesterday' } },
            { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Tom' } },
            { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
          ]),
    ),
  );
  const garage = await svc.ask({ question: 'when did Leni last come in through the garage?' });
  const seen = garage.trace.nodes[0]!.output as string;
  t.match(seen, /07:10/, 'the garage sighting (07:10 on the 9th), not her later one at the front door');
  const tom = await svc.ask({ question: 'where was Tom yesterday?' });
  t.notMatch(tom.answer, /Lena/, "who_was_where with a person leaves the others' rows out");

  const req = (await svc.buildRequest({ question: 'when did Leni last come in through the garage?' }, CLOCK_NOW)).request;
  const retrieved = await new RetrievalPlanner().plan(req);
  const node = retrieved.plan.task_nodes.find((n) => n.task === 'last_seen');
  t.same(node?.arguments, { person: 'Lena', camera: 'garage' }, 'retrieval fills the camera');

  const mentions = detectMentions(req.question, groundingContextFor(req)).mentions;
  const filled = fillPersonAndPlace(LAST_SEEN_LENI, mentions);
  t.same(filled.task_nodes[0]!.arguments, { person: 'Lena', camera: 'garage' }, 'grounding fills what the shipped model cannot write');
  const wreq = (await svc.buildRequest({ question: 'was Tom in the kitchen this morning?' }, CLOCK_NOW)).request;
  const wfilled = fillPersonAndPlace(WHO_THIS_MORNING, detectMentions(wreq.question, groundingContextFor(wreq)).mentions);
  t.equal((wfilled.task_nodes[1]!.arguments as Record<string, unknown>).identity, 'Tomas');
});

t.test('no place filter where the conversation names no place', async (t) => {
  // "how many visitors did we have this week": the model counted one camera nobody asked about
  const counted = plan([
    { task: 'resolve_time', arguments: { phrase: 'this week' } },
    { task: 'aggregate', arguments: { start: '<node-0>', end: '<node-0>', group_by: 'identity', metric: 'count', camera: 'garage' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  const ctx = {
    timezone: TZ,
    now: '2026-03-10T08:00:00+01:00',
    people: [{ name: 'Lena' }],
    cameras: [{ id: 'garage', room: 'garage' }],
    rooms: [{ name: 'garage' }],
  };
  const noPlace = fillPersonAndPlace(counted, detectMentions('how many visitors did we have this week', ctx).mentions);
  t.same(noPlace.task_nodes[1]!.arguments, { start: '<node-0>', end: '<node-0>', group_by: 'identity', metric: 'count' });
  const inGarage = fillPersonAndPlace(counted, detectMentions('how many visitors came to the garage this week', ctx).mentions);
  t.equal((inGarage.task_nodes[1]!.arguments as Record<string, unknown>).camera, 'garage', 'a place said stays');
});

t.test("one camera of a room of several, named by its id, is that camera, not the room's every camera", async (t) => {
  // "who was on the garten_2 cam today": the model wrote the camera's room
  const written = plan([
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'garden' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
  ]);
  const cameras = [
    { id: 'garten_1', room: 'garden' },
    { id: 'garten_2', room: 'garden' },
    { id: 'einfahrt', room: 'driveway' },
  ];
  const ctx = {
    timezone: TZ,
    now: '2026-03-10T20:00:00+01:00',
    people: [{ name: 'Lena' }],
    cameras,
    rooms: [{ name: 'garden' }, { name: 'driveway' }],
  };
  const rooms = Object.fromEntries(cameras.map((c) => [c.id, c.room]));
  const fill = (q: string, p: TaskPlan): unknown => {
    const mentions = detectMentions(q, ctx).mentions;
    return fillPersonAndPlace(p, mentions, mentions, rooms).task_nodes[1]!.arguments;
  };
  t.same(fill('who was on the garten_2 cam today', written), { start: '<node-0>', end: '<node-0>', camera: 'garten_2' });
  t.same(fill('who was in the garden today', written), { start: '<node-0>', end: '<node-0>', room: 'garden' }, 'the room said stays');
  // a room of one camera: the room is that camera either way
  const drive = plan([
    written.task_nodes[0]!,
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'driveway' } },
    written.task_nodes[2]!,
  ]);
  t.same(fill('who was on the einfahrt cam today', drive), { start: '<node-0>', end: '<node-0>', room: 'driveway' });
});

t.test('no activity filter the conversation never named', async (t) => {
  // "when did my mother-in-law arrive this afternoon": the model filtered by an activity nobody asked about
  const unasked = plan([
    { task: 'query_events', arguments: { identity: 'Halina', activity: 'washing_dishes' } },
    { task: 'count_events', arguments: { camera: 'porch', activity: 'cooking' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  const cleaned = dropUnaskedActivities(unasked, new Set(['cooking']));
  t.same(cleaned.task_nodes[0]!.arguments, { identity: 'Halina' }, 'the unasked filter goes');
  t.same(cleaned.task_nodes[1]!.arguments, { camera: 'porch', activity: 'cooking' }, 'a named activity stays');
  t.equal(dropUnaskedActivities(unasked, new Set(['cooking', 'washing_dishes'])), unasked);
});

t.test('no person the conversation never named: a node about them alone goes, elsewhere the filter goes', async (t) => {
  const known = new Set(['Zofia']);
  // "anyone in the kitchen in the night?": the model added last_seen of someone nobody asked about
  const extra = plan([
    { task: 'resolve_time', arguments: { phrase: 'in the night' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen' } },
    { task: 'last_seen', arguments: { person: 'Cian' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>', '<node-2>'] } },
  ]);
  const cleaned = dropInventedPeople(extra, known);
  t.same(
    cleaned.task_nodes.map((n) => n.task),
    ['resolve_time', 'query_events', 'compose_answer'],
  );
  t.same((cleaned.task_nodes[2]!.arguments as Record<string, unknown>).inputs, ['<node-0>', '<node-1>'], 'inputs renumbered');
  // "show me a clip of whoever rang the bell": the made-up person is no filter
  const filter = plan([
    { task: 'query_events', arguments: { identity: 'Halina', camera: 'porch' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  t.same(dropInventedPeople(filter, known).task_nodes[0]!.arguments, { camera: 'porch' });
  // named people, strangers where the conversation speaks of one and a last_seen that is the only data node stay
  const kept = plan([
    { task: 'query_events', arguments: { identity: 'Zofia' } },
    { task: 'query_events', arguments: { identity: 'unknown' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  t.same(dropInventedPeople(kept, new Set([...known, 'unknown'])), kept);
  t.same(dropInventedPeople(kept, known).task_nodes[1]!.arguments, {}, '"was there someone at …" is anyone, not a stranger');
  const alone = plan([
    { task: 'last_seen', arguments: { person: 'Cian' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  t.same(dropInventedPeople(alone, known).task_nodes, alone.task_nodes);
});

t.test('a place the question names is not dropped: the place tools that left every place out get it', async (t) => {
  const mention = (kind: Mention['kind'], surface: string, resolved: NonNullable<Mention['resolved']>): Mention => ({
    placeholder: `<${kind}-1>`,
    kind,
    surface,
    start: 0,
    end: surface.length,
    resolved,
  });
  const couch = mention('zone', 'couch', { kind: 'zone', zone: 'couch', cameras: ['front_room'] });
  const hallway = mention('room', 'hallway', { kind: 'room', room: 'hallway', cameras: ['hall'], fuzzy: false });
  const aggregate = plan([
    { task: 'resolve_time', arguments: { phrase: 'last night' } },
    { task: 'aggregate', arguments: { start: '<node-0>', end: '<node-0>', group_by: 'identity', metric: 'duration_s', identity: 'Tom' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  t.equal(
    (fillPersonAndPlace(aggregate, [couch]).task_nodes[1]!.arguments as Record<string, unknown>).camera,
    'front_room',
    'a zone: its camera',
  );
  const who = plan([
    { task: 'resolve_time', arguments: { phrase: 'at 7' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  t.same(fillPersonAndPlace(who, [hallway]).task_nodes[1]!.arguments, { start: '<node-0>', end: '<node-0>', room: 'hallway' }, 'a room');
  const withCamera = plan([
    { task: 'resolve_time', arguments: { phrase: 'at 7' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  const porch = mention('camera', 'porch', { kind: 'camera', camera: 'porch', room: null, fuzzy: false });
  t.same(fillPersonAndPlace(withCamera, [porch]), withCamera, 'a plan that names the place keeps it');
  t.equal(
    (fillPersonAndPlace(withCamera, [couch]).task_nodes[1]!.arguments as Record<string, unknown>).camera,
    'front_room',
    'a camera the conversation never named is the place the question names',
  );
  t.equal(
    (fillPersonAndPlace(withCamera, [couch], [porch, couch]).task_nodes[1]!.arguments as Record<string, unknown>).camera,
    'front_room',
    "a follow-up's one place instead of an earlier turn's, where no node took it",
  );
  const both = plan([
    { task: 'query_events', arguments: { camera: 'porch' } },
    { task: 'query_events', arguments: { camera: 'front_room' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  t.same(fillPersonAndPlace(both, [couch], [porch, couch]), both, "an earlier turn's camera beside the question's stays");
  t.same(fillPersonAndPlace(aggregate, [couch, hallway]), aggregate, 'two places: not guessed');
  // "who was in the hallway after dinner" → "and the basement?": the camera's room replaces the earlier room
  const basement = mention('camera', 'basement', { kind: 'camera', camera: 'basement', room: 'basement', fuzzy: false });
  const whoHall = plan([
    { task: 'resolve_time', arguments: { phrase: 'after dinner' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'hallway' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  t.equal(
    (fillPersonAndPlace(whoHall, [basement], [hallway, basement]).task_nodes[1]!.arguments as Record<string, unknown>).room,
    'basement',
    "a follow-up's camera names its room",
  );
});

t.test('plan shapes: live questions read live frames, "what did X do" is the timeline, statements are stored', async (t) => {
  const { svc } = service(t, new ScriptedPlanner(() => LAST_SEEN_LENI));
  svc.update(agentConfig({ planner: 'local', max_repairs: 1, allow_tools: ['remember'] }));
  const planOf = async (question: string): Promise<TaskPlan> =>
    (await new RetrievalPlanner().plan((await svc.buildRequest({ question }, CLOCK_NOW)).request)).plan;
  const tools = (p: TaskPlan): string[] => p.task_nodes.map((n) => n.task);
  const framesCamera = (p: TaskPlan): unknown =>
    (p.task_nodes.find((n) => n.task === 'get_frames')?.arguments as { camera?: string } | undefined)?.camera;
  const garage = await planOf('is anybody in the garage right now?');
  t.ok(tools(garage).includes('get_frames'), 'right now: live frames');
  t.same(garage.task_nodes.find((n) => n.task === 'get_frames')?.arguments, {
    camera: 'garage',
    start: '<node-0>',
    end: '<node-0>',
    fps: 1,
  });
  const kitchen = await planOf('who is in the kitchen at the moment');
  t.equal(framesCamera(kitchen), 'back_door', "the room's camera");
  const backDoor = await planOf("what's going on at the back door currently?");
  t.equal(framesCamera(backDoor), 'back_door', '"back door" is back_door');
  const tom = await planOf('what was Tom up to yesterday');
  t.same(tom.task_nodes[0], { task: 'activity_timeline', arguments: { person: 'Tomas', day: '2026-03-09' } });
  t.same((await planOf("show me Tom's day")).task_nodes[0], {
    task: 'activity_timeline',
    arguments: { person: 'Tomas', day: '2026-03-10' },
  });
  // "what is Tom doing … right now" is live: the frames, not the day's timeline (before, the check asked for both)
  const doingNow = (await svc.buildRequest({ question: 'what is Tom doing in the garage right now?' }, CLOCK_NOW)).request;
  const watchLive = plan([
    { task: 'resolve_time', arguments: { phrase: 'right now' } },
    { task: 'get_frames', arguments: { camera: 'garage', start: '<node-0>', end: '<node-0>' } },
    { task: 'recognize_identity', arguments: { frames: '<node-1>' } },
    { task: 'recognize_activity', arguments: { frames: '<node-1>' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-2>', '<node-3>'] } },
  ]);
  t.same(
    requestIssues(watchLive, doingNow).filter((i) => i.code === 'E_QUESTION_SHAPE'),
    [],
    'what someone is doing right now: live frames fit',
  );
  for (const statement of ['the cat is called Mimi', 'Tom usually gets home around 6']) {
    const p = await planOf(statement);
    t.same(p.task_nodes[0], { task: 'remember', arguments: { fact: statement } }, statement);
  }
  // Every planner: a plan of the wrong form is fed back (here a scripted one reading stored events for "right now").
  const scripted = new ScriptedPlanner((_req, call) =>
    call === 0
      ? WHO_THIS_MORNING
      : plan([
          { task: 'resolve_time', arguments: { phrase: 'right now' } },
          { task: 'get_frames', arguments: { camera: 'garage', start: '<node-0>', end: '<node-0>' } },
          { task: 'recognize_identity', arguments: { frames: '<node-1>' } },
          { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-2>'] } },
        ]),
  );
  const { svc: live } = service(t, scripted);
  await live.plan({ question: 'is anybody in the garage right now?' });
  t.match(scripted.calls[1]!.repairHints?.join(' '), /asks about right now: read live frames/);
});

t.test('homesight plan --local --now ISO --conversation ID replays a follow-up at a fixed time', async (t) => {
  const dir = tempDir(t, 'hs-replay-cli-');
  const store = new MemoryStore({ file: join(dir, 'data', 'homesight.db'), log: silentLogger(), clock: new ManualClock(CLOCK_NOW) });
  store.conversations.appendTurn('kitchen-1', {
    question: 'who was in the garage this morning?',
    answer: 'Lena at 07:10.',
    plan: WHO_THIS_MORNING,
    at: Date.parse('2026-03-09T09:15:00+01:00'),
  });
  store.close();
  const cfg = join(dir, 'homesight.yaml');
  writeFileSync(
    cfg,
    `device_id: hub9
household:
  id: novak
  timezone: ${TZ}
  people:
    - {name: Lena, aliases: [Leni]}
    - {name: Tomas, aliases: [Tom]}
  rooms: [hall, garage]
vision: {enabled: false}
agent: {planner: retrieval}
paths:
  data_dir: ${join(dir, 'data')}
`,
  );
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin/homesight.js'), 'plan', '--local', '--json', '--config', cfg, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
  const out = run('--now', '2026-03-09T10:00:00+01:00', '--conversation', 'kitchen-1', 'and after that?');
  t.equal(out.status, 0, out.stderr);
  const planned = JSON.parse(out.stdout) as { plan: TaskPlan; planner: string };
  t.equal(planned.planner, 'retrieval');
  // "after that" resolves only against the conversation's earlier turn (E_TIME_PHRASE otherwise)
  t.match(
    planned.plan.task_nodes[0],
    { task: 'resolve_time', arguments: { phrase: /after that$/ } },
    'a follow-up, planned in its conversation',
  );
  const bad = run('--now', 'yesterday', 'who was home?');
  t.equal(bad.status, 64);
  t.match(bad.stderr, /--now wants an ISO 8601 instant with an offset/);
});
