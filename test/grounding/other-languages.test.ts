import t from 'tap';
import { resolveTimePhrase } from '../../daemon/agent/planning/index.js';
import { detectMentions, englishGloss, englishTimePhrase, type GroundingContext } from '../../daemon/grounding/index.js';
import { formatIsoInZone } from '../../daemon/system/index.js';

// The languages households mix into their English: time, room and kinship words, and the English gloss the planner
// model reads (phrasings of this test's own).
const TZ = 'Europe/Berlin';
// Wednesday 2026-11-18, 20:15
const ctx: GroundingContext = { timezone: TZ, now: '2026-11-18T20:15:00+01:00', people: [], cameras: [], resolveTime: resolveTimePhrase };
const span = (q: string): [string, string, string] | null => {
  const m = detectMentions(q, ctx).mentions.find((x) => x.kind === 'time');
  const r = m?.resolved as { phrase: string; start?: string; end?: string } | undefined;
  return r === undefined ? null : [r.phrase, r.start ?? '', r.end ?? ''];
};

t.test('found in the question and resolved as their English', async (t) => {
  const cases: Array<[string, [string, string, string]]> = [
    ['wer war gestern abend in der küche', ['gestern abend', '2026-11-17T17:00:00+01:00', '2026-11-17T22:00:00+01:00']],
    ['wer war um halb 8 an der tür', ['um halb 8', '2026-11-18T19:00:00+01:00', '2026-11-18T20:00:00+01:00']],
    ['quem chegou hoje de manhã', ['hoje de manhã', '2026-11-18T06:00:00+01:00', '2026-11-18T12:00:00+01:00']],
    ['o que a vovó fez na sexta-feira', ['na sexta-feira', '2026-11-13T00:00:00+01:00', '2026-11-14T00:00:00+01:00']],
    ['kal raat kitchen mein kaun tha', ['kal raat', '2026-11-17T22:00:00+01:00', '2026-11-18T06:00:00+01:00']],
    ['tối qua ai ở trong bếp', ['tối qua', '2026-11-17T17:00:00+01:00', '2026-11-17T22:00:00+01:00']],
    ['toi qua ai o trong bep', ['toi qua', '2026-11-17T17:00:00+01:00', '2026-11-17T22:00:00+01:00']],
    ['who was in the garden gestern nachmittag', ['gestern nachmittag', '2026-11-17T12:00:00+01:00', '2026-11-17T18:00:00+01:00']],
    ['czy ktoś był w kuchni o 7 rano?', ['o 7 rano', '2026-11-18T06:30:00+01:00', '2026-11-18T07:30:00+01:00']],
  ];
  for (const [q, want] of cases) t.same(span(q), want, q);
  t.equal(englishTimePhrase('gestern abend um 8'), 'yesterday evening at 8');
  t.equal(englishTimePhrase("aujourd'hui"), 'today');
  const r = resolveTimePhrase('ontem à noite', Date.parse('2026-11-18T20:15:00+01:00'), TZ);
  t.same([formatIsoInZone(r.startMs, TZ), formatIsoInZone(r.endMs, TZ)], ['2026-11-17T22:00:00+01:00', '2026-11-18T06:00:00+01:00']);
});

t.test("a time word that is someone's name is the person", async (t) => {
  const named: GroundingContext = { ...ctx, people: [{ name: 'Abhi' }, { name: 'Kal' }] };
  t.equal(detectMentions('did abhi come home today', named).text, 'did <person-1> come home <time-1>');
  t.equal(detectMentions('when did kal leave', named).text, 'when did <person-1> leave');
  t.equal(detectMentions('abhi kitchen mein kaun hai', ctx).text, '<time-1> kitchen mein kaun hai', 'in Hindi, now');
});

t.test("room words of those languages name the household's place with the English word", async (t) => {
  const home: GroundingContext = {
    ...ctx,
    people: [{ name: 'Jürgen', aliases: ['opa'] }],
    cameras: [
      { id: 'kitchen_cam', room: 'kitchen' },
      { id: 'front_door', room: 'front door' },
    ],
    rooms: [{ name: 'kitchen' }, { name: 'front door' }],
  };
  const places = (q: string): string[] =>
    detectMentions(q, home)
      .mentions.filter((m) => m.kind === 'room' || m.kind === 'camera')
      .map((m) => (m.resolved?.kind === 'room' ? m.resolved.room : m.resolved?.kind === 'camera' ? m.resolved.camera : ''));
  t.same(places('wer war heute in der küche'), ['kitchen']);
  t.same(places('quem estava na cozinha hoje'), ['kitchen']);
  t.same(places('rasoi mein kaun tha'), ['kitchen']);
  t.same(places('ai ở trong bếp'), ['kitchen']);
  t.same(places('czy ktoś był w kuchni'), ['kitchen']);
  t.same(places('wer war an der haustür'), ['front door']);
  t.same(places('was it bad in the garden'), [], 'no garden here, and "bad" is English');
});

t.test('kinship words of those languages name the person the household calls grandma, dad, …', async (t) => {
  const family: GroundingContext = {
    ...ctx,
    people: [
      { name: 'Ingrid', kinship: ['grandma'] },
      { name: 'Helmut', kinship: ['grandpa'] },
      { name: 'Ana', aliases: ['Oma'], kinship: ['grandma'] },
      { name: 'Rui', kinship: ['dad'] },
    ],
  };
  const people = (q: string): string[] =>
    detectMentions(q, family).mentions.flatMap((m) => (m.resolved?.kind === 'person' ? m.resolved.people : []));
  t.same(people('war opa heute im garten'), ['Helmut']);
  t.same(people('o papai chegou?'), ['Rui']);
  t.same(people('nonna came by?'), ['Ingrid', 'Ana'], 'two grandmas: both, asked back like "grandma"');
  t.same(people('did oma come'), ['Ana'], "a nickname wins over another language's kinship word");
});

t.test('the English gloss the planner model reads: only of a question in another language', async (t) => {
  t.equal(englishGloss('wer war <time-1> in der <room-1>'), 'who was <time-1> in the <room-1>');
  t.equal(englishGloss('quand est-ce que <person-1> est rentré <time-1> ?'), 'when did <person-1> came home <time-1>');
  t.equal(englishGloss('quem estava na <room-1> <time-1>?'), 'who was in the <room-1> <time-1>');
  t.equal(englishGloss('czy ktoś był w <room-1> <time-1>?'), 'was anyone was in the <room-1> <time-1>');
  t.equal(
    englishGloss('hw many tyms did <person-1> go to the <camera-1> <time-1>'),
    'how many times did <person-1> go to the <camera-1> <time-1>',
  );
  t.equal(englishGloss('was any1 in the <room-1>'), 'was anyone in the <room-1>', 'texting shorthand, too');
  for (const english of ['was <person-1> in the garden', 'did <person-1> come <time-1>', 'who was at the door', 'die hard fans?'])
    t.equal(englishGloss(english), english, english);
});

t.test("a camera id's core and English synonyms of a room name the place; a place's own name wins", async (t) => {
  const home: GroundingContext = {
    ...ctx,
    cameras: [{ id: 'garage_side' }, { id: 'living_room_cam', room: 'living room' }, { id: 'den_cam', room: 'family room' }],
    rooms: [{ name: 'living room' }, { name: 'family room' }],
  };
  const place = (q: string): string =>
    detectMentions(q, home)
      .mentions.map((m) =>
        m.resolved?.kind === 'room' ? `room:${m.resolved.room}` : m.resolved?.kind === 'camera' ? m.resolved.camera : '',
      )
      .filter((x) => x !== '')
      .join(',');
  t.equal(place('did anyone go into the garage'), 'garage_side');
  t.equal(place('who was in the lounge'), 'room:living room');
  t.equal(place('who was in the family room'), 'room:family room', 'not the living room, whose synonym it also is');
});

t.test('an entrance is the front door (and the door), a corridor the hall, an entryway the hallway', async (t) => {
  const home: GroundingContext = {
    ...ctx,
    cameras: [
      { id: 'entre', room: 'entrance' },
      { id: 'corridor', room: 'corridor' },
      { id: 'den_cam', room: 'family room' },
    ],
    rooms: [{ name: 'entrance' }, { name: 'corridor' }, { name: 'family room' }],
  };
  const rooms = (q: string, h: GroundingContext = home): string =>
    detectMentions(q, h)
      .mentions.flatMap((m) => (m.resolved?.kind === 'room' ? [m.resolved.room] : m.resolved?.kind === 'camera' ? [m.resolved.camera] : []))
      .join(',');
  t.equal(rooms('anyone by the front door this morning?'), 'entrance');
  t.equal(rooms('whos at the door right now'), 'entrance');
  t.equal(rooms('anyone in the hall last night'), 'corridor');
  t.equal(rooms('who was in the tv room'), 'family room');
  const entryway: GroundingContext = { ...ctx, cameras: [{ id: 'entrada_cam', room: 'entryway' }], rooms: [{ name: 'entryway' }] };
  t.equal(rooms('who came in through the entrance', entryway), 'entryway');
  t.equal(rooms('who was in the hallway around noon', entryway), 'entryway');
});
