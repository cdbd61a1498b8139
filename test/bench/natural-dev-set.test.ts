import { join } from 'node:path';
import t from 'tap';
import { catalogContext, goldPlan, householdConfig, loadNaturalSet, NATURAL_SET_DIR } from '../../bench/data/natural/index.js';
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
