/**
 * What mention detection knows about the household at plan time, and what it
 * finds in a question. The context is plain data (built from the config and
 * memory by the caller); the time resolver comes in as a function so that
 * grounding does not depend on the agent.
 */

export interface GroundingPerson {
  /** Canonical name, as plans and memory write it. */
  name: string;
  /** Nicknames and phrases the household uses ("Oma", "the boss", "my daughter"). */
  aliases?: readonly string[];
  /** Kinship words relative to the asker ("son", "grandpa", "mum"): matched bare, with "my"/"our"/"the", and as possessives. */
  kinship?: readonly string[];
  /** Lives in the home (visitors and helpers do not count for "everyone"). Default true. */
  resident?: boolean;
}

export interface GroundingGroup {
  /** Phrases that name the group ("the kids", "the twins"). */
  phrases: readonly string[];
  /** Canonical names of its members. */
  members: readonly string[];
}

export interface GroundingCamera {
  /** Camera id as plans write it ("front_door"); its words ("front door") also match. */
  id: string;
  /** Room the camera watches (a `rooms` name). */
  room?: string;
  /** Zone names of this camera ("driveway", "sofa"). */
  zones?: readonly string[];
}

export interface GroundingRoom {
  name: string;
  /** The household's own words for it ("the den", "front room"). */
  aliases?: readonly string[];
}

export interface GroundingRoutine {
  /** Routine id ("dinner", "bedtime"). */
  id: string;
  /** Phrases that refer to it in questions ("after dinner", "at bedtime", "after tea"). */
  phrases: readonly string[];
}

/** Resolves a time phrase at `nowMs` in `timezone` (the agent's resolveTimePhrase); throws when it cannot. */
export type TimeResolver = (phrase: string, nowMs: number, timezone: string) => { startMs: number; endMs: number };

export interface GroundingContext {
  /** IANA timezone of the household. */
  timezone: string;
  /** ISO instant "now" (plan time). */
  now: string;
  people: readonly GroundingPerson[];
  groups?: readonly GroundingGroup[];
  cameras: readonly GroundingCamera[];
  rooms?: readonly GroundingRoom[];
  routines?: readonly GroundingRoutine[];
  /** Canonical name of the person asking, when known: "was I …", "did you see me" mention them. */
  asker?: string;
  /** When given, time mentions carry the resolved interval and day. */
  resolveTime?: TimeResolver;
}

export type MentionKind = 'person' | 'group' | 'camera' | 'room' | 'zone' | 'time' | 'number';

export const MENTION_KINDS: readonly MentionKind[] = ['person', 'group', 'camera', 'room', 'zone', 'time', 'number'];

/** What a group word means: named members, every resident, any person at all, or people the household does not know. */
export type GroupMeaning = 'members' | 'everyone' | 'anyone' | 'unknown';

export type Resolution =
  /** Candidates in order of closeness; more than one means the surface is ambiguous (all are kept). */
  | { kind: 'person'; people: string[]; fuzzy: boolean }
  /** `members`: person placeholders of the members (named groups only), in the order of `people`. */
  | { kind: 'group'; meaning: GroupMeaning; people: string[]; members?: string[] }
  | { kind: 'camera'; camera: string; room: string | null; fuzzy: boolean }
  | { kind: 'room'; room: string; cameras: string[]; fuzzy: boolean }
  | { kind: 'zone'; zone: string; cameras: string[] }
  /**
   * `phrase` is the surface with known misspellings repaired (what resolve_time gets). `start`/`end`/`day`
   * are set when the resolver understood it; `routine` when it names a household routine.
   */
  | { kind: 'time'; phrase: string; start?: string; end?: string; day?: string; routine?: string }
  | { kind: 'number'; value: number };

export interface Mention {
  /** "<person-1>": kind and 1-based number by order of first appearance of that entity in the request. */
  placeholder: string;
  kind: MentionKind;
  /** The question's text at [start, end). */
  surface: string;
  start: number;
  end: number;
  resolved?: Resolution;
}

/** Every placeholder a request has: its mentions' and those of the members of its groups, in order, each once. */
export function placeholdersIn(mentions: readonly Mention[]): string[] {
  const out: string[] = [];
  const add = (p: string): void => {
    if (!out.includes(p)) out.push(p);
  };
  for (const m of mentions) {
    add(m.placeholder);
    if (m.resolved?.kind === 'group') for (const p of m.resolved.members ?? []) add(p);
  }
  return out;
}

export interface Delexicalised {
  /** The question with each mention replaced by its placeholder. */
  text: string;
  mentions: Mention[];
}

/** compose_answer's question (or any argument holding the whole question) in a delexicalised plan. */
export const QUESTION_PLACEHOLDER = '<question>';

/** A plan as grounding sees it: nodes with named (or TaskBench positional/named-list) arguments. */
export interface PlanLike {
  task_nodes: Array<{ task: string; arguments: Record<string, unknown> | unknown[] }>;
}
