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
  { base: 'have a shower', third: 'has a shower', key: 'shower' },
  { base: 'pray in the living room', third: 'prays in the living room', key: 'praying' },
  { base: 'go for a walk', third: 'goes for a walk', key: 'walk' },
  { base: 'get up for a glass of water', third: 'gets up for a glass of water', key: 'glass of water' },
  { base: 'read in the garden', third: 'reads in the garden', key: 'reading' },
  { base: 'do yoga', third: 'does yoga', key: 'yoga' },
  { base: 'work from home', third: 'works from home', key: 'working from home' },
  { base: 'check the doors', third: 'checks the doors', key: 'checking the doors' },
  { base: 'make breakfast', third: 'makes breakfast', key: 'breakfast' },
  { base: 'come home late', third: 'comes home late', key: 'coming home late' },
  { base: 'smoke on the balcony', third: 'smokes on the balcony', key: 'smoking' },
  { base: 'play football in the garden', third: 'plays football in the garden', key: 'football' },
  { base: 'sit out on the porch', third: 'sits out on the porch', key: 'porch' },
  { base: 'watch TV in the kitchen', third: 'watches TV in the kitchen', key: 'TV' },
  { base: 'go to the corner shop', third: 'goes to the corner shop', key: 'corner shop' },
];
const WHEN = [
  'at 5am',
  'after bedtime',
  'late at night',
  'before work',
  'when it is sunny',
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

/** "my son always has his shower after bedtime": who (as the asker calls them), how often, what, when. */
function habitStatement(_ctx: IntentContext, p: { extra?: Record<string, unknown> }): string {
  const h = HABITS[Number(p.extra?.habit)] as Habit;
  const adv = p.extra?.adv as string;
  return `${p.extra?.who as string} ${adv === '' ? '' : `${adv} `}${h.third} ${p.extra?.when as string}`;
}

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
    return {
      people: [person],
      extra: {
        habit: String(habit),
        when: ctx.rng.pick(WHEN),
        who: personRef(ctx, person).text,
        adv: ctx.rng.pick(['usually', 'always', 'normally', 'often', '']),
      },
    };
  },
  // the fact is the statement as said (a span of the question, as the agent stores it), not a rewording
  templates: [
    'remember that ${statement}',
    '${statement}, remember that',
    'just so you know, ${statement}',
    'note that ${statement}.',
    'FYI ${statement}',
    'keep in mind ${statement}',
    "${statement}, {so don't worry|no need to worry|that's normal|it's nothing|so dont worry if you see it}",
    'heads up, ${statement}',
    "${statement}, {don't alert me|it's not an intruder lol|don't panic}",
    '${statement}',
  ],
  slots(ctx, p) {
    return { statement: habitStatement(ctx, p) };
  },
  plan(ctx, p, q) {
    const person = p.people[0] as Person;
    const b = new PlanBuilder();
    const m = b.add('remember', { fact: habitStatement(ctx, p) }, `Store ${person.name}'s habit in household memory`);
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

/** Facts people ask the agent to keep, built from parts so that no short list of them is learnt by heart. */
const FACT_PARTS: ReadonlyArray<(ctx: IntentContext, who: string) => string> = [
  (ctx, who) => `${who} has a key to the ${ctx.rng.pick(['side gate', 'shed', 'garage', 'back door', 'attic', 'bike lock'])}`,
  (ctx) =>
    `the ${ctx.rng.pick(['spare key', 'car keys', 'first aid kit', 'torch', 'fuse box key', 'passports', 'gen key'])} ` +
    `${ctx.rng.pick(['is', 'are'])} ${ctx.rng.pick(['in the drawer by the door', 'under the mat', 'with the neighbour', 'in the blue box in the hall', 'on top of the fridge', 'in my coat pocket'])}`,
  (ctx, who) =>
    `${who} is ${ctx.rng.pick(['allergic to cats', 'away until sunday', 'on night shifts this month', 'not allowed sweets', 'scared of the dark', 'vegetarian now'])}`,
  (ctx) =>
    `the ${ctx.rng.pick(['plumber', 'cleaner', 'window cleaner', 'gardener', 'water man', 'meter reader', 'babysitter'])} ` +
    `${ctx.rng.pick(['comes on fridays', 'is coming back next week', 'has the code for the gate', 'parks on the drive', 'wears a blue jacket'])}`,
  (ctx, who) =>
    `${who}'s ${ctx.rng.pick(['dentist', 'football practice', 'piano lesson', 'check-up', 'school trip'])} is ${ctx.rng.pick(['on friday', 'next tuesday at 4', 'every other monday', 'at 10 tomorrow'])}`,
  (ctx) =>
    `the man ${ctx.rng.pick(['with the red van', 'in the hi-vis', 'who brings the water', 'with the grey beard', 'who walks the big dog'])} ` +
    `is ${ctx.rng.pick(['our neighbour Bill', 'the new postman', 'Musa', 'the landlord', 'harmless'])}`,
  (ctx) =>
    `${ctx.rng.pick(['the wifi', 'the gate code', 'the alarm code', 'the bins'])} ${ctx.rng.pick(['changed last week', 'is written on the fridge', 'goes out on thursday night', 'is in the kitchen drawer'])}`,
];

/** "remember that Niamh has a key to the side gate": the fact as said is what is stored. */
const rememberFree: IntentDef = {
  id: 'remember_fact',
  category: 'memory',
  weight: 4,
  kind: 'command',
  params(ctx) {
    const list = others(ctx);
    const person = list.length === 0 ? null : ctx.rng.pick(list);
    const who = person === null ? 'my sister' : personRef(ctx, person).text;
    const fact = ctx.rng.pick(FACT_PARTS)(ctx, who);
    return { people: person === null || !fact.includes(who) ? [] : [person], extra: { fact } };
  },
  templates: [
    'remember that ${fact}',
    'note that ${fact}',
    'please remember ${fact}',
    'fyi ${fact}',
    'just so you know, ${fact}',
    '${fact}, remember that',
    'make a note: ${fact}',
    'for the record, ${fact}',
    'remember ${fact}',
    "don't forget ${fact}",
  ],
  slots: (_ctx, p) => ({ fact: p.extra?.fact as string }),
  plan(_ctx, p, q) {
    const b = new PlanBuilder();
    const m = b.add('remember', { fact: p.extra?.fact as string }, 'Store the fact in household memory');
    confirmNode(b, q, m);
    return b;
  },
  answer: () => 'Noted.',
};

/** Intents the corpus adds to the Q2A ones: memory, and the question intents the Q2A set does not draw. */
export const CORPUS_INTENTS: readonly IntentDef[] = [rememberHabit, recallHabit, rememberNaming, rememberFree, ...MORE_QUESTION_INTENTS];
