import t from 'tap';
import { learnedRoutines, routineFromStatement } from '../../daemon/agent/planning/learned-routines.js';
import { resolveTimePhrase, type Routine } from '../../daemon/agent/planning/index.js';
import { formatIsoInZone } from '../../daemon/system/index.js';

/**
 * Routines learned from what the household told the agent (habit statements kept in long-term memory), in a
 * household of our own: the Oyelaran family in Lisbon (Europe/Lisbon).
 */
const TZ = 'Europe/Lisbon';
const stored = (text: string, day: string) => ({ text, created: Date.parse(`${day}T12:00:00+01:00`) });

t.test('habit statements give routines; one-off events and other facts do not', async (t) => {
  const cases: Array<[string, Omit<Routine, 'origin'> | null]> = [
    [
      'We usually have dinner at 7',
      { name: 'dinner', aliases: ['supper'], start: '19:00', end: '19:45', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
    ],
    [
      'dinner is at 18:30',
      { name: 'dinner', aliases: ['supper'], start: '18:30', end: '19:15', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
    ],
    [
      'Tunde naps from 1 to 2:30 on weekdays',
      { name: 'nap', aliases: ['naptime', 'nap time'], start: '13:00', end: '14:30', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    ],
    [
      'the twins go to bed at 8',
      {
        name: 'bedtime',
        aliases: ['bed time', 'lights out'],
        start: '20:00',
        end: '20:30',
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      },
    ],
    [
      'Ada is at school from 8 to 3 on weekdays',
      { name: 'school', aliases: ['the school run'], start: '08:00', end: '15:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    ],
    [
      'breakfast is around half past seven',
      { name: 'breakfast', aliases: [], start: '07:30', end: '08:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
    ],
    ['On Sundays we have lunch at noon', { name: 'lunch', aliases: [], start: '12:00', end: '12:45', days: ['sun'] }],
    [
      'supper is between 6 and 7pm',
      { name: 'dinner', aliases: ['supper'], start: '18:00', end: '19:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
    ],
    ['Tunde had dinner at 9 yesterday', null],
    ['the cat is called Mimi', null],
    ['dinner is at 27', null],
  ];
  for (const [text, want] of cases) t.same(routineFromStatement(text), want, text);
});

t.test('learned routines: newest statement wins, the config keeps its own, each names the day it was told', async (t) => {
  const facts = [
    stored('we usually have dinner at 7', '2026-08-01'),
    stored('dinner is at 19:30 now', '2026-09-01'),
    stored('Tunde naps from 1 to 2:30 on weekdays', '2026-08-20'),
    stored('breakfast is at 7:30', '2026-08-21'),
  ];
  const config: Routine[] = [{ name: 'breakfast', aliases: [], start: '07:00', end: '07:20', days: ['sat', 'sun'] }];
  const learned = learnedRoutines(facts, TZ, config);
  t.same(
    learned.map((r) => [r.name, r.start, r.end, r.origin]),
    [
      ['dinner', '19:30', '20:15', 'as you told me on 2026-09-01'],
      ['nap', '13:00', '14:30', 'as you told me on 2026-08-20'],
    ],
  );
  // "after dinner" from memory, with its source for the answer
  const now = Date.parse('2026-09-16T22:00:00+01:00');
  const r = resolveTimePhrase('after supper', now, TZ, { routines: [...config, ...learned] });
  t.same([formatIsoInZone(r.startMs, TZ), formatIsoInZone(r.endMs, TZ)], ['2026-09-16T20:15:00+01:00', '2026-09-16T22:00:00+01:00']);
  t.equal(r.source, 'dinner is 19:30–20:15 as you told me on 2026-09-01');
});

t.test('the agent reads the routines the household told it from long-term memory, and the answer names the source', async (t) => {
  const { AgentService, memoryLongTerm } = await import('../../daemon/agent/index.js');
  const { PlanExecutor, createToolImpls } = await import('../../daemon/agent/execution/index.js');
  const { MemoryStore } = await import('../../daemon/memory/index.js');
  const { ManualClock, silentLogger } = await import('../../daemon/system/index.js');
  const { ScriptedPlanner, agentConfig, tempDir } = await import('./support.js');
  const { join } = await import('node:path');

  const told = new ManualClock(Date.parse('2026-09-01T12:00:00+01:00'));
  const store = new MemoryStore({ file: join(tempDir(t, 'hs-learned-routines-'), 'memory.db'), log: silentLogger(), clock: told });
  t.teardown(() => store.close());
  await store.longTerm.remember({ kind: 'fact', text: 'we usually have dinner at 19:30' });
  await store.longTerm.remember({ kind: 'fact', text: 'the cat is called Mimi' });

  const planner = new ScriptedPlanner(() => ({
    task_steps: ['Step 1: resolve_time', 'Step 2: compose_answer'],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'after supper' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
    ],
    task_links: [{ source: 'resolve_time', target: 'compose_answer' }],
  }));
  const clock = new ManualClock(Date.parse('2026-09-16T22:00:00+01:00'));
  const svc = new AgentService({
    agent: agentConfig({ planner: 'local', max_repairs: 0 }),
    householdId: 'oyelaran',
    household: { timezone: TZ, people: [], rooms: ['kitchen'], cameras: { kitchen: 'kitchen' } },
    deps: { longTerm: memoryLongTerm(() => store) },
    planners: { local: planner },
    clock,
    executor: new PlanExecutor({ impls: createToolImpls(), nodeTimeoutMs: 5000, clock }),
  });
  const result = await svc.ask({ question: 'what happened in the kitchen after supper?' });
  t.same(
    planner.calls[0]!.household.routines?.map((r) => [r.name, r.start, r.end]),
    [['dinner', '19:30', '20:15']],
    'the planners and the request checks see the learned routine',
  );
  t.match(result.answer, /20:15–22:00 \(dinner is 19:30–20:15 as you told me on 2026-09-01\)/);
});

t.test('"after that" following a routine phrase re-resolves the previous turn with the household routines', async (t) => {
  const { AgentService, memoryLongTerm, memoryConversations } = await import('../../daemon/agent/index.js');
  const { PlanExecutor, createToolImpls } = await import('../../daemon/agent/execution/index.js');
  const { MemoryStore } = await import('../../daemon/memory/index.js');
  const { ManualClock, silentLogger } = await import('../../daemon/system/index.js');
  const { ScriptedPlanner, agentConfig, tempDir } = await import('./support.js');
  const { join } = await import('node:path');

  const clock = new ManualClock(Date.parse('2026-09-16T23:30:00+01:00'));
  const store = new MemoryStore({ file: join(tempDir(t, 'hs-learned-after-'), 'memory.db'), log: silentLogger(), clock });
  t.teardown(() => store.close());
  await store.longTerm.remember({ kind: 'fact', text: 'we usually have dinner at 19:30' });
  const planner = new ScriptedPlanner((req) => ({
    task_steps: ['Step 1: resolve_time', 'Step 2: compose_answer'],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: /after that/.test(req.question) ? 'after that' : 'after supper' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-0>'] } },
    ],
    task_links: [{ source: 'resolve_time', target: 'compose_answer' }],
  }));
  const svc = new AgentService({
    agent: agentConfig({ planner: 'local', max_repairs: 0 }),
    householdId: 'oyelaran',
    household: { timezone: TZ, people: [], rooms: ['kitchen'], cameras: { kitchen: 'kitchen' } },
    deps: { longTerm: memoryLongTerm(() => store), conversations: memoryConversations(() => store) },
    planners: { local: planner },
    clock,
    executor: new PlanExecutor({ impls: createToolImpls(), nodeTimeoutMs: 5000, clock }),
  });
  const first = await svc.ask({ question: 'what happened in the kitchen after supper?', conversationId: 'c1' });
  t.match(first.answer, /^20:15–22:15 \(dinner is 19:30–20:15/, 'after supper: the two hours after dinner ends');
  clock.advance(60_000);
  const second = await svc.ask({ question: 'and after that?', conversationId: 'c1' });
  t.notMatch(second.answer, /E_TIME_PHRASE|earlier question/, "the previous turn's routine phrase resolves");
  t.match(second.answer, /^22:15–23:31/, 'the range after the previous one starts where it ended');
});
