import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  catalogContext,
  goldPlan,
  householdConfig,
  loadNaturalSet,
  MUST_REFUSE,
  NATURAL_SET_DIR,
  sha256Hex,
} from '../../bench/data/natural/index.js';
import * as naturalMetrics from '../../bench/data/natural/metrics.js';
import { createMetricContext, type EvalRecord, loadDataset } from '../../bench/harness/index.js';
import { getTool, type TaskPlan, validatePlan } from '../../daemon/agent/index.js';
import { configSchema } from '../../daemon/config/index.js';

const set = loadNaturalSet();
const REF = /^<node-(\d+)>$/;

/** Offset (minutes east of UTC) of the zone at an instant. */
function zoneOffsetMin(ms: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Math.round((Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - ms) / 60_000);
}

/** The written offset of an ISO time equals the zone's offset at that instant (a wall time the household's clocks showed). */
function offsetFits(iso: string, timeZone: string): boolean {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(iso);
  if (m === null) return false;
  const written = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return written === zoneOffsetMin(Date.parse(iso), timeZone);
}

/** task_links as the references imply them (first occurrence per tool pair, in node order). */
function linksFromReferences(plan: TaskPlan): Array<{ source: string; target: string }> {
  const out: Array<{ source: string; target: string }> = [];
  const seen = new Set<string>();
  plan.task_nodes.forEach((n, i) => {
    const args = Array.isArray(n.arguments) ? [] : Object.values(n.arguments);
    const deps = [
      ...new Set(
        args
          .flatMap((v) => (Array.isArray(v) ? v : [v]))
          .flatMap((v) => (typeof v === 'string' && REF.test(v) ? [Number(REF.exec(v)![1])] : [])),
      ),
    ].sort((a, b) => a - b);
    for (const d of deps) {
      const key = `${plan.task_nodes[d]!.task}>${n.task}`;
      if (seen.has(key) || d >= i) continue;
      seen.add(key);
      out.push({ source: plan.task_nodes[d]!.task, target: n.task });
    }
  });
  return out;
}

t.test('the set is the size and breadth the datasheet promises', async (t) => {
  t.ok(set.items.length >= 150, `${set.items.length} questions`);
  t.ok(set.households.size >= 3, `${set.households.size} households`);
  const ids = set.items.map((i) => i.id);
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  const mustRefuse = set.items.filter((i) => i.gold.refuse !== null && MUST_REFUSE.includes(i.gold.refuse.category));
  t.ok(mustRefuse.length >= 20, `${mustRefuse.length} items that must be refused`);
  for (const h of set.households.values())
    t.ok(set.items.filter((i) => i.household === h.id).length >= 25, `household ${h.id} has its share`);
  t.ok(set.items.filter((i) => i.context.history !== undefined).length >= 10, 'follow-ups with prior turns');
  t.ok(set.items.filter((i) => i.gold.watch !== null).length >= 5, 'standing orders');
});

t.test('SHA256SUMS names the files as committed', async (t) => {
  const sums = readFileSync(join(NATURAL_SET_DIR, 'SHA256SUMS'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/));
  const byFile = new Map(sums.map(([hash, file]) => [file, hash]));
  t.equal(byFile.get('questions.jsonl'), set.sha256.questions, 'questions.jsonl');
  t.equal(byFile.get('households.json'), set.sha256.households, 'households.json');
  t.equal(sha256Hex(readFileSync(join(NATURAL_SET_DIR, 'questions.jsonl'), 'utf8')), set.sha256.questions);
});

t.test('every household loads as daemon config', async (t) => {
  for (const h of set.households.values()) {
    const r = configSchema.safeParse(householdConfig(h));
    t.ok(r.success, `${h.id}: ${r.success ? 'ok' : JSON.stringify(r.error.issues.slice(0, 2))}`);
    const names = new Set(h.people.map((p) => p.name));
    t.ok(names.has(h.asker), `${h.id}: the asker is a person`);
    for (const g of h.groups) for (const m of g.members) t.ok(names.has(m), `${h.id}: group member ${m}`);
    for (const r2 of h.routines) for (const p of r2.people ?? []) t.ok(names.has(p), `${h.id}: routine person ${p}`);
    for (const c of h.cameras) t.ok(h.rooms.includes(c.room), `${h.id}: camera ${c.id} watches a known room`);
  }
});

t.test('every gold plan validates against the catalog with its household', async (t) => {
  for (const item of set.items) {
    const h = set.households.get(item.household)!;
    const ctx = catalogContext(h);
    const plan = goldPlan(item);
    const at = `${item.id} (${item.instruction})`;
    const issues = validatePlan(plan, ctx);
    if (issues.length > 0) t.fail(`${at}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    t.same(plan.task_links, linksFromReferences(plan), `${at}: links follow the references`);
    t.equal(item.n_tools, plan.task_nodes.length, `${at}: n_tools`);
    const last = plan.task_nodes.at(-1)!;
    t.equal(last.task, 'compose_answer', `${at}: ends with compose_answer`);
    t.equal((last.arguments as Record<string, unknown>).question, item.instruction, `${at}: compose_answer gets the question as asked`);
    const refusal = plan.task_nodes.length === 1 && ((last.arguments as Record<string, unknown>).inputs as unknown[]).length === 0;
    t.equal(refusal, item.gold.refuse !== null, `${at}: a refusal plan iff gold.refuse`);
    const sideEffects = [...new Set(plan.task_nodes.filter((n) => getTool(n.task)?.sideEffects === true).map((n) => n.task))].sort();
    t.same(sideEffects, [...item.gold.side_effects].sort(), `${at}: side effects in the plan are the ones asked for`);
    t.equal(item.context.timezone, h.timezone, `${at}: timezone`);
    t.ok(offsetFits(item.context.now, h.timezone), `${at}: now has the household's offset`);
    if (item.gold.interval !== null) {
      const { start, end } = item.gold.interval;
      t.ok(offsetFits(start, h.timezone) && offsetFits(end, h.timezone), `${at}: interval offsets`);
      t.ok(Date.parse(start) < Date.parse(end), `${at}: interval start before end`);
    }
    const people = new Set(h.people.map((p) => p.name));
    for (const p of item.gold.people) t.ok(people.has(p), `${at}: person ${p}`);
    const rooms = new Map(h.cameras.map((c) => [c.id, c.room]));
    for (const c of item.gold.cameras) t.ok(rooms.has(c), `${at}: camera ${c}`);
    for (const r of item.gold.rooms) t.ok(h.rooms.includes(r), `${at}: room ${r}`);
    if (item.gold.watch !== null)
      t.equal(item.gold.refuse?.category, 'not_supported', `${at}: a standing order is declined until watches exist`);
    for (const [k, turn] of (item.context.history ?? []).entries()) {
      if (turn.plan === undefined) continue;
      const ti = validatePlan(turn.plan, ctx);
      if (ti.length > 0) t.fail(`${at}: prior turn ${k}: ${ti.map((i) => i.message).join('; ')}`);
    }
  }
});

t.test('the bench harness reads the set as Q2A data', async (t) => {
  const ds = loadDataset({
    format: 'q2a',
    testUrl: join(NATURAL_SET_DIR, 'questions.jsonl'),
    householdUrl: join(NATURAL_SET_DIR, 'households.json'),
  });
  t.equal(ds.test.length, set.items.length);
  const first = ds.test[0]!;
  const item = set.items[0]!;
  t.equal(first.instruction, item.instruction);
  t.equal(first.now, item.context.now);
  const hh = ds.households.get(item.household)!;
  t.same(
    hh.cameras,
    set.households.get(item.household)!.cameras.map((c) => c.id),
    'camera ids reach the planner request',
  );
  t.same(hh.allowTools, set.households.get(item.household)!.allow_tools);
});

t.test('the understanding metrics score the gold plans perfectly and catch refusing, publishing planners', async (t) => {
  const ds = loadDataset({
    format: 'q2a',
    testUrl: join(NATURAL_SET_DIR, 'questions.jsonl'),
    householdUrl: join(NATURAL_SET_DIR, 'households.json'),
  });
  const ctx = createMetricContext({ linkMode: 'temporal', tools: null, validate: () => [] });
  const records = (predict: (s: (typeof ds.test)[number]) => TaskPlan): EvalRecord[] =>
    ds.test.map((sample) => ({ sample, prediction: predict(sample), error: null, latencyMs: 0, tokens: null, planner: 'test' }));
  const score = async (rs: EvalRecord[]): Promise<Record<string, number | null>> => {
    const out: Record<string, number | null> = {};
    for (const m of [
      naturalMetrics.refusal_recall,
      naturalMetrics.false_refusal_rate,
      naturalMetrics.unrequested_side_effects,
      naturalMetrics.people_accuracy,
      naturalMetrics.camera_accuracy,
    ])
      out[m.name] = await m.compute(rs, ctx);
    return out;
  };
  t.same(await score(records((s) => s.gold)), {
    refusal_recall: 1,
    false_refusal_rate: 0,
    unrequested_side_effects: 0,
    people_accuracy: 1,
    camera_accuracy: 1,
  });
  const decline = (s: { instruction: string }): TaskPlan => ({
    task_steps: [],
    task_nodes: [{ task: 'compose_answer', arguments: { question: s.instruction, inputs: [] } }],
    task_links: [],
  });
  const refusing = await score(records(decline));
  t.equal(refusing.refusal_recall, 1);
  t.equal(refusing.false_refusal_rate, 1);
  t.equal(refusing.people_accuracy, 0);
  const publishing = (s: { instruction: string }): TaskPlan => ({
    task_steps: [],
    task_nodes: [
      { task: 'publish_to_hub', arguments: { topic: 'hub/notify', message: 'x' } },
      { task: 'compose_answer', arguments: { question: s.instruction, inputs: ['<node-0>'] } },
    ],
    task_links: [{ source: 'publish_to_hub', target: 'compose_answer' }],
  });
  const askedToPublish = set.items.filter((i) => i.gold.refuse === null && i.gold.side_effects.includes('publish_to_hub')).length;
  t.equal(
    (await score(records(publishing))).unrequested_side_effects,
    set.items.length - askedToPublish,
    'every publish not asked for counts',
  );
});
