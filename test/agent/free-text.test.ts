import t from 'tap';
import type { TaskPlan } from '../../daemon/agent/index.js';
import { factToKeep, hubMessageOf, hubTopicOf, mayAskMemory, memoryQueryOf } from '../../daemon/agent/planning/free-text.js';
import { fillFreeText, planFromModelText, modelTurn } from '../../daemon/agent/planning/model-planner.js';
import { asHubPost, asMemoryWrite } from '../../daemon/agent/planning/question-shape.js';
import { modelRequest } from './model-planner-support.js';

// The free text of memory and hub requests, read from the question as typed (households and phrasings of
// this test's own, not the natural sets').

t.test('the fact a statement keeps: without its lead-in and reassuring asides, as typed', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['remember that jonas has the spare key to the shed', 'jonas has the spare key to the shed'],
    ['please remember: the bin men come on thursdays.', 'the bin men come on thursdays'],
    [
      'fyi the lady with the blue bike is Frau Kessler, she walks the dog',
      'the lady with the blue bike is Frau Kessler, she walks the dog',
    ],
    ['the man who reads the meter is called Ulf, he is harmless', 'the man who reads the meter is called Ulf'],
    ['Mats always plays piano after school so dont worry about the noise', 'Mats always plays piano after school'],
    ['oma naps in the armchair at 2, it’s not an intruder lol', 'oma naps in the armchair at 2'],
    ['Kati usually feeds the cat at 7, remember that', 'Kati usually feeds the cat at 7'],
    ['remember that the plumber comes at 9 and tell me who was in the kitchen today', 'the plumber comes at 9'],
    ['remember that', null],
    ['zosia has the dentist on friday, dont forget', 'zosia has the dentist on friday'],
    ["the plumber comes tuesday, please don't forget it", 'the plumber comes tuesday'],
  ];
  for (const [q, want] of cases) t.equal(factToKeep(q), want, q);
});

t.test('what a memory question asks about, and the message and topic of a post', async (t) => {
  t.equal(memoryQueryOf('what did i tell you about the shed key?'), 'the shed key');
  t.equal(memoryQueryOf("remind me what I said about Kati's piano lessons please"), "Kati's piano lessons");
  t.equal(memoryQueryOf('when does the plumber come'), null, 'no "about": the planner keeps its own');
  const topics = ['lind/fridge_screen', 'lind/phones', 'home/alerts', 'home/display/kitchen', 'home/display/hallway'];
  const posts: Array<[string, string | null, string | null]> = [
    ['write on the fridge screen that the kids are at football', 'the kids are at football', 'lind/fridge_screen'],
    ['send "back at 6, start dinner" to the phones', 'back at 6, start dinner', 'lind/phones'],
    ['post on alerts: the garage door is open', 'the garage door is open', 'home/alerts'],
    ['show on the kitchen display that dinner is ready', 'dinner is ready', 'home/display/kitchen'],
    ['tell everyone dinner is ready', 'dinner is ready', null],
    ['send to the phones that dinner is at 7:30', 'dinner is at 7:30', 'lind/phones'],
    ['put that on the fridge screen', null, 'lind/fridge_screen'],
  ];
  for (const [q, message, topic] of posts) {
    t.equal(hubMessageOf(q), message, `${q}: message`);
    t.equal(hubTopicOf(q, topics), topic, `${q}: topic`);
  }
  t.equal(hubTopicOf('show it on the display', topics), null, 'two displays fit: not guessed');
});

t.test("the model's memory and hub nodes take the question's free text; a statement to keep is a memory write", async (t) => {
  const req = modelRequest('remember that Jonas has the spare key to the shed', { allowTools: ['remember'] });
  const turn = modelTurn(req);
  const plan = planFromModelText('remember fact="Jonas has the"\ncompose_answer question=<question> inputs=[#0]\nend\n', turn, req);
  t.same(plan.task_nodes[0]!.arguments, { fact: 'Jonas has the spare key to the shed' }, 'a span stopped early is the whole fact');
  const post: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'publish_to_hub', arguments: { topic: 'home/alerts', message: 'the' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
    ],
    task_links: [],
  };
  t.same(
    fillFreeText(post, 'write on the fridge screen that the kids are at football', ['lind/fridge_screen', 'home/alerts']).task_nodes[0]!
      .arguments,
    { topic: 'lind/fridge_screen', message: 'the kids are at football' },
  );
  const habit = modelRequest('Kati always practises the violin after dinner', { allowTools: ['remember'] });
  const query: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'after dinner' } },
      { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', identity: 'Kati' } },
      { task: 'compose_answer', arguments: { question: habit.question, inputs: ['<node-0>', '<node-1>'] } },
    ],
    task_links: [],
  };
  const written = asMemoryWrite(query, habit);
  t.same(
    written.task_nodes.map((n) => n.task),
    ['remember', 'compose_answer'],
  );
  t.same(written.task_nodes[0]!.arguments, { fact: 'Kati always practises the violin after dinner' });
  t.same(written.task_links, [{ source: 'remember', target: 'compose_answer' }]);
  t.same(asMemoryWrite(query, { ...habit, allowTools: [] }), query, 'remember not allowed: the plan stays (validation says why)');
  t.same(
    asMemoryWrite(query, modelRequest('does Kati always practise the violin after dinner?', { allowTools: ['remember'] })),
    query,
    'a question is no statement',
  );
});

t.test('a bare post is planned as that post; one whose message needs the cameras is not', async (t) => {
  const hub = { allowTools: ['publish_to_hub'], hubTopics: ['lind/fridge_screen', 'lind/phones'] };
  const junk: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'dinner' } },
      { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>', '<node-1>'] } },
    ],
    task_links: [],
  };
  const post = asHubPost(junk, modelRequest('send "dinner\'s ready, come down" to the phones', hub));
  t.same(
    post.task_nodes.map((n) => [n.task, n.arguments]),
    [
      ['publish_to_hub', { topic: 'lind/phones', message: "dinner's ready, come down" }],
      ['compose_answer', { question: 'send "dinner\'s ready, come down" to the phones', inputs: ['<node-0>'] }],
    ],
  );
  t.same(asHubPost(junk, modelRequest('post on the fridge screen who came to the door today', hub)), junk, 'the message needs the cameras');
  t.same(asHubPost(junk, modelRequest('send "dinner is ready" to the phones', { ...hub, allowTools: [] })), junk, 'posting not allowed');
  t.same(asHubPost(junk, modelRequest('send "dinner is ready" to the speakers', hub)), junk, 'no topic fits: not guessed');
});

t.test('which questions may ask what the household told the agent (the planner model may search memory only there)', async (t) => {
  for (const q of [
    'what did i tell u about niamh and the key',
    'anything in your notes about the dog walker?',
    'do you know what Audrey is allergic to',
    'when does Luc usually take the bins out?',
    'remind me what I said about the plumber',
  ])
    t.ok(mayAskMemory(q), q);
  for (const q of [
    'sorry to bother you but did halmeoni take her walk this morning',
    'who was in the front yard this afternoon',
    'can you remember what time ben left',
    'remember when grandma visited? what day was that',
  ])
    t.notOk(mayAskMemory(q), q);
  t.ok(mayAskMemory('remember who has the spare key? i told you last week'), 'what was told, asked with "remember"');
  t.ok(mayAskMemory('when does Sandra see the doctor?'), 'a habit asked in the present');
});
