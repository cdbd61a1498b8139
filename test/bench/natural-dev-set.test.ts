import { join } from 'node:path';
import t from 'tap';
import { catalogContext, goldPlan, householdConfig, loadNaturalSet, NATURAL_SET_DIR } from '../../bench/data/natural/index.js';
import { interval_accuracy } from '../../bench/data/natural-dev/metrics.js';
import { createMetricContext, loadDataset } from '../../bench/harness/index.js';
import { validatePlan } from '../../daemon/agent/index.js';
import { configSchema } from '../../daemon/config/index.js';

// The natural DEV set (bench/data/natural-dev/DATASHEET.md): the set to tune on; bench/data/natural stays the test set.
const DIR = join(NATURAL_SET_DIR, '..', 'natural-dev');
const set = loadNaturalSet(DIR);

t.test('the dev set loads, with its sums, and has the promised size', async (t) => {
  t.ok(set.households.size >= 3, `${set.households.size} households`);
  t.ok(set.items.length >= 120, `${set.items.length} lines`);
  const ids = set.items.map((i) => i.id);
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const h of set.households.values())
    t.ok(set.items.filter((i) => i.household === h.id).length >= 40, `household ${h.id} has at least 40 lines`);
});

t.test('every household passes the daemon config schema', async (t) => {
  for (const h of set.households.values()) {
    const r = configSchema.safeParse(householdConfig(h));
    t.ok(r.success, `${h.id}: ${r.success ? 'ok' : JSON.stringify(r.error.issues.slice(0, 2))}`);
  }
});

t.test('every gold plan validates against the catalog with its household', async (t) => {
  for (const item of set.items) {
    const h = set.households.get(item.household)!;
    const issues = validatePlan(goldPlan(item), catalogContext(h));
    t.same(
      issues.map((i) => `${i.path}: ${i.message}`),
      [],
      `${item.id} (${item.instruction})`,
    );
    t.equal(item.context.timezone, h.timezone, `${item.id}: timezone`);
  }
});

t.test('the interval metric reads a day argument: activity-timeline gold plans (no resolve_time) score as right', async (t) => {
  const ds = loadDataset({ format: 'q2a', testUrl: join(DIR, 'questions.jsonl'), householdUrl: join(DIR, 'households.json') });
  const byDay = new Set(
    set.items
      .filter((i) => i.gold.interval !== null && i.gold.refuse === null)
      .filter((i) => i.task_nodes.some((n) => n.task === 'activity_timeline') && !i.task_nodes.some((n) => n.task === 'resolve_time'))
      .map((i) => i.id),
  );
  t.ok(byDay.size >= 4, `${byDay.size} lines name a day, not a phrase`);
  const ctx = createMetricContext({ linkMode: 'temporal', tools: null, validate: () => [] });
  const records = ds.test
    .filter((s) => byDay.has(s.id))
    .map((sample) => ({ sample, prediction: sample.gold, error: null, latencyMs: 0, tokens: null, planner: 'test' }));
  t.equal(await interval_accuracy.compute(records, ctx), 1);
  // a day off by one is wrong
  const shifted = records.map((r) => {
    const p = structuredClone(r.prediction);
    for (const n of p.task_nodes) {
      const a = n.arguments as Record<string, unknown>;
      if (typeof a.day === 'string') a.day = new Date(Date.parse(`${a.day}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    }
    return { ...r, prediction: p };
  });
  t.equal(await interval_accuracy.compute(shifted, ctx), 0);
});
