/**
 * The household context of a hard example is what the agent planned with: the request AgentService.ask hands to
 * onPlanRequest (the agent module puts planContextOf(request) into agent.answered), with the previous turn of the
 * conversation, the household's routines without their people, and — through the privacy filter — no name.
 */
import t from 'tap';
import { AgentModule } from '../../daemon/agent/index.js';
import { startsAfter } from '../../daemon/context.js';
import { planContextOf, type PlanContext } from '../../daemon/contracts/index.js';
import { PrivacyFilter } from '../../daemon/learning/index.js';
import { MODULES } from '../../daemon/modules.js';
import { makeContext, tempDir } from '../agent/support.js';

t.test("a hard example's context is the agent's plan request", async (t) => {
  const dir = tempDir(t, 'hs-learnctx-');
  const ctx = makeContext(
    `household:
  id: home
  timezone: Europe/Berlin
  people: [{name: Bob, aliases: [grandpa], relation: father}]
  rooms: [kitchen]
  routines: [{name: dinner, start: '18:00', end: '19:00', people: [Bob]}]
vision: {enabled: false}
mqtt: {enabled: false}
agent: {planner: retrieval}
`,
    dir,
  );
  for (const f of MODULES.filter((m) => ['memory', 'agent'].includes(m.name))) {
    ctx.container.register(await f.create({ ...ctx, log: ctx.log.child({ module: f.name }), dependsOn: startsAfter(f, ctx.container) }));
  }
  t.same((await ctx.container.startAll()).failed, []);
  t.teardown(() => ctx.container.stopAll());
  const agent = ctx.container.find('agent', AgentModule)!;
  const contexts: PlanContext[] = [];
  const ask = (question: string) =>
    agent.service.ask(
      { question, conversationId: 'c1', now: Date.parse('2024-05-02T10:00:00Z'), options: { execute: false } },
      { onPlanRequest: (r) => contexts.push(planContextOf(r)) },
    );
  await ask('Where was grandpa after dinner?');
  const first = await ask('and before?');
  t.equal(contexts.length, 2);
  const c = contexts[1]!;
  t.same([c.now, c.timezone], ['2024-05-02T12:00:00+02:00', 'Europe/Berlin'], 'the time asked, in the household zone');
  t.same(c.household.people, [{ name: 'Bob', aliases: ['grandpa'] }], 'a person as planners see them (no relation)');
  t.same(
    c.household.routines,
    [{ name: 'dinner', aliases: [], start: '18:00', end: '19:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }],
    'a routine without its people',
  );
  t.equal(c.previous?.question, 'Where was grandpa after dinner?', 'the previous turn of the conversation');
  t.ok(c.previous?.plan !== undefined, 'with its plan');
  t.ok(first.plan.task_nodes.length > 0);
  const masked = JSON.stringify(new PrivacyFilter({ secret: 'device', people: [{ name: 'Bob', aliases: ['grandpa'] }] }).maskContext(c));
  t.notMatch(masked, /Bob|grandpa|father/, 'masked, it names nobody');
});
