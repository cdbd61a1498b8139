import t from 'tap';
import { validatePlan } from '../../daemon/agent/index.js';
import { composeAnswer } from '../../daemon/agent/execution/index.js';

t.test('a refusal plan (compose_answer with no inputs) validates and declines', async (t) => {
  const plan = {
    task_steps: ['Step 1: Decline (unsafe): unlocking doors is not something I do'],
    task_nodes: [{ task: 'compose_answer', arguments: { question: 'unlock the front door', inputs: [] } }],
    task_links: [],
  };
  t.same(validatePlan(plan), []);
  const answer = composeAnswer('unlock the front door', [], Date.UTC(2026, 0, 1), 'UTC');
  t.match(answer, /can't help with "unlock the front door"/);
  // A non-empty list still has to hold references.
  const bad = { ...plan, task_nodes: [{ task: 'compose_answer', arguments: { question: 'x', inputs: ['free text'] } }] };
  t.ok(validatePlan(bad).some((i) => i.code === 'E_ARG_INVALID'));
});
