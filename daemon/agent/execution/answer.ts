import type { OutputKind } from '../catalog/index.js';
import { zonedDay, zonedParts } from '../../system/index.js';

/**
 * compose_answer: the final answer written from the structured outputs of
 * earlier nodes. It is deterministic and says only what the data says (a
 * small local model cannot be trusted to write prose; a cloud planner's plan
 * still ends here).
 */

export interface AnswerInput {
  kind: OutputKind | string;
  task: string;
  output: unknown;
  /** The node failed; its error message. */
  error?: string;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const WD = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "19:02" today, "yesterday 19:02", else "Sat 4 May 19:02" — in the household timezone. */
export function humanTime(iso: string | number, nowMs: number, tz: string): string {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(ms)) return String(iso);
  const w = zonedParts(ms, tz);
  const hm = `${pad(w.hour)}:${pad(w.minute)}`;
  const d = zonedDay(ms, tz);
  if (d === zonedDay(nowMs, tz)) return hm;
  if (d === zonedDay(nowMs - 86_400_000, tz)) return `yesterday ${hm}`;
  return `${WD[w.weekday]} ${w.day} ${MON[w.month - 1]} ${hm}`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

function describePresence(rows: unknown[], nowMs: number, tz: string): string {
  const byPerson = new Map<string, { cams: string[]; first: string; last: string; acts: Set<string>; n: number }>();
  for (const r of rows) {
    if (!isObj(r)) continue;
    const id = str(r.identity) ?? 'unknown';
    let p = byPerson.get(id);
    if (p === undefined) {
      p = { cams: [], first: str(r.first) ?? '', last: str(r.last) ?? '', acts: new Set(), n: 0 };
      byPerson.set(id, p);
    }
    const place = str(r.room) ?? str(r.camera) ?? '?';
    if (!p.cams.includes(place)) p.cams.push(place);
    if ((str(r.first) ?? '') < p.first) p.first = str(r.first)!;
    if ((str(r.last) ?? '') > p.last) p.last = str(r.last)!;
    for (const a of arr(r.activities)) if (typeof a === 'string') p.acts.add(a);
    p.n += typeof r.events === 'number' ? r.events : 0;
  }
  if (byPerson.size === 0) return 'Nobody was seen.';
  const parts = [...byPerson.entries()].map(([id, p]) => {
    const name = id === 'unknown' ? `unknown people (${plural(p.n, 'sighting')})` : id;
    const acts = p.acts.size > 0 ? `, ${list([...p.acts])}` : '';
    return `${name} at ${list(p.cams)} from ${humanTime(p.first, nowMs, tz)} to ${humanTime(p.last, nowMs, tz)}${acts}`;
  });
  return `Seen: ${parts.join('; ')}.`;
}

function describeEvents(events: unknown[], truncated: boolean, nowMs: number, tz: string): string {
  if (events.length === 0) return 'No events were recorded then.';
  const people = new Map<string, Set<string>>();
  for (const e of events) {
    if (!isObj(e)) continue;
    const id = str(e.identity) ?? 'unknown';
    const s = people.get(id) ?? new Set<string>();
    const a = str(e.activity);
    if (a !== null) s.add(a);
    people.set(id, s);
  }
  const first = events[0];
  const last = events[events.length - 1];
  const span =
    isObj(first) && isObj(last)
      ? ` between ${humanTime(String(first.start), nowMs, tz)} and ${humanTime(String(last.end ?? last.start), nowMs, tz)}`
      : '';
  const who = [...people.entries()].map(([id, acts]) =>
    acts.size > 0 ? `${id === 'unknown' ? 'unknown people' : id} (${list([...acts])})` : id === 'unknown' ? 'unknown people' : id,
  );
  return `${truncated ? 'At least ' : ''}${plural(events.length, 'event')}${span}: ${list(who)}.`;
}

function describeObservations(o: Obj): string {
  const persons = arr(o.persons ?? o.detections);
  if (persons.length === 0) return 'Nobody is visible in those frames.';
  const counts = new Map<string, Map<string, number>>();
  for (const p of persons) {
    if (!isObj(p)) continue;
    const id = str(p.identity) ?? 'unknown';
    const act = str(p.activity) ?? '';
    const m = counts.get(id) ?? new Map<string, number>();
    m.set(act, (m.get(act) ?? 0) + 1);
    counts.set(id, m);
  }
  const frames = new Set(persons.map((p) => (isObj(p) ? `${String(p.camera)}@${String(p.ts)}` : ''))).size;
  const parts = [...counts.entries()].map(([id, acts]) => {
    const a = [...acts.entries()]
      .filter(([k]) => k !== '')
      .sort((x, y) => y[1] - x[1])
      .map(([k]) => k);
    const name = id === 'unknown' ? 'unknown people' : id;
    return a.length > 0 ? `${name} (${list(a)})` : name;
  });
  return `In ${plural(frames, 'frame')}: ${plural(persons.length, 'person detection')} — ${list(parts)}.`;
}

function describe(input: AnswerInput, nowMs: number, tz: string): string | null {
  if (input.error !== undefined) return `(${input.task} failed: ${input.error})`;
  const o = input.output;
  if (!isObj(o)) return null;
  switch (input.kind) {
    case 'time_range':
      return null; // mentioned as context by the caller
    case 'presence':
      return describePresence(arr(o.presence), nowMs, tz);
    case 'events':
      return describeEvents(arr(o.events), o.truncated === true, nowMs, tz);
    case 'sighting': {
      const person = str(o.person) ?? 'They';
      const s = o.seen;
      if (!isObj(s)) return `I have not seen ${person}.`;
      const act = str(s.activity);
      return (
        `${person} was last seen ${humanTime(String(s.ts), nowMs, tz)} ` +
        `at ${str(s.room) ?? str(s.camera) ?? '?'}${act !== null ? `, ${act}` : ''}.`
      );
    }
    case 'timeline': {
      const entries = arr(o.entries);
      const person = str(o.person) ?? 'They';
      if (entries.length === 0) return `Nothing recorded for ${person} on ${str(o.day) ?? 'that day'}.`;
      const parts = entries.slice(0, 12).map((e) => {
        if (!isObj(e)) return '';
        return (
          `${humanTime(String(e.start), nowMs, tz)}–${humanTime(String(e.end), nowMs, tz).replace(/^.* /, '')} ` +
          `${str(e.activity) ?? 'seen'} (${str(e.room) ?? str(e.camera) ?? '?'})`
        );
      });
      const more = entries.length > 12 ? ` and ${entries.length - 12} more` : '';
      return `${person} on ${str(o.day) ?? 'that day'}: ${parts.filter((p) => p !== '').join('; ')}${more}.`;
    }
    case 'count':
      return `${plural(typeof o.count === 'number' ? o.count : 0, 'event')}.`;
    case 'aggregate': {
      const groups = arr(o.groups).filter(isObj);
      if (groups.length === 0) return 'Nothing to count.';
      return `${groups
        .slice(0, 10)
        .map((g) => `${String(g.key)}: ${typeof g.value === 'number' ? Math.round(g.value * 10) / 10 : String(g.value)}`)
        .join(', ')}.`;
    }
    case 'detections':
    case 'identities':
    case 'activities':
      return describeObservations(o);
    case 'frames':
      return `${plural(arr(o.frames).length, 'frame')} from ${str(o.camera) ?? 'the camera'}.`;
    case 'evidence': {
      const items = arr(o.items).filter(isObj);
      const snaps = items.filter((i) => i.snapshot !== null && i.snapshot !== undefined).length;
      const clips = items.filter((i) => i.clip !== null && i.clip !== undefined).length;
      if (items.length === 0) return 'No evidence images or clips are available.';
      const kinds = [snaps > 0 ? plural(snaps, 'snapshot') : '', clips > 0 ? plural(clips, 'clip') : ''].filter((x) => x !== '');
      return `Evidence: ${kinds.join(' and ') || 'none'}.`;
    }
    case 'memories': {
      const items = arr(o.items).filter(isObj);
      if (items.length === 0) return 'I have nothing about that in memory.';
      return `From memory: ${items
        .slice(0, 3)
        .map((i) => str(i.text) ?? '')
        .filter((t) => t !== '')
        .join(' / ')}.`;
    }
    case 'ack':
      // Exactly what was done, so the answer can never contradict a side effect that ran.
      if ('stored' in o) {
        const fact = str(o.fact);
        return o.stored === true
          ? fact !== null
            ? `Noted — I stored this in memory: "${fact}".`
            : 'Noted.'
          : `I could not store ${fact !== null ? `"${fact}"` : 'that'}.`;
      }
      if ('published' in o) {
        const msg = str(o.message);
        return o.published === true
          ? `Sent to ${str(o.topic) ?? 'the hub'}${msg !== null ? `: "${msg}"` : ''}.`
          : `Could not send to ${str(o.topic) ?? 'the hub'}.`;
      }
      return null;
    case 'answer':
      return str(o.answer);
    default:
      return null;
  }
}

/** Writes the answer for `question` from the given node outputs. */
export function composeAnswer(question: string, inputs: readonly AnswerInput[], nowMs: number, tz: string): string {
  // A plan whose answer takes no inputs declines: no tool ran (unsafe, private or out of scope).
  if (inputs.length === 0)
    return (
      `I can't help with "${question}": it is outside what I may do or know here (no camera, ` +
      `person or tool fits, or it would be unsafe or private).`
    );
  const range = inputs.find((i) => i.kind === 'time_range' && i.error === undefined);
  const parts = inputs.map((i) => describe(i, nowMs, tz)).filter((s): s is string => s !== null && s !== '');
  const uniq = [...new Set(parts)];
  let prefix = '';
  if (range !== undefined && isObj(range.output)) {
    const r = range.output;
    const source = str(r.source);
    prefix = `${humanTime(String(r.start), nowMs, tz)}–${humanTime(String(r.end), nowMs, tz)}${source !== null ? ` (${source})` : ''}: `;
  }
  if (uniq.length === 0) return `${prefix}I found nothing to answer "${question}".`;
  return `${prefix}${uniq.join(' ')}`;
}
