import { readFileSync } from 'node:fs';
import t from 'tap';
import type { TaskPlan } from '../../daemon/agent/catalog/index.js';
import { formatPlanText, planClosed, planTextGrammar, planTextGrammars } from '../../daemon/agent/planner-model/index.js';
import { SEED_EXAMPLES } from '../../daemon/agent/planning/index.js';
import { delexicalisePlan, detectMentions } from '../../daemon/grounding/index.js';
import { OKAFOR } from '../grounding/households.js';
import { Gbnf } from './gbnf.js';

function fixturePlans(): TaskPlan[] {
  const out: TaskPlan[] = SEED_EXAMPLES.map((e) => e.plan);
  for (const f of [
    'test/dataset/fixtures/q2a-mini.jsonl',
    'test/bench/fixtures/q2a/q2a.jsonl',
    'test/bench/fixtures/q2a-lifelong/q2a.jsonl',
  ]) {
    for (const line of readFileSync(f, 'utf8').split('\n')) if (line.trim() !== '') out.push(JSON.parse(line) as TaskPlan);
  }
  return out;
}

/** compose_answer's question as the model writes it: the placeholder. */
function withQuestionPlaceholder(p: TaskPlan): TaskPlan {
  return {
    ...p,
    task_nodes: p.task_nodes.map((n) =>
      n.task === 'compose_answer' && !Array.isArray(n.arguments) ? { ...n, arguments: { ...n.arguments, question: '<question>' } } : n,
    ),
  };
}

t.test('the generic grammar is well-formed and admits every seed and gold plan', async (t) => {
  const g = new Gbnf(planTextGrammar({ maxStringLength: 280 }));
  for (const p of fixturePlans()) {
    const text = formatPlanText(withQuestionPlaceholder(p));
    t.ok(g.accepts(text), text);
  }
});

t.test('the grammar rejects what the catalog does not allow', async (t) => {
  const g = new Gbnf(planTextGrammar());
  const ok =
    'resolve_time phrase=<time-1>\nwho_was_where start=#0 end=#0 camera=<camera-1>\n' +
    'compose_answer question=<question> inputs=[#0,#1]\nend\n';
  t.ok(g.accepts(ok));
  const bad: Array<[string, string]> = [
    ['resolve_time phrase=<time-1>\nwho_was_where start=#1 end=#0\nend\n', 'a reference to the node itself'],
    ['who_was_where start=#0 end=#0\nend\n', 'a reference on the first line'],
    ['get_snapshot events=#0\nend\n', 'a tool that needs a reference, first'],
    ['teleport person=<person-1>\nend\n', 'an unknown tool'],
    ['last_seen who=<person-1>\nend\n', 'an unknown argument'],
    ['last_seen\nend\n', 'a missing required argument'],
    ['resolve_time phrase=<time-1>\nwho_was_where end=#0 start=#0\nend\n', 'arguments out of catalog order'],
    ['resolve_time phrase=<person-1>\nend\n', 'a placeholder of the wrong kind'],
    ['resolve_time phrase=today\nend\n', 'free text not quoted'],
    ['resolve_time phrase=<time-1>\naggregate start=#0 end=#0 group_by=colour metric=count\nend\n', 'a value outside the enum'],
    ['resolve_time phrase=<time-1>\n', 'no end marker'],
    [`${'resolve_time phrase=<time-1>\n'.repeat(9)}end\n`, 'more than 8 nodes'],
  ];
  for (const [text, why] of bad) t.notOk(g.accepts(text), why);
});

t.test('side-effect tools not allowed and a publish without topics are left out', async (t) => {
  const g = new Gbnf(planTextGrammar({ allowTools: ['remember'], hubTopics: [] }));
  t.ok(g.accepts('remember fact="the key is under the mat"\nend\n'));
  t.notOk(g.accepts('publish_to_hub topic=hub/notify message="hi"\nend\n'));
  const none = new Gbnf(planTextGrammar({ allowTools: [] }));
  t.notOk(none.accepts('remember fact="the key is under the mat"\nend\n'));
  // a memory search only where the conversation may ask what it was told
  t.ok(new Gbnf(planTextGrammar({})).accepts('recall_memory query="the spare key"\nend\n'));
  t.notOk(new Gbnf(planTextGrammar({ recallMemory: false })).accepts('recall_memory query="the spare key"\nend\n'));
});

t.test("a per-request grammar admits only this request's placeholders, the household's names and spans of the question", async (t) => {
  const question = 'remember that my son parks his bike in the garage after school';
  const d = detectMentions(question, OKAFOR);
  t.equal(d.text, 'remember that <person-1> parks his bike in the <camera-1> <time-1>');
  const g = new Gbnf(
    planTextGrammar({
      placeholders: d.mentions.map((m) => m.placeholder),
      people: OKAFOR.people.map((p) => p.name),
      cameras: OKAFOR.cameras.map((c) => c.id),
      rooms: (OKAFOR.rooms ?? []).map((r) => r.name),
      question: d.text,
    }),
  );
  const gold: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'remember', arguments: { fact: 'my son parks his bike in the garage after school' } },
      { task: 'compose_answer', arguments: { question, inputs: ['<node-0>'] } },
    ],
    task_links: [],
  };
  const delex = delexicalisePlan(gold, d.mentions, { question });
  const text = formatPlanText(delex);
  t.equal(
    text,
    'remember fact="<person-1> parks his bike in the <camera-1> <time-1>"\ncompose_answer question=<question> inputs=[#0]\nend\n',
  );
  t.ok(g.accepts(text), 'the gold plan, delexicalised');
  t.ok(g.accepts('last_seen person=<person-1>\nend\n'));
  t.ok(g.accepts('last_seen person=Adaeze\nend\n'), 'a household name the detector did not see');
  t.ok(g.accepts('last_seen person=unknown\nend\n'));
  t.notOk(g.accepts('last_seen person=<person-2>\nend\n'), 'a placeholder this request does not have');
  t.notOk(g.accepts('last_seen person=Bob\nend\n'), 'a name the household does not have');
  t.notOk(g.accepts('remember fact="the keys are in the drawer"\nend\n'), 'a fact that is not a span of the question');
  t.ok(g.accepts('remember fact="parks his bike"\nend\n'));
  t.ok(g.accepts('remember fact="<camera-1> <time-1>"\nend\n'));
  t.ok(g.accepts('recall_memory query="bike parking"\nend\n'), 'a memory query is a search key, not necessarily a span');
  t.notOk(g.accepts('resolve_time phrase="tomorrow"\nend\n'), 'a time phrase that is not in the question');
  t.ok(
    g.accepts('get_frames camera=<camera-1> start=2026-03-10T08:00:00-04:00 end=2026-03-10T09:00:00-04:00\nend\n'),
    'a literal ISO time',
  );
});

t.test('bounded numbers are written as digit classes and admit exactly the values the catalog allows', async (t) => {
  const g = new Gbnf(planTextGrammar());
  const clip = (seconds: string): boolean =>
    g.accepts(`resolve_time phrase=<time-1>\nquery_events start=#0 end=#0\nevidence_clip events=#1 seconds=${seconds}\nend\n`);
  // seconds: a number from 1 to 60 (one decimal at most); max: an integer from 1 to 5
  for (const ok of ['1', '1.5', '9', '9.9', '10', '19.0', '42', '59.9', '60']) t.ok(clip(ok), `seconds=${ok}`);
  for (const bad of ['0', '0.5', '05', '60.5', '61', '99', '100', '1.25', '-1']) t.notOk(clip(bad), `seconds=${bad}`);
  const max = (n: string): boolean =>
    g.accepts(`resolve_time phrase=<time-1>\nquery_events start=#0 end=#0\nevidence_clip events=#1 max=${n}\nend\n`);
  for (const ok of ['1', '3', '5']) t.ok(max(ok), `max=${ok}`);
  for (const bad of ['0', '6', '10', '2.5']) t.notOk(max(bad), `max=${bad}`);
  t.notMatch(planTextGrammar(), /"17"/, 'no value is listed one by one');
});

t.test("a household's lists are one rule each, and the line grammars are the one-shot grammar's", async (t) => {
  const o = {
    people: OKAFOR.people.map((p) => p.name),
    cameras: OKAFOR.cameras.map((c) => c.id),
    rooms: (OKAFOR.rooms ?? []).map((r) => r.name),
    maxNodes: 6,
  };
  const text = planTextGrammar({ ...o, earlierKinds: [] });
  const name = OKAFOR.people[0]!.name;
  t.equal(text.split(`"${name}"`).length - 1, 1, `${name} is written once (lit-person), not per argument`);
  t.match(text, /^lit-person ::= /m);
  t.match(text, /^lit-camera ::= /m);
  const lines = planTextGrammars(o);
  for (const kinds of [[], ['time_range'], ['time_range', 'events'], ['time_range', 'events', 'answer']] as const) {
    t.equal(lines(kinds), planTextGrammar({ ...o, earlierKinds: kinds }), `after ${kinds.join(', ') || 'nothing'}`);
  }
  t.equal(lines(undefined), planTextGrammar(o), 'the whole plan');
  const g = new Gbnf(text);
  t.ok(g.accepts(`last_seen person=${name}\n`), 'a name through the shared rule');
  t.ok(planClosed(['time_range', 'answer'], 6) && planClosed(Array(6).fill('events'), 6) && !planClosed(['time_range'], 6));
});

t.test('decline: false leaves out the plan that is the answer alone', async (t) => {
  const refusal = 'compose_answer question=<question> inputs=[]\nend\n';
  t.ok(new Gbnf(planTextGrammar()).accepts(refusal), 'by default a plan may decline');
  const g = new Gbnf(planTextGrammar({ decline: false }));
  t.notOk(g.accepts(refusal));
  t.ok(g.accepts('resolve_time phrase=<time-1>\ncompose_answer question=<question> inputs=[#0]\nend\n'), 'the answer after data');
  t.notMatch(planTextGrammars({ decline: false })([]), /n0-compose-answer/);
});
