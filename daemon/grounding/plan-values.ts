import { repairTimePhrase } from './time-spans.js';
import { type Mention, type PlanLike, QUESTION_PLACEHOLDER, type Resolution } from './types.js';

/**
 * Placeholders ↔ household values in a plan's arguments. Which value a
 * placeholder stands for depends on the argument: a room mention in
 * `camera=` is that room's camera, in `room=` the room's name; a time mention
 * in `phrase=` is the phrase, in `day=` the day it falls on. Free text (a fact
 * to remember, a memory query) has placeholders inside it replaced by the
 * canonical person name or the words the question used.
 */

const PERSON_ARGS = new Set(['person', 'identity']);
const PLACEHOLDER_IN_TEXT = /<(?:person|group|camera|room|zone|time|number)-\d+>|<question>/g;

export interface PlanValueOptions {
  /** The question as asked: compose_answer's question (and any argument equal to it) ↔ `<question>`. */
  question?: string;
}

function mapArguments<P extends PlanLike>(plan: P, f: (task: string, arg: string, v: unknown) => unknown): P {
  const copy = structuredClone(plan);
  for (const node of copy.task_nodes) {
    const a = node.arguments;
    if (Array.isArray(a)) {
      node.arguments = a.map((x, i) => {
        if (typeof x === 'object' && x !== null && 'name' in x && 'value' in x && typeof x.name === 'string')
          return { name: x.name, value: f(node.task, x.name, x.value) };
        return f(node.task, `arg${i}`, x);
      });
    } else {
      for (const [k, v] of Object.entries(a)) a[k] = f(node.task, k, v);
    }
  }
  return copy;
}

/** The value a mention stands for in argument `arg`. */
function valueFor(arg: string, m: Mention): unknown {
  const r: Resolution | undefined = m.resolved;
  if (r === undefined) return m.surface;
  switch (r.kind) {
    case 'person':
      return r.people[0] ?? m.surface;
    case 'group':
      // A group with several members stays a placeholder: which of them is for resolution to decide.
      if (r.meaning === 'unknown') return 'unknown';
      return r.people.length === 1 ? r.people[0]! : m.placeholder;
    case 'camera':
      return arg === 'room' ? (r.room ?? r.camera) : r.camera;
    case 'room':
      return arg === 'camera' ? (r.cameras[0] ?? r.room) : r.room;
    case 'zone':
      return arg === 'camera' ? (r.cameras[0] ?? r.zone) : r.zone;
    case 'time':
      if (arg === 'day') return r.day ?? r.phrase;
      if (arg === 'start') return r.start ?? r.phrase;
      if (arg === 'end') return r.end ?? r.phrase;
      // The phrase as the user typed it ("this mornin", "rn"): the resolver reads it the same, and the plan keeps
      // the question's words (the plan convention), not the detector's repair.
      return m.surface;
    case 'number':
      return r.value;
  }
}

/** Words a mention stands for inside free text. */
function textFor(m: Mention): string {
  const r = m.resolved;
  if (r?.kind === 'person' && r.people.length === 1) return r.people[0]!;
  if (r?.kind === 'number') return String(r.value);
  return m.surface;
}

/**
 * Placeholders in a plan → the household's values (person → canonical name,
 * camera/room/zone → camera id or room name by argument, time → phrase or day,
 * number → number, `<question>` → the question). A person mention with several
 * candidates gives the first (closest) one; a placeholder that names no
 * mention of this request stays as it is, so validation reports it.
 */
export function relexicalise<P extends PlanLike>(plan: P, mentions: readonly Mention[], options: PlanValueOptions = {}): P {
  const byPlaceholder = new Map<string, Mention>();
  for (const m of mentions) {
    byPlaceholder.set(m.placeholder, m);
    const r = m.resolved;
    if (r?.kind !== 'group') continue;
    // a member of a named group stands for that person
    r.members?.forEach((p, i) => {
      const name = r.people[i];
      if (name !== undefined && !byPlaceholder.has(p)) {
        byPlaceholder.set(p, {
          placeholder: p,
          kind: 'person',
          surface: name,
          start: m.start,
          end: m.end,
          resolved: { kind: 'person', people: [name], fuzzy: false },
        });
      }
    });
  }
  const inText = (s: string): string =>
    s.replace(PLACEHOLDER_IN_TEXT, (p) => {
      if (p === QUESTION_PLACEHOLDER) return options.question ?? p;
      const m = byPlaceholder.get(p);
      return m === undefined ? p : textFor(m);
    });
  const map = (arg: string, v: unknown): unknown => {
    if (Array.isArray(v)) return v.map((x) => map(arg, x));
    if (typeof v !== 'string') return v;
    if (v === QUESTION_PLACEHOLDER) return options.question ?? v;
    const m = byPlaceholder.get(v);
    return m === undefined ? inText(v) : valueFor(arg, m);
  };
  return mapArguments(plan, (_task, arg, v) => map(arg, v));
}

function norm(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').trim();
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The first mention (in question order) that stands for `v` in argument `arg`. */
function mentionFor(arg: string, v: unknown, mentions: readonly Mention[]): Mention | undefined {
  const first = (p: (m: Mention, r: Resolution) => boolean): Mention | undefined =>
    mentions.find((m) => m.resolved !== undefined && p(m, m.resolved));
  if (typeof v === 'number') return first((_m, r) => r.kind === 'number' && r.value === v);
  if (typeof v !== 'string') return undefined;
  if (PERSON_ARGS.has(arg)) {
    const person =
      first((_m, r) => r.kind === 'person' && r.people.length === 1 && r.people[0] === v) ??
      // one of several candidates ("my daughter" with two daughters): the model plans over the mention
      first((_m, r) => r.kind === 'person' && r.people.includes(v)) ??
      first(
        (_m, r) => r.kind === 'group' && ((r.meaning === 'unknown' && v === 'unknown') || (r.people.length === 1 && r.people[0] === v)),
      );
    if (person !== undefined) return person;
    for (const m of mentions) {
      const r = m.resolved;
      const i = r?.kind === 'group' ? r.people.indexOf(v) : -1;
      if (r?.kind === 'group' && i >= 0 && r.members?.[i] !== undefined) return { ...m, placeholder: r.members[i] };
    }
    return undefined;
  }
  if (arg === 'camera') {
    return (
      first((_m, r) => r.kind === 'camera' && r.camera === v) ??
      first((_m, r) => (r.kind === 'room' || r.kind === 'zone') && r.cameras[0] === v)
    );
  }
  if (arg === 'room') return first((_m, r) => r.kind === 'room' && r.room === v) ?? first((_m, r) => r.kind === 'camera' && r.room === v);
  if (arg === 'day') return first((_m, r) => r.kind === 'time' && r.day === v);
  const phrase = repairTimePhrase(v);
  return first(
    (m, r) =>
      (r.kind === 'time' && (r.phrase === phrase || norm(m.surface) === norm(v))) ||
      (r.kind !== 'time' && r.kind !== 'number' && norm(m.surface) === norm(v)),
  );
}

/**
 * Household values in a plan → this request's placeholders: the inverse of
 * relexicalise for the values the question's mentions stand for (a gold plan
 * becomes the plan the model should write). Values no mention stands for stay
 * literal; inside free text the mentions' words (and canonical names of the
 * people mentioned) become placeholders.
 */
export function delexicalisePlan<P extends PlanLike>(plan: P, mentions: readonly Mention[], options: PlanValueOptions = {}): P {
  // Longest words first, so "living room" wins over "room".
  const replacements: Array<[RegExp, string]> = [];
  for (const m of mentions) {
    replacements.push([new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRe(m.surface)}(?![\\p{L}\\p{N}_])`, 'giu'), m.placeholder]);
    if (m.resolved?.kind === 'person' && m.resolved.people.length === 1) {
      replacements.push([new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRe(m.resolved.people[0]!)}(?![\\p{L}\\p{N}_])`, 'gu'), m.placeholder]);
    }
  }
  replacements.sort((a, b) => b[0].source.length - a[0].source.length);
  const inText = (s: string): string => {
    let out = s;
    for (const [re, p] of replacements) out = out.replace(re, p);
    return out;
  };
  const map = (arg: string, v: unknown): unknown => {
    if (Array.isArray(v)) return v.map((x) => map(arg, x));
    if (typeof v === 'string' && /^<node-\d+>$/.test(v)) return v;
    if (arg === 'question' && options.question !== undefined && v === options.question) return QUESTION_PLACEHOLDER;
    const m = mentionFor(arg, v, mentions);
    if (m !== undefined) return m.placeholder;
    if (options.question !== undefined && v === options.question) return QUESTION_PLACEHOLDER;
    return typeof v === 'string' ? inText(v) : v;
  };
  return mapArguments(plan, (_task, arg, v) => map(arg, v));
}
