/**
 * The simulated households of the Q2A dataset. Everything a question may lean
 * on lives here: who lives in the home and how the speaker calls them, rooms
 * and the house's own words for them, cameras, daily routines (which give
 * "after dinner" its meaning), timezone and lifelong rounds.
 *
 * Round k (ordered in time) introduces new people, rooms, cameras, habits or
 * phrasing through `since_round` / `until_round`; `householdAt(h, k)` gives
 * the household as it stands in round k.
 */

export type Locale = 'en-GB' | 'en-US' | 'en-AU' | 'en-IN';
export const LOCALES: readonly Locale[] = ['en-GB', 'en-US', 'en-AU', 'en-IN'];

export interface Alias {
  text: string;
  since_round: number;
}

export interface Person {
  id: string;
  name: string;
  /** Relation to the speaker ("daughter", "father-in-law", "housemate", "self"). */
  relation: string;
  /** How the speaker refers to them besides the name: relations, nicknames. */
  aliases: Alias[];
  pronoun: 'she' | 'he';
  /** Lives in the home (false: visitor, helper). */
  resident: boolean;
  since_round: number;
}

export interface Room {
  name: string;
  /** The household's own words for the room ("the den", "the front room"). */
  aliases: Alias[];
  since_round: number;
}

export interface Camera {
  name: string;
  room: string;
  since_round: number;
}

export interface Routine {
  id:
    | 'wake'
    | 'breakfast'
    | 'school_run'
    | 'lunch'
    | 'work'
    | 'dinner'
    | 'bedtime'
    | 'walk'
    | 'helper_visit'
    | 'homework'
    | 'tea_time'
    | 'nap';
  /** Phrases that mean this routine in questions ("after dinner", "after tea"). */
  phrases: string[];
  start: string;
  end: string;
  days: 'daily' | 'weekdays' | 'weekends' | number[];
  /** Person the routine belongs to, when it is someone's ("while I was at work"). */
  person?: string;
  since_round: number;
  until_round?: number;
}

export interface VocabularyEntry {
  phrase: string;
  means: string;
  kind: 'room' | 'person' | 'group' | 'meal' | 'time' | 'activity';
  since_round: number;
}

export interface Group {
  /** "the kids", "the twins", "my parents" */
  phrase: string;
  members: string[];
  since_round: number;
}

export interface Round {
  index: number;
  /** First local day of the round (YYYY-MM-DD). */
  start: string;
  days: number;
  /** What this round brings that earlier rounds did not have. */
  introduces: string[];
}

export interface Household {
  id: string;
  name: string;
  timezone: string;
  locale: Locale;
  /** 24-hour clock in questions ("19:00") instead of "7 pm". */
  clock24: boolean;
  /** The person asking ("I", "my"). */
  speaker: string;
  people: Person[];
  groups: Group[];
  rooms: Room[];
  cameras: Camera[];
  routines: Routine[];
  vocabulary: VocabularyEntry[];
  /** Pets the detector can see (COCO dog/cat). */
  pets: Array<{ name: string; species: 'dog' | 'cat'; since_round: number }>;
  /** Home-hub topics the publish tool may write to (configured in agent.hub_topics). */
  hub_topics: string[];
  rounds: Round[];
}

const a = (text: string, since_round = 0): Alias => ({ text, since_round });

export const HOUSEHOLDS: Household[] = [
  {
    id: 'weber',
    name: 'The Webers (Berlin)',
    timezone: 'Europe/Berlin',
    locale: 'en-GB',
    clock24: true,
    speaker: 'anna',
    people: [
      { id: 'anna', name: 'Anna', relation: 'self', aliases: [], pronoun: 'she', resident: true, since_round: 0 },
      {
        id: 'jonas',
        name: 'Jonas',
        relation: 'husband',
        aliases: [a('my husband'), a('Jo')],
        pronoun: 'he',
        resident: true,
        since_round: 0,
      },
      {
        id: 'mia',
        name: 'Mia',
        relation: 'daughter',
        aliases: [a('my daughter'), a('the little one'), a('Mimi', 2)],
        pronoun: 'she',
        resident: true,
        since_round: 0,
      },
      {
        id: 'walter',
        name: 'Walter',
        relation: 'father',
        aliases: [a('grandpa'), a('Opa'), a('my dad')],
        pronoun: 'he',
        resident: true,
        since_round: 0,
      },
      { id: 'lena', name: 'Lena', relation: 'au pair', aliases: [a('the au pair')], pronoun: 'she', resident: false, since_round: 1 },
    ],
    groups: [
      { phrase: 'the kids', members: ['mia'], since_round: 0 },
      { phrase: 'Mia and grandpa', members: ['mia', 'walter'], since_round: 0 },
    ],
    rooms: [
      { name: 'kitchen', aliases: [a('the Küche', 3)], since_round: 0 },
      { name: 'living room', aliases: [a('the lounge')], since_round: 0 },
      { name: 'hallway', aliases: [a('the hall'), a('the entrance')], since_round: 0 },
      { name: 'garden', aliases: [a('the back garden')], since_round: 0 },
      { name: 'attic office', aliases: [a('the attic'), a("Jonas's office")], since_round: 2 },
    ],
    cameras: [
      { name: 'kitchen_cam', room: 'kitchen', since_round: 0 },
      { name: 'lounge_cam', room: 'living room', since_round: 0 },
      { name: 'door_cam', room: 'hallway', since_round: 0 },
      { name: 'garden_cam', room: 'garden', since_round: 0 },
      { name: 'attic_cam', room: 'attic office', since_round: 2 },
    ],
    routines: [
      { id: 'wake', phrases: ['when we got up'], start: '06:30', end: '07:00', days: 'daily', since_round: 0 },
      { id: 'breakfast', phrases: ['at breakfast', 'during breakfast'], start: '06:45', end: '07:30', days: 'weekdays', since_round: 0 },
      {
        id: 'school_run',
        phrases: ['before school', 'during the school run'],
        start: '07:30',
        end: '08:00',
        days: 'weekdays',
        person: 'mia',
        since_round: 0,
      },
      { id: 'lunch', phrases: ['at lunch', 'around lunchtime'], start: '12:30', end: '13:15', days: 'daily', since_round: 0 },
      {
        id: 'dinner',
        phrases: ['at dinner', 'during Abendbrot', 'at supper'],
        start: '18:00',
        end: '18:45',
        days: 'daily',
        since_round: 0,
      },
      {
        id: 'bedtime',
        phrases: ["at Mia's bedtime", 'at bedtime'],
        start: '19:30',
        end: '20:00',
        days: 'daily',
        person: 'mia',
        since_round: 0,
      },
      {
        id: 'work',
        phrases: ['while I was at work', 'while I was at the office'],
        start: '08:30',
        end: '17:00',
        days: 'weekdays',
        person: 'anna',
        since_round: 0,
      },
      {
        id: 'walk',
        phrases: ["during grandpa's walk", 'while Opa was out walking'],
        start: '15:00',
        end: '16:00',
        days: 'daily',
        person: 'walter',
        since_round: 3,
      },
    ],
    vocabulary: [
      { phrase: 'Abendbrot', means: 'dinner', kind: 'meal', since_round: 0 },
      { phrase: 'Opa', means: 'walter', kind: 'person', since_round: 0 },
      { phrase: 'the lounge', means: 'living room', kind: 'room', since_round: 0 },
      { phrase: 'Mimi', means: 'mia', kind: 'person', since_round: 2 },
      { phrase: 'the Küche', means: 'kitchen', kind: 'room', since_round: 3 },
    ],
    pets: [{ name: 'Bruno', species: 'dog', since_round: 0 }],
    hub_topics: ['home/display/kitchen', 'home/notify/anna'],
    rounds: [
      {
        index: 0,
        start: '2025-03-03',
        days: 14,
        introduces: ['household as configured: Anna, Jonas, Mia, grandpa Walter; kitchen, lounge, hallway, garden'],
      },
      { index: 1, start: '2025-03-24', days: 14, introduces: ['person: Lena the au pair', 'daylight-saving change (30 March)'] },
      { index: 2, start: '2025-04-21', days: 14, introduces: ['room + camera: attic office (attic_cam)', 'nickname: Mimi for Mia'] },
      { index: 3, start: '2025-05-19', days: 14, introduces: ["habit: grandpa's afternoon walk 15:00–16:00", 'phrasing: "the Küche"'] },
    ],
  },
  {
    id: 'rivera',
    name: 'The Riveras (New York)',
    timezone: 'America/New_York',
    locale: 'en-US',
    clock24: false,
    speaker: 'carlos',
    people: [
      { id: 'carlos', name: 'Carlos', relation: 'self', aliases: [], pronoun: 'he', resident: true, since_round: 0 },
      { id: 'sofia', name: 'Sofia', relation: 'wife', aliases: [a('my wife'), a('Sofi')], pronoun: 'she', resident: true, since_round: 0 },
      {
        id: 'mateo',
        name: 'Mateo',
        relation: 'son',
        aliases: [a('my son'), a('the kid'), a('Teo', 1)],
        pronoun: 'he',
        resident: true,
        since_round: 0,
      },
      {
        id: 'rosa',
        name: 'Rosa',
        relation: 'mother-in-law',
        aliases: [a('abuela'), a('grandma'), a('my mother-in-law')],
        pronoun: 'she',
        resident: true,
        since_round: 0,
      },
      {
        id: 'tyler',
        name: 'Tyler',
        relation: 'dog walker',
        aliases: [a('the dog walker')],
        pronoun: 'he',
        resident: false,
        since_round: 1,
      },
      {
        id: 'lucia',
        name: 'Lucia',
        relation: 'daughter',
        aliases: [a('my daughter'), a('the baby')],
        pronoun: 'she',
        resident: true,
        since_round: 2,
      },
    ],
    groups: [
      { phrase: 'the kids', members: ['mateo', 'lucia'], since_round: 2 },
      { phrase: 'my in-laws', members: ['rosa'], since_round: 0 },
    ],
    rooms: [
      { name: 'kitchen', aliases: [], since_round: 0 },
      { name: 'living room', aliases: [a('the den')], since_round: 0 },
      { name: 'hallway', aliases: [a('the entryway'), a('the foyer')], since_round: 0 },
      { name: "Mateo's room", aliases: [a("the kid's room")], since_round: 0 },
      { name: 'nursery', aliases: [a("the baby's room")], since_round: 2 },
      { name: 'basement gym', aliases: [a('the basement'), a('the gym')], since_round: 3 },
    ],
    cameras: [
      { name: 'kitchen', room: 'kitchen', since_round: 0 },
      { name: 'den', room: 'living room', since_round: 0 },
      { name: 'front_door', room: 'hallway', since_round: 0 },
      { name: 'mateo_room', room: "Mateo's room", since_round: 0 },
      { name: 'nursery', room: 'nursery', since_round: 2 },
      { name: 'basement', room: 'basement gym', since_round: 3 },
    ],
    routines: [
      { id: 'wake', phrases: ['when we woke up'], start: '06:45', end: '07:15', days: 'daily', since_round: 0 },
      { id: 'breakfast', phrases: ['at breakfast', 'during breakfast'], start: '07:15', end: '07:45', days: 'daily', since_round: 0 },
      {
        id: 'school_run',
        phrases: ['before school', 'at drop-off'],
        start: '07:45',
        end: '08:15',
        days: 'weekdays',
        person: 'mateo',
        since_round: 0,
      },
      { id: 'lunch', phrases: ['at lunch', 'around lunchtime'], start: '12:00', end: '12:45', days: 'daily', since_round: 0 },
      {
        id: 'work',
        phrases: ['while I was at work', 'while I was out at work'],
        start: '09:00',
        end: '18:00',
        days: 'weekdays',
        person: 'carlos',
        since_round: 0,
      },
      {
        id: 'homework',
        phrases: ['during homework time'],
        start: '16:00',
        end: '17:00',
        days: 'weekdays',
        person: 'mateo',
        since_round: 0,
      },
      {
        id: 'dinner',
        phrases: ['at dinner', 'during dinner'],
        start: '18:30',
        end: '19:15',
        days: 'daily',
        since_round: 0,
        until_round: 2,
      },
      { id: 'dinner', phrases: ['at dinner', 'during dinner'], start: '19:30', end: '20:15', days: 'daily', since_round: 3 },
      {
        id: 'helper_visit',
        phrases: ["during the dog walker's visit", 'when the dog walker came'],
        start: '13:00',
        end: '13:45',
        days: 'weekdays',
        person: 'tyler',
        since_round: 1,
      },
      {
        id: 'bedtime',
        phrases: ["at Mateo's bedtime", 'at bedtime'],
        start: '20:30',
        end: '21:00',
        days: 'daily',
        person: 'mateo',
        since_round: 0,
      },
    ],
    vocabulary: [
      { phrase: 'the den', means: 'living room', kind: 'room', since_round: 0 },
      { phrase: 'abuela', means: 'rosa', kind: 'person', since_round: 0 },
      { phrase: 'Teo', means: 'mateo', kind: 'person', since_round: 1 },
      { phrase: 'the baby', means: 'lucia', kind: 'person', since_round: 2 },
      { phrase: 'the gym', means: 'basement gym', kind: 'room', since_round: 3 },
    ],
    pets: [{ name: 'Canela', species: 'dog', since_round: 1 }],
    hub_topics: ['home/speaker/kitchen', 'home/notify/carlos'],
    rounds: [
      { index: 0, start: '2025-02-10', days: 14, introduces: ['household as configured: Carlos, Sofia, Mateo, abuela Rosa'] },
      {
        index: 1,
        start: '2025-03-03',
        days: 14,
        introduces: ['person: Tyler the dog walker, dog Canela', 'nickname: Teo', 'daylight-saving change (9 March)'],
      },
      {
        index: 2,
        start: '2025-04-14',
        days: 14,
        introduces: ['person: baby Lucia ("my daughter", "the baby")', 'room + camera: nursery', 'group: the kids'],
      },
      { index: 3, start: '2025-06-02', days: 14, introduces: ['room + camera: basement gym', 'habit: dinner moves from 18:30 to 19:30'] },
    ],
  },
  {
    id: 'sato',
    name: 'The Satos (Tokyo)',
    timezone: 'Asia/Tokyo',
    locale: 'en-US',
    clock24: true,
    speaker: 'yuki',
    people: [
      { id: 'yuki', name: 'Yuki', relation: 'self', aliases: [], pronoun: 'she', resident: true, since_round: 0 },
      {
        id: 'hiroshi',
        name: 'Hiroshi',
        relation: 'husband',
        aliases: [a('my husband'), a('Hiro')],
        pronoun: 'he',
        resident: true,
        since_round: 0,
      },
      {
        id: 'emi',
        name: 'Emi',
        relation: 'daughter',
        aliases: [a('my daughter'), a('Emi-chan')],
        pronoun: 'she',
        resident: true,
        since_round: 0,
      },
      {
        id: 'kenji',
        name: 'Kenji',
        relation: 'father-in-law',
        aliases: [a('grandpa'), a('Ojiichan'), a('my father-in-law')],
        pronoun: 'he',
        resident: true,
        since_round: 0,
      },
      {
        id: 'tanaka',
        name: 'Ms. Tanaka',
        relation: 'carer',
        aliases: [a('the carer'), a('Tanaka-san'), a("grandpa's carer")],
        pronoun: 'she',
        resident: false,
        since_round: 1,
      },
    ],
    groups: [{ phrase: 'grandpa and Emi', members: ['kenji', 'emi'], since_round: 0 }],
    rooms: [
      { name: 'kitchen', aliases: [], since_round: 0 },
      { name: 'living room', aliases: [], since_round: 0 },
      { name: 'genkan', aliases: [a('the entrance')], since_round: 0 },
      { name: 'tatami room', aliases: [a('the washitsu'), a("grandpa's room")], since_round: 0 },
      { name: 'balcony', aliases: [], since_round: 2 },
    ],
    cameras: [
      { name: 'cam_kitchen', room: 'kitchen', since_round: 0 },
      { name: 'cam_living', room: 'living room', since_round: 0 },
      { name: 'cam_genkan', room: 'genkan', since_round: 0 },
      { name: 'cam_washitsu', room: 'tatami room', since_round: 0 },
      { name: 'cam_balcony', room: 'balcony', since_round: 2 },
    ],
    routines: [
      { id: 'wake', phrases: ['when grandpa got up'], start: '05:30', end: '06:00', days: 'daily', person: 'kenji', since_round: 0 },
      { id: 'breakfast', phrases: ['at breakfast', 'during breakfast'], start: '06:30', end: '07:10', days: 'daily', since_round: 0 },
      { id: 'lunch', phrases: ['at lunch', 'around lunchtime'], start: '12:00', end: '12:40', days: 'daily', since_round: 0 },
      {
        id: 'helper_visit',
        phrases: ["during the carer's visit", 'when Tanaka-san was here'],
        start: '10:00',
        end: '11:30',
        days: [1, 3, 5],
        person: 'tanaka',
        since_round: 1,
      },
      { id: 'work', phrases: ['while I was at work'], start: '08:30', end: '17:30', days: 'weekdays', person: 'yuki', since_round: 0 },
      { id: 'dinner', phrases: ['at dinner', 'during dinner'], start: '19:00', end: '19:45', days: 'daily', since_round: 0 },
      { id: 'bedtime', phrases: ["at grandpa's bedtime"], start: '21:00', end: '21:30', days: 'daily', person: 'kenji', since_round: 0 },
      {
        id: 'walk',
        phrases: ["during grandpa's walk", 'while grandpa was out walking'],
        start: '15:30',
        end: '16:30',
        days: 'daily',
        person: 'kenji',
        since_round: 3,
      },
    ],
    vocabulary: [
      { phrase: 'genkan', means: 'entrance hall', kind: 'room', since_round: 0 },
      { phrase: 'the washitsu', means: 'tatami room', kind: 'room', since_round: 0 },
      { phrase: 'Ojiichan', means: 'kenji', kind: 'person', since_round: 0 },
      { phrase: 'Tanaka-san', means: 'tanaka', kind: 'person', since_round: 1 },
    ],
    pets: [{ name: 'Mochi', species: 'cat', since_round: 0 }],
    hub_topics: ['home/display/living', 'home/notify/yuki'],
    rounds: [
      { index: 0, start: '2025-01-13', days: 14, introduces: ['household as configured: Yuki, Hiroshi, Emi, grandpa Kenji'] },
      { index: 1, start: '2025-02-17', days: 14, introduces: ["person: Ms. Tanaka, grandpa's carer (Mon/Wed/Fri mornings)"] },
      { index: 2, start: '2025-04-07', days: 14, introduces: ['room + camera: balcony'] },
      { index: 3, start: '2025-05-12', days: 14, introduces: ["habit: grandpa's afternoon walk 15:30–16:30"] },
    ],
  },
  {
    id: 'harbour',
    name: 'Harbour Street share house (Sydney)',
    timezone: 'Australia/Sydney',
    locale: 'en-AU',
    clock24: false,
    speaker: 'sam',
    people: [
      { id: 'sam', name: 'Sam', relation: 'self', aliases: [], pronoun: 'he', resident: true, since_round: 0 },
      {
        id: 'priya',
        name: 'Priya',
        relation: 'housemate',
        aliases: [a('Pri'), a('my housemate Priya')],
        pronoun: 'she',
        resident: true,
        since_round: 0,
      },
      { id: 'tom', name: 'Tom', relation: 'housemate', aliases: [a('Tommo')], pronoun: 'he', resident: true, since_round: 0 },
      {
        id: 'josh',
        name: 'Josh',
        relation: 'housemate',
        aliases: [a('the new guy'), a('the new housemate')],
        pronoun: 'he',
        resident: true,
        since_round: 1,
      },
      { id: 'bev', name: 'Bev', relation: 'landlady', aliases: [a('the landlady')], pronoun: 'she', resident: false, since_round: 2 },
    ],
    groups: [{ phrase: 'my housemates', members: ['priya', 'tom'], since_round: 0 }],
    rooms: [
      { name: 'kitchen', aliases: [], since_round: 0 },
      { name: 'lounge', aliases: [a('the living room')], since_round: 0 },
      { name: 'verandah', aliases: [a('the back verandah'), a('the back deck')], since_round: 0 },
      { name: 'garage', aliases: [], since_round: 0 },
      { name: 'laundry', aliases: [], since_round: 3 },
    ],
    cameras: [
      { name: 'kitchen', room: 'kitchen', since_round: 0 },
      { name: 'lounge', room: 'lounge', since_round: 0 },
      { name: 'verandah', room: 'verandah', since_round: 0 },
      { name: 'garage', room: 'garage', since_round: 0 },
      { name: 'laundry', room: 'laundry', since_round: 3 },
    ],
    routines: [
      { id: 'wake', phrases: ['when I got up'], start: '07:00', end: '07:30', days: 'daily', since_round: 0 },
      { id: 'breakfast', phrases: ['at brekkie', 'during brekkie'], start: '07:30', end: '08:00', days: 'daily', since_round: 0 },
      { id: 'lunch', phrases: ['at lunch'], start: '12:30', end: '13:15', days: 'daily', since_round: 0 },
      {
        id: 'work',
        phrases: ['while I was at work', 'while I was at uni'],
        start: '09:00',
        end: '17:00',
        days: 'weekdays',
        person: 'sam',
        since_round: 0,
      },
      { id: 'dinner', phrases: ['at tea', 'during tea', 'at dinner'], start: '18:30', end: '19:15', days: 'daily', since_round: 0 },
      { id: 'bedtime', phrases: [], start: '23:00', end: '23:30', days: 'daily', since_round: 0 },
    ],
    vocabulary: [
      { phrase: 'arvo', means: 'afternoon', kind: 'time', since_round: 0 },
      { phrase: 'brekkie', means: 'breakfast', kind: 'meal', since_round: 0 },
      { phrase: 'tea', means: 'dinner', kind: 'meal', since_round: 0 },
      { phrase: 'Tommo', means: 'tom', kind: 'person', since_round: 0 },
      { phrase: 'the back deck', means: 'verandah', kind: 'room', since_round: 0 },
      { phrase: 'the new guy', means: 'josh', kind: 'person', since_round: 1 },
    ],
    pets: [],
    hub_topics: ['house/noticeboard'],
    rounds: [
      {
        index: 0,
        start: '2025-02-03',
        days: 14,
        introduces: ['household as configured: Sam, Priya, Tom; kitchen, lounge, verandah, garage'],
      },
      {
        index: 1,
        start: '2025-03-24',
        days: 14,
        introduces: ['person: Josh, the new housemate ("the new guy")', 'daylight-saving end (6 April)'],
      },
      { index: 2, start: '2025-05-05', days: 14, introduces: ['person: Bev the landlady (visitor)'] },
      { index: 3, start: '2025-06-16', days: 14, introduces: ['room + camera: laundry'] },
    ],
  },
  {
    id: 'okafor',
    name: 'The Okafors (London)',
    timezone: 'Europe/London',
    locale: 'en-GB',
    clock24: false,
    speaker: 'chidi',
    people: [
      { id: 'chidi', name: 'Chidi', relation: 'self', aliases: [], pronoun: 'he', resident: true, since_round: 0 },
      { id: 'grace', name: 'Grace', relation: 'wife', aliases: [a('my wife')], pronoun: 'she', resident: true, since_round: 0 },
      {
        id: 'ngozi',
        name: 'Ngozi',
        relation: 'mother',
        aliases: [a('mum'), a('my mum'), a('Mama')],
        pronoun: 'she',
        resident: true,
        since_round: 0,
      },
      { id: 'ada', name: 'Ada', relation: 'daughter', aliases: [a('my daughter')], pronoun: 'she', resident: true, since_round: 0 },
      { id: 'obi', name: 'Obi', relation: 'son', aliases: [a('my son')], pronoun: 'he', resident: true, since_round: 0 },
      { id: 'maria', name: 'Maria', relation: 'cleaner', aliases: [a('the cleaner')], pronoun: 'she', resident: false, since_round: 2 },
    ],
    groups: [
      { phrase: 'the twins', members: ['ada', 'obi'], since_round: 0 },
      { phrase: 'the kids', members: ['ada', 'obi'], since_round: 0 },
    ],
    rooms: [
      { name: 'kitchen', aliases: [], since_round: 0 },
      { name: 'front room', aliases: [a('the lounge'), a('the living room')], since_round: 0 },
      { name: 'hall', aliases: [a('the hallway')], since_round: 0 },
      { name: "mum's room", aliases: [a("Mama's room")], since_round: 0 },
      { name: 'conservatory', aliases: [], since_round: 3 },
    ],
    cameras: [
      { name: 'kitchen_cam', room: 'kitchen', since_round: 0 },
      { name: 'front_room_cam', room: 'front room', since_round: 0 },
      { name: 'hall_cam', room: 'hall', since_round: 0 },
      { name: 'mum_cam', room: "mum's room", since_round: 0 },
      { name: 'conservatory_cam', room: 'conservatory', since_round: 3 },
    ],
    routines: [
      { id: 'wake', phrases: ['when mum got up'], start: '07:00', end: '07:30', days: 'daily', person: 'ngozi', since_round: 0 },
      { id: 'breakfast', phrases: ['at breakfast'], start: '07:15', end: '07:50', days: 'daily', since_round: 0 },
      {
        id: 'school_run',
        phrases: ['before school', 'during the school run'],
        start: '08:15',
        end: '08:45',
        days: 'weekdays',
        since_round: 0,
      },
      { id: 'lunch', phrases: ['at lunch', 'around lunchtime'], start: '12:30', end: '13:15', days: 'daily', since_round: 0 },
      { id: 'work', phrases: ['while I was at work'], start: '09:00', end: '17:30', days: 'weekdays', person: 'chidi', since_round: 0 },
      { id: 'tea_time', phrases: ['at tea', 'during tea', 'after school'], start: '16:00', end: '16:30', days: 'weekdays', since_round: 0 },
      { id: 'dinner', phrases: ['at dinner', 'at supper'], start: '18:30', end: '19:15', days: 'daily', since_round: 0 },
      {
        id: 'helper_visit',
        phrases: ['while the cleaner was in', 'during the cleaning'],
        start: '10:00',
        end: '12:00',
        days: [2],
        person: 'maria',
        since_round: 2,
      },
      { id: 'bedtime', phrases: ["at the twins' bedtime", 'at bedtime'], start: '20:00', end: '20:30', days: 'daily', since_round: 0 },
    ],
    vocabulary: [
      { phrase: 'the front room', means: 'living room', kind: 'room', since_round: 0 },
      { phrase: 'Mama', means: 'ngozi', kind: 'person', since_round: 0 },
      { phrase: 'the twins', means: 'ada + obi', kind: 'group', since_round: 0 },
      { phrase: 'supper', means: 'dinner', kind: 'meal', since_round: 0 },
    ],
    pets: [{ name: 'Biscuit', species: 'cat', since_round: 1 }],
    hub_topics: ['home/display/hall', 'home/notify/chidi'],
    rounds: [
      { index: 0, start: '2025-01-20', days: 14, introduces: ['household as configured: Chidi, Grace, mum Ngozi, the twins Ada and Obi'] },
      { index: 1, start: '2025-03-24', days: 14, introduces: ['pet: Biscuit the cat', 'daylight-saving change (30 March)'] },
      { index: 2, start: '2025-05-05', days: 14, introduces: ['person: Maria the cleaner (Tuesday mornings)'] },
      { index: 3, start: '2025-07-07', days: 14, introduces: ['room + camera: conservatory'] },
    ],
  },
  {
    id: 'das',
    name: 'The Das family (Kolkata)',
    timezone: 'Asia/Kolkata',
    locale: 'en-IN',
    clock24: false,
    speaker: 'arjun',
    people: [
      { id: 'arjun', name: 'Arjun', relation: 'self', aliases: [], pronoun: 'he', resident: true, since_round: 0 },
      { id: 'meera', name: 'Meera', relation: 'wife', aliases: [a('my wife')], pronoun: 'she', resident: true, since_round: 0 },
      {
        id: 'riya',
        name: 'Riya',
        relation: 'daughter',
        aliases: [a('my daughter'), a('Mishti')],
        pronoun: 'she',
        resident: true,
        since_round: 0,
      },
      {
        id: 'baba',
        name: 'Prabir',
        relation: 'father',
        aliases: [a('Baba'), a('my father'), a('Dadu')],
        pronoun: 'he',
        resident: true,
        since_round: 0,
      },
      {
        id: 'sunita',
        name: 'Sunita',
        relation: 'cook',
        aliases: [a('the cook'), a('Sunita-di')],
        pronoun: 'she',
        resident: false,
        since_round: 0,
      },
      { id: 'rohan', name: 'Rohan', relation: 'nephew', aliases: [a('my nephew')], pronoun: 'he', resident: false, since_round: 2 },
    ],
    groups: [{ phrase: 'Baba and Riya', members: ['baba', 'riya'], since_round: 0 }],
    rooms: [
      { name: 'kitchen', aliases: [], since_round: 0 },
      { name: 'hall', aliases: [a('the living room'), a('the drawing room')], since_round: 0 },
      { name: 'puja room', aliases: [a('the prayer room')], since_round: 0 },
      { name: 'balcony', aliases: [a('the verandah')], since_round: 0 },
      { name: 'entrance', aliases: [a('the entrance hall'), a('the foyer')], since_round: 1 },
    ],
    cameras: [
      { name: 'kitchen', room: 'kitchen', since_round: 0 },
      { name: 'hall', room: 'hall', since_round: 0 },
      { name: 'puja', room: 'puja room', since_round: 0 },
      { name: 'balcony', room: 'balcony', since_round: 0 },
      { name: 'main_door', room: 'entrance', since_round: 1 },
    ],
    routines: [
      { id: 'wake', phrases: ['when Baba got up'], start: '05:30', end: '06:00', days: 'daily', person: 'baba', since_round: 0 },
      { id: 'tea_time', phrases: ['at morning tea', 'during morning tea'], start: '06:30', end: '07:00', days: 'daily', since_round: 0 },
      {
        id: 'helper_visit',
        phrases: ['while the cook was here', "during Sunita-di's hours"],
        start: '08:00',
        end: '10:00',
        days: 'daily',
        person: 'sunita',
        since_round: 0,
      },
      { id: 'breakfast', phrases: ['at breakfast'], start: '08:30', end: '09:00', days: 'daily', since_round: 0 },
      { id: 'lunch', phrases: ['at lunch', 'after lunch'], start: '13:30', end: '14:15', days: 'daily', since_round: 0 },
      {
        id: 'work',
        phrases: ['while I was at office', 'while I was at work'],
        start: '10:00',
        end: '19:00',
        days: [1, 2, 3, 4, 5, 6],
        person: 'arjun',
        since_round: 0,
      },
      { id: 'dinner', phrases: ['at dinner', 'during dinner'], start: '21:00', end: '21:45', days: 'daily', since_round: 0 },
      { id: 'bedtime', phrases: ['at bedtime'], start: '23:00', end: '23:30', days: 'daily', since_round: 0 },
      { id: 'walk', phrases: ["during Baba's evening walk"], start: '17:30', end: '18:30', days: 'daily', person: 'baba', since_round: 3 },
    ],
    vocabulary: [
      { phrase: 'the hall', means: 'living room', kind: 'room', since_round: 0 },
      { phrase: 'Baba', means: 'baba', kind: 'person', since_round: 0 },
      { phrase: 'Dadu', means: 'baba', kind: 'person', since_round: 0 },
      { phrase: 'Mishti', means: 'riya', kind: 'person', since_round: 0 },
      { phrase: 'office', means: 'work', kind: 'activity', since_round: 0 },
    ],
    pets: [],
    hub_topics: ['home/notify/arjun'],
    rounds: [
      { index: 0, start: '2025-01-06', days: 14, introduces: ['household as configured: Arjun, Meera, Riya, Baba; Sunita the cook'] },
      { index: 1, start: '2025-02-24', days: 14, introduces: ['room + camera: entrance (main_door)'] },
      { index: 2, start: '2025-04-14', days: 14, introduces: ['person: Rohan the nephew (visiting)'] },
      { index: 3, start: '2025-06-09', days: 14, introduces: ["habit: Baba's evening walk 17:30–18:30"] },
    ],
  },
];

const active = <T extends { since_round: number; until_round?: number }>(items: T[], round: number): T[] =>
  items.filter((x) => x.since_round <= round && (x.until_round === undefined || x.until_round >= round));

/** The household as it stands in round k: only what has been introduced by then. */
export function householdAt(h: Household, round: number): Household {
  return {
    ...h,
    people: active(h.people, round).map((p) => ({ ...p, aliases: active(p.aliases, round) })),
    groups: active(h.groups, round),
    rooms: active(h.rooms, round).map((r) => ({ ...r, aliases: active(r.aliases, round) })),
    cameras: active(h.cameras, round),
    routines: active(h.routines, round),
    vocabulary: active(h.vocabulary, round),
    pets: active(h.pets, round),
    rounds: h.rounds.filter((r) => r.index <= round),
  };
}

/** The context a planner gets (PlanRequest.household shape): people with aliases, rooms, cameras. */
export function planContext(h: Household): { people: Array<{ name: string; aliases: string[] }>; rooms: string[]; cameras: string[] } {
  return {
    people: h.people.map((p) => ({ name: p.name, aliases: p.aliases.map((x) => x.text) })),
    rooms: h.rooms.map((r) => r.name),
    cameras: h.cameras.map((c) => c.name),
  };
}

/** Checks a household definition for dangling references; returns problems (empty = fine). */
export function checkHousehold(h: Household): string[] {
  const problems: string[] = [];
  const people = new Set(h.people.map((p) => p.id));
  const rooms = new Set(h.rooms.map((r) => r.name));
  if (!people.has(h.speaker)) problems.push(`${h.id}: speaker ${h.speaker} is not a person`);
  for (const c of h.cameras) if (!rooms.has(c.room)) problems.push(`${h.id}: camera ${c.name} in unknown room ${c.room}`);
  for (const g of h.groups)
    for (const m of g.members) if (!people.has(m)) problems.push(`${h.id}: group ${g.phrase} has unknown member ${m}`);
  for (const r of h.routines)
    if (r.person !== undefined && !people.has(r.person)) problems.push(`${h.id}: routine ${r.id} of unknown person ${r.person}`);
  for (const r of h.rooms) if (!h.cameras.some((c) => c.room === r.name)) problems.push(`${h.id}: room ${r.name} has no camera`);
  h.rounds.forEach((r, i) => {
    if (r.index !== i) problems.push(`${h.id}: round ${i} has index ${r.index}`);
    const prev = h.rounds[i - 1];
    if (prev !== undefined && r.start <= prev.start) problems.push(`${h.id}: round ${i} does not start after round ${i - 1}`);
  });
  const camNames = new Set<string>();
  for (const c of h.cameras) {
    if (camNames.has(c.name)) problems.push(`${h.id}: duplicate camera ${c.name}`);
    camNames.add(c.name);
  }
  return problems;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** A routine in the daemon config's shape (household.routines), which the bench harness and the agent read. */
export interface ConfigRoutine {
  name: string;
  aliases: string[];
  start: string;
  end: string;
  days: Array<(typeof WEEKDAYS)[number]>;
  people?: string[];
}

/**
 * The generator's routines as the daemon config holds them: id → name, phrases → aliases, day sets → weekday
 * names (0 = Sunday, as weekdayOf counts). `personName` maps a person id to the name the config uses.
 */
export function routinesAsConfig(routines: readonly Routine[], personName: (id: string) => string = (id) => id): ConfigRoutine[] {
  const daysOf = (d: Routine['days']): ConfigRoutine['days'] => {
    if (d === 'daily') return [...WEEKDAYS];
    if (d === 'weekdays') return ['mon', 'tue', 'wed', 'thu', 'fri'];
    if (d === 'weekends') return ['sat', 'sun'];
    return d.map((i) => WEEKDAYS[i % 7]!);
  };
  return routines.map((r) => {
    const out: ConfigRoutine = { name: r.id, aliases: [...r.phrases], start: r.start, end: r.end, days: daysOf(r.days) };
    if (r.person !== undefined) out.people = [personName(r.person)];
    return out;
  });
}
