import { lowerSameLength } from './time-spans.js';
import type { GroundingContext, Mention } from './types.js';

/**
 * Mentions that name more than one thing in the household, or a group the
 * household does not define. The agent's policy for them is to ask back
 * (daemon/agent/planning/clarify.ts): guessing one person or camera answers a
 * question nobody asked, and answering for all of them hides that the
 * question was unclear.
 */
export interface Ambiguity {
  /** `unknown`: a name the household does not have ("Gregor"); the candidates are the household's people. */
  kind: 'person' | 'place' | 'group' | 'unknown';
  /** The question's words ("Max", "the door", "the kids"). */
  surface: string;
  /** What it may mean: canonical person names, or camera ids; for an unknown group, the household's people. */
  candidates: string[];
}

/** Group words people use that only a household's config can give members to. */
const GROUP_WORDS = [
  'kids',
  'children',
  'boys',
  'girls',
  'twins',
  'parents',
  'grandparents',
  'grandkids',
  'grandchildren',
  'guests',
  'flatmates',
  'roommates',
  'housemates',
];

function covered(mentions: readonly Mention[], start: number, end: number): boolean {
  return mentions.some((m) => start < m.end && m.start < end);
}

/** Word forms of a camera id ("front_door" → ["front", "door"]). */
function idWords(id: string): string[] {
  return id
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/**
 * The ambiguities of a question, given its mentions (detectMentions on the
 * same text and context):
 * - a person mention written exactly that fits several people (a shared nickname or kinship word);
 * - "the <word>" where <word> is the last word of several camera ids, or the stem of several numbered ones, and names
 *   no camera, room or zone ("the door" with front_door and back_door, "the gate" with gate1 and gate2);
 * - a group word the household gives no members ("the kids" with no group or kinship that says who they are);
 * - a capitalised name where a person goes ("when was Gregor here", "did Gregor come") that is nobody in the
 *   household and no place of it.
 */
export function findAmbiguities(question: string, ctx: GroundingContext, mentions: readonly Mention[]): Ambiguity[] {
  const out: Ambiguity[] = [];
  for (const m of mentions) {
    const r = m.resolved;
    if (r?.kind === 'person' && !r.fuzzy && r.people.length > 1)
      out.push({ kind: 'person', surface: m.surface, candidates: [...r.people] });
  }
  const lower = lowerSameLength(question);
  const byHead = new Map<string, string[]>();
  for (const c of ctx.cameras) {
    const words = idWords(c.id);
    const head = words[words.length - 1];
    if (head !== undefined && words.length > 1) byHead.set(head, [...(byHead.get(head) ?? []), c.id]);
    // numbered ids of one word: "the gate" with gate1 and gate2
    const stem = words.length === 1 ? /^(\p{L}{3,})\d+$/u.exec(words[0]!)?.[1] : undefined;
    if (stem !== undefined) byHead.set(stem, [...(byHead.get(stem) ?? []), c.id]);
  }
  const named = new Set([
    ...ctx.cameras.map((c) => c.id.toLowerCase()),
    ...ctx.cameras.flatMap((c) => (c.zones ?? []).map((z) => z.toLowerCase())),
    ...(ctx.rooms ?? []).flatMap((r) => [r.name, ...(r.aliases ?? [])].map((n) => n.toLowerCase())),
  ]);
  for (const m of lower.matchAll(/(?<![\p{L}\p{N}])(?:the|my|our)\s+([\p{L}]+)(?![\p{L}\p{N}])/gu)) {
    const word = m[1]!;
    const cams = byHead.get(word);
    if (cams === undefined || cams.length < 2 || named.has(word)) continue;
    const start = m.index;
    if (covered(mentions, start, start + m[0].length)) continue;
    out.push({ kind: 'place', surface: question.slice(start, start + m[0].length), candidates: cams });
  }
  const people = ctx.people.map((p) => p.name);
  for (const m of lower.matchAll(new RegExp(`(?<![\\p{L}\\p{N}])(?:the|my|our)\\s+(${GROUP_WORDS.join('|')})(?![\\p{L}\\p{N}])`, 'gu'))) {
    const start = m.index;
    if (covered(mentions, start, start + m[0].length)) continue;
    out.push({ kind: 'group', surface: question.slice(start, start + m[0].length), candidates: people });
  }
  for (const m of question.matchAll(NAME_SLOT)) {
    const name = m[1]!;
    const start = m.index + m[0].length - name.length;
    if (NOT_NAMES.has(name.toLowerCase()) || covered(mentions, start, start + name.length)) continue;
    if (named.has(name.toLowerCase()) || ctx.cameras.some((c) => idWords(c.id).includes(name.toLowerCase()))) continue;
    out.push({ kind: 'unknown', surface: name, candidates: people });
  }
  return out;
}

/** A capitalised word where a question puts a person: after "was", "did", "when was", "about", "seen" … */
const NAME_SLOT =
  /(?<![\p{L}\p{N}])(?:is|was|were|did|has|had|saw|seen|see|spot|spotted|about|when|where)\s+([A-Z][\p{Ll}]{1,20})(?![\p{L}\p{N}])/gu;

/** Capitalised words that are not names of people. */
const NOT_NAMES = new Set(
  (
    'i the a an anyone someone somebody anybody nobody everyone everybody there it this that my our your his her their ' +
    'he she they we you me us them what who when where which why how today yesterday tonight monday tuesday wednesday ' +
    'thursday friday saturday sunday january february march april may june july august september october november ' +
    'december christmas easter mum mom dad grandma grandpa nana oma opa'
  ).split(' '),
);
