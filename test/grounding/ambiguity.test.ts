import t from 'tap';
import { detectMentions, findAmbiguities, type GroundingContext } from '../../daemon/grounding/index.js';

/** The Adeyemis in Lagos: two people answer to "Tobi", two cameras are gates, and the kids are a configured group. */
const CTX: GroundingContext = {
  timezone: 'Africa/Lagos',
  now: '2026-07-02T18:00:00+01:00',
  people: [
    { name: 'Oluwatobi', aliases: ['Tobi'] },
    { name: 'Tobiloba', aliases: ['Tobi'] },
    { name: 'Funke', kinship: ['wife'] },
  ],
  groups: [{ phrases: ['the twins'], members: ['Oluwatobi', 'Tobiloba'] }],
  cameras: [{ id: 'front_gate', room: 'compound' }, { id: 'back_gate', room: 'yard' }, { id: 'parlour' }],
  rooms: [{ name: 'compound' }, { name: 'yard' }],
};
const ask = (q: string) => findAmbiguities(q, CTX, detectMentions(q, CTX).mentions);

t.test('several people, several gates, an undefined group, a stranger: each is an ambiguity with its candidates', async (t) => {
  t.same(ask('when did Tobi get back?'), [{ kind: 'person', surface: 'Tobi', candidates: ['Oluwatobi', 'Tobiloba'] }]);
  t.same(ask('who opened the gate this morning?'), [{ kind: 'place', surface: 'the gate', candidates: ['front_gate', 'back_gate'] }]);
  t.same(ask('are the children asleep?'), [{ kind: 'group', surface: 'the children', candidates: ['Oluwatobi', 'Tobiloba', 'Funke'] }]);
  t.same(ask('was Chidi at the front gate?'), [{ kind: 'unknown', surface: 'Chidi', candidates: ['Oluwatobi', 'Tobiloba', 'Funke'] }]);
});

t.test('clear mentions are not ambiguous', async (t) => {
  for (const q of [
    'when did Oluwatobi get back?',
    'anyone at the front gate?',
    'are the twins home?',
    'where was my wife at noon?',
    'what happened on Monday?',
    'Did anyone use the parlour?',
    'who was in the yard?',
  ])
    t.same(ask(q), [], q);
});

t.test('numbered cameras of one kind: "the gate" with gate1 and gate2 is asked back, not the first guessed', async (t) => {
  const ctx: GroundingContext = {
    timezone: 'America/Chicago',
    now: '2026-12-06T20:15:00-06:00',
    people: [{ name: 'Cody' }],
    cameras: [
      { id: 'gate1', room: 'front gate' },
      { id: 'gate2', room: 'back gate' },
      { id: 'shop', room: 'shop' },
    ],
    rooms: [{ name: 'front gate' }, { name: 'back gate' }, { name: 'shop' }],
  };
  const mentions = (q: string) => detectMentions(q, ctx).mentions;
  t.same(
    mentions('anyone at the gate').map((m) => m.kind),
    ['group'],
    'as close to gate1 as to gate2: neither',
  );
  t.same(findAmbiguities('anyone at the gate', ctx, mentions('anyone at the gate')), [
    { kind: 'place', surface: 'the gate', candidates: ['gate1', 'gate2'] },
  ]);
  t.same(findAmbiguities('anyone at the back gate', ctx, mentions('anyone at the back gate')), [], 'a gate by its room');
});
