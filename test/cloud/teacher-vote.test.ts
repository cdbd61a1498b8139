/**
 * Self-consistency without a model: the vote (samePlan candidates, share of all k draws, earliest on a tie),
 * grounding in the uploaded household context, the OpenAI-compatible teacher's k seeded requests with the context
 * in its prompt, and the teacher config (a model teacher in the example, never the oracle by default).
 */
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  AgreementTeacher,
  cloudConfigSchema,
  loadCloudConfig,
  OpenAiTeacher,
  planIssues,
  type TeacherPlanner,
  teacherFromConfig,
  voteOnPlans,
  withTeacherModel,
} from '../../cloud/index.js';
import type { TaskPlan } from '../../daemon/agent/index.js';
import type { SampleContext } from '../../daemon/contracts/index.js';

const BOB = '<person-0a1b2c3d>';
const CONTEXT: SampleContext = {
  now: '2024-05-02T12:00:00+02:00',
  timezone: 'Europe/Berlin',
  household: { people: [{ name: BOB, aliases: [] }], rooms: ['kitchen'], cameras: ['porch'], cameraRooms: { porch: null } },
  previous: { question: `Where is ${BOB}?` },
};

const plan = (args: Record<string, unknown>, task = 'last_seen'): TaskPlan => ({
  task_steps: [],
  task_nodes: [{ task, arguments: args }],
  task_links: [],
});

t.test('the vote: same task graph is one candidate, confidence is its share of all k draws', async (t) => {
  const draws: Array<TaskPlan | string> = [
    plan({ person: BOB, camera: 'porch' }),
    plan({ person: BOB }),
    plan({ camera: 'porch', person: BOB }), // the first plan, its arguments in another order
    plan({ person: '<person-99999999>' }), // names someone the household does not have
    'no plan (E_PLAN_TRUNCATED): ran out of tokens',
  ];
  const label = await voteOnPlans(
    draws.length,
    async (n) => draws[n]!,
    (p) => planIssues(p, CONTEXT),
  );
  t.same(label.plan, draws[0], 'the plan with two votes');
  t.same([label.samples, label.valid, label.votes], [5, 3, 2]);
  t.equal(label.confidence, 2 / 5, 'the two invalid draws count against the winner');
  t.match(label.issues.join('\n'), /unknown person "<person-99999999>"/);
  t.match(label.issues.join('\n'), /E_PLAN_TRUNCATED/);

  const tie = await voteOnPlans(
    2,
    async (n) => [plan({ person: BOB }), plan({ camera: 'porch' })][n]!,
    () => [],
  );
  t.same([tie.plan, tie.confidence], [plan({ person: BOB }), 0.5], 'a tie goes to the earliest drawn');
  const none = await voteOnPlans(
    2,
    async () => 'no plan',
    () => [],
  );
  t.same([none.plan, none.confidence, none.valid], [null, 0, 0]);
});

t.test('grounding in the uploaded context', async (t) => {
  t.same(planIssues(plan({ person: BOB, camera: 'porch' }), CONTEXT), []);
  t.match(planIssues(plan({ camera: 'garage' }), CONTEXT).join(), /unknown camera "garage"/);
  const answer = plan({ question: `Is <person-12345678> home?`, inputs: [] }, 'compose_answer');
  const issues = planIssues(answer, CONTEXT).join();
  t.match(issues, /<person-12345678> is not a person of this household/, 'a placeholder anywhere in the plan');
  t.same(
    planIssues(plan({ person: 'Bob', camera: 'garage' }), undefined),
    [],
    'without a context (older devices) only the catalog is checked',
  );
});

t.test('the OpenAI-compatible teacher: k seeded requests at temperature > 0, the household in the prompt', async (t) => {
  const sent: Array<{ temperature: number; seed: number; messages: Array<{ content: string }> }> = [];
  const answers = [plan({ person: BOB }), plan({ person: BOB }), plan({ person: BOB, camera: 'porch' })];
  const fakeFetch = (async (_url: string, init: { body: string }) => {
    sent.push(JSON.parse(init.body) as (typeof sent)[number]);
    const content = JSON.stringify(answers[(sent.length - 1) % answers.length]);
    return new Response(JSON.stringify({ choices: [{ message: { content } }] }), { status: 200 });
  }) as unknown as typeof fetch;
  const teacher = new OpenAiTeacher({ baseUrl: 'http://x.invalid/v1', model: 'm', fetch: fakeFetch, voting: { samples: 3, seed: 7 } });
  const label = await teacher.plan({ household: 'h', question: `When was ${BOB} last seen?`, context: CONTEXT });
  t.same(
    sent.map((s) => [s.temperature, s.seed]),
    [
      [0.7, 7],
      [0.7, 8],
      [0.7, 9],
    ],
  );
  const system = sent[0]!.messages[0]!.content;
  t.match(system, `People (person/identity arguments): ${BOB}, unknown.`);
  t.match(system, 'Cameras (camera arguments): porch.');
  t.match(system, `Previous question in this conversation: Where is ${BOB}?`);
  t.match(system, 'Now: 2024-05-02T12:00:00+02:00 (Europe/Berlin).');
  t.same([label.plan, label.confidence], [plan({ person: BOB }), 2 / 3]);
});

t.test('teacher config: the example labels with a model, the oracle is never the default', async (t) => {
  const c = loadCloudConfig(fileURLToPath(new URL('../../cloud/teacher.example.yaml', import.meta.url)));
  t.equal(c.teacher.kind, 'model');
  t.ok(c.teacher.kind === 'model' && c.teacher.model.endsWith('models/planner/homesight-planner-2m-q8_0.gguf'), 'the shipped model');
  t.same([c.teacher.min_confidence, c.teacher.kind === 'model' && c.teacher.samples], [0.6, 5]);
  const other = withTeacherModel({ ...c, teacher: { ...c.teacher, min_confidence: 0.9 } }, '/models/big.gguf');
  t.same(other.teacher.kind === 'model' && [other.teacher.model, other.teacher.min_confidence], ['/models/big.gguf', 0.9]);
});

t.test('agreement: a label only where every teacher voted for the same plan, with the lowest confidence', async (t) => {
  const fixed = (name: string, p: TaskPlan | null, confidence: number): TeacherPlanner => ({
    name,
    plan: async () => ({ plan: p, confidence, samples: 5, valid: p === null ? 0 : 5, votes: Math.round(confidence * 5), issues: [] }),
  });
  const input = { household: 'h', question: `where is ${BOB}`, context: CONTEXT };
  const a = fixed('big', plan({ person: BOB, when: 'This Morning' }), 1);
  const agreed = await new AgreementTeacher([a, fixed('small', plan({ when: 'this morning', person: BOB }), 0.6)]).plan(input);
  t.same([agreed.plan, agreed.confidence, agreed.votes, agreed.samples], [plan({ person: BOB, when: 'This Morning' }), 0.6, 3, 10]);
  const disagreed = await new AgreementTeacher([a, fixed('small', plan({ person: BOB }, 'who_was_where'), 1)]).plan(input);
  t.same([disagreed.plan, disagreed.confidence], [null, 0]);
  t.match(disagreed.issues, [/small voted for another plan than big/]);
  let asked = false;
  const second: TeacherPlanner = { name: 'second', plan: async () => ((asked = true), { ...(await a.plan(input)) }) };
  const noPlan = await new AgreementTeacher([fixed('big', null, 0), second]).plan(input);
  t.same([noPlan.plan, asked], [null, false], 'the first teacher without a plan decides; the others are not asked');
  t.match(noPlan.issues, [/big gave no plan/]);
});

t.test('teacher config: agree_with makes the model teacher an agreement of models', async (t) => {
  const c = loadCloudConfig(fileURLToPath(new URL('../../cloud/teacher.example.yaml', import.meta.url)));
  const both = { ...c, teacher: cloudConfigSchema.shape.teacher.parse({ ...c.teacher, agree_with: ['/models/small.gguf'] }) };
  const teacher = teacherFromConfig(both);
  t.equal(teacher.name.startsWith('agree('), true, teacher.name);
  t.equal(teacherFromConfig(c) instanceof AgreementTeacher, false, 'one model without agree_with');
});
