import t from 'tap';
import { CATALOG, TOOL_NAMES, catalogPrompt, taskPlanSchema, validatePlan, SEED_EXAMPLES } from '../../daemon/agent/index.js';
import { catalogGrammarSchema, catalogJsonSchema, nodeGrammarSchema, type OutputKind } from '../../daemon/agent/catalog/index.js';
import { describeSteps, linksFromRefs } from '../../daemon/agent/planning/index.js';

const codes = (issues: Array<{ code: string }>): string[] => issues.map((i) => i.code);

t.test('every tool is described, typed and has a stable snake_case name', async (t) => {
  t.ok(CATALOG.length >= 17);
  const required = [
    'resolve_time',
    'get_frames',
    'detect_persons',
    'recognize_identity',
    'recognize_activity',
    'query_events',
    'who_was_where',
    'last_seen',
    'activity_timeline',
    'count_events',
    'aggregate',
    'get_snapshot',
    'evidence_clip',
    'recall_memory',
    'remember',
    'publish_to_hub',
    'compose_answer',
  ];
  for (const name of required) t.ok(TOOL_NAMES.includes(name as (typeof TOOL_NAMES)[number]), name);
  for (const tool of CATALOG) {
    t.match(tool.name, /^[a-z][a-z0-9_]*$/);
    t.ok(tool.description.length > 20, `${tool.name} has an LLM-facing description`);
    t.ok(
      tool.input.safeParse(tool.example).success ||
        Object.values(tool.example).some((v) => typeof v === 'string' && v.startsWith('<node-')),
      `${tool.name} example fits`,
    );
  }
  t.same(
    CATALOG.filter((x) => x.sideEffects)
      .map((x) => x.name)
      .sort(),
    ['publish_to_hub', 'remember'],
  );
});

t.test('the JSON schema is derived from the catalog: tool enum, arguments per tool', async (t) => {
  const js = catalogJsonSchema() as { properties: Record<string, { items: { oneOf?: unknown[]; anyOf?: unknown[] } }> };
  const branches = (js.properties.task_nodes!.items.oneOf ?? js.properties.task_nodes!.items.anyOf)!;
  t.equal(branches.length, CATALOG.length, 'one branch per tool (discriminated by task)');
  const links = JSON.stringify(js.properties.task_links);
  for (const n of TOOL_NAMES) t.ok(links.includes(`"${n}"`), `link enum has ${n}`);
  // Household narrowing: enums instead of free strings; forbidden tools left out.
  const narrow = JSON.stringify(catalogJsonSchema({ cameras: ['demo'], people: ['Alice'], allowTools: [], hubTopics: [] }));
  t.notOk(narrow.includes('"publish_to_hub"'), 'side-effect tools not allowed are not in the grammar');
  t.notOk(narrow.includes('"remember"'));
  t.ok(narrow.includes('"enum":["demo"]'), 'camera is an enum');
  const g = JSON.stringify(catalogGrammarSchema({ cameras: ['demo'] }));
  t.notOk(g.includes('anyOf'), 'grammar subset uses oneOf only');
  t.notOk(g.includes('"pattern"'), 'no regex patterns in the grammar subset');
  t.notOk(g.includes('"minimum"'), 'no numeric bounds (enumerated instead)');
});

t.test('catalog prompt: full and compact', async (t) => {
  const full = catalogPrompt();
  const compact = catalogPrompt({ compact: true });
  t.ok(full.length > compact.length * 2);
  t.match(compact, /query_events\(start, end, camera\?, identity\?, activity\?, limit\?\)/);
  t.match(full, /resolve_time\(phrase\) -> time_range: /);
});

t.test('validatePlan accepts the seeds and TaskBench-format imports', async (t) => {
  for (const s of SEED_EXAMPLES) {
    t.same(validatePlan(s.plan, { allowTools: ['remember', 'publish_to_hub'], hubTopics: ['hub/notify'] }), [], s.question);
  }
  // TaskBench temporal style: arguments as [{name, value}].
  const tb = { task_steps: ['Step 1'], task_nodes: [{ task: 'last_seen', arguments: [{ name: 'person', value: 'Bob' }] }], task_links: [] };
  t.same(validatePlan(tb), []);
  const parsed = taskPlanSchema.parse(JSON.parse(JSON.stringify(SEED_EXAMPLES[1]!.plan)));
  t.same(parsed, SEED_EXAMPLES[1]!.plan, 'round-trips exactly as JSON');
});

t.test('validatePlan gives precise errors', async (t) => {
  const bad = {
    task_nodes: [
      { task: 'rm_rf', arguments: {} },
      { task: 'query_events', arguments: { start: '<node-2>', end: 'yesterday', camera: 'garage', bogus: 1 } },
      { task: 'get_frames', arguments: { camera: '<node-0>', start: '<node-1>', end: '2024-05-04T20:00:00+02:00' } },
      { task: 'publish_to_hub', arguments: { topic: 'x', message: 'y' } },
      { task: 'detect_persons', arguments: { frames: '<node-9>' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: 'not refs' } },
    ],
    task_links: [
      { source: 'query_events', target: 'query_events' },
      { source: 'nope', target: 'get_frames' },
    ],
  };
  const issues = validatePlan(bad, { cameras: ['demo', 'porch'] });
  const c = codes(issues);
  for (const code of [
    'E_TOOL_UNKNOWN',
    'E_REF_FORWARD',
    'E_ARG_INVALID',
    'E_ARG_VALUE',
    'E_ARG_UNKNOWN',
    'E_REF_NOT_ALLOWED',
    'E_REF_KIND',
    'E_TOOL_NOT_ALLOWED',
    'E_REF_RANGE',
    'E_LINK_CYCLE',
    'E_LINK_UNKNOWN',
  ]) {
    t.ok(c.includes(code), `reports ${code}`);
  }
  const fwd = issues.find((i) => i.code === 'E_REF_FORWARD')!;
  t.equal(fwd.path, 'task_nodes[1].arguments.start');
  t.equal(fwd.node, 1);
  t.match(issues.find((i) => i.code === 'E_REF_KIND')!.message, /gives events; "start" of "get_frames" needs time_range/);
  t.match(issues.find((i) => i.code === 'E_ARG_VALUE')!.message, /unknown camera "garage"; known: demo, porch/);
  t.same(codes(validatePlan({ task_nodes: 'x' })), ['E_PLAN_SHAPE']);
  t.same(codes(validatePlan({ task_nodes: [] })), ['E_PLAN_EMPTY']);
  // Links that contradict references form a cycle.
  const cyc = validatePlan({
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'today' } },
      { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>' } },
    ],
    task_links: [{ source: 'who_was_where', target: 'resolve_time' }],
  });
  t.same(codes(cyc), ['E_LINK_CYCLE']);
  // Side effects need the allow-list, topics the configured list.
  const pub = { task_nodes: [{ task: 'publish_to_hub', arguments: { topic: 'home/announce', message: 'hi' } }] };
  t.same(codes(validatePlan(pub, { allowTools: ['publish_to_hub'], hubTopics: ['home/announce'] })), []);
  t.same(codes(validatePlan(pub, { allowTools: ['publish_to_hub'], hubTopics: [] })), ['E_TOOL_NOT_ALLOWED']);
});

t.test('per-node grammar only admits references to fitting earlier nodes', async (t) => {
  const first = JSON.stringify(nodeGrammarSchema(0, []));
  for (const needsRef of [
    'detect_persons',
    'recognize_identity',
    'recognize_activity',
    'get_snapshot',
    'evidence_clip',
    'compose_answer',
  ]) {
    t.notOk(first.includes(`"const":"${needsRef}"`), `${needsRef} cannot be the first node`);
  }
  t.notOk(first.includes('<node-'), 'no references at position 0');
  const kinds: OutputKind[] = ['time_range', 'frames'];
  const third = nodeGrammarSchema(2, kinds, { question: 'q' }) as {
    oneOf: Array<{ properties: { task: { const: string }; arguments: { properties: Record<string, unknown> } } }>;
  };
  const branch = (name: string) => third.oneOf.find((b) => b.properties.task.const === name)!;
  t.same(branch('detect_persons').properties.arguments.properties.frames, { enum: ['<node-1>'] }, 'frames only from get_frames');
  t.match(
    JSON.stringify(branch('query_events').properties.arguments.properties.start),
    /"enum":\["<node-0>"\]/,
    'start from the time range',
  );
  t.notOk(
    'question' in branch('compose_answer').properties.arguments.properties,
    'the question is filled in by the planner, not generated',
  );
  const final = JSON.stringify(nodeGrammarSchema(3, ['time_range', 'presence', 'evidence'], { final: true }));
  t.ok(final.includes('"const":"compose_answer"') && !final.includes('"const":"who_was_where"'), 'last position: compose_answer only');
  const limit = JSON.stringify(branch('query_events').properties.arguments.properties.limit);
  t.match(limit, /"enum":\[1,2,5,10,20,30,50,60,100,200,500\]/, 'bounded numbers are enumerated');
});

t.test('steps and links are derived from references', async (t) => {
  const nodes = SEED_EXAMPLES[1]!.plan.task_nodes;
  t.same(linksFromRefs(nodes), SEED_EXAMPLES[1]!.plan.task_links);
  t.match(describeSteps(nodes)[1]!, /^Step 2: who_was_where start=<node-0> end=<node-0>$/);
});
