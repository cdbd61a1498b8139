/**
 * Generated households for the planner corpus: hundreds of homes instead of
 * the six hand-written ones of the Q2A set. Each is a `Household` of
 * bench/datasets (so the Q2A intents and their gold plans work unchanged),
 * drawn from one seeded Rng: people named by @faker-js/faker in many locales,
 * nicknames and kinship words relative to the asker, groups, rooms with the
 * house's own words for them, cameras in one of several naming styles,
 * timezones with and without daylight saving, and daily routines.
 */
import {
  af_ZA,
  base,
  cs_CZ,
  cy,
  da,
  de,
  de_AT,
  en,
  en_AU,
  en_GB,
  en_GH,
  en_IE,
  en_IN,
  en_NG,
  en_US,
  es,
  es_MX,
  Faker,
  fi,
  fr,
  fr_CA,
  hr,
  hu,
  id_ID,
  it,
  ku_kmr_latin,
  type LocaleDefinition,
  lv,
  nb_NO,
  nl,
  pl,
  pt_BR,
  pt_PT,
  ro,
  sk,
  sl_SI,
  sv,
  tr,
  vi,
  yo_NG,
  zu_ZA,
} from '@faker-js/faker';
import {
  type Alias,
  type Camera,
  checkHousehold,
  type Group,
  type Household,
  type Locale,
  type Person,
  Rng,
  type Room,
  type Routine,
  type VocabularyEntry,
} from '../datasets/index.js';

/** Name locales (Latin script, so names can be typed on any keyboard), with a relative weight. */
const NAME_LOCALES: ReadonlyArray<readonly [string, LocaleDefinition, number]> = [
  ['en_US', en_US, 6],
  ['en_GB', en_GB, 5],
  ['en_AU', en_AU, 2],
  ['en_IN', en_IN, 4],
  ['en_NG', en_NG, 2],
  ['yo_NG', yo_NG, 1],
  ['de', de, 3],
  ['de_AT', de_AT, 1],
  ['fr', fr, 3],
  ['fr_CA', fr_CA, 1],
  ['es', es, 3],
  ['es_MX', es_MX, 3],
  ['it', it, 2],
  ['pt_BR', pt_BR, 3],
  ['pt_PT', pt_PT, 1],
  ['nl', nl, 2],
  ['pl', pl, 2],
  ['sv', sv, 1],
  ['nb_NO', nb_NO, 1],
  ['da', da, 1],
  ['fi', fi, 1],
  ['tr', tr, 2],
  ['vi', vi, 2],
  ['id_ID', id_ID, 2],
  ['af_ZA', af_ZA, 1],
  ['zu_ZA', zu_ZA, 1],
  ['ro', ro, 1],
  ['cs_CZ', cs_CZ, 1],
  ['hu', hu, 1],
  ['hr', hr, 1],
  ['en_IE', en_IE, 1],
  ['cy', cy, 1],
  ['en_GH', en_GH, 1],
  ['sk', sk, 1],
  ['sl_SI', sl_SI, 1],
  ['lv', lv, 1],
  ['ku_kmr_latin', ku_kmr_latin, 0.5],
];
export const CORPUS_NAME_LOCALES: readonly string[] = NAME_LOCALES.map(([name]) => name);

/** Timezones: [zone, date locale, observes DST]. */
const ZONES: ReadonlyArray<readonly [string, Locale, boolean]> = [
  ['Europe/London', 'en-GB', true],
  ['Europe/Dublin', 'en-GB', true],
  ['Europe/Berlin', 'en-GB', true],
  ['Europe/Paris', 'en-GB', true],
  ['Europe/Madrid', 'en-GB', true],
  ['Europe/Rome', 'en-GB', true],
  ['Europe/Warsaw', 'en-GB', true],
  ['Europe/Stockholm', 'en-GB', true],
  ['Europe/Helsinki', 'en-GB', true],
  ['Europe/Istanbul', 'en-GB', false],
  ['Europe/Lisbon', 'en-GB', true],
  ['America/New_York', 'en-US', true],
  ['America/Chicago', 'en-US', true],
  ['America/Denver', 'en-US', true],
  ['America/Phoenix', 'en-US', false],
  ['America/Los_Angeles', 'en-US', true],
  ['America/Anchorage', 'en-US', true],
  ['Pacific/Honolulu', 'en-US', false],
  ['America/Toronto', 'en-US', true],
  ['America/Mexico_City', 'en-US', false],
  ['America/Sao_Paulo', 'en-US', false],
  ['America/Santiago', 'en-US', true],
  ['America/Bogota', 'en-US', false],
  ['Australia/Sydney', 'en-AU', true],
  ['Australia/Brisbane', 'en-AU', false],
  ['Australia/Perth', 'en-AU', false],
  ['Australia/Adelaide', 'en-AU', true],
  ['Pacific/Auckland', 'en-AU', true],
  ['Asia/Kolkata', 'en-IN', false],
  ['Asia/Kathmandu', 'en-IN', false],
  ['Asia/Tokyo', 'en-US', false],
  ['Asia/Singapore', 'en-GB', false],
  ['Asia/Jakarta', 'en-US', false],
  ['Asia/Ho_Chi_Minh', 'en-US', false],
  ['Asia/Dubai', 'en-GB', false],
  ['Africa/Lagos', 'en-GB', false],
  ['Africa/Johannesburg', 'en-GB', false],
  ['Africa/Nairobi', 'en-GB', false],
];

/** A generated household and where its names came from. */
export interface CorpusHousehold {
  household: Household;
  nameLocale: string;
  /** Whether the household's timezone observes daylight saving. */
  dst: boolean;
}

type Sex = 'female' | 'male';
type Role = 'self' | 'spouse' | 'child' | 'parent' | 'in_law' | 'sibling' | 'housemate' | 'helper' | 'visitor';

interface Drafted {
  role: Role;
  sex: Sex;
  relation: string;
  resident: boolean;
  /** Kinship words and titles ("my son", "grandpa", "the nanny"). */
  kin: string[];
  age: 'baby' | 'child' | 'teen' | 'adult' | 'elder';
}

const SPOUSE: Record<Sex, { relation: string; kin: string[] }[]> = {
  female: [
    { relation: 'wife', kin: ['my wife', 'the wife', 'the missus'] },
    { relation: 'partner', kin: ['my partner', 'my girlfriend'] },
  ],
  male: [
    { relation: 'husband', kin: ['my husband', 'hubby', 'the husband'] },
    { relation: 'partner', kin: ['my partner', 'my boyfriend'] },
  ],
};
const CHILD_KIN: Record<Sex, string[]> = { female: ['my daughter', 'the girl', 'our girl'], male: ['my son', 'the boy', 'our boy'] };
const CHILD_AGE_KIN: Record<'baby' | 'child' | 'teen', string[]> = {
  baby: ['the baby', 'the little one', 'bubba'],
  child: ['the kid', 'the little one'],
  teen: ['the teenager', 'our teen'],
};
/** How a parent of the asker is called, by the asker's locale. */
const PARENT_KIN: Record<Locale, Record<Sex, string[]>> = {
  'en-GB': {
    female: ['mum', 'my mum', 'my mother', 'gran', 'grandma', 'nana'],
    male: ['dad', 'my dad', 'my father', 'grandad', 'grandpa'],
  },
  'en-US': { female: ['mom', 'my mom', 'my mother', 'grandma', 'nana', 'granny'], male: ['dad', 'my dad', 'my father', 'grandpa', 'pops'] },
  'en-AU': { female: ['mum', 'my mum', 'nan', 'grandma', 'nanna'], male: ['dad', 'my dad', 'pop', 'grandpa', 'grandad'] },
  'en-IN': { female: ['amma', 'my mother', 'dadi', 'nani', 'grandma'], male: ['papa', 'my father', 'dadu', 'nanaji', 'grandpa'] },
};
const FOREIGN_GRAND: Record<Sex, string[]> = {
  female: ['oma', 'abuela', 'nonna', 'babcia', 'vovó', 'mormor', 'bà'],
  male: ['opa', 'abuelo', 'nonno', 'dziadek', 'vovô', 'morfar', 'ông'],
};
const IN_LAW: Record<Sex, { relation: string; kin: string[] }> = {
  female: { relation: 'mother-in-law', kin: ['my mother-in-law', 'grandma', 'the mother-in-law'] },
  male: { relation: 'father-in-law', kin: ['my father-in-law', 'grandpa', 'the father-in-law'] },
};
const SIBLING: Record<Sex, { relation: string; kin: string[] }> = {
  female: { relation: 'sister', kin: ['my sister', 'sis', 'my little sister', 'my big sister'] },
  male: { relation: 'brother', kin: ['my brother', 'bro', 'my little brother', 'my big brother'] },
};
const HOUSEMATE_WORDS = [
  ['housemate', 'my housemate'],
  ['flatmate', 'my flatmate'],
  ['roommate', 'my roommate'],
] as const;
const HELPERS = [
  ['nanny', ['the nanny']],
  ['cleaner', ['the cleaner', 'the cleaning lady']],
  ['carer', ['the carer', 'the nurse']],
  ['dog walker', ['the dog walker']],
  ['au pair', ['the au pair']],
  ['babysitter', ['the babysitter', 'the sitter']],
  ['gardener', ['the gardener']],
  ['cook', ['the cook']],
  ['tutor', ['the tutor']],
] as const;
const VISITORS = [
  ['neighbour', ['the neighbour', 'next door']],
  ['friend', ['my friend']],
  ['nephew', ['my nephew']],
  ['niece', ['my niece']],
  ['landlord', ['the landlord']],
] as const;
const PET_NICKNAMES = [
  'Bean',
  'Bub',
  'Kiddo',
  'Buddy',
  'Champ',
  'Sunshine',
  'Pumpkin',
  'Peanut',
  'Sweet pea',
  'Tiger',
  'Munchkin',
  'Boo',
  'Bug',
  'Pops',
  'Gran',
  'Big Man',
  'Princess',
  'Chief',
];
const PET_NAMES = [
  'Bruno',
  'Luna',
  'Milo',
  'Bella',
  'Max',
  'Coco',
  'Nala',
  'Simba',
  'Pepper',
  'Ziggy',
  'Biscuit',
  'Mochi',
  'Rocky',
  'Daisy',
  'Oscar',
  'Loki',
  'Teddy',
  'Ruby',
  'Olive',
  'Ginger',
];

interface RoomSpec {
  name: string;
  aliases: string[];
  /** Short word for camera ids ("door", "lounge"). */
  key: string;
}
const ROOM_POOL: RoomSpec[] = [
  { name: 'kitchen', aliases: ['the kitchenette', 'the galley'], key: 'kitchen' },
  {
    name: 'living room',
    aliases: ['the lounge', 'the den', 'the front room', 'the sitting room', 'the family room', 'downstairs'],
    key: 'living',
  },
  { name: 'hallway', aliases: ['the hall', 'the entrance', 'the entryway', 'the foyer'], key: 'hall' },
  { name: 'front door', aliases: ['the front porch', 'the porch', 'the doorstep', 'the entrance'], key: 'door' },
  { name: 'back door', aliases: ['the back entrance', 'the side door'], key: 'backdoor' },
  { name: 'garden', aliases: ['the back garden', 'the yard', 'the backyard', 'outside'], key: 'garden' },
  { name: 'garage', aliases: ['the carport', 'the workshop'], key: 'garage' },
  { name: 'driveway', aliases: ['the drive', 'the front of the house'], key: 'drive' },
  { name: 'dining room', aliases: ['the dining area', 'the dining table'], key: 'dining' },
  { name: 'home office', aliases: ['the office', 'the study', 'my office'], key: 'office' },
  { name: 'basement', aliases: ['the cellar', 'the basement den'], key: 'basement' },
  { name: 'nursery', aliases: ["the baby's room"], key: 'nursery' },
  { name: 'playroom', aliases: ['the play room', 'the toy room'], key: 'play' },
  { name: 'laundry room', aliases: ['the laundry', 'the utility room'], key: 'laundry' },
  { name: 'balcony', aliases: ['the terrace'], key: 'balcony' },
  { name: 'patio', aliases: ['the deck', 'the back deck'], key: 'patio' },
  { name: 'conservatory', aliases: ['the sunroom'], key: 'conservatory' },
  { name: 'upstairs landing', aliases: ['the landing', 'the stairs', 'upstairs'], key: 'landing' },
  { name: 'attic', aliases: ['the loft'], key: 'attic' },
  { name: 'home gym', aliases: ['the gym', 'the workout room'], key: 'gym' },
  { name: 'guest room', aliases: ['the spare room', 'the guest bedroom'], key: 'guest' },
  { name: 'mud room', aliases: ['the boot room'], key: 'mudroom' },
];

export type CameraStyle = 'snake' | 'suffix' | 'prefix' | 'numbered' | 'kebab_direction' | 'title' | 'device';
const CAMERA_STYLES: ReadonlyArray<readonly [CameraStyle, number]> = [
  ['snake', 3],
  ['suffix', 2],
  ['prefix', 2],
  ['numbered', 2],
  ['kebab_direction', 1.5],
  ['title', 1.5],
  ['device', 1],
];
const DIRECTIONS = ['east', 'west', 'north', 'south', 'front', 'rear', 'main', 'left', 'right'];
const DEVICES = ['tapo', 'reolink', 'wyze', 'eufy', 'ipcam', 'blink', 'hikvision'];

function slug(text: string): string {
  return (
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '') || 'p'
  );
}

function titleCase(text: string): string {
  return text.replace(/(^|[\s-])(\p{L})/gu, (_, s: string, c: string) => s + c.toUpperCase());
}

function cameraName(style: CameraStyle, room: RoomSpec, index: number, rng: Rng, device: string): string {
  const snake = room.name
    .replace(/'s /g, '_')
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase();
  switch (style) {
    case 'snake':
      return snake;
    case 'suffix':
      return `${room.key}_cam`;
    case 'prefix':
      return `cam_${room.key}`;
    case 'numbered':
      return `cam${index + 1}`;
    case 'kebab_direction':
      return `${room.key}-${rng.pick(DIRECTIONS)}`;
    case 'title':
      return titleCase(room.name);
    case 'device':
      return `${device}-${String(index + 1).padStart(2, '0')}`;
  }
}

/** A nickname derived from the name ("Alexander" → "Alex", "Sam" → "Sammy") or a term of endearment. */
function nickname(name: string, rng: Rng): string | null {
  if (/^(Mr|Ms|Mrs)\.? /.test(name)) return null;
  const first = name.split(/\s+/)[0] as string;
  if (rng.chance(0.3)) return rng.pick(PET_NICKNAMES);
  if (first.length >= 6) return first.slice(0, rng.pick([3, 4]));
  if (first.length >= 3 && /[^aeiouy]$/i.test(first)) return `${first}${first.endsWith(first.slice(-1).repeat(2)) ? '' : first.slice(-1)}y`;
  if (first.length >= 4) return `${first.slice(0, 3)}ie`;
  return null;
}

function hm(minutes: number): string {
  const m = (((Math.round(minutes / 5) * 5) % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Makes households from a seed; one Faker per name locale, re-seeded per household so each is independent. */
export class HouseholdGenerator {
  private readonly fakers = new Map<string, Faker>();

  constructor(private readonly seed: number) {}

  private faker(name: string, def: LocaleDefinition): Faker {
    let f = this.fakers.get(name);
    if (f === undefined) {
      f = new Faker({ locale: [def, en, base] });
      this.fakers.set(name, f);
    }
    return f;
  }

  /** Household number `index`: the same seed and index always give the same household. */
  household(index: number): CorpusHousehold {
    const rng = new Rng(this.seed).fork(`corpus-household/${index}`);
    const [localeName, localeDef] = rng.weighted(NAME_LOCALES.map(([n, d, w]) => [[n, d] as const, w] as const));
    const faker = this.faker(localeName, localeDef);
    faker.seed(rng.nextU32());
    const [timezone, locale, dst] = rng.pick(ZONES);
    const id = `gh${String(index).padStart(4, '0')}`;

    const drafted = this.draftPeople(rng, locale);
    const surname = faker.person.lastName();
    const usedNames = new Set<string>();
    const usedAliases = new Set<string>();
    const people: Person[] = [];
    const ids = new Set<string>();
    for (const d of drafted) {
      let name = '';
      for (let k = 0; k < 20 && (name === '' || usedNames.has(name.toLowerCase())); k++) {
        name = faker.person.firstName(d.sex);
        if (d.role === 'helper' && rng.chance(0.2))
          name = `${d.sex === 'female' ? rng.pick(['Ms.', 'Mrs.']) : 'Mr.'} ${faker.person.lastName()}`;
      }
      if (usedNames.has(name.toLowerCase())) name = `${name} ${surname}`;
      usedNames.add(name.toLowerCase());
      let pid = slug(name);
      while (ids.has(pid)) pid = `${pid}_${ids.size}`;
      ids.add(pid);
      people.push({
        id: pid,
        name,
        relation: d.relation,
        aliases: [],
        pronoun: d.sex === 'female' ? 'she' : 'he',
        resident: d.resident,
        since_round: 0,
      });
    }
    // Aliases: kinship words first (unique in the house), then a nickname for some.
    drafted.forEach((d, i) => {
      const p = people[i] as Person;
      const aliases: Alias[] = [];
      for (const k of rng.shuffle(d.kin).slice(0, rng.int(1, 3))) {
        const key = k.toLowerCase();
        if (usedAliases.has(key) || usedNames.has(key)) continue;
        usedAliases.add(key);
        aliases.push({ text: k, since_round: 0 });
      }
      if (d.role !== 'self' && rng.chance(0.45)) {
        const nick = nickname(p.name, rng);
        if (
          nick !== null &&
          !usedAliases.has(nick.toLowerCase()) &&
          !usedNames.has(nick.toLowerCase()) &&
          nick.toLowerCase() !== p.name.toLowerCase()
        ) {
          usedAliases.add(nick.toLowerCase());
          aliases.push({ text: nick, since_round: 0 });
        }
      }
      if (d.role !== 'self') p.aliases = aliases;
    });
    const self = people[0] as Person;

    const groups = this.groups(rng, drafted, people);
    const { rooms, cameras } = this.rooms(rng, drafted, people);
    const routines = this.routines(rng, locale, drafted, people);
    const vocabulary: VocabularyEntry[] = [];
    for (const p of people)
      for (const al of p.aliases)
        if (!/^(my|the|our) /i.test(al.text)) vocabulary.push({ phrase: al.text, means: p.id, kind: 'person', since_round: 0 });
    for (const r of rooms) for (const al of r.aliases) vocabulary.push({ phrase: al.text, means: r.name, kind: 'room', since_round: 0 });
    if (locale === 'en-AU' && rng.chance(0.7)) vocabulary.push({ phrase: 'arvo', means: 'afternoon', kind: 'time', since_round: 0 });
    const pets = rng
      .sample(
        PET_NAMES,
        rng.weighted([
          [0, 4],
          [1, 3],
          [2, 1],
        ] as const),
      )
      .map((name) => ({ name, species: rng.pick(['dog', 'cat'] as const), since_round: 0 }));
    const hub_topics: string[] = [];
    if (rng.chance(0.6)) hub_topics.push(`home/notify/${self.id}`);
    if (rng.chance(0.5)) hub_topics.push(`home/display/${slug(rng.pick(rooms).name)}`);
    if (rng.chance(0.3)) hub_topics.push(`home/speaker/${slug(rng.pick(rooms).name)}`);
    const year = rng.pick([2025, 2026]);
    const start = `${year}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    const household: Household = {
      id,
      name: `The ${surname} household (${timezone})`,
      timezone,
      locale,
      clock24: locale === 'en-US' || locale === 'en-AU' ? rng.chance(0.1) : locale === 'en-IN' ? rng.chance(0.3) : rng.chance(0.6),
      speaker: self.id,
      people,
      groups,
      rooms,
      cameras,
      routines,
      vocabulary,
      pets,
      hub_topics: [...new Set(hub_topics)],
      rounds: [{ index: 0, start, days: 28, introduces: ['generated household'] }],
    };
    const problems = checkHousehold(household);
    if (problems.length > 0) throw new Error(`generated household ${id} is inconsistent:\n${problems.join('\n')}`);
    return { household, nameLocale: localeName, dst };
  }

  private draftPeople(rng: Rng, locale: Locale): Drafted[] {
    const sex = (): Sex => (rng.chance(0.5) ? 'female' : 'male');
    const me: Drafted = { role: 'self', sex: sex(), relation: 'self', resident: true, kin: [], age: 'adult' };
    const out: Drafted[] = [me];
    const kind = rng.weighted([
      ['family', 5],
      ['couple', 2],
      ['single_parent', 1.5],
      ['elder_alone', 1],
      ['share_house', 1.5],
      ['multigen', 2],
    ] as const);
    const addSpouse = (): void => {
      const s: Sex = rng.chance(0.9) ? (me.sex === 'female' ? 'male' : 'female') : me.sex;
      const sp = rng.pick(SPOUSE[s]);
      out.push({ role: 'spouse', sex: s, relation: sp.relation, resident: true, kin: [...sp.kin], age: 'adult' });
    };
    const addChildren = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const s = sex();
        const age = rng.weighted([
          ['baby', 1],
          ['child', 3],
          ['teen', 2],
        ] as const);
        out.push({
          role: 'child',
          sex: s,
          relation: s === 'female' ? 'daughter' : 'son',
          resident: true,
          kin: [...CHILD_KIN[s], ...CHILD_AGE_KIN[age]],
          age,
        });
      }
    };
    const addParent = (s: Sex, inLaw: boolean): void => {
      if (inLaw) {
        out.push({
          role: 'in_law',
          sex: s,
          relation: IN_LAW[s].relation,
          resident: true,
          kin: [...IN_LAW[s].kin, rng.pick(FOREIGN_GRAND[s])],
          age: 'elder',
        });
        return;
      }
      const kin = [...PARENT_KIN[locale][s]];
      if (rng.chance(0.4)) kin.push(rng.pick(FOREIGN_GRAND[s]));
      out.push({ role: 'parent', sex: s, relation: s === 'female' ? 'mother' : 'father', resident: true, kin, age: 'elder' });
    };
    switch (kind) {
      case 'family':
        addSpouse();
        addChildren(rng.int(1, 3));
        break;
      case 'couple':
        addSpouse();
        break;
      case 'single_parent':
        addChildren(rng.int(1, 3));
        break;
      case 'elder_alone':
        me.age = 'elder';
        if (rng.chance(0.5)) addSpouse();
        break;
      case 'share_house':
        for (let i = 0; i < rng.int(2, 4); i++) {
          const [relation, kin] = rng.pick(HOUSEMATE_WORDS);
          out.push({ role: 'housemate', sex: sex(), relation, resident: true, kin: [kin], age: 'adult' });
        }
        break;
      case 'multigen':
        addSpouse();
        addChildren(rng.int(1, 2));
        addParent(sex(), rng.chance(0.4));
        if (rng.chance(0.4)) addParent(out[out.length - 1]!.sex === 'female' ? 'male' : 'female', false);
        break;
    }
    if (kind !== 'share_house' && rng.chance(0.15)) {
      const s = sex();
      out.push({
        role: 'sibling',
        sex: s,
        relation: SIBLING[s].relation,
        resident: rng.chance(0.5),
        kin: [...SIBLING[s].kin],
        age: 'adult',
      });
    }
    const helperChance = kind === 'elder_alone' ? 0.9 : out.some((d) => d.age === 'baby' || d.age === 'child') ? 0.5 : 0.25;
    if (rng.chance(helperChance)) {
      const pool = kind === 'elder_alone' ? HELPERS.filter(([r]) => r === 'carer' || r === 'cleaner' || r === 'cook') : HELPERS;
      const [relation, kin] = rng.pick(pool);
      out.push({ role: 'helper', sex: sex(), relation, resident: relation === 'au pair', kin: [...kin], age: 'adult' });
    }
    if (rng.chance(0.25)) {
      const [relation, kin] = rng.pick(VISITORS);
      const s: Sex = relation === 'nephew' ? 'male' : relation === 'niece' ? 'female' : sex();
      out.push({ role: 'visitor', sex: s, relation, resident: false, kin: [...kin], age: 'adult' });
    }
    return out;
  }

  private groups(rng: Rng, drafted: Drafted[], people: Person[]): Group[] {
    const idx = (f: (d: Drafted) => boolean): string[] => drafted.flatMap((d, i) => (f(d) ? [(people[i] as Person).id] : []));
    const groups: Group[] = [];
    const kids = idx((d) => d.role === 'child');
    if (kids.length >= 2) {
      groups.push({ phrase: rng.pick(['the kids', 'the children', 'my kids']), members: kids, since_round: 0 });
      if (kids.length === 2 && rng.chance(0.25)) groups.push({ phrase: 'the twins', members: kids, since_round: 0 });
      for (const [s, word] of [
        ['female', 'the girls'],
        ['male', 'the boys'],
      ] as const) {
        const same = idx((d) => d.role === 'child' && d.sex === s);
        if (same.length >= 2) groups.push({ phrase: word, members: same, since_round: 0 });
      }
    }
    const elders = idx((d) => d.role === 'parent' || d.role === 'in_law');
    if (elders.length >= 2)
      groups.push({ phrase: rng.pick(['my parents', 'the grandparents', 'grandma and grandpa']), members: elders, since_round: 0 });
    const mates = idx((d) => d.role === 'housemate');
    if (mates.length >= 2)
      groups.push({ phrase: rng.pick(['my housemates', 'the others', 'my flatmates', 'the roommates']), members: mates, since_round: 0 });
    const others = people.slice(1).filter((p) => p.resident);
    if (others.length >= 2 && rng.chance(0.5)) {
      const [a, b] = rng.sample(others, 2) as [Person, Person];
      groups.push({ phrase: `${a.name} and ${b.name}`, members: [a.id, b.id], since_round: 0 });
    }
    const seen = new Set<string>();
    return groups.filter((g) => !seen.has(g.phrase) && seen.add(g.phrase) !== undefined);
  }

  private rooms(rng: Rng, drafted: Drafted[], people: Person[]): { rooms: Room[]; cameras: Camera[] } {
    const specs: RoomSpec[] = [ROOM_POOL[0] as RoomSpec];
    const wanted = rng.int(3, 7);
    const pool = rng.shuffle(ROOM_POOL.slice(1).filter((r) => r.name !== 'nursery' || drafted.some((d) => d.age === 'baby')));
    // A child's or an elder's own room, named after them ("Mia's room").
    const owners = drafted.flatMap((d, i) =>
      (d.role === 'child' || d.role === 'parent' || d.role === 'in_law') && rng.chance(0.3) ? [people[i] as Person] : [],
    );
    for (const o of owners.slice(0, 2)) {
      const first = o.name.split(/\s+/)[0] as string;
      specs.push({ name: `${first}'s room`, aliases: [`${first}'s bedroom`], key: slug(first) });
    }
    for (const r of pool) {
      if (specs.length >= wanted) break;
      specs.push(r);
    }
    const style = rng.weighted(CAMERA_STYLES);
    const device = rng.pick(DEVICES);
    const usedAliases = new Set<string>(specs.map((s) => `the ${s.name}`));
    const rooms: Room[] = [];
    const cameras: Camera[] = [];
    const camNames = new Set<string>();
    specs.forEach((s, i) => {
      const aliases: Alias[] = [];
      for (const al of rng.sample(
        s.aliases,
        rng.weighted([
          [0, 2],
          [1, 3],
          [2, 2],
        ] as const),
      )) {
        const key = al.toLowerCase();
        if (usedAliases.has(key)) continue;
        usedAliases.add(key);
        aliases.push({ text: al, since_round: 0 });
      }
      rooms.push({ name: s.name, aliases, since_round: 0 });
      let cam = cameraName(style, s, i, rng, device);
      for (let k = 2; camNames.has(cam); k++) cam = `${cameraName(style, s, i, rng, device)}${style === 'title' ? ` ${k}` : `_${k}`}`;
      camNames.add(cam);
      cameras.push({ name: cam, room: s.name, since_round: 0 });
    });
    return { rooms, cameras };
  }

  private routines(rng: Rng, locale: Locale, drafted: Drafted[], people: Person[]): Routine[] {
    const jitter = (base: number, spread: number): number => base + rng.int(-spread, spread);
    const out: Routine[] = [];
    const add = (
      id: Routine['id'],
      phrases: string[],
      startMin: number,
      lengthMin: number,
      days: Routine['days'],
      person?: string,
    ): void => {
      const r: Routine = { id, phrases, start: hm(startMin), end: hm(Math.min(startMin + lengthMin, 23 * 60 + 55)), days, since_round: 0 };
      if (person !== undefined) r.person = person;
      out.push(r);
    };
    const firstOf = (p: Person): string => p.name.split(/\s+/)[0] as string;
    const wake = jitter(6 * 60 + 30, 60);
    add('wake', [rng.pick(['when we got up', 'when I got up', 'when everyone got up', 'first thing'])], wake, 30, 'daily');
    const brekkie =
      locale === 'en-AU' ? ['at brekkie', 'during brekkie', 'at breakfast'] : ['at breakfast', 'during breakfast', 'over breakfast'];
    add('breakfast', rng.sample(brekkie, 2), wake + rng.int(10, 45), rng.int(20, 45), 'daily');
    const kids = drafted.flatMap((d, i) => (d.role === 'child' && d.age !== 'baby' ? [people[i] as Person] : []));
    if (kids.length > 0) {
      const kid = rng.pick(kids);
      add(
        'school_run',
        rng.sample(['before school', 'during the school run', 'at drop-off', 'at school drop-off'], 2),
        jitter(8 * 60, 30),
        rng.int(20, 40),
        'weekdays',
        kid.id,
      );
      add(
        'homework',
        [rng.pick(['during homework time', `while ${firstOf(kid)} did homework`])],
        jitter(16 * 60 + 30, 45),
        60,
        'weekdays',
        kid.id,
      );
      add('bedtime', [`at ${firstOf(kid)}'s bedtime`, 'at bedtime'], jitter(20 * 60, 45), 30, 'daily', kid.id);
    } else {
      add('bedtime', rng.chance(0.5) ? ['at bedtime'] : [], jitter(22 * 60 + 30, 40), 30, 'daily');
    }
    add('lunch', rng.sample(['at lunch', 'around lunchtime', 'over lunch'], 2), jitter(12 * 60 + 30, 40), rng.int(30, 60), 'daily');
    const self = people[0] as Person;
    if (drafted[0]!.age !== 'elder' && rng.chance(0.8)) {
      add(
        'work',
        rng.sample(
          ['while I was at work', 'while I was at the office', 'while I was out at work', 'while I was at uni', 'during my shift'],
          2,
        ),
        jitter(9 * 60, 60),
        rng.int(7, 10) * 60,
        rng.chance(0.85) ? 'weekdays' : [1, 2, 3, 4, 5, 6],
        self.id,
      );
    }
    const dinnerWords =
      locale === 'en-GB' || locale === 'en-AU'
        ? ['at dinner', 'at tea', 'during tea', 'at supper']
        : ['at dinner', 'during dinner', 'at supper', 'over dinner'];
    add('dinner', rng.sample(dinnerWords, 2), jitter(18 * 60 + 45, 60), rng.int(30, 60), 'daily');
    if (locale === 'en-GB' && rng.chance(0.4)) add('tea_time', ['at teatime', 'during afternoon tea'], jitter(16 * 60, 20), 30, 'daily');
    const napper = drafted.findIndex((d) => d.age === 'baby' || d.age === 'elder');
    if (napper >= 0 && rng.chance(0.7)) {
      const p = people[napper] as Person;
      const word = drafted[napper]!.age === 'baby' ? "the baby's nap" : `${firstOf(p)}'s nap`;
      add(
        'nap',
        [`during ${word}`, 'at nap time', rng.pick(['during nap time', `while ${firstOf(p)} was napping`])],
        jitter(13 * 60 + 30, 45),
        rng.int(45, 120),
        'daily',
        p.id,
      );
    }
    const elder = drafted.findIndex((d) => d.age === 'elder' && d.role !== 'self');
    if (elder >= 0 && rng.chance(0.6)) {
      const p = people[elder] as Person;
      const call = p.aliases.find((x) => !/^my /i.test(x.text))?.text ?? firstOf(p);
      add('walk', [`during ${call}'s walk`, `while ${call} was out walking`], jitter(16 * 60, 90), 60, 'daily', p.id);
    }
    const helper = drafted.findIndex((d) => d.role === 'helper');
    if (helper >= 0) {
      const p = people[helper] as Person;
      const days: Routine['days'] = rng.chance(0.5) ? 'weekdays' : rng.sample([1, 2, 3, 4, 5, 6], rng.int(1, 3)).sort((a, b) => a - b);
      add(
        'helper_visit',
        [`while the ${drafted[helper]!.relation} was here`, `when ${firstOf(p)} came`, `during ${firstOf(p)}'s visit`],
        jitter(10 * 60, 90),
        rng.int(60, 180),
        days,
        p.id,
      );
    }
    return out;
  }
}

/** `count` households from a seed (household i is the same whatever the count). */
export function generateHouseholds(seed: number, count: number): CorpusHousehold[] {
  const g = new HouseholdGenerator(seed);
  return Array.from({ length: count }, (_, i) => g.household(i));
}
