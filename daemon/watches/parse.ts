import { type WatchSpecInput, watchSpecSchema } from '../contracts/index.js';
import { detectMentions, type GroundingContext, parseNumberWord } from '../grounding/index.js';
import { confirmation, describeTrigger, UNKNOWN_GRACE_S } from './describe.js';
import { resolveWindow } from './window.js';

/**
 * The watch parser: a standing order in words ("tell me when Opa gets up from his nap", "let me know if someone
 * I don't know comes to the front door tonight", "alert me if anyone lies on the floor for more than a minute")
 * → a watch spec, deterministically. People, groups, cameras, rooms and zones are grounded against the household
 * like the planners ground them (daemon/grounding); the validity window is read looking forward (window.ts).
 * What a watch cannot express is refused with the reason, never dropped.
 */

export interface WatchParseContext {
  /** The household as grounding sees it (the agent's groundingContextFor). */
  grounding: GroundingContext;
  nowMs: number;
  timezone: string;
  /** watches.default_hours / default_cooldown_s. */
  defaultHours: number;
  defaultCooldownS: number;
}

export type WatchParse = { ok: true; spec: WatchSpecInput; description: string; confirmation: string } | { ok: false; reason: string };

/** The lead of a standing order and the word that opens its condition. */
const LEAD = new RegExp(
  String.raw`\b(?:let (?:me|us) know|tell (?:me|us)|notify (?:me|us)|alert (?:me|us)|ping (?:me|us)|warn (?:me|us)|` +
    '(?:message (?:me|us)|text (?:me|us)|wake (?:me|us)(?: up)?|give (?:me|us) a (?:heads-up|shout|ping))|' +
    String.raw`send (?:me|us) an? (?:alert|notification|message)|keep an eye out|watch out|keep watching)\b[\s,]*` +
    String.raw`(?:(?:please|right away|straight away|immediately)\s+)?` +
    String.raw`(if|when|whenever|as soon as|once|the moment|each time|every time|in case|should)\b`,
);
/** "from now on, whenever X, tell me": the condition before the lead. */
const TRAILING =
  /\b(whenever|every time|each time|if|when)\b(.+?),?\s+(?:please\s+)?(?:tell|let|notify|alert|ping|warn|message) (?:me|us)\b/;

const ONCE = new Set(['when', 'as soon as', 'once', 'the moment']);

/** Activities as words → the activity expert's classes; `end` triggers read "gets up / wakes up". */
const ACTIVITIES: Array<{ re: RegExp; activity: string; on?: 'end'; fall?: true }> = [
  {
    re: new RegExp(
      String.raw`\b(?:gets?|getting|got) up\b|\bwakes? up\b|\bwaking up\b|\bgets? out of bed\b|` +
        String.raw`\bup from (?:his|her|their|the) (?:nap|sleep|rest|lie-down)\b|\bstops? (?:lying|sleeping|napping)\b`,
    ),
    activity: 'lying_down',
    on: 'end',
  },
  {
    // The activity expert has no "fall" class: a possible fall is lying down outside a bed or sofa (isPossibleFall).
    re: /\bon the (?:floor|ground)\b|\b(?:falls?|fell|fallen|falling)\b(?! asleep)|\b(?:collapses?|collapsed)\b/,
    activity: 'lying_down',
    fall: true,
  },
  {
    re: /\b(?:lies|lying|lay|lays|laid|lie)\b|\b(?:naps?|napping|sleeps?|sleeping|asleep)\b|\bgoes to bed\b/,
    activity: 'lying_down',
  },
  { re: /\bstands? up\b|\bstanding\b/, activity: 'standing' },
  { re: /\bsits?(?: down)?\b|\bsitting\b|\bsat\b/, activity: 'sitting' },
  { re: /\bcooks?\b|\bcooking\b|\b(?:is|starts?) at the stove\b/, activity: 'cooking' },
  { re: /\beats?\b|\beating\b/, activity: 'eating' },
  { re: /\bdrinks?\b|\bdrinking\b/, activity: 'drinking' },
  { re: /\b(?:on|uses?|using) (?:the |a |his |her )?phone\b/, activity: 'using_phone' },
  { re: /\b(?:on|uses?|using) (?:the |a |his |her )?(?:laptop|computer)\b/, activity: 'using_laptop' },
  { re: /\b(?:washes|washing|does|doing) (?:the )?dishes\b/, activity: 'washing_dishes' },
  { re: /\bclean(?:s|ing)?\b/, activity: 'cleaning' },
  { re: /\bread(?:s|ing)\b/, activity: 'reading' },
  { re: /\bwalk(?:s|ing)? (?:around|about)\b/, activity: 'walking' },
];

/** Conditions a watch cannot express, with the reason the asker gets. */
const UNSUPPORTED: Array<{ re: RegExp; reason: string }> = [
  {
    re: /\b(?:doesn't|does not|didn't|did not|hasn't|has not|haven't|isn't|is not|aren't|won't|will not|never|no one|nobody|not)\b/,
    reason: 'I can watch for something that happens, not for something that does not happen (like someone not coming home)',
  },
  {
    re: /\b(?:leaves?|leaving|left|goes out|go out|goes away|drives? off|departs?)\b/,
    reason: 'I can watch for someone showing up, doing something or getting up, not yet for someone leaving',
  },
  {
    re: new RegExp(
      String.raw`\b(?:cars?|vans?|trucks?|bikes?|dogs?|cats?|pets?|parcels?|packages?|deliver(?:y|ies)|postman|` +
        String.raw`doors? (?:opens?|closes?|is open)|windows?|lights?|smoke|fire|water|noise|sound|motion|movement|kettle|oven)\b`,
    ),
    reason: 'I can watch for people (who, where, doing what), not for objects, animals, doors or other sensors',
  },
  {
    re: /\bremind me\b|\bat \d{1,2}(?::\d{2})? ?(?:am|pm)?\b(?! until)/,
    reason: 'I can watch the cameras for people, but I cannot set reminders for a time',
  },
];

function durationSeconds(q: string): number | null {
  const m = new RegExp(
    String.raw`\bfor (?:more than|over|longer than|at least|upwards of)?\s*(\d+|a couple of|a few|an?|one|two|three|four|five|ten|` +
      String.raw`fifteen|twenty|thirty) (seconds?|secs?|minutes?|mins?|hours?|hrs?)\b`,
  ).exec(q);
  if (m === null) return null;
  const n = parseNumberWord(m[1]!);
  const unit = m[2]!.startsWith('h') ? 3600 : m[2]!.startsWith('m') ? 60 : 1;
  return n * unit;
}

function countOf(q: string): number | null {
  const m = /\b(?:(more than|over|at least) )?(\d+|twice|two|three|four|five) times\b|\btwice\b/.exec(q);
  if (m === null) return null;
  const word = m[2] ?? 'twice';
  const n = word === 'twice' ? 2 : parseNumberWord(word);
  return m[1] === 'more than' || m[1] === 'over' ? n + 1 : n;
}

/** Splits a standing order into its condition and whether it fires once; null when it is not one. */
function condition(q: string): { text: string; once: boolean } | null {
  const lead = LEAD.exec(q);
  if (lead !== null) return { text: q.slice(lead.index + lead[0].length).trim(), once: ONCE.has(lead[1]!) };
  const trailing = TRAILING.exec(q);
  if (trailing !== null) return { text: trailing[2]!.trim(), once: trailing[1] === 'when' };
  return null;
}

export function parseWatchRequest(question: string, ctx: WatchParseContext): WatchParse {
  const q = question
    .normalize('NFKC')
    .replace(/[\u2018\u2019]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
  const cond = condition(q);
  if (cond === null) return { ok: false, reason: 'I could not tell what to watch for; say e.g. "tell me when Opa gets up"' };
  const text = cond.text;
  for (const u of UNSUPPORTED) if (u.re.test(text)) return { ok: false, reason: `${u.reason}.` };

  // People and places in the condition, grounded like the planners ground them.
  const { resolveTime: _pastOnly, ...grounding } = ctx.grounding;
  const { mentions } = detectMentions(text, grounding);
  const people = new Set<string>();
  let who: WatchSpecInput['trigger']['who'] | undefined;
  const cameras = new Set<string>();
  const zones = new Set<string>();
  for (const m of mentions) {
    const r = m.resolved;
    if (r === undefined) continue;
    if (r.kind === 'person') {
      if (r.people.length > 1)
        return { ok: false, reason: `"${m.surface}" could be ${r.people.join(' or ')}; say which one and I will watch for them.` };
      if (r.people[0] !== undefined) people.add(r.people[0]);
    } else if (r.kind === 'group') {
      if (r.meaning === 'unknown') who = { kind: 'unknown' };
      else if (r.meaning === 'anyone') who ??= { kind: 'anyone' };
      else
        return {
          ok: false,
          reason: `a watch looks for one person, anyone, or someone you don't know; "${m.surface}" is several people: ask once each.`,
        };
    } else if (r.kind === 'camera') cameras.add(r.camera);
    else if (r.kind === 'room') {
      if (r.cameras.length === 0) return { ok: false, reason: `no camera looks at the ${r.room}, so I cannot watch it.` };
      for (const c of r.cameras) cameras.add(c);
    } else if (r.kind === 'zone') {
      zones.add(r.zone);
      for (const c of r.cameras) cameras.add(c);
    }
  }
  if (people.size > 1)
    return { ok: false, reason: `a watch looks for one person; ${[...people].join(' and ')} are several — ask once per person.` };
  if (people.size === 1) {
    if (who?.kind === 'unknown') return { ok: false, reason: 'a watch cannot look for a known person and an unknown one at once.' };
    who = { kind: 'person', name: [...people][0]! };
  }
  if (who === undefined && /\b(?:someone|somebody|anyone|anybody|a person|people|a visitor|visitors|guests?)\b/.test(text))
    who = { kind: 'anyone' };
  // "my daughter" with no such person in the household: an unresolved name is refused, not dropped.
  const unresolved =
    /\b(?:my|our) (son|daughter|wife|husband|mum|mom|dad|grandpa|grandma|granny|nana|opa|oma|baby|partner|kid|child)\b/.exec(text);
  if (who === undefined && unresolved !== null)
    return {
      ok: false,
      reason: `I do not know who "${unresolved[0]}" is in this household; add them (household.people) or use their name.`,
    };

  const act = ACTIVITIES.find((a) => a.re.test(text));
  if (who === undefined && act === undefined)
    return { ok: false, reason: 'I could not tell whom to watch for; name a person, "someone", or "someone I don\'t know".' };
  const minDuration = durationSeconds(text);
  const count = countOf(text);
  const window = resolveWindow(q, ctx.nowMs, ctx.timezone);
  const startsAt = window?.startsAt ?? ctx.nowMs;
  const expiresAt = window?.expiresAt ?? ctx.nowMs + ctx.defaultHours * 3_600_000;
  if (expiresAt <= ctx.nowMs) return { ok: false, reason: `"${window?.phrase}" is already over.` };

  const trigger: WatchSpecInput['trigger'] = {
    who: who ?? { kind: 'anyone' },
    cameras: [...cameras].sort(),
    zones: [...zones].sort(),
    activity: act?.activity ?? null,
    // A fall is lying down anywhere but a resting zone; a zone the asker names is where to look instead.
    fall: act?.fall === true && zones.size === 0,
    on: act?.on ?? 'start',
    // A stranger is someone whose face has not resolved after a moment, not at first sight.
    min_duration_s: minDuration ?? (who?.kind === 'unknown' ? UNKNOWN_GRACE_S : 0),
    count: count ?? 1,
  };
  const spec: WatchSpecInput = {
    trigger,
    expires_at: expiresAt,
    cooldown_s: ctx.defaultCooldownS,
    once: cond.once && (count ?? 1) === 1,
    ...(startsAt > ctx.nowMs ? { starts_at: startsAt } : {}),
  };
  const parsed = watchSpecSchema.parse(spec);
  const description = describeTrigger(parsed.trigger);
  return {
    ok: true,
    spec: { ...spec, label: description },
    description,
    confirmation: confirmation({ ...parsed, label: description }, description, ctx.nowMs, ctx.timezone),
  };
}
