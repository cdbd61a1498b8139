import t from 'tap';
import { curate, type LabeledPlan } from '../../cloud/curation.js';
import type { TaskPlan } from '../../daemon/agent/index.js';
import { AgentService } from '../../daemon/agent/index.js';
import { memoryConversations, memoryEvents, memoryLongTerm } from '../../daemon/agent/execution/index.js';
import { localEvalSets } from '../../daemon/learning/adapter-sink.js';
import { ManualClock } from '../../daemon/system/index.js';
import { agentConfig, HOUSEHOLD, NOW, openStore, ScriptedPlanner, tempDir } from '../agent/support.js';

// Issue #19 item 2: the owner's corrections are real labels. They outrank a teacher's pseudo-label of the same
// question (cloud curation and the device's evaluation sets), are always trained on, and are the regression set.

const plan = (tool: string, identity: string): TaskPlan => ({
  task_steps: [],
  task_nodes: [
    { task: 'resolve_time', arguments: { phrase: 'this morning' } },
    { task: tool, arguments: { start: '<node-0>', end: '<node-0>', identity } },
  ],
  task_links: [{ source: 'resolve_time', target: tool }],
});

t.test('cloud curation: a correction outranks a pseudo-label of the same question, whatever the order', async (t) => {
  const pseudo: LabeledPlan = { question: 'Where was Bubba this morning?', plan: plan('who_was_where', 'Anna'), source: 'pseudo_label' };
  const correction: LabeledPlan = { question: 'where was bubba this morning', plan: plan('query_events', 'Tom'), source: 'correction' };
  const later: LabeledPlan = { ...pseudo, plan: plan('who_was_where', 'Mia') };
  for (const order of [
    [pseudo, correction],
    [correction, pseudo],
    [pseudo, correction, later],
  ]) {
    const c = curate(order, { testShare: 0, maxPerTool: 10 });
    t.equal(c.train.length, 1, 'one question');
    t.equal(c.train[0]!.source, 'correction', 'the correction is kept');
    t.equal(c.train[0]!.plan.task_nodes[1]!.arguments, correction.plan.task_nodes[1]!.arguments);
    t.equal(c.corrections, 1);
  }
  // Among pseudo-labels alone the last still wins.
  t.equal(curate([pseudo, later], { testShare: 0, maxPerTool: 10 }).train[0]!.plan, later.plan);
});

t.test('cloud curation: corrections are never held out nor balanced away', async (t) => {
  const many: LabeledPlan[] = Array.from({ length: 40 }, (_, i) => ({
    question: `how often was the door open ${i}`,
    plan: plan('count_events', 'Tom'),
    source: 'pseudo_label',
  }));
  const fixes: LabeledPlan[] = Array.from({ length: 12 }, (_, i) => ({
    question: `did bubba come home ${i}`,
    plan: plan('count_events', 'Tom'),
    source: 'correction',
  }));
  const c = curate([...many, ...fixes], { testShare: 0.5, maxPerTool: 5 });
  t.equal(c.corrections, 12);
  t.equal(c.train.filter((l) => l.source === 'correction').length, 12, 'every correction is trained on');
  t.notOk(
    c.test.some((l) => l.source === 'correction'),
    'none is held out',
  );
  t.equal(c.train.filter((l) => l.source !== 'correction').length, 0, 'the tool is full: pseudo-labels are balanced away first');
});

t.test('device: corrections are the regression set and outrank pseudo-labels; pseudo-labels are held out', async (t) => {
  const items = [
    { kind: 'pseudo_label', payload: { question: 'where was bubba this morning', plan: plan('who_was_where', 'Anna') } },
    ...Array.from({ length: 6 }, (_, i) => ({
      kind: 'pseudo_label',
      payload: { question: `who was in the kitchen ${i}`, plan: plan('who_was_where', 'Mia') },
    })),
    { kind: 'correction', payload: { question: 'Where was Bubba this morning?', plan: plan('query_events', 'Tom') } },
    { kind: 'correction', payload: { question: 'did bubba leave today', plan: plan('query_events', 'Tom') } },
  ];
  const sets = localEvalSets(items, { max: 16, sample: (q, p) => ({ prompt: q, completion: JSON.stringify(p.task_nodes) }) });
  t.same(
    sets.regression.map((s) => s.meta?.['question']),
    ['Where was Bubba this morning?', 'did bubba leave today'],
    'the regression set is the corrections',
  );
  t.ok(
    sets.heldout.every((s) => String(s.meta?.['question']).startsWith('who was in the kitchen')),
    'the pseudo-label of a corrected question is left out',
  );
  t.equal(sets.heldout.length, 6);
  t.equal(sets.teacherIndependent, true);
  const fewFixes = localEvalSets(items.slice(0, 7), { max: 16, sample: (q) => ({ prompt: q, completion: '' }) });
  t.ok(fewFixes.regression.length >= 2 && fewFixes.heldout.length >= 2, 'without corrections both sets come from pseudo-labels');
  t.equal(fewFixes.teacherIndependent, false, "and the result says the regression set is the teacher's");
});

t.test("device: without corrections, the regression set is the device's own confident plans, never the teacher's", async (t) => {
  const pseudo = Array.from({ length: 6 }, (_, i) => ({
    kind: 'pseudo_label',
    payload: { question: `who was in the kitchen ${i}`, plan: plan('who_was_where', 'Mia') },
  }));
  const accepted = (q: string, confidence: number | null) => ({
    kind: 'plan',
    payload: { question: q, plan: plan('query_events', 'Tom'), planner: 'local', confidence },
  });
  const items = [
    ...pseudo,
    accepted('did tom come home yesterday', -0.02),
    accepted('when did tom leave', -0.05),
    accepted('was anyone on the porch', -0.9), // unsure: a hard example, not an anchor
    accepted('what did tom do in the garden', null), // no confidence known (retrieval, cloud): not an anchor
    accepted('who was in the kitchen 0', -0.01), // relabelled by the teacher: the pseudo-label is kept, held out
  ];
  const sets = localEvalSets(items, {
    max: 16,
    minAnchorConfidence: -0.15,
    sample: (q) => ({ prompt: q, completion: '' }),
  });
  t.same(
    sets.regression.map((s) => s.meta?.['question']),
    ['did tom come home yesterday', 'when did tom leave'],
    'the anchors: accepted plans the device was sure of, of questions nobody relabelled',
  );
  t.ok(
    sets.regression.every((s) => s.meta?.['source'] === 'plan'),
    'no pseudo-label in the regression set',
  );
  t.equal(sets.heldout.length, 6, 'every pseudo-label is held out');
  t.equal(sets.teacherIndependent, true);
  const oneAnchor = localEvalSets(items.slice(0, 7), {
    max: 16,
    minAnchorConfidence: -0.15,
    sample: (q) => ({ prompt: q, completion: '' }),
  });
  t.equal(oneAnchor.teacherIndependent, false, 'one anchor is too few: pseudo-labels fill the regression set');
  t.equal(oneAnchor.regression[0]!.meta?.['source'], 'plan', 'after the anchor');
});

t.test("device few-shots: the owner's correction comes before a pseudo-label of the same question", async (t) => {
  const dir = tempDir(t);
  const clock = new ManualClock(NOW);
  const store = openStore(dir, clock);
  t.teardown(() => store.close());
  const deps = {
    events: memoryEvents(() => store),
    longTerm: memoryLongTerm(() => store),
    conversations: memoryConversations(() => store),
  };
  const svc = new AgentService({
    agent: agentConfig({ planner: 'local', llm: { few_shots: 3 } }),
    householdId: 'home',
    household: HOUSEHOLD,
    deps,
    planners: { local: new ScriptedPlanner(() => plan('who_was_where', 'Anna')) },
    clock,
  });
  const q = 'Who was seen between 5 and 6 pm?';
  const pseudo: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'between 5 and 6 pm' } },
      { task: 'count_events', arguments: { start: '<node-0>', end: '<node-0>' } },
      { task: 'compose_answer', arguments: { question: q, inputs: ['<node-1>'] } },
    ],
    task_links: [],
  };
  const corrected: TaskPlan = {
    ...pseudo,
    task_nodes: [pseudo.task_nodes[0]!, { task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>' } }, pseudo.task_nodes[2]!],
  };
  store.longTerm.add({ kind: 'pseudo_label', text: q, payload: { question: q, plan: pseudo } });
  t.equal((await svc.correct(q, corrected)).stored, true);
  store.longTerm.add({ kind: 'pseudo_label', text: q, payload: { question: q, plan: pseudo } });
  const shots = await svc.examples(q, NOW);
  t.equal(shots[0]!.question, q);
  t.equal(shots[0]!.plan.task_nodes[1]!.task, 'query_events', 'the correction is the first few-shot, before or after a pseudo-label');
  t.notOk(
    shots.some((s) => s.plan.task_nodes[1]!.task === 'count_events'),
    'the pseudo-label of the corrected question is not used',
  );
});
