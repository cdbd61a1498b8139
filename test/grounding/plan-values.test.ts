import t from 'tap';
import type { TaskPlan } from '../../daemon/agent/catalog/index.js';
import { formatPlanText, parsePlanText, samePlan } from '../../daemon/agent/planner-model/index.js';
import { delexicalisePlan, detectMentions, placeholdersIn, relexicalise } from '../../daemon/grounding/index.js';
import { LINDQVIST, OKAFOR } from './households.js';

const plan = (text: string): TaskPlan => parsePlanText(text);

t.test('relexicalise: each placeholder becomes the value its argument needs', async (t) => {
  const question = 'did my son come through the hallway or the front porch between 11 pm and 1 am, show me 3 clips';
  const d = detectMentions(question, OKAFOR);
  t.equal(d.text, 'did <person-1> come through the <room-1> or the <camera-1> <time-1>, show me <number-1> clips');
  const delex = plan(
    [
      'resolve_time phrase=<time-1>',
      'query_events start=#0 end=#0 camera=<room-1> identity=<person-1> limit=<number-1>',
      'who_was_where start=#0 end=#0 room=<camera-1>',
      'activity_timeline person=<person-1> day=<time-1>',
      'evidence_clip events=#1 max=<number-1>',
      'compose_answer question=<question> inputs=[#1,#2,#3,#4]',
      'end',
    ].join('\n'),
  );
  const relex = relexicalise(delex, d.mentions, { question });
  t.same(
    relex.task_nodes.map((n) => n.arguments),
    [
      { phrase: 'between 11 pm and 1 am' },
      { start: '<node-0>', end: '<node-0>', camera: 'hall_1', identity: 'Emeka', limit: 3 },
      { start: '<node-0>', end: '<node-0>', room: 'porch' },
      { person: 'Emeka', day: '2026-03-09' },
      { events: '<node-1>', max: 3 },
      { question, inputs: ['<node-1>', '<node-2>', '<node-3>', '<node-4>'] },
    ],
    'a room in camera= is its (first) camera, a camera in room= its room, a time in day= the day its interval starts',
  );
  t.same(relex.task_links, delex.task_links, 'links are about tools and stay as they are');
});

t.test('groups: members by their placeholders, strangers as "unknown", a group of many stays a placeholder', async (t) => {
  const d = detectMentions('did the kids or a stranger come in', OKAFOR);
  t.same(placeholdersIn(d.mentions), ['<group-1>', '<person-1>', '<person-2>', '<group-2>'], 'members follow their group');
  const relex = relexicalise(
    plan(
      'query_events start=2026-03-10T08:00:00-04:00 end=2026-03-10T09:00:00-04:00 identity=<person-2>\n' +
        'last_seen person=<group-2>\nlast_seen person=<group-1>\nend\n',
    ),
    d.mentions,
  );
  t.same(
    relex.task_nodes.map((n) => Object.values(n.arguments).at(-1)),
    ['Emeka', 'unknown', '<group-1>'],
  );
});

t.test('a person with several candidates gives the first; an unknown placeholder stays for validation to report', async (t) => {
  const d = detectMentions('did grandma call', LINDQVIST);
  const relex = relexicalise(plan('last_seen person=<person-1>\nlast_seen person=<person-7>\nend\n'), d.mentions);
  t.same(
    relex.task_nodes.map((n) => n.arguments),
    [{ person: 'Ingrid' }, { person: '<person-7>' }],
  );
});

t.test('free text keeps its words: placeholders inside become the canonical name or the words the question used', async (t) => {
  const question = 'remember that my son parks his bike in the garage after school';
  const d = detectMentions(question, OKAFOR);
  const gold: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'remember', arguments: { fact: 'my son parks his bike in the garage after school' } },
      { task: 'compose_answer', arguments: { question, inputs: ['<node-0>'] } },
    ],
    task_links: [{ source: 'remember', target: 'compose_answer' }],
  };
  const delex = delexicalisePlan(gold, d.mentions, { question });
  t.same(delex.task_nodes[0]!.arguments, { fact: '<person-1> parks his bike in the <camera-1> <time-1>' });
  t.same(delex.task_nodes[1]!.arguments, { question: '<question>', inputs: ['<node-0>'] });
  const back = relexicalise(delex, d.mentions, { question });
  t.same(back.task_nodes[0]!.arguments, { fact: 'Emeka parks his bike in the garage after school' }, 'the fact names the person');
  t.same(back.task_nodes[1]!.arguments, gold.task_nodes[1]!.arguments);
});

/** Gold plans written the way the planners write them, for questions about my own households. */
const GOLD: Array<{ q: string; plan: string[]; delex: string[] }> = [
  {
    q: 'When did Emeka get home yesterday evening?',
    plan: [
      'resolve_time phrase="yesterday evening"',
      'query_events start=#0 end=#0 camera=front_porch identity=Emeka',
      'compose_answer question="When did Emeka get home yesterday evening?" inputs=[#1]',
    ],
    delex: [
      'resolve_time phrase=<time-1>',
      'query_events start=#0 end=#0 camera=front_porch identity=<person-1>',
      'compose_answer question=<question> inputs=[#1]',
    ],
  },
  {
    q: 'what did granny do on monday',
    plan: ['activity_timeline person=Nkechi day=2026-03-09', 'compose_answer question="what did granny do on monday" inputs=[#0]'],
    delex: ['activity_timeline person=<person-1> day=<time-1>', 'compose_answer question=<question> inputs=[#0]'],
  },
  {
    q: 'how many times was someone in the livng room between 7 and 8 pm',
    plan: [
      'resolve_time phrase="between 7 and 8 pm"',
      'count_events start=#0 end=#0 camera=living_room',
      'compose_answer question="how many times was someone in the livng room between 7 and 8 pm" inputs=[#1]',
    ],
    delex: [
      'resolve_time phrase=<time-1>',
      'count_events start=#0 end=#0 camera=<camera-1>',
      'compose_answer question=<question> inputs=[#1]',
    ],
  },
  {
    q: 'Who was in the family room or on the porch in the last hour?',
    plan: [
      'resolve_time phrase="in the last hour"',
      'who_was_where start=#0 end=#0 room="living room"',
      'who_was_where start=#0 end=#0 room=porch',
      'compose_answer question="Who was in the family room or on the porch in the last hour?" inputs=[#1,#2]',
    ],
    delex: [
      'resolve_time phrase=<time-1>',
      'who_was_where start=#0 end=#0 room=<room-1>',
      'who_was_where start=#0 end=#0 room=<room-2>',
      'compose_answer question=<question> inputs=[#1,#2]',
    ],
  },
  {
    q: 'check on the kids since 6pm',
    plan: [
      'resolve_time phrase="since 6pm"',
      'query_events start=#0 end=#0 identity=Adaeze',
      'query_events start=#0 end=#0 identity=Emeka',
      'compose_answer question="check on the kids since 6pm" inputs=[#1,#2]',
    ],
    delex: [
      'resolve_time phrase=<time-1>',
      'query_events start=#0 end=#0 identity=<person-1>',
      'query_events start=#0 end=#0 identity=<person-2>',
      'compose_answer question=<question> inputs=[#1,#2]',
    ],
  },
  {
    q: 'was there a stranger at the front porch last night? show me 2 snapshots',
    plan: [
      'resolve_time phrase="last night"',
      'query_events start=#0 end=#0 camera=front_porch identity=unknown',
      'get_snapshot events=#1 max=2',
      'compose_answer question="was there a stranger at the front porch last night? show me 2 snapshots" inputs=[#1,#2]',
    ],
    delex: [
      'resolve_time phrase=<time-1>',
      'query_events start=#0 end=#0 camera=<camera-1> identity=<group-1>',
      'get_snapshot events=#1 max=<number-1>',
      'compose_answer question=<question> inputs=[#1,#2]',
    ],
  },
];

t.test('gold plans: delexicalised as the model should write them, and back', async (t) => {
  for (const g of GOLD) {
    const d = detectMentions(g.q, OKAFOR);
    const gold = plan(`${g.plan.join('\n')}\nend\n`);
    const delex = delexicalisePlan(gold, d.mentions, { question: g.q });
    t.equal(formatPlanText(delex), `${g.delex.join('\n')}\nend\n`, g.q);
    t.ok(samePlan(relexicalise(delex, d.mentions, { question: g.q }), gold), `${g.q}: back to the gold plan`);
  }
});
