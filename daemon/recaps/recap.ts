import { type HomeEvent, isPossibleFall } from '../contracts/index.js';
import type { EventStore } from '../memory/index.js';
import type { RouteResponse } from '../mqtt/index.js';
import { formatIsoInZone } from '../system/index.js';

/** A recap: who was where doing what, unknown visitors, falls, with evidence, and a short text (api.ts recapSchema). */
export type Recap = RouteResponse<'recap/get'>;
type Evidence = Recap['people'][number]['evidence'][number];

/** A span of time to recap, [from, to) in ms, with what to call it ("today", "while Alice was away"). */
export interface RecapSpan {
  from: number;
  to: number;
  label: string;
}

export interface RecapOptions {
  timezone: string;
  /** Where a camera is: its room, or the camera's own name. */
  roomOf: (camera: string) => string;
  /** Snapshots per person. */
  maxEvidence: number;
  now: number;
}

/** Rows one query reads at most; a span with more is recapped from these and marked truncated. */
const MAX_ROWS = 100_000;
/** Tracks of unknown people on one camera closer than this are one visit. */
const VISIT_GAP_MS = 5 * 60_000;
/** Activities a recap names per person (the longest). */
const MAX_ACTIVITIES = 5;

function minutes(ms: number): number {
  return Math.round(ms / 6000) / 10;
}

/** The recap of a span from the event store (the structured timeline), without I/O besides its queries. */
export function buildRecap(events: EventStore, span: RecapSpan, o: RecapOptions): Recap {
  const iso = (ms: number): string => formatIsoInZone(ms, o.timezone, { ms: false });
  let truncated = false;
  const read = (q: Omit<Parameters<EventStore['eventsBetween']>[0], 'start' | 'end' | 'limit'>): HomeEvent[] => {
    const rows = events.eventsBetween({ ...q, start: span.from, end: span.to, limit: MAX_ROWS });
    if (rows.length >= MAX_ROWS) truncated = true;
    return rows;
  };
  const clip = (e: HomeEvent): [number, number] => {
    const s = Math.max(e.start, span.from);
    return [s, Math.max(s, Math.min(e.end ?? Math.min(o.now, span.to), span.to))];
  };
  const evidence = (e: HomeEvent, snapshot: string | null): Evidence => ({
    event_id: e.id,
    camera: e.camera,
    at: iso(clip(e)[0]),
    snapshot,
  });

  // Who was where: the store's per-person presence, cameras grouped into rooms.
  const people: Recap['people'] = [];
  let unidentified = 0;
  for (const p of events.whoWasWhere({ start: span.from, end: span.to })) {
    if (p.identity === null) continue;
    const rooms = new Map<string, Recap['people'][number]['rooms'][number] & { firstMs: number; lastMs: number }>();
    for (const c of p.byCamera) {
      const room = o.roomOf(c.camera);
      const r = rooms.get(room) ?? {
        room,
        cameras: [],
        first_seen: '',
        last_seen: '',
        sightings: 0,
        firstMs: c.firstSeen,
        lastMs: c.lastSeen,
      };
      r.cameras.push(c.camera);
      r.sightings += c.count;
      r.firstMs = Math.min(r.firstMs, c.firstSeen);
      r.lastMs = Math.max(r.lastMs, c.lastSeen);
      rooms.set(room, r);
    }
    people.push({
      name: p.identity,
      first_seen: iso(Math.max(p.firstSeen, span.from)),
      last_seen: iso(Math.min(p.lastSeen, span.to)),
      rooms: [...rooms.values()]
        .sort((a, b) => a.firstMs - b.firstMs)
        .map(({ firstMs, lastMs, ...r }) => ({
          ...r,
          first_seen: iso(Math.max(firstMs, span.from)),
          last_seen: iso(Math.min(lastMs, span.to)),
        })),
      activities: [],
      evidence: [],
    });
  }

  // What they did: activity events per person, activity and room, time inside the span.
  const acts = new Map<string, { activity: string; room: string; ms: number; first: number; last: number }>();
  for (const e of read({ kind: 'activity' })) {
    if (e.identity === null || e.activity === null) continue;
    const [s, t] = clip(e);
    const key = `${e.identity}\u0000${e.activity}\u0000${o.roomOf(e.camera)}`;
    const a = acts.get(key) ?? { activity: e.activity, room: o.roomOf(e.camera), ms: 0, first: s, last: t };
    a.ms += t - s;
    a.first = Math.min(a.first, s);
    a.last = Math.max(a.last, t);
    acts.set(key, a);
  }
  for (const p of people) {
    p.activities = [...acts.entries()]
      .filter(([k]) => k.startsWith(`${p.name}\u0000`))
      .map(([, a]) => a)
      .sort((a, b) => b.ms - a.ms || a.first - b.first)
      .slice(0, MAX_ACTIVITIES)
      .map((a) => ({ activity: a.activity, room: a.room, minutes: minutes(a.ms), first: iso(a.first), last: iso(a.last) }));
    // Evidence: snapshots of their sightings, spread over the span (first, …, last).
    const shots = read({ identity: p.name }).filter((e) => e.snapshot !== null);
    const seen = new Set<string>();
    const unique = shots.filter((e) => !seen.has(e.snapshot!) && seen.add(e.snapshot!) !== undefined);
    p.evidence = spread(unique, o.maxEvidence).map((e) => evidence(e, e.snapshot));
  }

  // Unknown visitors: tracks whose face matched nobody, merged into visits per camera; other unnamed tracks are unidentified.
  const visits: Array<Recap['unknown_visitors'][number] & { firstMs: number; lastMs: number }> = [];
  const open = new Map<string, (typeof visits)[number]>();
  for (const e of read({ kind: 'person', identity: null })) {
    if (e.attributes.identity_state !== 'unknown') {
      unidentified++;
      continue;
    }
    const [s, t] = clip(e);
    const v = open.get(e.camera);
    if (v !== undefined && s - v.lastMs <= VISIT_GAP_MS) {
      v.lastMs = Math.max(v.lastMs, t);
      v.tracks++;
      if (v.evidence === null && e.snapshot !== null) v.evidence = evidence(e, e.snapshot);
      continue;
    }
    const visit = {
      camera: e.camera,
      room: o.roomOf(e.camera),
      first_seen: '',
      last_seen: '',
      tracks: 1,
      evidence: e.snapshot === null ? null : evidence(e, e.snapshot),
      firstMs: s,
      lastMs: t,
    };
    visits.push(visit);
    open.set(e.camera, visit);
  }
  const unknownVisitors = visits
    .sort((a, b) => a.firstMs - b.firstMs)
    .map(({ firstMs, lastMs, ...v }) => ({ ...v, first_seen: iso(firstMs), last_seen: iso(lastMs) }));

  // Falls: lying down outside a bed or sofa zone (isPossibleFall, as fall watches); the picture is the track's person event's.
  const falls: Recap['falls'] = [];
  for (const e of read({ activity: 'lying_down' })) {
    if (!isPossibleFall(e.activity, e.zones)) continue;
    const [s, t] = clip(e);
    const personEvent = typeof e.attributes.person_event === 'string' ? events.get(e.attributes.person_event) : null;
    falls.push({
      person: e.identity,
      camera: e.camera,
      room: o.roomOf(e.camera),
      start: iso(s),
      end: e.end === null ? null : iso(t),
      minutes: minutes(t - s),
      evidence: evidence(e, e.snapshot ?? personEvent?.snapshot ?? null),
    });
  }

  const recap: Recap = {
    span: { from: iso(span.from), to: iso(span.to), label: span.label, timezone: o.timezone },
    text: '',
    people,
    unknown_visitors: unknownVisitors,
    falls,
    unidentified,
    truncated,
  };
  recap.text = recapText(recap, span, o.timezone);
  return recap;
}

/** Up to n items spread evenly over a list (first and last included). */
function spread<T>(items: readonly T[], n: number): T[] {
  if (n <= 0) return [];
  if (items.length <= n) return [...items];
  if (n === 1) return [items[0]!];
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!);
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A few sentences: who was where doing what, unknown visitors, falls. */
export function recapText(r: Recap, span: RecapSpan, timezone: string): string {
  const endDay = formatIsoInZone(span.to, timezone).slice(0, 10);
  // HH:MM on the span's last day, the date too before it.
  const clock = (iso: string): string => (iso.slice(0, 10) === endDay ? iso.slice(11, 16) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`);
  const head = `${span.label.charAt(0).toUpperCase()}${span.label.slice(1)} (${clock(r.span.from)}–${clock(r.span.to)})`;
  const parts: string[] = [];
  for (const p of r.people) {
    const rooms = list(p.rooms.map((x) => x.room));
    let s = `${p.name} was seen in ${rooms} (${clock(p.first_seen)}–${clock(p.last_seen)})`;
    const acts = p.activities.filter((a) => a.minutes >= 1).slice(0, 3);
    if (acts.length > 0) s += `, ${list(acts.map((a) => `${a.activity.replace(/_/g, ' ')} ${Math.round(a.minutes)} min`))}`;
    parts.push(`${s}.`);
  }
  if (r.unknown_visitors.length > 0) {
    const n = r.unknown_visitors.length;
    const where = r.unknown_visitors.slice(0, 4).map((v) => `${v.room} at ${clock(v.first_seen)}`);
    parts.push(`${n} unknown visitor${n === 1 ? '' : 's'}: ${list(where)}${n > 4 ? ' …' : ''}.`);
  }
  if (r.falls.length > 0) {
    const f = r.falls.map(
      (x) => `${x.person ?? 'someone'} lying down in the ${x.room} at ${clock(x.start)} for ${Math.max(1, Math.round(x.minutes))} min`,
    );
    parts.push(`Possible fall${r.falls.length === 1 ? '' : 's'}: ${list(f.slice(0, 3))}.`);
  } else if (r.people.length > 0 || r.unknown_visitors.length > 0) {
    parts.push('No falls.');
  }
  if (parts.length === 0) return `${head}: nobody was seen.`;
  return `${head}: ${parts.join(' ')}`;
}
