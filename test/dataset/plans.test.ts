import t from 'tap';
import { validatePlan, TOOL_NAMES, taskPlanSchema } from '../../daemon/agent/index.js';
import { generate, householdAt, isRefusal, planType, validationContext, HOUSEHOLDS, type Sample } from '../../bench/datasets/index.js';
import { refusalIssuesTolerated } from '../../bench/datasets/refusal.js';

// The dataset as `homesight dataset build` makes it by default.
const gen = generate({ seed: 1 });
const samples = gen.samples;
const metaById = new Map(gen.meta.map((m) => [m.id, m]));
const byHousehold = new Map(gen.households.map((h) => [h.id, h]));
const ISO_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

t.test('size and coverage the issue asks for', async (t) => {
  t.ok(samples.length >= 1000, `${samples.length} samples ≥ 1000`);
  t.ok(new Set(samples.map((s) => s.household)).size >= 5, '≥ 5 households');
  const types = new Set(samples.map((s) => s.type));
  t.same([...types].sort(), ['chain', 'dag', 'single']);
  // The answer takes the resolved range as well as the results, so a plan with a time is a dag from 3 nodes on;
  // chains are the plans without one (recall → answer, last sighting → snapshot → answer). The longest single
  // question is 5 nodes since the vision tools read frames themselves (no detect_persons before them).
  for (let n = 2; n <= 3; n++)
    t.ok(
      samples.some((s) => s.n_tools === n && s.type === 'chain'),
      `a chain of ${n} nodes`,
    );
  for (let n = 3; n <= 5; n++)
    t.ok(
      samples.some((s) => s.n_tools === n && s.type === 'dag'),
      `a dag of ${n} nodes`,
    );
  t.ok(
    samples.every((s) => s.n_tools >= 1 && s.n_tools <= 6),
    'plans have 1–6 nodes',
  );
  const used = new Set(samples.flatMap((s) => s.task_nodes.map((n) => n.task)));
  t.same([...used].sort(), [...TOOL_NAMES].sort(), 'every catalog tool is used by some gold plan');
  const tags = gen.meta.flatMap((m) => m.tags);
  for (const k of ['time:absolute', 'time:relative', 'time:vague', 'ref:alias', 'ref:self', 'ref:group', 'ref:pronoun', 'new_in_round']) {
    t.ok(tags.includes(k), `has ${k}`);
  }
  t.ok(
    tags.some(
      (x) => x.startsWith('vague.routine') || x.startsWith('time_pattern:vague.routine') || x.startsWith('time_pattern:vague.after_meal'),
    ),
    'routine-relative time phrases',
  );
  t.ok(samples.filter((s) => s.context.history !== undefined).length >= 50, 'follow-ups with history');
  t.ok(samples.filter((s) => isRefusal(s)).length >= 50, 'refusals');
  // a DAG that branches and joins (one node feeding two, a node fed by two)
  t.ok(
    samples.some(
      (s) =>
        s.task_nodes.some((n) => n.task === 'recognize_identity') &&
        s.task_nodes.some((n) => n.task === 'recognize_activity') &&
        s.type === 'dag',
    ),
  );
});

t.test('every gold plan validates against the real catalog', async (t) => {
  let checked = 0;
  let refusals = 0;
  for (const s of samples) {
    const h = householdAt(byHousehold.get(s.household)!, s.round);
    const issues = validatePlan({ task_steps: s.task_steps, task_nodes: s.task_nodes, task_links: s.task_links }, validationContext(h));
    if (isRefusal(s)) {
      refusals++;
      // compose_answer alone, no inputs: today's catalog flags only the empty `inputs` (see bench/datasets/refusal.ts)
      if (!refusalIssuesTolerated(issues)) t.fail(`${s.id}: refusal plan has unexpected issues ${JSON.stringify(issues)}`);
    } else if (issues.length > 0) {
      t.fail(`${s.id} (${s.instruction}): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    }
    checked++;
  }
  t.equal(checked, samples.length);
  t.ok(refusals > 0);
  t.equal(gen.refusalsRejectedByCatalog <= refusals, true);
});

t.test('a broken plan is caught by the same check (the test is not vacuous)', async (t) => {
  const s = samples.find((x) => x.n_tools >= 3 && !isRefusal(x))!;
  const h = householdAt(byHousehold.get(s.household)!, s.round);
  const bad = structuredClone({ task_steps: s.task_steps, task_nodes: s.task_nodes, task_links: s.task_links });
  bad.task_nodes[1]!.arguments = { ...bad.task_nodes[1]!.arguments, camera: 'no_such_camera', start: '<node-5>' };
  t.ok(validatePlan(bad, validationContext(h)).length > 0);
});

t.test('each line has the TaskBench fields plus ours, consistent with its plan', async (t) => {
  const keys = ['id', 'household', 'round', 'split', 'type', 'n_tools', 'instruction', 'task_steps', 'task_nodes', 'task_links', 'context'];
  const ids = new Set<string>();
  for (const s of samples) {
    if (JSON.stringify(Object.keys(s)) !== JSON.stringify(keys)) t.fail(`${s.id}: keys ${Object.keys(s).join(',')}`);
    if (ids.has(s.id)) t.fail(`duplicate id ${s.id}`);
    ids.add(s.id);
    if (!taskPlanSchema.safeParse(s).success) t.fail(`${s.id}: not a TaskBench plan`);
    if (s.n_tools !== s.task_nodes.length) t.fail(`${s.id}: n_tools`);
    if (s.type !== planType(s)) t.fail(`${s.id}: type`);
    if (s.task_steps.length !== s.task_nodes.length || !s.task_steps.every((x, i) => x.startsWith(`Step ${i + 1}: `)))
      t.fail(`${s.id}: steps`);
    const h = byHousehold.get(s.household)!;
    if (s.context.timezone !== h.timezone || !ISO_OFFSET.test(s.context.now)) t.fail(`${s.id}: context ${JSON.stringify(s.context)}`);
    // links are exactly the tool pairs the <node-j> references make
    const pairs = new Set<string>();
    s.task_nodes.forEach((n) => {
      for (const v of Object.values(n.arguments).flat()) {
        const m = typeof v === 'string' ? /^<node-(\d+)>$/.exec(v) : null;
        if (m !== null) pairs.add(`${s.task_nodes[Number(m[1])]!.task}>${n.task}`);
      }
    });
    const links = new Set(s.task_links.map((l) => `${l.source}>${l.target}`));
    if (JSON.stringify([...pairs].sort()) !== JSON.stringify([...links].sort()))
      t.fail(`${s.id}: links ${[...links]} vs refs ${[...pairs]}`);
    // compose_answer answers this very instruction
    for (const n of s.task_nodes)
      if (n.task === 'compose_answer' && n.arguments.question !== s.instruction) t.fail(`${s.id}: compose_answer.question`);
    // a time phrase comes from the conversation's words
    const said = [s.instruction, ...(s.context.history ?? []).map((x) => x.question)].join(' ').toLowerCase();
    for (const n of s.task_nodes) {
      if (n.task !== 'resolve_time') continue;
      const phrase = String(n.arguments.phrase).toLowerCase();
      if (!said.includes(phrase)) t.fail(`${s.id}: phrase "${phrase}" not in "${said}"`);
    }
  }
  t.pass(`${samples.length} lines checked`);
});

t.test('identity references resolve to the household as it stands in the round', async (t) => {
  for (const s of samples) {
    const h = householdAt(byHousehold.get(s.household)!, s.round);
    const names = new Set(h.people.map((p) => p.name));
    const cams = new Set(h.cameras.map((c) => c.name));
    for (const n of s.task_nodes) {
      const a = n.arguments;
      for (const k of ['identity', 'person'] as const)
        if (typeof a[k] === 'string' && !names.has(a[k] as string)) t.fail(`${s.id}: ${k} ${String(a[k])} not in round ${s.round}`);
      if (typeof a.camera === 'string' && !cams.has(a.camera)) t.fail(`${s.id}: camera ${a.camera}`);
    }
    const m = metaById.get(s.id)!;
    if (m.tags.includes('ref:alias')) {
      // the name itself is not in the instruction; an alias of the person is
      const ids = s.task_nodes.flatMap((n) => [n.arguments.identity, n.arguments.person]).filter((x): x is string => typeof x === 'string');
      const lower = s.instruction.toLowerCase();
      const ok = ids.some((name) => {
        const p = h.people.find((x) => x.name === name)!;
        return p.aliases.some((al) => lower.includes(al.text.toLowerCase()));
      });
      if (!ok && ids.length > 0 && !m.tags.includes('ref:name')) t.fail(`${s.id}: alias reference without an alias in "${s.instruction}"`);
    }
  }
  // "my daughter" means different people in different homes
  const daughter = samples.filter((s) => /\bmy daughter\b/i.test(s.instruction) && !isRefusal(s));
  const who = new Set(
    daughter.flatMap((s) => s.task_nodes.flatMap((n) => [n.arguments.identity, n.arguments.person]).filter((x) => typeof x === 'string')),
  );
  t.ok(who.size >= 3, `"my daughter" resolves to ${[...who].join(', ')}`);
  // a person introduced in a later round is never referred to before it
  const lena = HOUSEHOLDS.find((h) => h.id === 'weber')!.people.find((p) => p.id === 'lena')!;
  t.notOk(
    samples.some((s) => s.household === 'weber' && s.round < lena.since_round && JSON.stringify(s.task_nodes).includes('"Lena"')),
    'Lena only from her round',
  );
  t.ok(
    samples.some((s) => s.household === 'weber' && s.round >= lena.since_round && JSON.stringify(s.task_nodes).includes('"Lena"')),
    'Lena appears once introduced',
  );
});

t.test('follow-ups carry their conversation', async (t) => {
  const convs = new Map<string, Sample[]>();
  for (const s of samples)
    if (s.context.conversation_id !== undefined) convs.set(s.context.conversation_id, [...(convs.get(s.context.conversation_id) ?? []), s]);
  t.ok(convs.size > 20);
  for (const [id, turns] of convs) {
    if (turns.length < 2) t.fail(`${id}: a conversation of one turn`);
    turns.forEach((turn, i) => {
      t.equal(turn.context.history?.length ?? 0, i, `${turn.id} has ${i} earlier turns`);
      if (i > 0) t.equal(turn.context.history![i - 1]!.question, turns[i - 1]!.instruction);
    });
    if (new Set(turns.map((x) => x.split)).size !== 1) t.fail(`${id} spans splits`);
  }
});

t.test("the committed fixture subset is in the format and validates against today's catalog", async (t) => {
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(new URL('./fixtures/q2a-mini.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Sample);
  t.ok(lines.length >= 20);
  t.same([...new Set(lines.map((s) => s.type))].sort(), ['chain', 'dag', 'single']);
  for (const s of lines) {
    const h = householdAt(byHousehold.get(s.household)!, s.round);
    const issues = validatePlan(s, validationContext(h));
    t.ok(isRefusal(s) ? refusalIssuesTolerated(issues) : issues.length === 0, `${s.id} validates`);
    t.equal(s.type, planType(s));
  }
});
