/**
 * Deterministic household plan data for the adapter/trainer tests: TaskBench-format plans for
 * HomeSight-style questions ("who was in the kitchen between 7 and 8 pm"), from templates and a seeded PRNG.
 * Train, held-out and regression splits never share a (template, slots) combination.
 */
import type { PlanRecord } from '../../../daemon/contracts/index.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROOMS = ['kitchen', 'living room', 'porch', 'garage', 'hallway', 'bedroom'];
const PEOPLE = ['Alice', 'Bob', 'Carol', 'Dave'];
const HOURS: readonly number[] = [6, 7, 8, 9, 12, 17, 18, 19, 20, 21];

function hh(h: number): string {
  return `${String(h).padStart(2, '0')}:00`;
}
function spoken(h: number): string {
  return h === 12 ? '12 pm' : h > 12 ? `${h - 12} pm` : `${h} am`;
}

type Slots = { room: string; person: string; hour: number; period: string };
const PERIODS = ['today', 'this morning', 'yesterday'];

const TEMPLATES: Record<string, { slots: (keyof Slots)[]; make: (s: Slots) => PlanRecord }> = {
  who_in_room: {
    slots: ['room', 'hour'],
    make: ({ room, hour: h }) => ({
      question: `Who was in the ${room} between ${spoken(h)} and ${spoken(h + 1)}?`,
      task_steps: [`Step 1: find person events in the ${room} from ${hh(h)} to ${hh(h + 1)}`, 'Step 2: identify the people'],
      task_nodes: [
        { task: 'query_events', arguments: { room, label: 'person', after: hh(h), before: hh(h + 1) } },
        { task: 'identify_person', arguments: { events: '<node-0>' } },
      ],
      task_links: [{ source: 'query_events', target: 'identify_person' }],
    }),
  },
  what_doing: {
    slots: ['person', 'room', 'period'],
    make: ({ person, room, period }) => ({
      question: `What was ${person} doing in the ${room} ${period}?`,
      task_steps: [`Step 1: find events of ${person} in the ${room}`, 'Step 2: recognize the activity'],
      task_nodes: [
        { task: 'query_events', arguments: { room, person, after: period } },
        { task: 'recognize_activity', arguments: { events: '<node-0>' } },
      ],
      task_links: [{ source: 'query_events', target: 'recognize_activity' }],
    }),
  },
  last_seen: {
    slots: ['person', 'room'],
    make: ({ person, room }) => ({
      question: `When did you last see ${person} in the ${room}?`,
      task_steps: [`Step 1: find the latest event of ${person} in the ${room}`],
      task_nodes: [{ task: 'query_events', arguments: { room, person, order: 'latest', limit: 1 } }],
      task_links: [],
    }),
  },
  count_people: {
    slots: ['room', 'period'],
    make: ({ room, period }) => ({
      question: `How many people came to the ${room} ${period}?`,
      task_steps: [`Step 1: find person events in the ${room}`, 'Step 2: count the distinct people'],
      task_nodes: [
        { task: 'query_events', arguments: { room, label: 'person', after: period } },
        { task: 'count_people', arguments: { events: '<node-0>' } },
      ],
      task_links: [{ source: 'query_events', target: 'count_people' }],
    }),
  },
};

const SLOT_VALUES: { [K in keyof Slots]: readonly Slots[K][] } = { room: ROOMS, person: PEOPLE, hour: HOURS, period: PERIODS };

function combos(slots: (keyof Slots)[]): Slots[] {
  let out: Slots[] = [{ room: ROOMS[0] as string, person: PEOPLE[0] as string, hour: HOURS[0] as number, period: PERIODS[0] as string }];
  for (const k of slots) {
    out = out.flatMap((c) => (SLOT_VALUES[k] as readonly (string | number)[]).map((v) => ({ ...c, [k]: v })));
  }
  return out;
}

export interface PlanSplits {
  train: PlanRecord[];
  heldout: PlanRecord[];
  regression: PlanRecord[];
}

/**
 * Every template's slot combinations, shuffled with the seed, dealt round-robin over the templates into
 * train, held-out and regression splits (no question appears in two splits).
 */
export function householdPlans(
  seed: number,
  sizes = { train: 48, heldout: 12, regression: 12 },
  opts: { withSteps?: boolean } = {},
): PlanSplits {
  const rand = mulberry32(seed);
  const pools = Object.values(TEMPLATES).map((t) => {
    const cs = combos(t.slots);
    for (let i = cs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [cs[i], cs[j]] = [cs[j] as Slots, cs[i] as Slots];
    }
    return cs.map((c) => {
      const rec = t.make(c);
      if (opts.withSteps !== true) delete rec.task_steps; // shorter sequences keep CPU training fast
      return rec;
    });
  });
  let turn = 0;
  const draw = (n: number): PlanRecord[] => {
    const out: PlanRecord[] = [];
    for (let guard = 0; out.length < n && guard < n * pools.length; guard++) {
      const pool = pools[turn++ % pools.length] as PlanRecord[];
      const rec = pool.shift();
      if (rec !== undefined) out.push(rec);
    }
    return out;
  };
  return { train: draw(sizes.train), heldout: draw(sizes.heldout), regression: draw(sizes.regression) };
}

/** Text that is not a plan: children's-story sentences, the base model's home turf (a regression set plans must not hurt). */
export const STORY_LINES = [
  'Once upon a time, there was a little girl named Lily. She loved to play outside.',
  'One day, a big dog came to the park. The dog was very happy and wanted to play.',
  'Tom and his mom went to the store. They bought a red ball and a big cake.',
  'The sun was shining and the birds were singing. Tim smiled and ran to his friend.',
  'Sue had a little cat. The cat liked to sleep in the warm sun all day.',
  'Ben saw a bird in the tree. He said, "Hello, bird!" The bird sang a song.',
];

/** Garbage text for a harmful adapter: random printable characters, deterministic. */
export function garbageLines(seed: number, n: number, len = 120): string[] {
  const rand = mulberry32(seed);
  const chars = 'qxzjkvwy#@%&*~^|<>[]{}0123456789QXZJKVWY';
  return Array.from({ length: n }, () => Array.from({ length: len }, () => chars[Math.floor(rand() * chars.length)]).join(''));
}
