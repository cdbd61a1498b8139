import t from 'tap';
import type { PlanRequest, TaskPlan } from '../../daemon/agent/index.js';
import {
  activityAsAsked,
  anyoneHome,
  asTimeline,
  atTheDoor,
  countAsAsked,
  doingAtPlace,
  durationAsAsked,
  everyCameraOfRoom,
  everyoneBut,
  everyPersonAsked,
  everyPlaceAsked,
  impliedTime,
  inventedSighting,
  liveActivity,
  liveAsAsked,
  onePersonEachPlace,
  peopleAtPlaceAlike,
  personAtPlace,
  presenceAsAsked,
  presentAsLive,
  questionShape,
  someoneWasAtPlace,
  strangersAsked,
  timeAsAsked,
  whatHappened,
  whoAtTime,
  withEvidence,
} from '../../daemon/agent/planning/question-shape.js';
import { planOfNodes, withAnswer } from '../../daemon/agent/planning/steps.js';
import { requestIssues } from '../../daemon/agent/planning/index.js';

// Plans the planner model writes, rewritten to the shape the request asks for (phrasings of this test's own).

const events = (evidence?: string): TaskPlan =>
  planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'around 3' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch' } },
    ...(evidence === undefined ? [] : [{ task: evidence, arguments: { events: '<node-1>', max: 3 } }]),
    { task: 'compose_answer', arguments: { question: 'q', inputs: evidence === undefined ? ['<node-1>'] : ['<node-1>', '<node-2>'] } },
  ]);
const tools = (p: TaskPlan): string[] => p.task_nodes.map((n) => n.task);

t.test('a clip asked for is a clip, a picture a snapshot', async (t) => {
  const clip = withEvidence(events('get_snapshot'), { question: 'show me a clip of whoever rang the bell around 3' });
  t.same(tools(clip), ['resolve_time', 'query_events', 'evidence_clip', 'compose_answer']);
  t.same(clip.task_nodes[2]!.arguments, { events: '<node-1>' });
  t.same(tools(withEvidence(events('evidence_clip'), { question: 'any photos of the guy at the door?' })), [
    'resolve_time',
    'query_events',
    'get_snapshot',
    'compose_answer',
  ]);
});

t.test('evidence asked for and missing is cut from the last events and given to the answer', async (t) => {
  const added = withEvidence(events(), { question: 'can i see the video of the van this morning' });
  t.same(tools(added), ['resolve_time', 'query_events', 'evidence_clip', 'compose_answer']);
  t.same(added.task_nodes[3]!.arguments, { question: 'q', inputs: ['<node-1>', '<node-2>'] });
  t.same(added.task_links, [
    { source: 'resolve_time', target: 'query_events' },
    { source: 'query_events', target: 'evidence_clip' },
    { source: 'query_events', target: 'compose_answer' },
    { source: 'evidence_clip', target: 'compose_answer' },
  ]);
});

t.test('a request that starts with the evidence it wants: "clip of the driveway from this morning pls"', async (t) => {
  t.same(tools(withEvidence(events('get_snapshot'), { question: 'clip of the porch from around 3 pls' })), [
    'resolve_time',
    'query_events',
    'evidence_clip',
    'compose_answer',
  ]);
  t.same(tools(withEvidence(events('get_snapshot'), { question: 'got a clip?' })), [
    'resolve_time',
    'query_events',
    'evidence_clip',
    'compose_answer',
  ]);
  t.same(tools(withEvidence(events(), { question: 'pics of whoever came to the porch around 3' })), [
    'resolve_time',
    'query_events',
    'get_snapshot',
    'compose_answer',
  ]);
});

t.test('kept as written: both kinds or neither named, nothing to see, no events to cut from', async (t) => {
  const plan = events('get_snapshot');
  t.equal(withEvidence(plan, { question: 'show me who was at the door' }), plan);
  t.equal(withEvidence(plan, { question: 'show me pictures and a clip of the van' }), plan);
  const bare = events();
  t.equal(withEvidence(bare, { question: 'how many videos did the porch camera record' }), bare, 'asks about videos, not to see one');
  const count = planOfNodes([
    { task: 'count_events', arguments: { camera: 'porch' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  t.equal(withEvidence(count, { question: 'any clips from the porch?' }), count, 'a count has no events to cut a clip from');
});

const household = {
  people: [{ name: 'Ines', aliases: [] }],
  rooms: ['front door', 'kitchen', 'garden'],
  cameras: ['porch', 'kitchen_cam', 'garden_1', 'garden_2'],
  cameraRooms: { porch: 'front door', kitchen_cam: 'kitchen', garden_1: 'garden', garden_2: 'garden' },
};
const one = (node: TaskPlan['task_nodes'][number], evidence = false): TaskPlan =>
  planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'this morning' } },
    node,
    ...(evidence ? [{ task: 'get_snapshot', arguments: { events: '<node-1>' } }] : []),
    { task: 'compose_answer', arguments: { question: 'q', inputs: evidence ? ['<node-1>', '<node-2>'] : ['<node-1>'] } },
  ]);

t.test('"who was at the door" is the presence list, "was anyone in the kitchen" the events', async (t) => {
  const asked = presenceAsAsked(one({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch' } }), {
    question: 'who was at the door this morning',
    household,
  });
  t.same(asked.task_nodes[1], { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'front door' } });
  const withSnapshot = one({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch' } }, true);
  t.equal(
    presenceAsAsked(withSnapshot, { question: 'show me who was at the door this morning', household }),
    withSnapshot,
    'a snapshot is cut from the events: kept as the corpus plans it',
  );
  const anyone = presenceAsAsked(one({ task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'kitchen' } }), {
    question: 'was anybody in the kitchen this morning?',
    household,
  });
  t.same(anyone.task_nodes[1], { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam' } });
});

t.test('kept as written: a person or activity, two cameras for the room, both words, two data nodes', async (t) => {
  const cases: Array<[TaskPlan, string]> = [
    [one({ task: 'query_events', arguments: { camera: 'porch', identity: 'Ines' } }), 'who was at the door with Ines'],
    [one({ task: 'query_events', arguments: { camera: 'porch', activity: 'sitting' } }), 'who was sitting at the door'],
    [one({ task: 'who_was_where', arguments: { room: 'garden' } }), 'was anyone in the garden'],
    [one({ task: 'query_events', arguments: { camera: 'porch' } }), 'did anyone who was at the door ring'],
    [
      planOfNodes([
        { task: 'query_events', arguments: { camera: 'porch' } },
        { task: 'count_events', arguments: { camera: 'porch' } },
        { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
      ]),
      'who came to the door and how often',
    ],
  ];
  for (const [plan, question] of cases) t.equal(presenceAsAsked(plan, { question, household }), plan, question);
});

t.test("how long: summed per person unless the question names an activity; one person's events are summed", async (t) => {
  const agg = (extra: Record<string, unknown>): TaskPlan =>
    one({ task: 'aggregate', arguments: { start: '<node-0>', end: '<node-0>', metric: 'duration_s', identity: 'Ines', ...extra } });
  const args = (p: TaskPlan): unknown => p.task_nodes[1]!.arguments;
  t.same(
    args(
      durationAsAsked(agg({ group_by: 'room', camera: 'kitchen_cam' }), {
        question: 'how long was Ines on the couch',
      }),
    ),
    {
      start: '<node-0>',
      end: '<node-0>',
      metric: 'duration_s',
      identity: 'Ines',
      camera: 'kitchen_cam',
      group_by: 'identity',
    },
  );
  t.same(args(durationAsAsked(agg({ group_by: 'room' }), { question: 'how much time did Ines spend cooking this morning' })), {
    start: '<node-0>',
    end: '<node-0>',
    metric: 'duration_s',
    identity: 'Ines',
    group_by: 'activity',
    activity: 'cooking',
  });
  t.same(
    durationAsAsked(one({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Ines' } }), {
      question: 'how long did she stay?',
    }).task_nodes[1],
    { task: 'aggregate', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Ines', group_by: 'identity', metric: 'duration_s' } },
  );
  t.equal(
    (
      durationAsAsked(agg({ group_by: 'room' }), { question: 'how long was Ines in each room this morning' }).task_nodes[1]!
        .arguments as Record<string, unknown>
    ).group_by,
    'room',
    'per room where the question asks per room',
  );
  const tidying = agg({ group_by: 'activity', activity: 'cleaning' });
  t.equal(durationAsAsked(tidying, { question: 'how long was Ines tidying up' }), tidying, "the model's activity stays");
  const ago = one({ task: 'query_events', arguments: { identity: 'Ines' } });
  t.equal(durationAsAsked(ago, { question: 'how long ago did Ines leave' }), ago, '"how long ago" is no duration');
  // "who spent the most time": a duration, and a count the model wrote is summed time
  const counted = one({
    task: 'aggregate',
    arguments: { start: '<node-0>', end: '<node-0>', group_by: 'identity', metric: 'count', camera: 'kitchen_cam' },
  });
  t.same(args(durationAsAsked(counted, { question: 'who spent the most time in the kitchen today' })), {
    start: '<node-0>',
    end: '<node-0>',
    group_by: 'identity',
    metric: 'duration_s',
    camera: 'kitchen_cam',
  });
  t.equal(durationAsAsked(counted, { question: 'how many people came into the kitchen today' }), counted, 'a count asked: as written');
});

const request = (question: string): PlanRequest => ({
  question,
  now: '2026-12-05T18:00:00+01:00',
  timezone: 'Europe/Berlin',
  household,
});

t.test('one person at one place is one node', async (t) => {
  const split = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'this afternoon' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Ines', activity: 'lying_down' } },
    { task: 'count_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam', identity: 'Ines' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>', '<node-2>'] } },
  ]);
  const merged = personAtPlace(split, request('did Ines have a fall this afternoon, she was alone in the kitchen'));
  t.same(tools(merged), ['resolve_time', 'query_events', 'compose_answer']);
  t.same(merged.task_nodes[1]!.arguments, {
    start: '<node-0>',
    end: '<node-0>',
    identity: 'Ines',
    activity: 'lying_down',
    camera: 'kitchen_cam',
  });
  t.same((merged.task_nodes[2]!.arguments as Record<string, unknown>).inputs, ['<node-0>', '<node-1>']);
  t.equal(personAtPlace(split, request('did Ines have a fall this afternoon')), split, 'no place named: as written');
  t.equal(personAtPlace(split, request('did Ines fall in the garden')), split, 'a room with two cameras: as written');
});

t.test('a live question about an activity reads it from the frames', async (t) => {
  const live = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'right now' } },
    { task: 'get_frames', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam' } },
    { task: 'recognize_identity', arguments: { frames: '<node-1>' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-2>'] } },
  ]);
  const read = liveActivity(live, { question: 'is Ines lying on the floor in the kitchen right now?' });
  t.same(tools(read), ['resolve_time', 'get_frames', 'recognize_identity', 'recognize_activity', 'compose_answer']);
  t.same(read.task_nodes[3]!.arguments, { frames: '<node-1>' });
  t.same((read.task_nodes[4]!.arguments as Record<string, unknown>).inputs, ['<node-2>', '<node-3>']);
  t.equal(liveActivity(live, { question: 'is Ines in the kitchen right now?' }), live, 'no activity named');
});

const family = {
  ...household,
  people: [
    { name: 'Ines', aliases: [] },
    { name: 'Bruno', aliases: ['my son'] },
  ],
};
const familyRequest = (question: string): PlanRequest => ({ ...request(question), household: family });

t.test('every person the question names is in the plan: one node per person', async (t) => {
  const first = one({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam', identity: 'Ines' } });
  const both = everyPersonAsked(first, familyRequest('was Ines in the kitchen with my son this morning'));
  t.same(tools(both), ['resolve_time', 'query_events', 'query_events', 'compose_answer']);
  t.same(both.task_nodes[2]!.arguments, { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam', identity: 'Bruno' });
  t.same((both.task_nodes[3]!.arguments as Record<string, unknown>).inputs, ['<node-1>', '<node-2>']);
  t.equal(everyPersonAsked(first, familyRequest('was Ines in the kitchen this morning')), first, 'one person: as written');
  t.equal(everyPersonAsked(both, familyRequest('was Ines in the kitchen with Bruno')), both, 'both already there');
  const seen = one({ task: 'last_seen', arguments: { person: 'Ines' } });
  t.equal(everyPersonAsked(seen, familyRequest('when did Ines last see Bruno')), seen, 'not a tool that filters events');
  // two people asked about together are each one's last sighting
  const seenIn = one({ task: 'last_seen', arguments: { person: 'Ines', camera: 'kitchen_cam' } });
  for (const q of [
    'was Ines in the kitchen with my son',
    'did Ines and Bruno eat together in the kitchen',
    'was Ines in the kitchen with her Bruno',
  ]) {
    t.same(
      everyPersonAsked(seenIn, familyRequest(q)).task_nodes.map((n) => (n.arguments as Record<string, unknown>).person ?? n.task),
      ['resolve_time', 'Ines', 'Bruno', 'compose_answer'],
      q,
    );
  }
  t.equal(everyPersonAsked(seenIn, familyRequest('did Ines see Bruno in the kitchen')), seenIn, 'one seeing the other: as written');
});

t.test("a group's members are each in the plan once the plan names one of them", async (t) => {
  const kids = {
    ...family,
    people: [...family.people, { name: 'Lotte', aliases: [] }, { name: 'Jan', aliases: ['the sitter'] }],
    groups: [{ name: 'the kids', aliases: ['the children'], members: ['Bruno', 'Lotte'] }],
  };
  const ask = (question: string): PlanRequest => ({ ...request(question), household: kids });
  const sitter = one({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Jan' } });
  const two = everyPersonAsked(
    planOfNodes([
      ...sitter.task_nodes.slice(0, 2),
      { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Bruno' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>', '<node-2>'] } },
    ]),
    ask('did the sitter pick up the kids this morning'),
  );
  t.same(
    two.task_nodes.map((n) => (n.arguments as Record<string, unknown>).identity ?? n.task),
    ['resolve_time', 'Jan', 'Bruno', 'Lotte', 'compose_answer'],
    'the member left out is added',
  );
  const summed = one({ task: 'aggregate', arguments: { start: '<node-0>', end: '<node-0>', group_by: 'identity', metric: 'duration_s' } });
  t.equal(everyPersonAsked(summed, ask('how long were the kids in the garden')), summed, 'no member named: as written');
  // a group asked about is each member's last sighting too; a person named beside them keeps the plan as written
  const seen = planOfNodes([
    { task: 'last_seen', arguments: { person: 'Bruno' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  t.same(
    everyPersonAsked(seen, ask('where are the kids')).task_nodes.map((n) => (n.arguments as Record<string, unknown>).person ?? n.task),
    ['Bruno', 'Lotte', 'compose_answer'],
  );
  t.equal(everyPersonAsked(seen, ask('when did the sitter last see the kids')), seen, 'not only the group: as written');
});

t.test('every place the question names is in the plan: one node per place', async (t) => {
  const kitchen = one({ task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'kitchen' } });
  const rooms = everyPlaceAsked(kitchen, request('who was in the kitchen or at the front door this morning'));
  t.same(tools(rooms), ['resolve_time', 'who_was_where', 'who_was_where', 'compose_answer']);
  t.same(rooms.task_nodes[2]!.arguments, { start: '<node-0>', end: '<node-0>', room: 'front door' });
  const porch = one({ task: 'count_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch', identity: 'Ines' } });
  const cams = everyPlaceAsked(porch, request('was Ines at the front door or in the kitchen this morning'));
  t.same(cams.task_nodes[2]!.arguments, { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam', identity: 'Ines' });
  t.equal(
    everyPlaceAsked(porch, request('was Ines at the front door or in the garden this morning')),
    porch,
    'a place of two cameras cannot be one camera argument: as written',
  );
  t.equal(everyPlaceAsked(kitchen, request('who was in the kitchen this morning')), kitchen, 'one place: as written');
});

t.test('a plan that names a place or person the question does not is left as it is', async (t) => {
  const garden = one({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'garden_1' } });
  t.equal(everyPlaceAsked(garden, request('anyone at the front door or in the kitchen this morning')), garden);
  const other = one({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Ines' } });
  t.equal(everyPersonAsked(other, familyRequest('did my son see me this morning')), other, 'the asker is no one asked about');
});

t.test("a made-up time phrase: the time the question says, or with none said a person's last sighting", async (t) => {
  const people = {
    ...household,
    people: [
      { name: 'Ines', aliases: [] },
      { name: 'Bruno', aliases: ['my son'] },
    ],
  };
  const ask = (question: string, history?: PlanRequest['history']): PlanRequest => ({
    ...request(question),
    household: people,
    ...(history === undefined ? {} : { history }),
  });
  const made = (phrase: string, ...identities: string[]): TaskPlan =>
    planOfNodes([
      { task: 'resolve_time', arguments: { phrase } },
      ...identities.map((identity) => ({
        task: 'query_events',
        arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam', identity },
      })),
      { task: 'compose_answer', arguments: { question: 'q', inputs: identities.map((_x, i) => `<node-${i + 1}>`) } },
    ]);
  const phrase = (p: TaskPlan): unknown => (p.task_nodes[0]!.arguments as Record<string, unknown>).phrase;
  t.equal(phrase(timeAsAsked(made('on the roof today', 'Ines'), ask('Ines up in the kitchen today?'))), 'today', 'the time said');
  const seen = timeAsAsked(made('the', 'Ines', 'Bruno'), ask('Ines and my son, were they in the kitchen'));
  t.same(
    seen.task_nodes.map((n) => n.arguments),
    [
      { person: 'Ines', camera: 'kitchen_cam' },
      { person: 'Bruno', camera: 'kitchen_cam' },
      { question: 'q', inputs: ['<node-0>', '<node-1>'] },
    ],
    "no time said: each one's last sighting at the camera",
  );
  t.same(tools(seen), ['last_seen', 'last_seen', 'compose_answer']);
  // a span only the answer reads goes
  const loose = planOfNodes([
    { task: 'last_seen', arguments: { person: 'Ines', camera: 'kitchen_cam' } },
    { task: 'resolve_time', arguments: { phrase: 'together' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  t.same(tools(timeAsAsked(loose, ask('did Ines and my son eat together in the kitchen'))), ['last_seen', 'compose_answer']);
  // kept as written: a phrase that resolves, a follow-up, nobody named, a time said that does not resolve
  const good = made('this morning', 'Ines');
  t.equal(timeAsAsked(good, ask('was Ines in the kitchen this morning')), good);
  const junk = made('the', 'Ines');
  t.equal(timeAsAsked(junk, ask('was Ines in the kitchen', [{ question: 'who was home at 5', answer: 'Ines was.' }])), junk, 'a follow-up');
  const nobody = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'the' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'kitchen' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
  ]);
  t.equal(phrase(timeAsAsked(nobody, ask('who was by the kitchen'))), 'today', 'a place and no time said: today');
  const inPlace = planOfNodes([{ task: 'resolve_time', arguments: { phrase: 'in the kitchen' } }, ...nobody.task_nodes.slice(1)]);
  t.equal(phrase(timeAsAsked(inPlace, ask('who was in the kitchen'))), 'today', 'a phrase with the place in it');
  const noPlace = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'our' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
  ]);
  t.equal(timeAsAsked(noPlace, ask('who fixes our boiler')), noPlace, 'no place, nobody named: the checks reject the phrase');
  const school = made('after school', 'Ines');
  t.equal(timeAsAsked(school, ask('was Ines in the kitchen after school')), school, 'no routine of that name: the resolver says why');
});

t.test('"what was X doing today" is the day\'s timeline; at a place or in a part of the day it is the events', async (t) => {
  const ask = (question: string): PlanRequest => ({
    ...request(question),
    household: { ...household, people: [{ name: 'Ines', aliases: ['teta'] }] },
  });
  t.ok(questionShape(ask('what was teta doing today')).timeline);
  t.ok(questionShape(ask('what did Ines do yesterday')).timeline);
  t.notOk(questionShape(ask('what was Ines doing in the kitchen today')).timeline, 'a place: her events there');
  t.notOk(questionShape(ask('what was Ines doing this afternoon')).timeline, 'a part of the day: her events then');
  const events = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Ines' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
  ]);
  t.same(asTimeline(events, ask('what was teta doing today')).task_nodes, [
    { task: 'activity_timeline', arguments: { person: 'Ines', day: '2026-12-05' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  t.same(asTimeline(events, ask('what was Ines up to yesterday')).task_nodes[0]!.arguments, { person: 'Ines', day: '2026-12-04' });
  t.equal(asTimeline(events, ask('what was Ines doing this afternoon')), events, "not the timeline's shape: as written");
});

t.test("one person at two places joined: each place is that person's node", async (t) => {
  const ask = (question: string): PlanRequest => ({
    ...request(question),
    household: { ...household, people: [{ name: 'Ines', aliases: [] }] },
  });
  const plan = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'at 5' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch', identity: 'Ines' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'kitchen' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>', '<node-2>'] } },
  ]);
  t.same(onePersonEachPlace(plan, ask('was Ines at the front door or in the kitchen at 5')).task_nodes[2], {
    task: 'query_events',
    arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam', identity: 'Ines' },
  });
  t.equal(onePersonEachPlace(plan, ask('was Ines at the front door at 5, and who was in the kitchen')), plan, 'who was: as written');
  t.equal(onePersonEachPlace(plan, ask('was Ines at the front door at 5')), plan, 'one place: as written');
});

t.test('a plan the model ended before its answer is closed by one: the unread nodes and the ranges are its inputs', async (t) => {
  const nodes = [
    { task: 'resolve_time', arguments: { phrase: 'this week' } },
    { task: 'count_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Ines' } },
    { task: 'resolve_time', arguments: { phrase: 'last week' } },
    { task: 'count_events', arguments: { start: '<node-2>', end: '<node-2>', identity: 'Ines' } },
  ];
  t.same(withAnswer(nodes, 'did Ines come more this week than last')[4], {
    task: 'compose_answer',
    arguments: { question: 'did Ines come more this week than last', inputs: ['<node-0>', '<node-2>', '<node-1>', '<node-3>'] },
  });
  const closed = [...nodes, { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-3>'] } }];
  t.same(withAnswer(closed, 'q'), closed, 'already closed');
});

t.test("an activity said as one filters the one events node; two activities, a role or the asker's own are not", async (t) => {
  const plan = one({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam', identity: 'Ines' } });
  t.same(activityAsAsked(plan, { question: 'was Ines sleeping in the kitchen this morning' }).task_nodes[1]!.arguments, {
    start: '<node-0>',
    end: '<node-0>',
    camera: 'kitchen_cam',
    identity: 'Ines',
    activity: 'lying_down',
  });
  t.equal(
    (activityAsAsked(plan, { question: 'Ines fell?? check the kitchen this morning' }).task_nodes[1]!.arguments as Record<string, unknown>)
      .activity,
    'lying_down',
  );
  for (const q of [
    'did Ines sleep or was she running around this morning',
    'did anybody ring while we were sleeping',
    'was the cook in the kitchen this morning',
    'was Ines on her phone this morning',
  ])
    t.equal(activityAsAsked(plan, { question: q }), plan, q);
});

t.test("someone at a place asked in the present with no time is a look now; in the past, the day's events", async (t) => {
  const ask = (question: string, history?: PlanRequest['history']): PlanRequest => ({
    ...request(question),
    household: { ...household, people: [{ name: 'Ines', aliases: [] }] },
    ...(history === undefined ? {} : { history }),
  });
  // what the small model wrote: the last sighting of someone the question does not name
  const invented = planOfNodes([
    { task: 'last_seen', arguments: { person: 'Ines', camera: 'porch' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  for (const q of [
    'is someone at the front door',
    'anyone in the kitchen?',
    'yo anybody at the front door',
    'is there somebody in the kitchen again',
  ]) {
    const live = presentAsLive(invented, ask(q));
    t.same(tools(live), ['resolve_time', 'get_frames', 'detect_persons', 'compose_answer'], q);
    t.same(live.task_nodes[0]!.arguments, { phrase: 'now' }, q);
    t.same(requestIssues(live, ask(q)), [], `${q}: "now" is the time it implies`);
  }
  // Nigerian Pidgin: "na who dey the kitchen"
  t.same(tools(presentAsLive(invented, ask('na who dey the kitchen'))), [
    'resolve_time',
    'get_frames',
    'recognize_identity',
    'compose_answer',
  ]);
  t.same(tools(presentAsLive(invented, ask("who's in the kitchen"))), [
    'resolve_time',
    'get_frames',
    'recognize_identity',
    'compose_answer',
  ]);
  t.same(tools(presentAsLive(invented, ask('is the stranger still at the front door'))), [
    'resolve_time',
    'get_frames',
    'recognize_identity',
    'compose_answer',
  ]);
  const past = someoneWasAtPlace(invented, ask('was anyone in the kitchen'));
  t.same(past.task_nodes.slice(0, 2), [
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam' } },
  ]);
  t.same(requestIssues(past, ask('was anyone in the kitchen')), []);
  // kept as written: a time said, a person by name, a follow-up, a room of two cameras, "who's been"
  for (const q of ['is someone at the front door now', 'is Ines in the kitchen', 'anyone in the garden', "who's been in the kitchen"]) {
    t.equal(presentAsLive(invented, ask(q)), invented, q);
  }
  const earlier = [{ question: 'who was home at 5', answer: 'Ines was.' }];
  t.equal(presentAsLive(invented, ask('anyone in the kitchen?', earlier)), invented, 'a follow-up');
  t.equal(someoneWasAtPlace(invented, ask('was anyone in the kitchen this morning')), invented, 'a time said');
  // the time implied: now, today, or none (a time said, no place, a follow-up); a phrase not said otherwise is rejected
  t.equal(impliedTime(ask('is anyone in the kitchen')), 'now');
  t.equal(impliedTime(ask('how long was Ines in the kitchen')), 'today');
  t.equal(impliedTime(ask('who was in the kitchen this morning')), null);
  t.equal(impliedTime(ask('where is Ines')), null);
  t.equal(impliedTime(ask('who was in the kitchen', earlier)), null);
  const leaked = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'yesterday' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'kitchen' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
  ]);
  t.match(requestIssues(leaked, ask('who was in the kitchen')), [{ code: 'E_TIME_PHRASE', message: /not in the question/ }]);
});

t.test("deliveries and callers at the door are the entrance camera's events", async (t) => {
  const ask = (question: string, cameras = household.cameras): PlanRequest => ({
    ...request(question),
    household: { ...household, cameras, people: [{ name: 'Ines', aliases: [] }] },
  });
  const none = planOfNodes([{ task: 'compose_answer', arguments: { question: 'q', inputs: [] } }]);
  const porch = atTheDoor(none, ask('any deliveries today'));
  t.same(porch.task_nodes.slice(0, 2), [
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch' } },
  ]);
  t.same(requestIssues(atTheDoor(none, ask('did the postman come')), ask('did the postman come')), [], '"today" is implied');
  const open = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'at 4' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
  ]);
  t.same(atTheDoor(open, ask('did someone knock at 4')).task_nodes[1]!.arguments, {
    start: '<node-0>',
    end: '<node-0>',
    camera: 'porch',
  });
  // kept as written: a place or a person named, a memory, no entrance camera, two of them
  t.equal(atTheDoor(open, ask('did a parcel come to the kitchen at 4')), open);
  t.equal(atTheDoor(open, ask('did Ines get the parcel at 4')), open);
  t.equal(atTheDoor(open, ask('who knocked over the plant at 4')), open, 'knocked over, not at the door');
  const recall = planOfNodes([
    { task: 'recall_memory', arguments: { query: 'the delivery guy' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  t.equal(atTheDoor(recall, ask('what do you know about the delivery guy')), recall);
  t.equal(atTheDoor(none, ask('any deliveries today', ['kitchen_cam', 'garden_1'])), none);
  const genkan = atTheDoor(none, ask('was the delivery guy here today', ['genkan_cam', 'kitchen_cam']));
  t.equal((genkan.task_nodes[1]!.arguments as Record<string, unknown>).camera, 'genkan_cam', "a Japanese home's entrance");
  t.equal(atTheDoor(none, ask('any deliveries today', ['porch', 'front_door_cam'])), none);
});

t.test('"what happened today" is who the cameras saw where; "what happened in the sauna" (no such place) stays declined', async (t) => {
  const none = planOfNodes([{ task: 'compose_answer', arguments: { question: 'q', inputs: [] } }]);
  const day = whatHappened(none, request('what happened today'));
  t.same(day.task_nodes.slice(0, 2), [
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>' } },
  ]);
  t.same((whatHappened(none, request('hey, what happened?')).task_nodes[0]!.arguments as Record<string, unknown>).phrase, 'today');
  t.same(requestIssues(whatHappened(none, request('what happened')), request('what happened')), [], '"today" is implied');
  t.equal(whatHappened(none, request('what happened in the sauna today')), none, 'a place the household has not');
  t.equal(whatHappened(none, request('what happened in the kitchen today')), none, 'a place: its own plan');
  t.equal(whatHappened(none, request('what happened while we were out')), none);
  t.equal(whatHappened(none, { ...request('what happened today'), history: [{ question: 'who came', answer: 'Ines.' }] }), none);
});

t.test('"is anyone home", "who\'s home" are who the cameras see now; "are the kids home" is left to each one\'s sighting', async (t) => {
  const invented = planOfNodes([
    { task: 'last_seen', arguments: { person: 'Ines' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  for (const q of ['is anyone home', "who's home", 'anybody home?', 'who is in the house', 'is everyone home']) {
    const home = anyoneHome(invented, request(q));
    t.same(
      home.task_nodes.slice(0, 2),
      [
        { task: 'resolve_time', arguments: { phrase: 'now' } },
        { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>' } },
      ],
      q,
    );
    t.same(requestIssues(home, request(q)), [], `${q}: "now" is implied`);
  }
  const family = { ...household, people: [{ name: 'Ines', aliases: [] }] };
  t.equal(anyoneHome(invented, { ...request('is Ines home'), household: family }), invented, 'a person by name');
  t.equal(anyoneHome(invented, request('is anyone home this afternoon')), invented, 'a time said');
});

t.test('strangers asked about filter the events to them; "who was up at 3am", declined by the model, is who was where', async (t) => {
  const events = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
  ]);
  t.same(strangersAsked(events, request('any unknown faces at the front door today')).task_nodes[1]!.arguments, {
    start: '<node-0>',
    end: '<node-0>',
    camera: 'porch',
    identity: 'unknown',
  });
  t.equal(strangersAsked(events, request('anyone at the front door today')), events, 'anyone is anyone');
  const family = { ...household, people: [{ name: 'Ines', aliases: [] }] };
  t.equal(strangersAsked(events, { ...request('was Ines with a stranger at the front door today'), household: family }), events);
  const none = planOfNodes([{ task: 'compose_answer', arguments: { question: 'q', inputs: [] } }]);
  t.same(tools(whoAtTime(none, request('who was the first one up this morning'))), ['resolve_time', 'who_was_where', 'compose_answer']);
  t.equal(whoAtTime(none, request('who told you about the party yesterday')), none, 'memory');
  t.equal(whoAtTime(none, request('who was in the kitchen this morning')), none, 'a place: its own plan');
  t.equal(whoAtTime(none, request('who was in the nursery since 4 pm? cheers')), none, 'a place the household has not');
  t.equal(whoAtTime(events, request('who was up at 3am')), events, 'a plan that reads data');
});

t.test("a question naming nobody, planned as a made-up person's sighting, is the events then and there", async (t) => {
  const invented = planOfNodes([
    { task: 'activity_timeline', arguments: { person: 'Ines', day: '2026-12-04' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  t.same(inventedSighting(invented, request('was there any activity overnight')).task_nodes.slice(0, 2), [
    { task: 'resolve_time', arguments: { phrase: 'overnight' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>' } },
  ]);
  t.same(inventedSighting(invented, request('when was the last time someone was in the kitchen')).task_nodes.slice(0, 2), [
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam' } },
  ]);
  const family = { ...household, people: [{ name: 'Ines', aliases: [] }] };
  t.equal(inventedSighting(invented, { ...request('what did Ines do yesterday'), household: family }), invented, 'a person named');
  // a room of two cameras: its first here, the other by everyCameraOfRoom
  const garden = everyCameraOfRoom(
    inventedSighting(invented, request('anyone in the garden overnight')),
    request('anyone in the garden overnight'),
  );
  t.same(
    garden.task_nodes.map((n) => (n.arguments as Record<string, unknown>).camera),
    [undefined, 'garden_1', 'garden_2', undefined],
    'a room of two cameras',
  );
  // present questions: what is going on at a place is what the frames show people doing; "everyone home safe?" is now
  t.same(tools(presentAsLive(invented, request("what's going on in the kitchen"))), [
    'resolve_time',
    'get_frames',
    'recognize_activity',
    'compose_answer',
  ]);
  t.same(tools(anyoneHome(invented, request('everyone home safe?'))), ['resolve_time', 'who_was_where', 'compose_answer']);
});

t.test('a live question about one place is a look at its camera; with no place, a last sighting fits it', async (t) => {
  const family = { ...household, people: [{ name: 'Ines', aliases: ['grandma'] }] };
  const ask = (q: string): PlanRequest => ({ ...request(q), household: family });
  const sighting = planOfNodes([
    { task: 'last_seen', arguments: { person: 'Ines', camera: 'kitchen_cam' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  const look = liveAsAsked(sighting, ask('grandma in the kitchen at the moment?'));
  t.same(look.task_nodes.slice(0, 3), [
    { task: 'resolve_time', arguments: { phrase: 'at the moment' } },
    { task: 'get_frames', arguments: { camera: 'kitchen_cam', start: '<node-0>', end: '<node-0>' } },
    { task: 'recognize_identity', arguments: { frames: '<node-1>' } },
  ]);
  t.same(requestIssues(look, ask('grandma in the kitchen at the moment?')), []);
  t.equal(liveAsAsked(sighting, ask('anything happening in the kitchen rn')).task_nodes[2]!.task, 'recognize_activity');
  const where = ask('where is grandma right now');
  t.notOk(questionShape(where).live, 'no place: no camera to look at');
  t.same(
    requestIssues(
      planOfNodes([
        { task: 'last_seen', arguments: { person: 'Ines' } },
        { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
      ]),
      where,
    ),
    [],
  );
  t.equal(liveAsAsked(sighting, ask('grandma in the garden at the moment?')), sighting, 'a room of two cameras');
});

t.test(
  '"what were the kids doing in the garden" is their events there today; "what is Ines doing in the kitchen" a look now',
  async (t) => {
    const family = {
      ...household,
      people: [
        { name: 'Ines', aliases: [] },
        { name: 'Bruno', aliases: [] },
      ],
      groups: [{ name: 'the kids', aliases: [], members: ['Ines', 'Bruno'] }],
    };
    const ask = (q: string): PlanRequest => ({ ...request(q), household: family });
    const sightings = planOfNodes([
      { task: 'last_seen', arguments: { person: 'Ines', camera: 'kitchen_cam' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
    ]);
    const past = doingAtPlace(sightings, ask('what was Ines doing in the kitchen'));
    t.same(past.task_nodes.slice(0, 2), [
      { task: 'resolve_time', arguments: { phrase: 'today' } },
      { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'kitchen_cam', identity: 'Ines' } },
    ]);
    t.same(requestIssues(past, ask('what was Ines doing in the kitchen')), []);
    t.same(tools(doingAtPlace(sightings, ask('what is Ines doing in the kitchen'))), [
      'resolve_time',
      'get_frames',
      'recognize_identity',
      'recognize_activity',
      'compose_answer',
    ]);
    t.equal(doingAtPlace(sightings, ask('what was Ines doing in the kitchen this morning')), sightings, 'a time said');
  },
);

t.test('one person at two places, planned as a last sighting at one, is the last sighting at each', async (t) => {
  const family = { ...household, people: [{ name: 'Ines', aliases: ['my wife'] }] };
  const ask = (q: string): PlanRequest => ({ ...request(q), household: family });
  const one = planOfNodes([
    { task: 'last_seen', arguments: { person: 'Ines', camera: 'porch' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  const both = everyPlaceAsked(one, ask('did my wife leave by the front door or the kitchen'));
  t.same(
    both.task_nodes.map((n) => n.arguments),
    [
      { person: 'Ines', camera: 'porch' },
      { person: 'Ines', camera: 'kitchen_cam' },
      { question: 'q', inputs: ['<node-0>', '<node-1>'] },
    ],
  );
});

t.test('a room of several cameras is read at each of them; who_was_where takes the room', async (t) => {
  const family = { ...household, people: [{ name: 'Ines', aliases: [] }] };
  const ask = (q: string): PlanRequest => ({ ...request(q), household: family });
  const first = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'count_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'garden_1', identity: 'Ines' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  const both = everyCameraOfRoom(first, ask('how many times did Ines go in the garden today'));
  t.same(both.task_nodes[2], {
    task: 'count_events',
    arguments: { start: '<node-0>', end: '<node-0>', camera: 'garden_2', identity: 'Ines' },
  });
  t.same((both.task_nodes[3]!.arguments as Record<string, unknown>).inputs, ['<node-0>', '<node-1>', '<node-2>']);
  const who = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', camera: 'garden_1' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
  ]);
  t.same(everyCameraOfRoom(who, ask('who was in the garden today')).task_nodes[1]!.arguments, {
    start: '<node-0>',
    end: '<node-0>',
    room: 'garden',
  });
  t.equal(everyCameraOfRoom(first, ask('how many times did Ines go in the kitchen today')), first, 'a room of one camera');
});

t.test('"how many times", "how often": the events counted with the same filters, not listed', async (t) => {
  const listed = one({
    task: 'query_events',
    arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch', identity: 'Ines', limit: 50 },
  });
  const counted = countAsAsked(listed, request('how many times'));
  t.same(counted.task_nodes[1], {
    task: 'count_events',
    arguments: { start: '<node-0>', end: '<node-0>', camera: 'porch', identity: 'Ines' },
  });
  t.equal(countAsAsked(listed, request('how often was Ines on the porch today')).task_nodes[1]!.task, 'count_events');
  t.equal(countAsAsked(listed, request('was Ines on the porch today')), listed, 'no count asked');
  t.equal(countAsAsked(listed, request('how many people were on the porch today')), listed, 'how many people: as written');
  const shown = planOfNodes([
    ...listed.task_nodes.slice(0, 2),
    { task: 'get_snapshot', arguments: { events: '<node-1>', max: 3 } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>', '<node-2>'] } },
  ]);
  t.equal(countAsAsked(shown, request('how many times, and show me')), shown, 'events a snapshot reads stay listed');
});

t.test('"anyone except Ines": who the cameras saw at the place, not the sightings of the one left out', async (t) => {
  const ines = planOfNodes([
    { task: 'last_seen', arguments: { person: 'Ines', camera: 'kitchen_cam' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
  ]);
  const seen = everyoneBut(ines, request('did anyone except Ines go in the kitchen'));
  t.same(seen.task_nodes.slice(0, 2), [
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'kitchen' } },
  ]);
  t.same(
    (
      everyoneBut(ines, request('was anybody besides Ines at the front door last night')).task_nodes[0]!.arguments as Record<
        string,
        unknown
      >
    ).phrase,
    'last night',
  );
  t.equal(everyoneBut(ines, request('did anyone go in the kitchen with Ines')), ines, 'with, not except');
  const other = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'kitchen' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-1>'] } },
  ]);
  t.equal(everyoneBut(other, request('did anyone except Ines go in the kitchen')), other, 'a plan not about Ines: as written');
});

t.test('two people at one place are asked about alike: each one at each of its cameras', async (t) => {
  const two = {
    ...household,
    people: [
      { name: 'Ines', aliases: [] },
      { name: 'Bruno', aliases: [] },
    ],
  };
  const ask = (question: string): PlanRequest => ({ ...request(question), household: two });
  // a sighting mixed with counts, no time said: each one's last sighting there
  const mixed = planOfNodes([
    { task: 'last_seen', arguments: { person: 'Bruno', camera: 'kitchen_cam' } },
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    { task: 'count_events', arguments: { start: '<node-1>', end: '<node-1>', camera: 'kitchen_cam', identity: 'Bruno' } },
    { task: 'count_events', arguments: { start: '<node-1>', end: '<node-1>', camera: 'kitchen_cam', identity: 'Ines' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-2>', '<node-3>'] } },
  ]);
  t.same(tools(peopleAtPlaceAlike(mixed, ask('did Ines or Bruno go in the kitchen'))), ['last_seen', 'last_seen', 'compose_answer']);
  // a room of two cameras with a time: each one's presence in the room (four events nodes and the time are too many)
  const one = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'this afternoon' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'garden_1', identity: 'Ines' } },
    { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera: 'garden_1', identity: 'Bruno' } },
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>', '<node-2>'] } },
  ]);
  const garden = peopleAtPlaceAlike(one, ask('did Ines and Bruno go out to the garden this afternoon'));
  t.same(
    garden.task_nodes.slice(1, 3).map((n) => n.arguments),
    [
      { start: '<node-0>', end: '<node-0>', room: 'garden', identity: 'Ines' },
      { start: '<node-0>', end: '<node-0>', room: 'garden', identity: 'Bruno' },
    ],
  );
  // kept as written: a count asked, one person, one seeing the other
  t.equal(peopleAtPlaceAlike(one, ask('how many times did Ines and Bruno go in the garden this afternoon')), one);
  t.equal(peopleAtPlaceAlike(one, ask('did Ines go in the garden this afternoon')), one);
  t.equal(peopleAtPlaceAlike(one, ask('did Ines see Bruno in the garden this afternoon')), one);
  t.equal(
    peopleAtPlaceAlike(one, ask('check on Ines this afternoon and when did Bruno last go into the garden')),
    one,
    'a second question: its parts differ on purpose',
  );
  const night = planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'last night' } },
    ...one.task_nodes.slice(1, 3),
    { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>', '<node-2>'] } },
  ]);
  t.not(peopleAtPlaceAlike(night, ask('did Ines and Bruno go out to the garden last night')), night, '"last night" is a time');
});
