/**
 * Intents only the planner corpus draws (the Q2A set keeps its own list):
 * household memory beyond bench/datasets' fixed facts — naming statements
 * ("Ana is our new nanny", "we call Alexander Alex"), habit statements
 * ("grandpa usually walks the dog after lunch") and questions that recall
 * them. Same shape and conventions as bench/datasets/intents.ts: people are
 * written by their household name in plan arguments; a command is `remember`
 * then compose_answer (what was done); recall is recall_memory then compose_answer.
 */
import {
  confirmNode,
  type IntentContext,
  type IntentDef,
  MORE_QUESTION_INTENTS,
  type Person,
  PlanBuilder,
  personRef,
} from '../datasets/index.js';

interface Habit {
  /** "walk the dog": after "usually", "does X", "when does <who> X". */
  base: string;
  /** "walks the dog": after "<who>". */
  third: string;
  /** recall_memory query words. */
  key: string;
}

const HABITS: Habit[] = [
  { base: 'walk the dog', third: 'walks the dog', key: 'dog walk' },
  { base: 'take a nap', third: 'takes a nap', key: 'nap' },
  { base: 'go to the gym', third: 'goes to the gym', key: 'gym' },
  { base: 'do homework', third: 'does homework', key: 'homework' },
  { base: 'water the plants', third: 'waters the plants', key: 'watering plants' },
  { base: 'take the bins out', third: 'takes the bins out', key: 'bins' },
  { base: 'go for a run', third: 'goes for a run', key: 'run' },
  { base: 'feed the cat', third: 'feeds the cat', key: 'feeding the cat' },
  { base: 'call grandma', third: 'calls grandma', key: 'calling grandma' },
  { base: 'practise the piano', third: 'practises the piano', key: 'piano practice' },
  { base: 'take the medication', third: 'takes the medication', key: 'medication' },
  { base: 'get home from work', third: 'gets home from work', key: 'home from work' },
  { base: 'leave for school', third: 'leaves for school', key: 'leaving for school' },
  { base: 'do the laundry', third: 'does the laundry', key: 'laundry' },
  { base: 'go to bed', third: 'goes to bed', key: 'bedtime' },
];
const WHEN = [
  'every morning',
  'after lunch',
  'after dinner',
  'on Saturdays',
  'on weekdays',
  'around 7',
  'at 6 pm',
  'before breakfast',
  'on Tuesday evenings',
  'every other day',
  'at the weekend',
  'in the afternoon',
  'at half past eight',
  'twice a week',
];

const others = (ctx: IntentContext): Person[] => ctx.h.people.filter((p) => p.id !== ctx.h.speaker);

const rememberHabit: IntentDef = {
  id: 'remember_habit',
  category: 'memory',
  weight: 2,
  kind: 'command',
  params(ctx) {
    const list = others(ctx);
    if (list.length === 0) return null;
    const person = ctx.rng.pick(list);
    const habit = ctx.rng.int(0, HABITS.length - 1);
    return { people: [person], extra: { habit: String(habit), when: ctx.rng.pick(WHEN) } };
  },
  templates: [
    'remember that ${who} usually ${third} ${when}',
    '${who} {usually|always|normally} ${third} ${when}, remember that',
    'just so you know, ${who} ${third} ${when}',
    'note that ${who} ${third} ${when}.',
    'FYI ${who} {usually|normally} ${third} ${when}',
    'keep in mind ${who} ${third} ${when}',
    "${who} {always|usually|normally} ${third} ${when}, {so don't worry|no need to worry|that's normal|it's nothing}",
    'heads up, ${who} {usually|} ${third} ${when}',
    "${who} ${third} ${when}, {don't alert me|it's not an intruder|don't panic}",
  ],
  slots(ctx, p) {
    const h = HABITS[Number(p.extra?.habit)] as Habit;
    return { who: personRef(ctx, p.people[0] as Person).text, third: h.third, when: p.extra?.when as string };
  },
  plan(_ctx, p, q) {
    const h = HABITS[Number(p.extra?.habit)] as Habit;
    const person = p.people[0] as Person;
    const b = new PlanBuilder();
    const m = b.add(
      'remember',
      { fact: `${person.name} usually ${h.third} ${p.extra?.when as string}` },
      `Store ${person.name}'s habit in household memory`,
    );
    confirmNode(b, q, m);
    return b;
  },
  answer: () => 'Noted.',
};

const recallHabit: IntentDef = {
  id: 'recall_habit',
  category: 'memory',
  weight: 2,
  params: rememberHabit.params,
  templates: [
    'when does ${who} usually ${base}',
    'what time does ${who} {normally|usually} ${base}',
    'did I tell you when ${who} ${third}',
    'remind me when ${who} ${third}',
    'how often does ${who} ${base}',
  ],
  slots(ctx, p) {
    const h = HABITS[Number(p.extra?.habit)] as Habit;
    return { who: personRef(ctx, p.people[0] as Person).text, base: h.base, third: h.third };
  },
  plan(_ctx, p, q) {
    const h = HABITS[Number(p.extra?.habit)] as Habit;
    const person = p.people[0] as Person;
    const b = new PlanBuilder();
    const m = b.add('recall_memory', { query: `${person.name} ${h.key}` }, `Search household memory for ${person.name}'s ${h.key}`);
    b.add('compose_answer', { question: q, inputs: [m] }, 'Answer the question from the remembered facts');
    return b;
  },
  answer: (_ctx, p) =>
    `You told me ${(p.people[0] as Person).name} usually ${(HABITS[Number(p.extra?.habit)] as Habit).third} ${p.extra?.when as string}.`,
};

const rememberNaming: IntentDef = {
  id: 'remember_naming',
  category: 'memory',
  weight: 2,
  kind: 'command',
  params(ctx) {
    const list = others(ctx).filter((p) => p.relation !== 'self');
    if (list.length === 0) return null;
    const person = ctx.rng.pick(list);
    const nick = person.aliases.find((a) => !/^(my|the|our) /i.test(a.text) && !/\s/.test(a.text));
    const extra: Record<string, string> =
      nick !== undefined && ctx.rng.chance(0.4) ? { how: 'nickname', nick: nick.text } : { how: 'relation' };
    return { people: [person], extra };
  },
  templates: ['${statement}'],
  slots(ctx, p) {
    const person = p.people[0] as Person;
    if (p.extra?.how === 'nickname') {
      const nick = p.extra.nick as string;
      return {
        statement: ctx.rng.pick([
          `we call ${person.name} ${nick}`,
          `remember that ${nick} is ${person.name}`,
          `${nick} means ${person.name}`,
          `when I say ${nick} I mean ${person.name}`,
        ]),
      };
    }
    const rel = person.relation;
    return {
      statement: ctx.rng.pick([
        `remember that ${person.name} is our ${rel}`,
        `${person.name} is our ${rel}`,
        `this is ${person.name}, our ${rel}`,
        `please note ${person.name} is the ${rel}`,
        `${person.name} is my ${rel}, remember that`,
      ]),
    };
  },
  plan(_ctx, p, q) {
    const person = p.people[0] as Person;
    const fact =
      p.extra?.how === 'nickname' ? `${person.name} is also called ${p.extra.nick as string}` : `${person.name} is our ${person.relation}`;
    const b = new PlanBuilder();
    const m = b.add('remember', { fact }, 'Store who this is in household memory');
    confirmNode(b, q, m);
    return b;
  },
  answer: () => 'Noted.',
};

// Free-form household notes, composed from parts so facts and recall keys vary in length and wording
// (the Q2A set has six fixed facts). The fact is the statement as said, people by household name.
const THINGS = [
  'the spare key',
  'the spare car key',
  'the ladder',
  'the first aid kit',
  'the torch',
  'the fuse box key',
  'the gas meter key',
  "the dog's lead",
  'the bike lock key',
  'the garage remote',
  'the passports',
  'the tool box',
  'the extra blankets',
  'the cat food',
  'the bin bags',
  'the gate code',
  'the alarm code',
  'the spare gen key',
  'the shed key',
  'the parcel for next door',
  'the umbrella',
  'the phone charger',
  'the christmas lights',
  'the birthday present',
  'the medicine box',
  'the spare glasses',
  'the tv remote',
];
const PLACES = [
  'under the mat',
  'in the kitchen drawer',
  'behind the bread bin',
  'on the hook by the back door',
  'in the shed',
  'in the glovebox',
  'with the neighbours',
  'on top of the fridge',
  'in the hall cupboard',
  'under the stairs',
  'in the blue box in the garage',
  'in the drawer next to the sink',
  'on the top shelf',
  'in my desk',
  'under the flower pot by the gate',
  'in the car',
  'at number 12',
  'behind the boiler',
];
const ROLES = [
  'the plumber',
  'the cleaner',
  'the dog walker',
  'the gardener',
  'the water man',
  'the window cleaner',
  'the electrician',
  'the piano teacher',
  'the postman',
  'the nanny',
  'the physio',
  'the night nurse',
  'the babysitter',
  'the delivery guy',
  'the pool guy',
  'the tutor',
  'the meter reader',
  'the handyman',
];
const NOTE_WHEN = [
  'on tuesday',
  'every other friday',
  'next monday at 9',
  'tomorrow morning',
  'on the 14th',
  'at 3',
  'after school',
  'on weekends',
  'every thursday afternoon',
  'at half 10',
  'this saturday',
  'around lunchtime',
];
const NEEDS = [
  'is allergic to nuts',
  "can't have dairy",
  'is afraid of the dog',
  'is away until sunday',
  'is off school this week',
  'has a dentist appointment on friday',
  'has football practice on wednesdays',
  'is on night shifts this week',
  'needs her inhaler at night',
  'takes his tablets with breakfast',
  'is not allowed out after dark',
  'is staying over on saturday',
  'starts the new job on monday',
  'has swimming after school',
];

const LOOKS = [
  'the man in the hi-vis',
  'the lady with the red bike',
  'the tall man with the grey beard',
  'the guy in the blue van',
  'the woman with the two dogs',
  'the young guy with the backpack',
  'the man in the green jacket',
  'the older lady with the shopping trolley',
  'the fella with the ladder',
  'the girl on the scooter',
];
const VISITS = [
  'who comes on tuesdays',
  'who walks by every morning',
  'who parks outside',
  'who comes round in the evenings',
  'who rings the bell on saturdays',
  'at the gate',
];
const VISITOR_NAMES = [
  'Pádraig',
  'Bill',
  'Musa',
  'Sanjay',
  'Olek',
  'Marisol',
  'Kwame',
  'Yuki',
  'Fatima',
  'Tiago',
  'Ingrid',
  'Dmitri',
  'Chiara',
  'Hamid',
  'Bronwyn',
  'Luc',
  'Siobhán',
  'Emeka',
  'Mei',
  'Rafael',
];

interface Note {
  fact: string;
  /** What the owner would later ask about, as said, and as the recall query (people by household name). */
  keySaid: string;
  key: string;
}

function drawNote(ctx: IntentContext, person: Person, who: string): { said: string; note: Note } {
  const { rng } = ctx;
  switch (rng.int(0, 5)) {
    case 0: {
      const thing = rng.pick(THINGS);
      const place = rng.pick(PLACES);
      return { said: `${thing} is ${place}`, note: { fact: `${thing} is ${place}`, keySaid: thing, key: thing } };
    }
    case 1: {
      const role = rng.pick(ROLES);
      const verb = rng.pick(['comes', 'is coming', 'will come round', 'only comes']);
      const when = rng.pick(NOTE_WHEN);
      return { said: `${role} ${verb} ${when}`, note: { fact: `${role} ${verb} ${when}`, keySaid: role, key: role } };
    }
    case 2: {
      const thing = rng.pick(THINGS);
      const verb = rng.pick(['has', 'took', 'borrowed', 'is keeping']);
      const withWho = rng.chance(0.5);
      return {
        said: `${who} ${verb} ${thing}`,
        note: {
          fact: `${person.name} ${verb} ${thing}`,
          keySaid: withWho ? `${who} and ${thing}` : thing,
          key: withWho ? `${person.name} and ${thing}` : thing,
        },
      };
    }
    case 3: {
      const need = rng.pick(NEEDS);
      return { said: `${who} ${need}`, note: { fact: `${person.name} ${need}`, keySaid: who, key: person.name } };
    }
    case 5: {
      const desc = `${rng.pick(LOOKS)}${rng.chance(0.5) ? ` ${rng.pick(VISITS)}` : ''}`;
      const name = rng.pick(VISITOR_NAMES);
      const is = rng.pick([`${rng.pick(ROLES)}`, `our neighbour ${name}`, `${name}, ${rng.pick(ROLES)}`, name]);
      return { said: `${desc} is ${is}`, note: { fact: `${desc} is ${is}`, keySaid: desc, key: desc } };
    }
    default: {
      const role = rng.pick(ROLES);
      const thing = rng.pick(THINGS);
      const key = rng.chance(0.5) ? role : thing;
      return { said: `${role} knows where ${thing} is`, note: { fact: `${role} knows where ${thing} is`, keySaid: key, key } };
    }
  }
}

const rememberNote: IntentDef = {
  id: 'remember_note',
  category: 'memory',
  weight: 3,
  kind: 'command',
  params(ctx) {
    const list = ctx.h.people;
    if (list.length === 0) return null;
    const person = ctx.rng.pick(list);
    const who = personRef(ctx, person).text;
    const { said, note } = drawNote(ctx, person, who);
    return { people: [person], extra: { said, fact: note.fact } };
  },
  templates: [
    'remember that ${said}',
    'remember ${said}',
    'please remember that ${said}',
    'note that ${said}',
    'make a note that ${said}',
    "don't forget that ${said}",
    'can you remember that ${said}',
    'fyi ${said}',
    '${said}, remember that',
    'just so you know ${said}',
    'save this: ${said}',
    'add to your notes: ${said}',
  ],
  slots: (_ctx, p) => ({ said: p.extra?.said as string }),
  plan(_ctx, p, q) {
    const b = new PlanBuilder();
    // A fact said as written is copied from the question as it ended up (a capital at the start of a sentence).
    const said = p.extra?.said as string;
    const at = q.toLowerCase().indexOf(said.toLowerCase());
    const fact = p.extra?.fact === said && at >= 0 ? q.slice(at, at + said.length) : (p.extra?.fact as string);
    const m = b.add('remember', { fact }, 'Store the note in household memory');
    confirmNode(b, q, m);
    return b;
  },
  answer: () => 'Noted.',
};

/** A note said as a statement, without "remember": the agent keeps statements with a verb of fact (is, comes, always…). */
const STATED = /\b(?:is|are|comes|always|usually|never|every)\b/;

const stateNote: IntentDef = {
  id: 'state_note',
  category: 'memory',
  weight: 2,
  kind: 'command',
  params(ctx) {
    if (ctx.h.people.length === 0) return null;
    for (let i = 0; i < 8; i++) {
      const person = ctx.rng.pick(ctx.h.people);
      const { said, note } = drawNote(ctx, person, personRef(ctx, person).text);
      if (STATED.test(said)) return { people: [person], extra: { said, fact: note.fact } };
    }
    return null;
  },
  templates: [
    '${said}',
    '${said}, {so dont worry|no need to worry|so no need to alert me|just so you know}',
    "${said}, {it's not an intruder|he's harmless|she's fine|that's normal} {lol|}",
    'fyi ${said}',
    'heads up: ${said}',
    '{btw|by the way} ${said}',
  ],
  slots: (_ctx, p) => ({ said: p.extra?.said as string }),
  plan: rememberNote.plan,
  answer: () => 'Noted.',
};

const recallNote: IntentDef = {
  id: 'recall_note',
  category: 'memory',
  weight: 3,
  params(ctx) {
    const list = ctx.h.people;
    if (list.length === 0) return null;
    const person = ctx.rng.pick(list);
    const who = personRef(ctx, person).text;
    const { note } = drawNote(ctx, person, who);
    return { people: [person], extra: { keySaid: note.keySaid, key: note.key, fact: note.fact } };
  },
  templates: [
    'what did i tell you about ${key}',
    'what did I say about ${key}',
    'what do you know about ${key}',
    'remind me about ${key}',
    'did I mention anything about ${key}',
    'anything in your notes about ${key}',
    'what have I told you about ${key}',
    'do you remember what I said about ${key}',
    'what was it I told you about ${key}',
  ],
  slots: (_ctx, p) => ({ key: p.extra?.keySaid as string }),
  plan(_ctx, p, q) {
    const b = new PlanBuilder();
    const key = p.extra?.key as string;
    const m = b.add('recall_memory', { query: key }, `Search household memory for "${key}"`);
    b.add('compose_answer', { question: q, inputs: [m] }, 'Answer the question from the remembered facts');
    return b;
  },
  answer: (_ctx, p) => `You told me ${p.extra?.fact as string}.`,
};

/** Intents the corpus adds to the Q2A ones: memory, and the question intents the Q2A set does not draw. */
export const CORPUS_INTENTS: readonly IntentDef[] = [
  rememberHabit,
  recallHabit,
  rememberNaming,
  rememberNote,
  stateNote,
  recallNote,
  ...MORE_QUESTION_INTENTS,
];
