import { formatIsoInZone, zonedDay } from '../system/index.js';
import { allowedEdits, editDistance, swappedLetters } from './fuzzy.js';
import { kinshipWords } from './kinship-words.js';
import { foreignPlaceWords, placeCore, placeSynonyms, zoneHeadWord, zoneWords } from './place-words.js';
import { findTimeSpans, lowerSameLength } from './time-spans.js';
import { parseNumberWord } from './time-words.js';
import type { Delexicalised, GroundingContext, GroundingPerson, GroupMeaning, Mention, MentionKind, Resolution } from './types.js';

/**
 * Mention detection: finds the people, groups, cameras, rooms, zones, times
 * and numbers a question names, resolves each against the household, and
 * replaces it by a typed placeholder. Order: time spans first (they contain
 * numbers and words like "night"), then names of people and places written
 * exactly, then group phrases, then misspelled names (within a length-bounded
 * edit distance), then the remaining numbers. A surface that matches several people keeps all
 * of them as candidates; choosing is left to resolution.
 */

export interface DetectOptions {
  /**
   * Mentions of earlier turns of the conversation: an entity named again
   * reuses its placeholder, new ones continue the numbering.
   */
  continueFrom?: readonly Mention[];
}

interface Span {
  start: number;
  end: number;
  kind: MentionKind;
  resolved: Resolution;
}

type EntityTarget =
  | { kind: 'person'; name: string }
  | { kind: 'camera'; camera: string; room: string | null }
  | { kind: 'room'; room: string }
  | { kind: 'zone'; zone: string };

interface Entry {
  /** Normalised words, space-joined ("front door"). */
  words: string;
  target: EntityTarget;
  /** Misspellings of it are accepted (names and places; not short kinship words). */
  fuzzy: boolean;
  /** Another word for a place the household named otherwise (a synonym, another language's word): no head word. */
  derived?: boolean;
}

/** Words that are never read as a misspelled name ("like" is not "Mike", "onto" is not "Otto"). */
const COMMON = new Set(
  (
    'a about after again all also am an and any anyone are around as at away back be been before being both but by ' +
    'came can come coming could day did do does doing done down each else even ever every for from front get go ' +
    'going gone got had has have he her here him his home house how i if in into is it its just kind know last late ' +
    'later left like long look looked made make many may me might more most much must my near need never new next ' +
    'no not now of off on once one only onto or other our out over own place put room same saw see seen she should ' +
    'show since so some still such take tell than that the their them then there these they thing this those ' +
    'through time to today too took two under until up upon us very was way we well went were what when where which ' +
    'while who whom whose why will with would yes yet you your door game good open last lost mean meet mind more ' +
    'nice once play read same stay step stop sure turn walk want wash went yard clip clips photo photos picture ' +
    'camera cameras events event times people person video footage snapshot check tonight anybody somebody someone ' +
    'everyone nobody something anything everything inside outside area side call calls called fall fell feel hold ' +
    'held kids kid away mine mall ball bell tall wall hear here heard sofa'
  ).split(' '),
);

/** Words that never join a neighbour into one name. */
const FUNCTION_WORDS = new Set(
  'a an and are as at be by for from has in into is it of on or our my the to was were with his her their at near by'.split(' '),
);

const CHILD_WORDS = ['son', 'daughter', 'child', 'kid', 'boy', 'girl', 'stepson', 'stepdaughter'];
const PARENT_WORDS = ['mum', 'mom', 'mother', 'dad', 'father', 'mama', 'papa', 'mummy', 'mommy', 'daddy'];
const GRANDPARENT_WORDS = ['grandma', 'grandpa', 'granny', 'grandad', 'granddad', 'grandmother', 'grandfather', 'nana', 'oma', 'opa'];

/** Group phrases with a fixed meaning. */
const MEANING_PHRASES: ReadonlyArray<[GroupMeaning, readonly string[]]> = [
  [
    'unknown',
    [
      "someone i don't know",
      "somebody i don't know",
      "someone we don't know",
      "somebody we don't know",
      "anyone i don't know",
      "anyone we don't know",
      "anybody we don't know",
      "anybody i don't know",
      "people we don't know",
      "people i don't know",
      'someone unknown',
      'somebody unknown',
      'an unknown person',
      'unknown person',
      'unknown people',
      'unknown persons',
      'an unknown',
      'a stranger',
      'strangers',
      'stranger',
      'an intruder',
      'intruders',
      'intruder',
      'someone unfamiliar',
      'unfamiliar people',
      'someone suspicious',
      'a burglar',
      'burglars',
      'anyone unknown',
      'anybody unknown',
      'anyone unfamiliar',
      'anybody unfamiliar',
      'anyone strange',
      'anybody strange',
      'somebody strange',
      'someone strange',
      'somebody unfamiliar',
      'anyone suspicious',
      'unknown faces',
      'unknown face',
      'unfamiliar faces',
      'unfamiliar face',
      "faces i don't know",
      "faces we don't know",
      'new faces',
    ],
  ],
  [
    'everyone',
    [
      'everyone',
      'everybody',
      'every1',
      'evry1',
      'all of us',
      'the whole family',
      'whole family',
      'the family',
      'every one of us',
      'each of us',
    ],
  ],
  [
    'anyone',
    [
      'anyone',
      'anybody',
      'someone',
      'somebody',
      'any person',
      'a person',
      'any people',
      'any visitors',
      'a visitor',
      'visitors',
      'people',
      'any one',
      // as people text them
      'any1',
      'ne1',
      'some1',
      'sum1',
      'any ppl',
      'ppl',
    ],
  ],
];

/** The words before a camera's number ("camera 4"). */
const NUMBERED_CAMERA = ['cam', 'camera', 'cam number', 'camera number', 'cam no', 'camera no', 'channel', 'ch', 'channel number'];

function normWords(s: string): string {
  return lowerSameLength(s)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .join(' ');
}

/**
 * A word as people type it without its accents: "Gül" as "gul", "José" as "jose", "Søren" as "soren" (marks dropped,
 * ß as ss, the letters NFD does not split mapped by hand). Lookup keys only; spans keep the question's text.
 */
export function foldMarks(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[øØ]/g, 'o')
    .replace(/[łŁ]/g, 'l')
    .replace(/æ/g, 'ae')
    .replace(/œ/g, 'oe')
    .replace(/ı/g, 'i')
    .replace(/đ/g, 'd');
}

/** German umlauts as they are written without them ("Jürgen" as "juergen"); null when the word has none. */
function umlautSpelling(words: string): string | null {
  if (!/[äöü]/.test(words)) return null;
  return words.replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex for a phrase: any spacing, straight or curly apostrophes (or none). */
function phraseRe(phrase: string): RegExp {
  const body = escapeRe(lowerSameLength(phrase)).replace(/['’]/g, "['’]?").replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, 'gu');
}

/** The household's names and nicknames as lookup keys. */
function personNames(ctx: GroundingContext): Set<string> {
  return new Set(ctx.people.flatMap((p) => [p.name, ...(p.aliases ?? [])]).map((n) => foldMarks(normWords(n))));
}

function buildLexicon(ctx: GroundingContext, called: ReadonlySet<string>): Entry[] {
  const out: Entry[] = [];
  const add = (phrase: string, target: EntityTarget, fuzzy: boolean, derived = false): void => {
    const words = normWords(phrase);
    if (words.length === 0) return;
    out.push({ words, target, fuzzy, ...(derived ? { derived } : {}) });
    const spelled = umlautSpelling(words);
    if (spelled !== null) out.push({ words: spelled, target, fuzzy, ...(derived ? { derived } : {}) });
  };
  // another language's kinship word stands back where it is someone's name or nickname ("Oma" may be one grandma's)
  for (const p of ctx.people) {
    const t = { kind: 'person', name: p.name } as const;
    add(p.name, t, true);
    for (const a of p.aliases ?? []) add(a, t, true);
    for (const k of p.kinship ?? []) {
      const words = [k, ...kinshipWords(k).filter((w) => !called.has(w))];
      // misspelt only after "my" or "our" ("my dauhter"; "bother" alone is no "brother")
      for (const word of words) for (const pre of ['', 'my ', 'our ']) add(`${pre}${word}`, t, pre !== '' && word.length >= 5);
    }
  }
  // "Astrid's brother", "Karim's sister": a child's brothers and sisters by the household's relations to the asker, and
  // the children of the asker's partner ("Tomek's daughter"); several who fit stay candidates (an ambiguity)
  const sons = peopleWithKin(ctx, ['son', 'stepson']);
  const daughters = peopleWithKin(ctx, ['daughter', 'stepdaughter']);
  const children = [...sons, ...daughters, ...peopleWithKin(ctx, ['child'])];
  const relatives = (owner: GroundingPerson, kin: readonly string[], of: readonly GroundingPerson[]): void => {
    for (const target of of) {
      if (target === owner) continue;
      for (const name of [owner.name, ...(owner.aliases ?? [])])
        for (const k of kin) for (const s of ["'s", 's']) add(`${name}${s} ${k}`, { kind: 'person', name: target.name }, false);
    }
  };
  for (const c of children) {
    relatives(c, ['brother', 'little brother', 'big brother', 'younger brother', 'older brother'], sons);
    relatives(c, ['sister', 'little sister', 'big sister', 'younger sister', 'older sister'], daughters);
    relatives(c, ['sibling'], children);
  }
  // the partner's children, and their parents ("Tom's mum" where Tom is the asker's partner: the mother-in-law)
  for (const partner of peopleWithKin(ctx, ['husband', 'wife', 'partner', 'spouse'])) {
    relatives(partner, ['son', 'boy'], sons);
    relatives(partner, ['daughter', 'girl'], daughters);
    relatives(partner, ['mum', 'mom', 'mother', 'mam', 'ma'], peopleWithKin(ctx, ['mother-in-law']));
    relatives(partner, ['dad', 'father', 'pa', 'old man'], peopleWithKin(ctx, ['father-in-law']));
  }
  // "the boy" / "my girl" for the household's one son / daughter (two sons are "the boys", a group); "with his
  // sister", "with her brother" where the household has one of each
  const onlySons = peopleWithKin(ctx, ['son']);
  const onlyDaughters = peopleWithKin(ctx, ['daughter']);
  const only = (of: readonly GroundingPerson[], words: readonly string[]): void => {
    if (of.length === 1) for (const w of words) add(w, { kind: 'person', name: of[0]!.name }, false);
  };
  only(onlySons, ['the boy', 'my boy', 'our boy', 'the lad', 'my lad', 'our lad']);
  only(onlyDaughters, ['the girl', 'my girl', 'our girl']);
  if (onlySons.length === 1 && onlyDaughters.length === 1) {
    const sizes = ['', 'little ', 'big ', 'younger ', 'older ', 'baby '];
    only(
      onlyDaughters,
      sizes.map((size) => `his ${size}sister`),
    );
    only(
      onlySons,
      sizes.map((size) => `her ${size}brother`),
    );
  }
  // a place by its name, its core ("garage_side" → "garage"), English synonyms of those ("the lounge") and the
  // other languages' words for them ("Küche"); a camera of a room leaves those to the room's entries
  const addPlace = (phrase: string, target: EntityTarget, derive = true): void => {
    add(phrase, target, true);
    const words = foldMarks(normWords(phrase));
    const core = placeCore(words);
    if (core !== null) add(core, target, true, true);
    const number = otherNumber(words);
    if (number !== null) add(number, target, false, true);
    if (!derive) return;
    for (const w of core === null ? [words] : [words, core]) {
      for (const other of [...placeSynonyms(w), ...foreignPlaceWords(w)]) add(other, target, false, true);
    }
  };
  // the last words of multi-word zone names that no other zone ends in and no place or zone is called
  const zoneHeads = new Map<string, string>();
  const names = new Set([
    ...ctx.cameras.flatMap((c) => [normWords(c.id), ...(c.zones ?? []).map(normWords)]),
    ...(ctx.rooms ?? []).map((r) => normWords(r.name)),
  ]);
  const lastWords = ctx.cameras.flatMap((c) =>
    (c.zones ?? []).flatMap((z) => {
      const head = zoneHeadWord(normWords(z));
      return head === null ? [] : [[z, head] as const];
    }),
  );
  for (const [z, head] of lastWords) {
    const shared = lastWords.some(([other, h]) => h === head && other !== z);
    if (!shared && !names.has(head) && !COMMON_HEADS.has(head)) zoneHeads.set(z, head);
  }
  for (const c of ctx.cameras) {
    const t = { kind: 'camera', camera: c.id, room: c.room ?? null } as const;
    addPlace(c.id, t, c.room === undefined);
    // a numbered camera by its number: "camera 4", "camera number 4", "channel 4" for cam4, cam_04, camera-4 or a
    // recorder's channel ch4
    const numbered = /^(?:cam|camera|cctv|ipcam|ch|chan|channel)[\s_-]*0*(\d{1,3})$/i.exec(c.id);
    if (numbered !== null) for (const w of NUMBERED_CAMERA) add(`${w} ${numbered[1]}`, t, false, true);
    for (const z of c.zones ?? []) {
      add(z, { kind: 'zone', zone: z }, true);
      for (const other of zoneWords(foldMarks(normWords(z)))) add(other, { kind: 'zone', zone: z }, false, true);
      // "the table" for dining_table, "the shed" for bike_shed: the last word of one zone's name, said with "the"
      const head = zoneHeads.get(z);
      if (head !== undefined) add(`the ${head}`, { kind: 'zone', zone: z }, false, true);
    }
  }
  for (const r of ctx.rooms ?? []) {
    const t = { kind: 'room', room: r.name } as const;
    for (const a of [r.name, ...(r.aliases ?? [])]) addPlace(a, t);
  }
  return out;
}

/**
 * A multi-word place name with its last word in the other number ("boys quarters" → "boys quarter", "back step" →
 * "back steps"), or null: said either way, it is the same place, and read before group phrases ("the boys").
 */
function otherNumber(words: string): string | null {
  const parts = words.split(' ');
  const last = parts[parts.length - 1]!;
  if (parts.length < 2 || last.length < 4 || /(?:ss|us|is)$/.test(last)) return null;
  parts[parts.length - 1] = last.endsWith('s') ? last.slice(0, -1) : `${last}s`;
  return parts.join(' ');
}

/**
 * Head words (`last`) or first words (`first`) of the household's multi-word place names ("door" of "front door" /
 * front_door, "back" of "back garden") that stand for one place: every entry with that word covers the same cameras
 * (or room), and no place is called just that.
 */
function placeHeads(lexicon: readonly Entry[], which: 'first' | 'last'): Map<string, Entry[]> {
  const whole = new Set(lexicon.filter((e) => e.target.kind !== 'person').map((e) => e.words));
  const byHead = new Map<string, Entry[]>();
  for (const e of lexicon) {
    if (e.target.kind === 'person' || e.target.kind === 'zone' || e.derived === true) continue;
    const words = e.words.split(' ');
    const head = which === 'last' ? words[words.length - 1]! : words[0]!;
    if (words.length < 2 || whole.has(head) || COMMON_HEADS.has(head)) continue;
    byHead.set(head, [...(byHead.get(head) ?? []), e]);
  }
  const out = new Map<string, Entry[]>();
  for (const [head, entries] of byHead) if (new Set(entries.map(placeOf)).size === 1) out.set(head, entries);
  return out;
}

/** The place an entry stands for: a camera's room (or the camera, with none), a room, a zone; '' for a person. */
function placeOf(e: Entry): string {
  const t = e.target;
  return t.kind === 'camera' ? (t.room ?? `camera:${t.camera}`) : t.kind === 'room' ? t.room : t.kind === 'zone' ? `zone:${t.zone}` : '';
}

/** Head words too general to stand for a place on their own ("the cam", "the area"). */
const COMMON_HEADS = new Set(['cam', 'camera', 'area', 'side', 'way', 'one', 'bit', 'end', 'part']);

/** The household's people whose kinship words include one of `kin` (lower case). */
function peopleWithKin(ctx: GroundingContext, kin: readonly string[]): GroundingPerson[] {
  return ctx.people.filter((p) => (p.kinship ?? []).some((k) => kin.includes(k.toLowerCase())));
}

/** Groups the household defines, plus the children / parents / grandparents its kinship words imply. */
function groupPhrases(ctx: GroundingContext): Array<{ phrase: string; meaning: GroupMeaning; people: string[] }> {
  const out: Array<{ phrase: string; meaning: GroupMeaning; people: string[] }> = [];
  for (const g of ctx.groups ?? []) for (const p of g.phrases) out.push({ phrase: p, meaning: 'members', people: [...g.members] });
  const implied: Array<[readonly string[], readonly string[]]> = [
    [CHILD_WORDS, ['kids', 'children', 'the little ones', 'the young ones']],
    [CHILD_WORDS, ["the young'uns", 'the younguns', 'the youngsters', 'the kiddos', 'the kiddies']],
    // "the boys" are the sons, "the girls" the daughters (a son is none of "my girls")
    [
      ['son', 'stepson', 'boy'],
      ['the boys', 'our boys', 'my boys', 'the lads', 'both boys', 'both the boys'],
    ],
    [
      ['daughter', 'stepdaughter', 'girl'],
      ['the girls', 'our girls', 'my girls', 'both girls', 'both the girls'],
    ],
    [PARENT_WORDS, ['parents', 'mum and dad', 'mom and dad', 'folks']],
    [
      ['mother-in-law', 'father-in-law'],
      ['in-laws', 'in laws', 'inlaws'],
    ],
    [GRANDPARENT_WORDS, ['grandparents', 'grandma and grandpa', 'oma and opa', 'nana and grandad']],
  ];
  for (const [kin, phrases] of implied) {
    const members = peopleWithKin(ctx, kin).map((p) => p.name);
    if (members.length < 2) continue;
    for (const p of phrases)
      for (const pre of p.startsWith('the ') || p.startsWith('my ') || p.startsWith('our ') ? [''] : ['the ', 'my ', 'our ', '']) {
        out.push({ phrase: `${pre}${p}`, meaning: 'members', people: members });
      }
  }
  // A kinship word in the plural names everyone it fits ("my housemates", "our daughters").
  const byKin = new Map<string, string[]>();
  for (const p of ctx.people) for (const k of p.kinship ?? []) byKin.set(k.toLowerCase(), [...(byKin.get(k.toLowerCase()) ?? []), p.name]);
  for (const [k, members] of byKin) {
    if (members.length < 2 || k.includes(' ')) continue;
    for (const pre of ['my ', 'our ', 'the ', '']) out.push({ phrase: `${pre}${k}s`, meaning: 'members', people: members });
  }
  const residents = ctx.people.filter((p) => p.resident !== false).map((p) => p.name);
  for (const [meaning, phrases] of MEANING_PHRASES) {
    for (const p of phrases)
      out.push({ phrase: p, meaning, people: meaning === 'everyone' ? residents : meaning === 'unknown' ? ['unknown'] : [] });
  }
  return out;
}

interface Token {
  text: string;
  start: number;
  end: number;
}

function resolutionOf(entries: readonly Entry[], ctx: GroundingContext, fuzzy: boolean): Span['resolved'] {
  const first = entries[0]!.target;
  switch (first.kind) {
    case 'person': {
      const people = [...new Set(entries.flatMap((e) => (e.target.kind === 'person' ? [e.target.name] : [])))];
      return { kind: 'person', people, fuzzy };
    }
    case 'camera':
      return { kind: 'camera', camera: first.camera, room: first.room, fuzzy };
    case 'room':
      return { kind: 'room', room: first.room, cameras: ctx.cameras.filter((c) => c.room === first.room).map((c) => c.id), fuzzy };
    case 'zone':
      return { kind: 'zone', zone: first.zone, cameras: ctx.cameras.filter((c) => (c.zones ?? []).includes(first.zone)).map((c) => c.id) };
  }
}

/** Entries of the best kind present: people before cameras before rooms before zones. */
function bestKind(entries: readonly Entry[]): Entry[] {
  for (const k of ['person', 'camera', 'room', 'zone'] as const) {
    const of = entries.filter((e) => e.target.kind === k);
    if (of.length > 0) return of;
  }
  return [];
}

function entityKey(r: Resolution): string {
  switch (r.kind) {
    case 'person':
      return `person:${[...r.people].sort().join('|')}`;
    case 'group':
      return `group:${r.meaning}:${[...r.people].sort().join('|')}`;
    case 'camera':
      return `camera:${r.camera}`;
    case 'room':
      return `room:${r.room}`;
    case 'zone':
      return `zone:${r.zone}`;
    case 'time':
      return `time:${r.phrase}`;
    case 'number':
      return `number:${r.value}`;
  }
}

/** A number on its own (not part of a clock time, a date or a word). */
const NUMBER_MENTION = new RegExp(
  '(?<![\\p{L}\\p{N}_.:-])(\\d+(?:\\.\\d+)?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)' +
    '(?![\\p{L}\\p{N}_]|[.:]\\d)',
  'gu',
);

/**
 * The asker as a person in the question: "I" next to a verb of being or
 * moving ("was I", "I left"), "me" as the one seen ("see me", "of me"),
 * "myself". Not every "I"/"me": "can I see", "show me" are not about them.
 */
const ASKER = new RegExp(
  "(?<![\\p{L}])(?:(?:was|were|did|have|had|am|when|where)\\s+(?<a>i)(?![\\p{L}'’])" +
    '|(?<b>i)\\s+(?:was|went|came|left|got|arrived|passed|walked|spent|sat|slept|cooked|ate)(?![\\p{L}])' +
    '|(?:see|saw|seen|spot|spotted|of|with|film|filmed|record|recorded)\\s+(?<c>me|myself)(?![\\p{L}])' +
    '|(?:^|[.!?,:]\\s*)(?<d>me)\\s+(?:in|at|on|by)(?![\\p{L}]))',
  'gud',
);

/** The phrase, then plainer wordings of it for the resolver ("so far today" → "today", "at about 5" → "around 5"). */
function resolverWordings(phrase: string): string[] {
  const plain = phrase
    .replace(/\b(?:so far|just|sometime|some time)\b/g, ' ')
    .replace(/\b(?:at )?(?:about|approximately|approx|roughly|circa)\b/g, 'around')
    .replace(/\b(?:this past|the past|previous|last) ((?:mon|tues|wednes|thurs|fri|satur|sun)day)\b/g, 'last $1')
    .replace(/\s+/g, ' ')
    .trim();
  return plain === phrase || plain === '' ? [phrase] : [phrase, plain];
}

/**
 * The household's lexicon and group phrases (with their regexes), built once per household: a daemon asks about
 * the same household all day, and building them (every synonym and other language's word) costs more than a lookup.
 */
interface HouseholdWords {
  /** Entries by their folded words, and written together ("frontdoor"). */
  byWords: Map<string, Entry[]>;
  byCompact: Map<string, Entry[]>;
  groups: Array<ReturnType<typeof groupPhrases>[number] & { re: RegExp }>;
  /** placeHeads' last and first words. */
  heads: Map<string, Entry[]>;
  sides: Map<string, Entry[]>;
  /** Entries whose misspellings count, with their folded words written together. */
  /** Entries matched misspelt: the entry, its folded words without spaces, the article that must come before them. */
  fuzzyTargets: Array<[Entry, string, string | null]>;
  /** personNames: a time word that is one of them is the person. */
  names: Set<string>;
}
const householdCache = new Map<string, HouseholdWords>();
function householdWords(ctx: GroundingContext): HouseholdWords {
  const key = JSON.stringify([ctx.people, ctx.cameras, ctx.rooms ?? [], ctx.groups ?? []]);
  const hit = householdCache.get(key);
  if (hit !== undefined) return hit;
  const groups = groupPhrases(ctx)
    .sort((a, b) => b.phrase.length - a.phrase.length)
    .map((g) => ({ ...g, re: phraseRe(g.phrase) }));
  const names = personNames(ctx);
  const lexicon = buildLexicon(ctx, names);
  const byWords = new Map<string, Entry[]>();
  const byCompact = new Map<string, Entry[]>();
  for (const e of lexicon) {
    const k = foldMarks(e.words);
    byWords.set(k, [...(byWords.get(k) ?? []), e]);
    const c = k.replace(/ /g, '');
    byCompact.set(c, [...(byCompact.get(c) ?? []), e]);
  }
  // a place's own name wins over another place's synonym ("family room" when the household has one)
  for (const map of [byWords, byCompact])
    for (const [k, es] of map)
      if (es.some((e) => e.derived !== true))
        map.set(
          k,
          es.filter((e) => e.derived !== true),
        );
  const value: HouseholdWords = {
    byWords,
    byCompact,
    groups,
    heads: placeHeads(lexicon, 'last'),
    sides: placeHeads(lexicon, 'first'),
    // a nickname with its article or possessive ("the childminder", "my husband") is misspelt in its noun ("the
    // childmindr"): the noun is the target, and the word before it must be that article ("driven" is no "driver")
    fuzzyTargets: lexicon
      .filter((e) => e.fuzzy)
      .map((e) => {
        const lead = /^(the|my|our) (?=\S)/.exec(e.words)?.[1] ?? null;
        return [e, foldMarks(lead === null ? e.words : e.words.slice(lead.length + 1)).replace(/ /g, ''), lead];
      }),
    names,
  };
  if (householdCache.size >= 16) householdCache.delete(householdCache.keys().next().value!);
  householdCache.set(key, value);
  return value;
}

export function detectMentions(question: string, ctx: GroundingContext, options: DetectOptions = {}): Delexicalised {
  const lower = lowerSameLength(question);
  const spans: Span[] = [];
  const free = (s: number, e: number): boolean => !spans.some((x) => s < x.end && x.start < e);
  const nowMs = Date.parse(ctx.now);

  const { byWords, byCompact, groups, heads, sides, fuzzyTargets, names } = householdWords(ctx);

  // 1. time spans, not where a time word is someone's name ("Abhi" is "now" in Hindi, "Kal" "yesterday")
  for (const t of findTimeSpans(question, ctx.routines ?? [])) {
    if (names.has(foldMarks(normWords(lower.slice(t.start, t.end))))) continue;
    const resolved: Extract<Resolution, { kind: 'time' }> = { kind: 'time', phrase: t.phrase };
    if (t.routine !== undefined) resolved.routine = t.routine;
    if (ctx.resolveTime !== undefined && Number.isFinite(nowMs)) {
      // Not understood by the resolver in any wording: the span is still a time mention (resolution reports it later).
      for (const phrase of resolverWordings(t.phrase)) {
        try {
          const r = ctx.resolveTime(phrase, nowMs, ctx.timezone);
          resolved.start = formatIsoInZone(r.startMs, ctx.timezone, { zulu: false });
          resolved.end = formatIsoInZone(r.endMs, ctx.timezone, { zulu: false });
          resolved.day = zonedDay(r.startMs, ctx.timezone);
          break;
        } catch {
          // try the next wording
        }
      }
    }
    spans.push({ start: t.start, end: t.end, kind: 'time', resolved });
  }

  // 2. people and places named exactly, over word n-grams
  const tokens: Token[] = [...lower.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
  const used = new Array<boolean>(tokens.length).fill(false);
  tokens.forEach((t, i) => {
    if (!free(t.start, t.end)) used[i] = true;
  });
  const gram = (i: number, n: number): Token[] | null => {
    if (i + n > tokens.length) return null;
    for (let k = i; k < i + n; k++) {
      if (used[k]) return null;
      if (k === i) continue;
      // words joined by spaces, a dash, an apostrophe, and a plural's possessive apostrophe ("the kids' room")
      const gap = lower.slice(tokens[k - 1]!.end, tokens[k]!.start);
      if (!/^(?:[\s\-_]+|['’]|\.\s*)$/.test(gap) && !(/^['’]\s+$/.test(gap) && tokens[k - 1]!.text.endsWith('s'))) return null;
    }
    return tokens.slice(i, i + n);
  };
  /** Whether "in law" follows the words ("my mother in law", "my mothr-in-law"). */
  const inLawAfter = (g: readonly Token[]): boolean => /^[\s-]+in[\s-]+laws?\b/.test(lower.slice(g[g.length - 1]!.end));
  const take = (i: number, n: number, end: number, entries: Entry[], fuzzy: boolean): void => {
    const kindEntries = bestKind(entries);
    const resolved = resolutionOf(kindEntries, ctx, fuzzy);
    for (let k = i; k < i + n; k++) used[k] = true;
    spans.push({ start: tokens[i]!.start, end, kind: resolved.kind, resolved });
  };
  const MAX_N = 6;
  // exact
  for (let n = MAX_N; n >= 1; n--) {
    for (let i = 0; i < tokens.length; i++) {
      const g = gram(i, n);
      if (g === null) continue;
      const words = foldMarks(g.map((t) => t.text).join(' '));
      // written together or apart ("frontdoor", "front door"), but not across a function word ("Constant in" is not "Constantin")
      const joinable = n === 1 || !g.some((t) => FUNCTION_WORDS.has(t.text));
      const hit = byWords.get(words) ?? (joinable ? byCompact.get(words.replace(/ /g, '')) : undefined);
      // "my mother in law" is no mother where the household has no mother-in-law
      if (hit !== undefined && !(inLawAfter(g) && hit.every((e) => e.target.kind === 'person')))
        take(i, n, g[g.length - 1]!.end, hit, false);
    }
  }
  // 2b. a place by its head word: "the door" for the front door, "the landing" for the upstairs landing, where the
  // word ends exactly one place's multi-word name and is no place's whole name (two doors are asked back instead).
  // Likewise a side of the house said on its own ("out the back", "upstairs") for the one place whose name starts
  // with it ("back garden", "upstairs landing").
  // a word that ends the phrase, not one that qualifies a noun of its own ("the back door", "upstairs loo")
  const alone =
    String.raw`(?![\p{L}\p{N}]|\s+(?!(?:and|or|at|in|on|to|for|today|tonight|yesterday|this|last|rn|now|right|after|` +
    String.raw`before|during|around|between|since)\b)\p{L})`;
  const byWord: Array<[RegExp, Map<string, Entry[]>]> = [
    [/(?<![\p{L}\p{N}])the\s+(\p{L}+)(?![\p{L}\p{N}])/gu, heads],
    // "the back", not "came back"; "the storage" for the storage shed (the one place whose name starts with it). Only
    // these words: most first words of a place name also name people or things ("the kids" of the kids' room, "the tv"
    // of the tv room, "the guest" of the guest room)
    [
      new RegExp(
        String.raw`(?<![\p{L}\p{N}])(?:(?:the|out)\s+(back|front)|(upstairs|downstairs)|the\s+(storage|laundry|utility|boiler))${alone}`,
        'gu',
      ),
      sides,
    ],
  ];
  for (const [re, places] of byWord) {
    for (const m of lower.matchAll(re)) {
      const word = m[1] ?? m[2] ?? m[3]!;
      const start = m.index + m[0].length - word.length;
      const end = m.index + m[0].length;
      const entries = places.get(word);
      if (entries === undefined || !free(start, end)) continue;
      const resolved = resolutionOf(bestKind(entries), ctx, false);
      spans.push({ start, end, kind: resolved.kind, resolved });
    }
  }
  // 3. group phrases, longest first (after exact names: "the family room" is a room)
  for (const g of groups) {
    for (const m of lower.matchAll(g.re)) {
      const s = m.index;
      const e = s + m[0].length;
      if (free(s, e)) spans.push({ start: s, end: e, kind: 'group', resolved: { kind: 'group', meaning: g.meaning, people: g.people } });
    }
  }

  tokens.forEach((t, i) => {
    if (!free(t.start, t.end)) used[i] = true;
  });
  // A possessive without its apostrophe ("dads car"): the person's name or kinship word without the s.
  for (let n = MAX_N; n >= 1; n--) {
    for (let i = 0; i < tokens.length; i++) {
      const g = gram(i, n);
      if (g === null) continue;
      const words = foldMarks(g.map((t) => t.text).join(' '));
      if (!words.endsWith('s') || words.length <= 3) continue;
      const hit = (byWords.get(words.slice(0, -1)) ?? []).filter((e) => e.target.kind === 'person');
      if (hit.length > 0) take(i, n, g[g.length - 1]!.end - 1, hit, false);
    }
  }
  // 4. misspelled names: the closest entries within the length-bounded distance (targets folded once); a 4-letter
  // name only with two neighbouring letters swapped
  for (let n = 3; n >= 1; n--) {
    for (let i = 0; i < tokens.length; i++) {
      const g = gram(i, n);
      if (g === null) continue;
      if (g.every((t) => COMMON.has(t.text) || /^\d+$/.test(t.text))) continue;
      if (n > 1 && g.some((t) => FUNCTION_WORDS.has(t.text))) continue;
      const compact = foldMarks(g.map((t) => t.text).join(''));
      if (compact.length < 4) continue;
      let best = Number.POSITIVE_INFINITY;
      let hits: Entry[] = [];
      for (const [e, target, lead] of fuzzyTargets) {
        if (lead !== null && tokens[i - 1]?.text !== lead) continue;
        const swapped = target.length === 4 && swappedLetters(compact, target);
        const limit = swapped ? 1 : allowedEdits(target.length);
        if (limit === 0) continue;
        const d = swapped ? 1 : editDistance(compact, target, limit);
        if (d > limit || d > best) continue;
        if (d < best) {
          best = d;
          hits = [];
        }
        hits.push(e);
      }
      // a name itself before a word derived from one ("kitchn": the kitchen room, not kitchen_cam's core)
      const named = hits.filter((e) => e.derived !== true);
      const chosen = bestKind(named.length > 0 ? named : hits);
      // as close to two places ("the gate" to gate1 and gate2) is neither: the ambiguity is asked back
      const tied = new Set(chosen.map(placeOf)).size > 1;
      if (hits.length > 0 && best > 0 && !inLawAfter(g) && !tied) take(i, n, g[g.length - 1]!.end, chosen, true);
    }
  }

  // 5. the asker, where the question is about them ("when was I in the garage", "did you see me")
  if (ctx.asker !== undefined) {
    for (const m of lower.matchAll(ASKER)) {
      const at = m.indices?.groups?.a ?? m.indices?.groups?.b ?? m.indices?.groups?.c ?? m.indices?.groups?.d;
      if (at === undefined || !free(at[0], at[1])) continue;
      spans.push({ start: at[0], end: at[1], kind: 'person', resolved: { kind: 'person', people: [ctx.asker], fuzzy: false } });
    }
  }

  // 6. numbers left over
  for (const m of lower.matchAll(NUMBER_MENTION)) {
    const s = m.index;
    const e = s + m[0].length;
    if (!free(s, e)) continue;
    const value = parseNumberWord(m[1]!);
    spans.push({ start: s, end: e, kind: 'number', resolved: { kind: 'number', value } });
  }

  // Placeholders by order of appearance; an entity named again (also in earlier turns) keeps its placeholder.
  spans.sort((a, b) => a.start - b.start);
  const keyToPlaceholder = new Map<string, string>();
  const counters = new Map<MentionKind, number>();
  const counted = (placeholder: string): void => {
    const m = /^<([a-z]+)-(\d+)>$/.exec(placeholder);
    if (m !== null) counters.set(m[1] as MentionKind, Math.max(counters.get(m[1] as MentionKind) ?? 0, Number(m[2])));
  };
  for (const m of options.continueFrom ?? []) {
    if (m.resolved === undefined) continue;
    keyToPlaceholder.set(entityKey(m.resolved), m.placeholder);
    counted(m.placeholder);
    const r = m.resolved;
    if (r.kind === 'group') {
      r.members?.forEach((p, i) => {
        keyToPlaceholder.set(`person:${r.people[i]}`, p);
        counted(p);
      });
    }
  }
  const placeholderFor = (kind: MentionKind, key: string): string => {
    let placeholder = keyToPlaceholder.get(key);
    if (placeholder === undefined) {
      const n = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, n);
      placeholder = `<${kind}-${n}>`;
      keyToPlaceholder.set(key, placeholder);
    }
    return placeholder;
  };
  const mentions: Mention[] = spans.map((s) => ({
    placeholder: placeholderFor(s.kind, entityKey(s.resolved)),
    kind: s.kind,
    surface: question.slice(s.start, s.end),
    start: s.start,
    end: s.end,
    resolved: s.resolved,
  }));
  // The members of a named group get person placeholders (after the people the question names), so a plan
  // can ask about each of them ("check on the kids" → one query per child) without writing names.
  for (const m of mentions) {
    const r = m.resolved;
    if (r?.kind === 'group' && r.meaning === 'members')
      m.resolved = { ...r, members: r.people.map((p) => placeholderFor('person', `person:${p}`)) };
  }
  let text = '';
  let at = 0;
  for (const m of mentions) {
    text += question.slice(at, m.start) + m.placeholder;
    at = m.end;
  }
  text += question.slice(at);
  return { text, mentions };
}
