import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildCorpus, CORPUS_SPLITS, type CorpusSample, type CorpusStats, type SampleRenderer } from '../../bench/corpus/build.js';
import { generateHouseholds } from '../../bench/corpus/households.js';
import { addTypos } from '../../bench/corpus/noise.js';
import { templateFamily } from '../../bench/corpus/phrasings.js';
import { type Household, isRefusal, normalise, Rng, refusalIssuesTolerated, validationContext } from '../../bench/datasets/index.js';
import { validatePlan } from '../../daemon/agent/index.js';

/** A renderer that writes what it was given, so the tests see the builder's inputs (the model's formats have their own tests). */
const echoRenderer: SampleRenderer = {
  render(turn, delex) {
    return {
      prompt: JSON.stringify({
        now: turn.now,
        tz: turn.timezone,
        previous: turn.history[turn.history.length - 1]?.question ?? null,
        history: turn.history.map((h) => h.question),
        q: turn.question,
        delex,
      }),
      target: `${JSON.stringify(turn.plan.task_nodes)}\nend\n`,
      faithful: true,
    };
  },
};

const dirs: string[] = [];
t.teardown(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hs-corpus-'));
  dirs.push(d);
  return d;
}

function read(dir: string): Record<string, CorpusSample[]> {
  return Object.fromEntries(
    CORPUS_SPLITS.map((s) => [
      s,
      readFileSync(join(dir, `${s}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as CorpusSample),
    ]),
  );
}

const small = { seed: 3, size: 1500, households: 30, renderer: echoRenderer } as const;
const d1 = tmp();
const stats1 = buildCorpus({ ...small, out: d1 });
const files1 = read(d1);
const households = new Map<string, Household>(
  (JSON.parse(readFileSync(join(d1, 'households.json'), 'utf8')) as { households: Array<{ household: Household }> }).households.map((h) => [
    h.household.id,
    h.household,
  ]),
);

t.test('writes the asked number of samples in four splits, with the contract fields', async (t) => {
  const all = Object.values(files1).flat();
  t.equal(all.length, 1500);
  t.equal(stats1.size, 1500);
  for (const s of CORPUS_SPLITS) t.ok(files1[s]!.length > 0, `${s} has samples`);
  t.ok(files1.train!.length > files1.test!.length * 5, 'train is the bulk');
  const s0 = all[0]!;
  t.same(Object.keys(s0), ['id', 'prompt', 'target', 'delex', 'household', 'template', 'intent', 'plan']);
  t.equal(new Set(all.map((s) => s.id)).size, all.length, 'ids are unique');
  const raw = all.filter((s) => !s.delex).length / all.length;
  t.ok(raw > 0.05 && raw < 0.35, `a share stays raw (${raw.toFixed(2)})`);
  for (const f of stats1.files) t.match(f.sha256, /^[0-9a-f]{64}$/);
});

t.test('raw samples only where the plan names can be copied from the question', async (t) => {
  const raw = Object.values(files1)
    .flat()
    .filter((s) => !s.delex && JSON.parse(s.prompt).previous === null);
  t.ok(raw.length > 50);
  const entity = new Set(['person', 'identity', 'camera', 'room']);
  const bad = raw.filter((s) => {
    const q = (JSON.parse(s.prompt).q as string).toLowerCase();
    return s.plan.task_nodes.some((n) =>
      Object.entries(n.arguments).some(([k, v]) => entity.has(k) && typeof v === 'string' && !q.includes(v.toLowerCase())),
    );
  });
  t.equal(
    bad.length,
    0,
    bad
      .slice(0, 3)
      .map((s) => s.id)
      .join(', '),
  );
});

t.test('same seed → identical files; another seed → different ones', async (t) => {
  const d2 = tmp();
  const stats2 = buildCorpus({ ...small, out: d2 });
  for (const s of CORPUS_SPLITS)
    t.equal(readFileSync(join(d2, `${s}.jsonl`), 'utf8'), readFileSync(join(d1, `${s}.jsonl`), 'utf8'), `${s}.jsonl identical`);
  t.same(stats2.files, stats1.files);
  const d3 = tmp();
  const stats3 = buildCorpus({ ...small, seed: 4, out: d3 });
  t.not(stats3.files[0]!.sha256, stats1.files[0]!.sha256);
});

t.test('no sample (with its conversation) appears twice, within or across splits', async (t) => {
  // the builder's rule: a turn is its whole conversation so far ("send me the picture" after two different questions
  // is two samples)
  const keyOf = (s: CorpusSample): string => {
    const p = JSON.parse(s.prompt) as { history: string[]; q: string };
    return [...p.history, p.q].map(normalise).join(' ␞ ');
  };
  const keys = Object.values(files1).flat().map(keyOf);
  t.equal(new Set(keys).size, keys.length);
  const trainQ = new Set(files1.train!.map((s) => normalise(JSON.parse(s.prompt).q)).filter((q) => q.split(' ').length > 4));
  for (const s of ['val', 'test', 'disjoint'] as const) {
    const firstTurns = files1[s]!.filter((x) => JSON.parse(x.prompt).previous === null).map((x) => normalise(JSON.parse(x.prompt).q));
    t.equal(firstTurns.filter((q) => trainQ.has(q)).length, 0, `no ${s} first-turn question is in train`);
  }
});

t.test('the disjoint split holds out templates and whole households from train/val/test', async (t) => {
  t.ok(stats1.held_out_households.length >= 1);
  t.ok(stats1.held_out_templates.length >= 10);
  const heldT = new Set(stats1.held_out_templates);
  const heldH = new Set(stats1.held_out_households);
  for (const s of ['train', 'val', 'test'] as const) {
    const bad = files1[s]!.filter((x) => heldH.has(x.household) || x.template.split('+').some((id) => heldT.has(id)));
    t.equal(bad.length, 0, `${s} has no held-out template or household`);
  }
  const dis = files1.disjoint!;
  t.ok(
    dis.some((x) => heldH.has(x.household)),
    'a held-out household is in disjoint',
  );
  t.ok(
    dis.some((x) => !heldH.has(x.household) && x.template.split('+').some((id) => heldT.has(id))),
    'held-out templates from other households are in disjoint',
  );
  // Families keep most of their templates in training: only a share is held out.
  const trainFamilies = new Set(files1.train!.flatMap((x) => x.template.split('+').map(templateFamily)));
  t.ok(trainFamilies.has('presence_room') && trainFamilies.has('last_seen'));
});

t.test('every gold plan validates against the catalog of its household', async (t) => {
  let refusals = 0;
  for (const s of Object.values(files1).flat()) {
    const h = households.get(s.household);
    if (h === undefined) throw new Error(`unknown household ${s.household}`);
    const issues = validatePlan(s.plan, validationContext(h));
    if (isRefusal(s.plan)) {
      refusals++;
      if (!refusalIssuesTolerated(issues)) t.fail(`${s.id}: ${JSON.stringify(issues)}`);
    } else if (issues.length > 0) t.fail(`${s.id}: ${JSON.stringify(issues)}`);
  }
  t.ok(refusals > 50, `refusals are in the corpus (${refusals})`);
});

t.test('the corpus is varied: styles, typos, follow-ups, multi-part, injections, many locales', async (t) => {
  const s: CorpusStats = stats1;
  for (const style of ['plain', 'polite', 'wake', 'chatty', 'terse', 'voice']) t.ok((s.per_style[style] ?? 0) > 0, `style ${style}`);
  t.ok((s.tags.typos ?? 0) > 50, 'typos');
  t.ok((s.tags.multi_part ?? 0) > 20, 'multi-part questions');
  t.ok((s.tags['refusal:injection'] ?? 0) > 0, 'injection refusals');
  t.ok(
    Object.keys(s.tags).some((k) => k.startsWith('followup:')),
    'follow-ups',
  );
  for (const intent of ['remember_habit', 'recall_habit', 'remember_naming', 'remember', 'recall_memory'])
    t.ok((s.per_intent[intent] ?? 0) > 0, `memory intent ${intent}`);
  t.ok(Object.keys(s.per_name_locale).length >= 10, `name locales: ${Object.keys(s.per_name_locale).length}`);
  const followups = Object.values(files1)
    .flat()
    .filter((x) => JSON.parse(x.prompt).previous !== null);
  t.ok(followups.length > 50, 'follow-ups carry the previous turn');
});

t.test('generated households: deterministic per index, consistent, and of many kinds', async (t) => {
  const a = generateHouseholds(9, 60);
  const b = generateHouseholds(9, 60);
  t.same(a, b);
  t.same(generateHouseholds(9, 3)[2], a[2], 'household i does not depend on how many are generated');
  const styles = new Set(
    a.flatMap((h) =>
      h.household.cameras.map((c) =>
        /^cam\d+$/.test(c.name)
          ? 'numbered'
          : / /.test(c.name)
            ? 'title'
            : /-/.test(c.name)
              ? 'kebab'
              : /_/.test(c.name)
                ? 'snake'
                : 'word',
      ),
    ),
  );
  t.ok(styles.size >= 4, `camera naming styles: ${[...styles].join(', ')}`);
  t.ok(
    a.some((h) => h.household.rooms.some((r) => r.name.includes(' '))),
    'multi-word rooms',
  );
  t.ok(
    a.some((h) => h.household.groups.length > 0),
    'groups',
  );
  t.ok(
    a.some((h) => h.household.routines.some((r) => r.id === 'nap')),
    'naps',
  );
  t.ok(a.some((h) => h.dst) && a.some((h) => !h.dst), 'zones with and without DST');
  t.ok(
    a.some((h) => h.household.people.some((p) => p.aliases.some((x) => /^(grandma|grandpa|mum|mom|dad|nana)$/i.test(x.text)))),
    'kinship words',
  );
});

t.test('typos never touch slot markers', async (t) => {
  const rng = new Rng(1);
  const outs = Array.from({ length: 200 }, () => addTypos('{who|which people} was in ${room} ${time} yesterday', 2, rng));
  t.ok(
    outs.every((o) => o.includes('${room} ${time}')),
    'slots intact',
  );
  t.ok(
    outs.some((o) => !o.endsWith('yesterday')),
    'words outside the slots change',
  );
});
