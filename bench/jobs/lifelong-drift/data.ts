/**
 * The lifelong drift set (issue #19, build item 4): households the planner corpus never saw, each living through
 * rounds in which something new happens — a new person, a new nickname, an added room, a room the household starts
 * calling by another word, a routine that moves — while the phrasing habits drift (the Q2A generator's per-round
 * style weights: later rounds are terser and chattier). Questions and gold plans come from the Q2A generator
 * (bench/datasets: one source of gold plans), over households from the corpus household generator (bench/corpus)
 * with their own seed and every person renamed from a name pool checked against the corpus's households.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HouseholdGenerator } from '../../corpus/households.js';
import { buildDataset, checkHousehold, Rng, type Household, type Person, type Routine } from '../../datasets/index.js';

export interface DriftOptions {
  seed: number;
  households: number;
  rounds: number;
  /** Asks per household and round (before follow-ups). */
  perRound: number;
  /** Share of each round's asks held out as its test split (the rest is the round's question stream). */
  testShare: number;
  /** The planner corpus's households.json: names there are not used (the drift households are unseen). */
  corpusHouseholds: string | null;
}

export const DEFAULT_DRIFT: DriftOptions = {
  seed: 19019,
  households: 6,
  rounds: 5,
  perRound: 40,
  testShare: 0.3,
  corpusHouseholds: 'var/datasets/planner-corpus/households.json',
};

export type DriftKind = 'person' | 'nickname' | 'room' | 'room_word' | 'routine';
export const DRIFT_KINDS: readonly DriftKind[] = ['person', 'nickname', 'room', 'room_word', 'routine'];

export interface DriftEvent {
  household: string;
  round: number;
  kind: DriftKind | 'phrasing';
  what: string;
}

// Rare given names (by pronoun); any that occurs in the corpus's households is skipped at build time.
const NAMES: Record<'she' | 'he', readonly string[]> = {
  she: [
    'Ysolde',
    'Ottoline',
    'Leocadia',
    'Isaura',
    'Perpetua',
    'Clemency',
    'Araminta',
    'Eulalie',
    'Zenobia',
    'Marisol',
    'Honoria',
    'Philippa',
    'Rosalind',
    'Seraphine',
    'Theodora',
    'Winifred',
    'Columbine',
    'Briony',
    'Aurelie',
    'Gwendolen',
    'Hyacinth',
    'Lucasta',
    'Melisande',
    'Oriana',
    'Petronella',
    'Sidonie',
    'Tansy',
    'Ulrika',
    'Verity',
    'Wilhelmina',
  ],
  he: [
    'Caspian',
    'Bramwell',
    'Fenwick',
    'Peregrine',
    'Lysander',
    'Evander',
    'Thaddeus',
    'Cosimo',
    'Isidore',
    'Barnaby',
    'Ambrose',
    'Leopold',
    'Montague',
    'Octavian',
    'Percival',
    'Quentin',
    'Rufus',
    'Septimus',
    'Tobias',
    'Valentin',
    'Wystan',
    'Alaric',
    'Benedikt',
    'Crispin',
    'Dorian',
    'Eustace',
    'Florizel',
    'Gideon',
    'Horatio',
    'Ignatius',
  ],
};
const NEWCOMERS: ReadonlyArray<{ relation: string; alias: string; resident: boolean }> = [
  { relation: 'lodger', alias: 'the lodger', resident: true },
  { relation: 'nanny', alias: 'the nanny', resident: false },
  { relation: 'cleaner', alias: 'the cleaner', resident: false },
  { relation: 'neighbour', alias: 'the neighbour', resident: false },
  { relation: 'cousin', alias: 'my cousin', resident: true },
  { relation: 'exchange student', alias: 'the exchange student', resident: true },
];
const NEW_ROOMS = ['conservatory', 'workshop', 'playroom', 'sunroom', 'studio', 'utility room', 'home gym', 'library'];
const ROOM_WORDS = ['the snug', 'the den', 'the back room', 'the cave', 'the hub', 'the nook', 'the annex', 'the parlour'];
const NICK_ENDINGS = ['ie', 'o', 'sy', 'ster'];

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every string of a value with `from` (a whole word) replaced by `to`, id-valued keys left alone. */
function renameDeep<T>(value: T, from: string, to: string, key = ''): T {
  const idKeys = new Set(['id', 'speaker', 'person', 'means', 'members']);
  if (typeof value === 'string')
    return (idKeys.has(key) ? value : value.replace(new RegExp(`(?<![\\p{L}])${escapeRe(from)}(?![\\p{L}])`, 'gu'), to)) as T;
  if (Array.isArray(value)) return value.map((v) => renameDeep(v, from, to, key)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameDeep(v, from, to, k)])) as T;
  return value;
}

/** Lower-cased given names and nicknames of the corpus households (empty when the file is absent). */
export function corpusNames(file: string | null): Set<string> {
  const out = new Set<string>();
  if (file === null || !existsSync(file)) return out;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { households: Array<{ household: Household } | Household> };
  for (const entry of doc.households) {
    const h = 'household' in entry ? entry.household : entry;
    for (const p of h.people) {
      for (const w of p.name.split(/\s+/)) out.add(w.toLowerCase());
      for (const a of p.aliases) out.add(a.text.toLowerCase());
    }
  }
  return out;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function hm(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
const minutesOf = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** The drift households and what each round brings. Deterministic per seed. */
export function driftHouseholds(o: Pick<DriftOptions, 'seed' | 'households' | 'rounds' | 'corpusHouseholds'>): {
  households: Household[];
  events: DriftEvent[];
} {
  if (o.rounds < 2) throw new RangeError(`a drift set needs at least 2 rounds (got ${o.rounds})`);
  const taken = corpusNames(o.corpusHouseholds);
  const used = new Set<string>();
  const pools = { she: NAMES.she.filter((n) => !taken.has(n.toLowerCase())), he: NAMES.he.filter((n) => !taken.has(n.toLowerCase())) };
  const root = new Rng(o.seed);
  const freshName = (pronoun: 'she' | 'he', rng: Rng): string => {
    const free = pools[pronoun].filter((n) => !used.has(n));
    if (free.length === 0) throw new RangeError(`the drift name pool ran out of ${pronoun} names; use fewer households`);
    const n = rng.pick(free);
    used.add(n);
    return n;
  };
  const gen = new HouseholdGenerator(o.seed);
  const households: Household[] = [];
  const events: DriftEvent[] = [];
  for (let i = 0; i < o.households; i++) {
    const rng = root.fork(`drift/${i}`);
    let h = gen.household(i).household;
    // Rename everyone from the pool: drop nicknames made from the old name first, then replace the name everywhere.
    for (const p of [...h.people]) {
      const old = p.name;
      const first = old.replace(/^(Mr|Ms|Mrs)\. /, '').split(/\s+/)[0]!;
      const dropped = new Set(p.aliases.filter((a) => a.text.toLowerCase().startsWith(first.slice(0, 3).toLowerCase())).map((a) => a.text));
      h = {
        ...h,
        people: h.people.map((x) => (x.id === p.id ? { ...x, aliases: x.aliases.filter((a) => !dropped.has(a.text)) } : x)),
        vocabulary: h.vocabulary.filter((v) => !dropped.has(v.phrase)),
      };
      const name = freshName(p.pronoun, rng);
      h = renameDeep(h, old, name);
      if (first !== old) h = renameDeep(h, first, name);
    }
    const id = `drift${i}`;
    const start = h.rounds[0]!.start;
    h = {
      ...h,
      id,
      name: h.name.replace(/^The (\S+) household/, `The drift household ${i + 1}`),
      rounds: Array.from({ length: o.rounds }, (_, r) => ({
        index: r,
        start: addDays(start, 14 * r),
        days: 14,
        introduces: [] as string[],
      })),
    };
    // What each round brings: the five kinds in a household-specific order, spread over rounds 1..R-1.
    const order = rng.shuffle(DRIFT_KINDS);
    const note = (round: number, kind: DriftEvent['kind'], what: string): void => {
      events.push({ household: id, round, kind, what });
      h.rounds[round]!.introduces.push(what);
    };
    note(0, 'phrasing', 'baseline household (phrasing: mostly plain and polite)');
    for (let k = 0; k < order.length; k++) {
      const round = 1 + (k % (o.rounds - 1));
      const kind = order[k]!;
      if (kind === 'person') {
        const nc = rng.pick(NEWCOMERS);
        const pronoun = rng.chance(0.5) ? 'she' : 'he';
        const name = freshName(pronoun, rng);
        const person: Person = {
          id: `new_${name.toLowerCase()}`,
          name,
          relation: nc.relation,
          aliases: [{ text: nc.alias, since_round: round }],
          pronoun,
          resident: nc.resident,
          since_round: round,
        };
        h.people.push(person);
        note(round, kind, `new person ${name} (${nc.alias})`);
      } else if (kind === 'nickname') {
        const p = rng.pick(h.people.filter((x) => x.id !== h.speaker && x.since_round === 0));
        const nick = `${p.name.slice(0, 3)}${rng.pick(NICK_ENDINGS)}`;
        p.aliases.push({ text: nick, since_round: round });
        h.vocabulary.push({ phrase: nick, means: p.id, kind: 'person', since_round: round });
        note(round, kind, `nickname "${nick}" for ${p.name}`);
      } else if (kind === 'room') {
        const name = rng.pick(NEW_ROOMS.filter((r) => !h.rooms.some((x) => x.name === r)));
        h.rooms.push({ name, aliases: [], since_round: round });
        h.cameras.push({ name: `${name.replace(/\s+/g, '_')}_cam`, room: name, since_round: round });
        note(round, kind, `new room ${name} with camera ${name.replace(/\s+/g, '_')}_cam`);
      } else if (kind === 'room_word') {
        const room = rng.pick(h.rooms.filter((r) => r.since_round === 0));
        const word = rng.pick(ROOM_WORDS.filter((w) => !h.rooms.some((r) => r.aliases.some((a) => a.text === w))));
        room.aliases.push({ text: word, since_round: round });
        h.vocabulary.push({ phrase: word, means: room.name, kind: 'room', since_round: round });
        note(round, kind, `${room.name.includes("'s") ? '' : 'the '}${room.name} is now called "${word}"`);
      } else {
        const candidates = h.routines.filter((r) => r.since_round === 0 && r.until_round === undefined);
        if (candidates.length === 0) continue;
        const old = rng.pick(candidates);
        const shift = rng.pick([-90, -60, 60, 90]);
        old.until_round = round - 1;
        const moved: Routine = {
          ...old,
          start: hm(minutesOf(old.start) + shift),
          end: hm(minutesOf(old.end) + shift),
          since_round: round,
        };
        delete moved.until_round;
        h.routines.push(moved);
        note(round, kind, `routine ${old.id} moves ${old.start}–${old.end} → ${moved.start}–${moved.end}`);
      }
    }
    for (let r = 1; r < o.rounds; r++)
      note(r, 'phrasing', r < 3 ? 'phrasing drifts: more chatty and terse asks' : 'phrasing: mostly terse and chatty');
    const problems = checkHousehold(h);
    if (problems.length > 0) throw new Error(`drift household ${id} is inconsistent:\n${problems.join('\n')}`);
    households.push(h);
  }
  return { households, events };
}

/** The datasheet (markdown): what the set is, where it comes from, and what drifts when, per household. */
export function driftDatasheet(
  o: DriftOptions,
  households: readonly Household[],
  events: readonly DriftEvent[],
  counts: Map<string, number>,
): string {
  const lines = [
    '# Lifelong drift set — datasheet',
    '',
    `Written by \`npx tsx bench/jobs/lifelong-drift/build-data.ts\` (seed ${o.seed}, ${o.households} households × ${o.rounds} rounds, ` +
      `${o.perRound} asks per household and round before follow-ups, test share ${o.testShare}).`,
    '',
    '- **What**: Q2A samples (bench/datasets generator: one source of gold plans) for households drawn by the corpus household',
    '  generator with its own seed, every person renamed from a name pool; no name of the planner corpus',
    `  (${o.corpusHouseholds ?? 'not checked'}) is used.`,
    "- **Splits**: per household and round, `train.jsonl` is the round's question stream (the edge sees the questions only; the",
    "  gold plans are there for scoring pseudo-labels and for the oracle teacher) and `test.jsonl` the round's test split.",
    "- **Drift**: each round from 1 on brings something new (below); the phrasing habits drift every round (the generator's",
    '  per-round style weights: plain/polite early, terse/chatty later); a new person or room is asked about more often in the',
    '  round it appears in.',
    "- **Config lag**: a new person and a new room are in the device's per-round context (configured when they arrive); a new",
    '  nickname and a new word for a room are not (spoken before anyone configures them): only an adapter can learn those.',
    '  A moved routine changes when things happen, not the gold plans (time phrases are resolved at execution).',
    '',
    '| household | round | samples (train/test) | what is new |',
    '|---|---|---|---|',
  ];
  for (const h of households)
    for (const r of h.rounds) {
      const what = events.filter((e) => e.household === h.id && e.round === r.index).map((e) => e.what);
      const n = (split: string): number => counts.get(`${h.id}/${r.index}/${split}`) ?? 0;
      lines.push(`| ${h.id} | ${r.index} | ${n('train')}/${n('test')} | ${what.join('; ')} |`);
    }
  lines.push('', '## Households', '');
  for (const h of households) {
    const people = h.people.map((p) => `${p.name} (${p.relation}${p.since_round > 0 ? `, from round ${p.since_round}` : ''})`);
    lines.push(`- **${h.id}** (${h.timezone}, ${h.locale}): ${people.join(', ')}; rooms ${h.rooms.map((r) => r.name).join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes the set: the Q2A files (train/test/q2a.jsonl, households.json…), drift.json and DATASHEET.md. */
export async function buildDriftDataset(o: DriftOptions & { out: string }): Promise<{ samples: number; events: DriftEvent[] }> {
  const { households, events } = driftHouseholds(o);
  const r = await buildDataset({
    seed: o.seed,
    householdList: households,
    perRound: o.perRound,
    splitShares: { val: 0, test: o.testShare },
    out: o.out,
    activityOut: null,
  });
  const counts = new Map<string, number>();
  for (const split of ['train', 'test'] as const) {
    const text = readFileSync(join(o.out, `${split}.jsonl`), 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const s = JSON.parse(line) as { household: string; round: number };
      const k = `${s.household}/${s.round}/${split}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  // Config lag: a nickname is spoken before anyone configures it, so the device's per-round context (what a request
  // carries, and what the privacy filter and grounding know) lacks the drift nicknames; room words never reach it
  // either (the per-round context has room names only). Only the adapter can learn them.
  const unconfigured = new Set(events.filter((e) => e.kind === 'nickname').map((e) => /"([^"]+)"/.exec(e.what)![1]!));
  const hhFile = join(o.out, 'households.json');
  const doc = JSON.parse(readFileSync(hhFile, 'utf8')) as {
    households: Array<{ per_round: Array<{ planner_context: { people: Array<{ name: string; aliases: string[] }> } }> }>;
  };
  for (const h of doc.households)
    for (const r of h.per_round) for (const p of r.planner_context.people) p.aliases = p.aliases.filter((a) => !unconfigured.has(a));
  writeFileSync(hhFile, JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(join(o.out, 'drift.json'), JSON.stringify({ options: o, events }, null, 2) + '\n');
  writeFileSync(join(o.out, 'DATASHEET.md'), driftDatasheet(o, households, events, counts));
  return { samples: r.samples, events };
}
