import { formatIsoInZone, zonedDay } from '../system/index.js';
import type { WatchSpec, WatchTrigger } from '../contracts/index.js';

const ACTIVITY_WORDS: Record<string, string> = {
  lying_down: 'lying down',
  using_phone: 'using a phone',
  using_laptop: 'using a laptop',
  washing_dishes: 'washing dishes',
  laying_table: 'laying the table',
  clearing_table: 'clearing the table',
};

/** A stranger is a face that has not resolved after this long (a watch for unknown people waits this long at least). */
export const UNKNOWN_GRACE_S = 3;

function words(id: string): string {
  return id.replace(/[_-]+/g, ' ');
}

export function activityWords(activity: string): string {
  return ACTIVITY_WORDS[activity] ?? words(activity);
}

function duration(s: number): string {
  if (s % 3600 === 0) return s === 3600 ? 'an hour' : `${s / 3600} hours`;
  if (s % 60 === 0) return s === 60 ? 'a minute' : `${s / 60} minutes`;
  return `${s} seconds`;
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** The trigger in words: "Opa gets up from lying down on the living room camera". */
export function describeTrigger(t: WatchTrigger): string {
  const who = t.who.kind === 'person' ? t.who.name : t.who.kind === 'unknown' ? "someone you don't know" : 'someone';
  let what: string;
  if (t.activity !== null && t.on === 'end')
    what =
      t.activity === 'lying_down' || t.activity === 'sitting'
        ? `gets up from ${activityWords(t.activity)}`
        : `stops ${activityWords(t.activity)}`;
  else if (t.fall) what = 'may have fallen (lying down outside a bed, sofa or couch)';
  else if (t.activity !== null) what = `is ${activityWords(t.activity)}`;
  else what = t.who.kind === 'person' ? 'is seen' : 'shows up';
  const where: string[] = [];
  if (t.cameras.length > 0) where.push(`on the ${list(t.cameras.map(words))} camera${t.cameras.length > 1 ? 's' : ''}`);
  if (t.zones.length > 0) where.push(`in the ${list(t.zones.map(words))} zone${t.zones.length > 1 ? 's' : ''}`);
  const parts = [who, what, ...where];
  const grace = t.who.kind === 'unknown' && t.min_duration_s <= UNKNOWN_GRACE_S;
  if (t.min_duration_s > 0 && !grace)
    parts.push(t.on === 'end' ? `after at least ${duration(t.min_duration_s)}` : `for more than ${duration(t.min_duration_s)}`);
  if (t.count > 1) parts.push(`${t.count} times`);
  return parts.join(' ');
}

/** When a window ends, as people say it relative to now: "08:00 tomorrow", "23:30 today", "Friday 2 May 18:00". */
export function describeUntil(endMs: number, nowMs: number, timezone: string): string {
  const hm = formatIsoInZone(endMs, timezone).slice(11, 16);
  const day = zonedDay(endMs, timezone);
  const today = zonedDay(nowMs, timezone);
  const tomorrow = zonedDay(nowMs + 86_400_000, timezone);
  if (day === today) return `${hm} today`;
  if (day === tomorrow) return `${hm} tomorrow`;
  return `${hm} on ${day}`;
}

/** The confirmation the asker gets: "I'll tell you when Opa gets up from lying down … until 08:00 tomorrow." */
export function confirmation(spec: WatchSpec, description: string, nowMs: number, timezone: string): string {
  const lead = spec.once ? "I'll tell you when" : "I'll let you know whenever";
  const start = spec.starts_at !== undefined && spec.starts_at > nowMs ? ` from ${describeUntil(spec.starts_at, nowMs, timezone)}` : '';
  const until = spec.expires_at === undefined ? '' : ` until ${describeUntil(spec.expires_at, nowMs, timezone)}`;
  return `${lead} ${description}${start}${until}.`;
}
