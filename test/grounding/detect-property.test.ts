import { de, en, es, Faker, fr, it as itLocale, pl, sv, tr, vi } from '@faker-js/faker';
import fc from 'fast-check';
import t from 'tap';
import { detectMentions, type GroundingContext } from '../../daemon/grounding/index.js';

/**
 * Properties over random households: first names from nine locales, cameras
 * from random room words. Whatever the names, a name written in a question
 * is found as that person, a one-letter typo of a long name still is, the
 * mentions never overlap and the text is the question with each replaced.
 */
const LOCALES = [en, de, fr, es, itLocale, pl, sv, tr, vi];
const fakers = LOCALES.map((l) => new Faker({ locale: [l, en] }));
const ROOMS = ['kitchen', 'living room', 'front door', 'back garden', 'garage', 'hallway', 'study', 'nursery', 'laundry room', 'porch'];
const TEMPLATES = [
  (p: string, c: string) => `when did ${p} come into the ${c} yesterday?`,
  (p: string, c: string) => `was ${p} in the ${c} around 5`,
  (p: string, c: string) => `${p}'s phone, is it in the ${c}?`,
  (p: string, c: string) => `show me ${p} on the ${c} camera in the last hour`,
  (p: string, c: string) => `did anyone but ${p} use the ${c} last night`,
];

const household = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  locale: fc.integer({ min: 0, max: LOCALES.length - 1 }),
  rooms: fc.shuffledSubarray(ROOMS, { minLength: 2, maxLength: 5 }),
  template: fc.integer({ min: 0, max: TEMPLATES.length - 1 }),
});

function contextFor(seed: number, locale: number, rooms: string[]): GroundingContext {
  const f = fakers[locale]!;
  f.seed(seed);
  const names = new Set<string>();
  while (names.size < 4) names.add(f.person.firstName());
  return {
    timezone: 'Europe/Berlin',
    now: '2026-05-04T21:30:00+02:00',
    people: [...names].map((name) => ({ name })),
    cameras: rooms.map((r) => ({ id: r.replace(/ /g, '_'), room: r })),
    rooms: rooms.map((name) => ({ name })),
  };
}

/** One adjacent transposition inside the name (Damerau distance 1). */
function typo(name: string, at: number): string {
  const i = 1 + (at % (name.length - 2));
  return name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
}

t.test('property: a household name in a question is that person; the text rebuilds from the mentions', async (t) => {
  fc.assert(
    fc.property(household, ({ seed, locale, rooms, template }) => {
      const ctx = contextFor(seed, locale, rooms);
      const person = ctx.people[seed % ctx.people.length]!.name;
      const room = rooms[seed % rooms.length]!;
      const q = TEMPLATES[template]!(person, room);
      const d = detectMentions(q, ctx);
      const hit = d.mentions.find((m) => m.surface === person);
      if (hit?.resolved?.kind !== 'person' || !hit.resolved.people.includes(person)) return false;
      if (!d.mentions.some((m) => m.resolved?.kind === 'camera' || m.resolved?.kind === 'room')) return false;
      let rebuilt = q;
      for (const m of [...d.mentions].reverse()) rebuilt = rebuilt.slice(0, m.start) + m.placeholder + rebuilt.slice(m.end);
      return rebuilt === d.text && d.mentions.every((m, i) => i === 0 || m.start >= d.mentions[i - 1]!.end);
    }),
    { seed: 42, numRuns: 300 },
  );
  t.pass('300 random households');
});

t.test('property: a transposed letter in a long name still finds the person (unless another name is as close)', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(household, fc.nat(), ({ seed, locale, rooms }, at) => {
      const ctx = contextFor(seed, locale, rooms);
      const person = ctx.people.find((p) => p.name.length >= 6 && !/[^\p{L}]/u.test(p.name));
      if (person === undefined) return true;
      const wrong = typo(person.name, at);
      if (wrong === person.name) return true;
      checked++;
      const d = detectMentions(`where is ${wrong} now`, ctx);
      const m = d.mentions.find((x) => x.kind === 'person');
      return m?.resolved?.kind === 'person' && m.resolved.people.includes(person.name) && m.resolved.fuzzy;
    }),
    { seed: 7, numRuns: 300 },
  );
  t.ok(checked > 50, `${checked} misspelled names found`);
});
