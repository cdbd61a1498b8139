import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import t from 'tap';
import { generate } from '../../bench/datasets/index.js';
import { CATALOG, type TaskPlan, type ToolDefinition } from '../../daemon/agent/catalog/index.js';
import { formatPlanText, parsePlanText, samePlan } from '../../daemon/agent/planner-model/index.js';
import { SEED_EXAMPLES } from '../../daemon/agent/planning/index.js';
import { HomeSightError } from '../../daemon/system/index.js';

/** Every plan in the tree written by hand or by the generator: seeds, committed fixtures, a generated batch. */
function goldPlans(): Array<{ id: string; plan: TaskPlan }> {
  const out = SEED_EXAMPLES.map((e, i) => ({ id: `seed ${i}`, plan: e.plan }));
  for (const f of [
    'test/dataset/fixtures/q2a-mini.jsonl',
    'test/bench/fixtures/q2a/q2a.jsonl',
    'test/bench/fixtures/q2a-lifelong/q2a.jsonl',
  ]) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const s = JSON.parse(line) as TaskPlan & { id: string };
      out.push({ id: `${f}:${s.id}`, plan: s });
    }
  }
  for (const s of generate({ seed: 11, perRound: 4 }).samples) out.push({ id: `generated ${s.id}`, plan: s });
  return out;
}

t.test('every seed and gold plan in the tree: parse(format(p)) ≡ p and format(parse(t)) = t', async (t) => {
  const plans = goldPlans();
  t.ok(plans.length > 100, `${plans.length} plans`);
  let bad = 0;
  for (const { id, plan } of plans) {
    const text = formatPlanText(plan);
    const back = parsePlanText(text);
    if (!samePlan(back, plan)) {
      bad++;
      t.fail(`${id}: not the same plan after a round trip\n${text}`);
    }
    if (formatPlanText(back) !== text) {
      bad++;
      t.fail(`${id}: text changed after a round trip`);
    }
  }
  t.equal(bad, 0);
});

t.test('the format: one node per line, references as #j, free text quoted, the end marker last', async (t) => {
  const plan: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: '<time-1>' } },
      { task: 'query_events', arguments: { identity: '<person-1>', end: '<node-0>', start: '<node-0>', camera: 'front_door', limit: 5 } },
      { task: 'remember', arguments: { fact: 'the spare key is under the mat, "left" side' } },
      { task: 'compose_answer', arguments: { question: '<question>', inputs: ['<node-0>', '<node-1>'] } },
    ],
    task_links: [],
  };
  const text = formatPlanText(plan);
  t.equal(
    text,
    [
      'resolve_time phrase=<time-1>',
      'query_events start=#0 end=#0 camera=front_door identity=<person-1> limit=5',
      'remember fact="the spare key is under the mat, \\"left\\" side"',
      'compose_answer question=<question> inputs=[#0,#1]',
      'end',
      '',
    ].join('\n'),
    'arguments in catalog order',
  );
  const back = parsePlanText(text);
  t.same(
    back.task_links,
    [
      { source: 'resolve_time', target: 'query_events' },
      { source: 'resolve_time', target: 'compose_answer' },
      { source: 'query_events', target: 'compose_answer' },
    ],
    'links follow from the references',
  );
  t.same(
    back.task_steps[1],
    'Step 2: query_events start=<node-0> end=<node-0> camera=front_door identity=<person-1> limit=5',
    'steps are derived',
  );
  t.same(
    formatPlanText({ task_nodes: [{ task: 'compose_answer', arguments: { question: 'What will you do?', inputs: [] } }] }),
    'compose_answer question="What will you do?" inputs=[]\nend\n',
    'a refusal',
  );
});

t.test('strings that would read as another value are quoted; links not given by references get a line', async (t) => {
  const plan: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'last_seen', arguments: { person: '12' } },
      { task: 'last_seen', arguments: { person: 'true' } },
      { task: 'last_seen', arguments: { person: '#0' } },
      { task: 'last_seen', arguments: { person: 'end' } },
      { task: 'last_seen', arguments: { person: 'Anna Maria' } },
      { task: 'get_frames', arguments: { camera: 'a,b', start: '2024-05-04T19:00:00+02:00', end: '2024-05-04T20:00:00+02:00', fps: 0.5 } },
    ],
    task_links: [{ source: 'last_seen', target: 'get_frames' }],
  };
  const text = formatPlanText(plan);
  t.match(
    text,
    /person="12"\n.*person="true"\n.*person="#0"\n.*person="end"\n.*person="Anna Maria"\n.*camera="a,b" start=2024-05-04T19:00:00\+02:00/s,
  );
  t.match(text, /\nlink last_seen get_frames\nend\n$/);
  const back = parsePlanText(text);
  t.ok(samePlan(back, plan));
  t.equal(formatPlanText(back), text);
});

t.test('malformed text fails with the line and column', async (t) => {
  t.throws(() => parsePlanText('resolve_time phrase="today"\n'), { code: 'E_PLAN_TRUNCATED' }, 'no end marker: generation stopped early');
  t.throws(() => parsePlanText('resolve_time phrase="today\nend\n'), { code: 'E_PLAN_SHAPE' });
  t.throws(() => parsePlanText('get_snapshot events=#x\nend\n'), { code: 'E_PLAN_SHAPE' });
  t.throws(() => parsePlanText('get_snapshot  events=#0\nend\n'), { code: 'E_PLAN_SHAPE' });
  t.throws(() => parsePlanText('compose_answer inputs=[#0,#1\nend\n'), { code: 'E_PLAN_SHAPE' });
  t.throws(() => parsePlanText('last_seen person=a person=b\nend\n'), { code: 'E_PLAN_SHAPE' });
  t.throws(() => parsePlanText('link a b\nlast_seen person=a\nend\n'), { code: 'E_PLAN_SHAPE' });
  const e = (() => {
    try {
      parsePlanText('resolve_time\nlast_seen person\nend\n');
    } catch (err) {
      return err;
    }
    return null;
  })();
  t.ok(e instanceof HomeSightError);
  t.match((e as HomeSightError).message, /line 2, column/);
  t.throws(
    () => formatPlanText({ task_nodes: [{ task: 'Image Stitcher', arguments: [] }] }),
    { code: 'E_PLAN_SHAPE' },
    'tool names are words',
  );
});

// ───────────── property: random plans over the catalog's tools ─────────────

const TOOLS = CATALOG as readonly unknown[] as ToolDefinition[];
const anyText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '<person-1>',
    '<time-2>',
    '<question>',
    'front_door',
    'living room',
    'a "quoted" word',
    'end',
    '#3',
    '12',
    'null',
    'x,y',
    '[a]',
    'ümlaut São',
    'tab\there',
    'line\nbreak',
    '',
  ),
);
const scalar = fc.oneof(
  anyText,
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.boolean(),
  fc.constant(null),
);
const planArb = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.constantFrom(...TOOLS).chain((tool) => {
        const names = Object.keys(tool.input.shape);
        const ref = i === 0 ? fc.constant('<node-0>') : fc.integer({ min: 0, max: i - 1 }).map((j) => `<node-${j}>`);
        const value = fc.oneof(scalar, ref, fc.array(fc.oneof(ref, scalar), { maxLength: 4 }));
        return fc
          .subarray(names)
          .chain((chosen) => fc.tuple(...chosen.map((a) => value.map((v) => [a, v] as const))))
          .map((pairs) => ({ task: tool.name, arguments: Object.fromEntries(pairs) as Record<string, unknown> }));
      }),
    ),
  ),
);

t.test('property: parse(format(p)) ≡ p and format(parse(format(p))) = format(p) for random plans', async (t) => {
  fc.assert(
    fc.property(planArb, (nodes) => {
      const plan = { task_steps: [], task_nodes: nodes, task_links: [] };
      const text = formatPlanText(plan);
      const back = parsePlanText(text);
      const withLinks = { ...plan, task_links: back.task_links };
      return samePlan(back, withLinks) && formatPlanText(back) === text;
    }),
    { seed: 17, numRuns: 2000 },
  );
  t.pass('2000 random plans round-trip');
});
