import t from 'tap';
import { generate, SPLITS, type Sample } from '../../bench/datasets/index.js';
import { zonedToUtc } from '../../daemon/system/index.js';

const gen = generate({ seed: 1 });
const samples = gen.samples;

/** What a planner sees: the conversation so far and the instruction. */
const input = (s: Sample): string => JSON.stringify([...(s.context.history ?? []).map((h) => h.question), s.instruction]).toLowerCase();

t.test('no instruction (with its conversation) and no id crosses splits within a household', async (t) => {
  const households = [...new Set(samples.map((s) => s.household))];
  for (const h of households) {
    const own = samples.filter((s) => s.household === h);
    const bySplit = new Map(SPLITS.map((sp) => [sp, own.filter((s) => s.split === sp)]));
    for (let i = 0; i < SPLITS.length; i++) {
      for (let j = i + 1; j < SPLITS.length; j++) {
        const a = new Set(bySplit.get(SPLITS[i]!)!.map(input));
        const shared = bySplit.get(SPLITS[j]!)!.filter((s) => a.has(input(s)));
        t.equal(shared.length, 0, `${h}: ${SPLITS[i]} ∩ ${SPLITS[j]} inputs ${shared.map((s) => s.id).join(', ')}`);
      }
    }
    // first-turn instructions (no history) are unique in the whole household
    const firsts = own.filter((s) => s.context.history === undefined).map((s) => s.instruction.toLowerCase());
    t.equal(new Set(firsts).size, firsts.length, `${h}: first-turn instructions are distinct`);
    // ids are unique and name their household and round
    t.ok(own.every((s) => s.id.startsWith(`${h}-r${s.round}-`)));
  }
  t.equal(new Set(samples.map((s) => s.id)).size, samples.length, 'ids unique');
});

t.test('every household has train, val and test in every round, at about 70/15/15', async (t) => {
  for (const h of new Set(samples.map((s) => s.household))) {
    for (const r of new Set(samples.map((s) => s.round))) {
      const here = samples.filter((s) => s.household === h && s.round === r);
      for (const sp of SPLITS)
        t.ok(
          here.some((s) => s.split === sp),
          `${h} r${r} has ${sp}`,
        );
    }
  }
  const share = (sp: string): number => samples.filter((s) => s.split === sp).length / samples.length;
  t.ok(Math.abs(share('train') - 0.7) < 0.05, `train ${share('train')}`);
  t.ok(Math.abs(share('test') - 0.15) < 0.04, `test ${share('test')}`);
});

t.test('lifelong rounds are ordered in time and bring something new', async (t) => {
  for (const h of gen.households) {
    let prevMax = -Infinity;
    for (const round of h.rounds) {
      const nows = samples.filter((s) => s.household === h.id && s.round === round.index).map((s) => Date.parse(s.context.now));
      t.ok(Math.min(...nows) > prevMax, `${h.id} round ${round.index} comes after round ${round.index - 1}`);
      prevMax = Math.max(...nows);
      const [y, m, d] = round.start.split('-').map(Number) as [number, number, number];
      t.ok(Math.min(...nows) >= zonedToUtc({ year: y, month: m, day: d }, h.timezone), 'inside the round');
      if (round.index > 0) {
        const introduced = [...h.people, ...h.rooms, ...h.cameras, ...h.routines, ...h.vocabulary, ...h.pets].some(
          (x) => x.since_round === round.index,
        );
        const aliases = [...h.people, ...h.rooms].some((p) => p.aliases.some((a) => a.since_round === round.index));
        t.ok(introduced || aliases, `${h.id} round ${round.index} introduces people, rooms, habits or phrasing`);
      }
    }
  }
});
