/**
 * The corpus's phrasing templates: each Q2A intent's own templates
 * (`<intent>/<i>`, bench/datasets/intents.ts) plus more written for the
 * planner corpus (`<intent>/c<i>`): commands, fragments, voice-assistant
 * requests, indirect questions. Same slots as the intent's own templates;
 * choice syntax of bench/datasets/text.ts. Every template has a name, so the
 * template-disjoint split can hold some out of training.
 */
import {
  FOLLOWUP_TEMPLATES,
  type FollowupKind,
  INJECTION_REFUSALS,
  INTENTS,
  type IntentDef,
  intentPhrasings,
  type Phrasing,
  REFUSALS,
  type RefusalDef,
} from '../datasets/index.js';
import { CORPUS_INTENTS } from './intents.js';

const EXTRA: Record<string, string[]> = {
  presence_room: [
    '${room} ${time}: who was there',
    'who was in ${room} ${time}?',
    'anyone in ${room} ${time}',
    '{can you|could you} check who was in ${room} ${time}',
    'I need to know who was in ${room} ${time}',
    'list everyone who was in ${room} ${time}.',
    'who {used|went into} ${room} ${time}, do you know',
    'who {hung out|was hanging around} in ${room} ${time}',
    'tell me everybody you saw in ${room} ${time}.',
    'was there anybody in ${room} ${time}',
  ],
  presence_home: [
    'who was around ${time}',
    'anyone home ${time}',
    'list who was in the house ${time}.',
    '{can you|could you} tell me who was home ${time}',
    'who {did you see|have you seen} at home ${time}',
    '${time}: who was home',
    'was anybody {home|in} ${time}',
  ],
  person_events: [
    '${who} ${time}?',
    'any sign of ${who} ${time}',
    'did you see ${who} ${time}',
    'where was ${who} ${time}',
    'check on ${who} ${time}.',
    '{quick|short} update on ${who} ${time}',
    'was ${who} {here|home|around} ${time}',
    'did ${who} {come|come by|come over|stop by|show up} ${time}',
    'wat time did ${who} {get in|get home|leave} ${time}',
    'what time was ${who} {back|home|out} ${time}',
    'did ${who} {go out|leave the house|make it home} ${time}',
  ],
  self_events: [
    'was I in ${room} ${time}',
    'how many times did I go to ${room} ${time}',
    'when did I {come through|go into} ${room} ${time}',
    'list the times I was in ${room} ${time}.',
    'me in ${room} ${time}?',
  ],
  day_timeline: [
    'what was ${who} up to ${phrase}',
    'what has ${who} been doing ${phrase}',
    'what was ${who} doing ${phrase}',
    'what did ${who} do all day ${phrase}',
    '${whos} day ${phrase}?',
    'give me a rundown of ${whos} day ${phrase}.',
    'what was ${whos} day like ${phrase}',
    'timeline for ${who} ${phrase}.',
    'tell me about ${whos} day ${phrase}.',
    'how did ${who} spend the day ${phrase}',
  ],
  last_seen: [
    'last time you saw ${who}?',
    '${who}, last seen?',
    'any idea where ${who} is',
    'find ${who}.',
    'where {was|is} ${who} {at|now}',
    'when did ${who} last {show up|appear} on camera',
    'track down ${who} for me.',
    'do you know where ${who} went',
    'has anyone seen ${who}',
    'where did ${who} go',
  ],
  last_seen_evidence: [
    'last picture of ${who}?',
    'show me where ${who} was last seen.',
    'send me the latest {photo|snapshot} of ${who}.',
    'can I get a picture of ${who} from the last time you saw {them|${who}}',
  ],
  count_visits: [
    'how many times did ${who} go {out to|to|into|up to|down to} ${room} ${time}',
    'how many times was ${who} in ${room} ${time}',
    'how often did ${who} go {to|into} ${room} ${time}',
    'number of times ${who} was in ${room} ${time}?',
    '{how many|how many total} visits to ${room} by ${who} ${time}',
    "count ${who}'s visits to ${room} ${time}.",
    'tell me how often ${who} went into ${room} ${time}.',
    '${who} in ${room} ${time}: how many times',
  ],
  count_people: [
    'number of people in ${room} ${time}?',
    'count the people who {came through|were in} ${room} ${time}.',
    'how many {visitors|people} did ${room} get ${time}',
    'headcount for ${room} ${time}',
  ],
  activity_duration: [
    'time ${who} spent ${ing} ${time}?',
    'total time ${who} was ${ing} ${time}',
    'tell me how long ${who} was ${ing} ${time}.',
    'how many minutes was ${who} ${ing} ${time}',
    'was ${who} ${ing} for long ${time}',
  ],
  room_duration: [
    'where did ${who} spend most time ${time}',
    'which room was ${who} in the longest ${time}',
    'show me how long ${who} was in each room ${time}.',
    '${who} ${time}: time per room',
  ],
  activity_check: [
    '${subject} ${ing} in ${room} ${time}?',
    'check if ${subject} was ${ing} in ${room} ${time}.',
    'tell me whether ${subject} was ${ing} in ${room} ${time}.',
    'any ${ing} in ${room} ${time}',
    'I think ${subject} was ${ing} in ${room} ${time}, can you confirm',
  ],
  fall_check: [
    'is ${who} ok? any falls ${time}',
    "check ${who} didn't fall ${time}.",
    'did ${who} take a tumble ${time}',
    'was ${who} lying on the floor ${time}',
    "I'm worried about ${who}, did ${subj} fall ${time}",
    'has ${who} been on the floor ${time}',
  ],
  snapshot: [
    'picture of ${subject} in ${room} ${time}',
    'pics from ${room} ${time}?',
    'grab a {photo|snapshot} of ${subject} in ${room} ${time}.',
    'show ${subject} in ${room} ${time}.',
    'let me see ${subject} in ${room} ${time}.',
  ],
  clip: [
    'video of ${who} in ${room} ${time}?',
    'send me a clip of ${who} in ${room} ${time} and tell me who was with {them|${who}}.',
    'I want the footage of ${who} in ${room} ${time}. what happened',
  ],
  live_anyone: [
    'anyone in ${room} ${phrase}?',
    'is ${room} empty ${phrase}',
    'check ${room} for people ${phrase}.',
    'any movement in ${room} ${phrase}',
    'look at ${camera} ${phrase}: anybody there',
  ],
  live_who: [
    "who's on ${camera} ${phrase}",
    'tell me who is in ${room} ${phrase}.',
    'who is at ${room} ${phrase}',
    'check ${camera} and say who it is ${phrase}.',
  ],
  footage_who_what: [
    'scan ${camera} ${time}: who and what',
    'review the {footage|video} of ${room} ${time}: who was there, doing what',
    'run the video of ${room} ${time} through the camera check and tell me who was there and what they did.',
  ],
  footage_who_snapshot: [
    'go through ${camera} ${time}, identify who was there and {send|give} me a {snapshot|picture}.',
    'who shows up on ${camera} ${time}? I want {a picture|snapshots}.',
  ],
  footage_snapshots: [
    'snapshots of everyone you recognise on ${camera} ${time}.',
    'pull pictures of the people on the {recordings|footage} of ${room} ${time}.',
  ],
  footage_activity: [
    'analyse the {video|footage} of ${room} ${time}: what was going on',
    'what happened on ${camera} ${time}? look at the {frames|footage}.',
    'go through ${camera} ${time} and tell me what people were doing.',
  ],
  two_people: [
    '${both} ${time}?',
    'where were ${both} {and what were they doing|} ${time}',
    'update on ${both} ${time}.',
    'what have ${both} been up to ${time}',
    'check on ${both} ${time}.',
  ],
  two_rooms: [
    '${room1} and ${room2} ${time}: who was in each',
    'who was in ${room1}, and who was in ${room2}, ${time}',
    'check ${room1} and ${room2} ${time}. who was there',
  ],
  compare_days: [
    '${who} in ${room}: ${t1} vs ${t2}?',
    'was ${who} in ${room} more ${t1} or ${t2}',
    'how does ${t1} compare with ${t2} for ${who} in ${room}',
  ],
  who_and_clip: ['who was at ${room} ${time}? picture and video please.', '${room} ${time}: who came, and send me a photo and a clip.'],
  recall_memory: ['do you remember: ${ask}', 'remind me, ${ask}', '${ask}, do you know', 'quick one, ${ask}', 'I forgot, ${ask}'],
  remember: [
    'remember: ${fact}',
    'note this down: ${fact}',
    'make a note that ${fact}',
    'for future reference, ${fact}.',
    'FYI ${fact}, remember that',
    'store this: ${fact}',
  ],
  publish: [
    'put up on ${where} that ${message}',
    '{log|write|post} on ${where} that ${message}',
    'put on ${where}: ${message}',
    'let ${where} know that ${message}',
    'put a message on ${where}: ${message}',
    'show "${message}" on ${where}',
    'broadcast "${message}" to ${where}',
  ],
};

const EXTRA_FOLLOWUPS: Record<FollowupKind, string[]> = {
  time: ['${time}?', 'ok and ${time}', 'now ${time}', 'what about ${time} then'],
  person: ['${who}?', 'and ${who}, same question', 'ok what about ${who}'],
  after: ['and then?', 'what about after that', 'after that?'],
  evidence: ['pics?', 'send me the picture', 'let me see'],
  pronoun_activity: ['doing what', 'and what was ${subj} up to there'],
};

/** Every phrasing of an intent: its own templates and the corpus's. */
export function phrasingsFor(def: IntentDef): Phrasing[] {
  return [...intentPhrasings(def), ...(EXTRA[def.id] ?? []).map((text, i) => ({ id: `${def.id}/c${i}`, text }))];
}

export function followupPhrasings(kind: FollowupKind): Phrasing[] {
  return [
    ...FOLLOWUP_TEMPLATES[kind].map((text, i) => ({ id: `followup_${kind}/${i}`, text })),
    ...EXTRA_FOLLOWUPS[kind].map((text, i) => ({ id: `followup_${kind}/c${i}`, text })),
  ];
}

/** The refusal families the corpus draws: the Q2A ones plus prompt injections. */
export const CORPUS_REFUSALS: readonly RefusalDef[] = [...REFUSALS, ...INJECTION_REFUSALS];

/** Every template name, by family (intent, follow-up kind or refusal family). */
export function allTemplates(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const def of [...INTENTS, ...CORPUS_INTENTS])
    out.set(
      def.id,
      phrasingsFor(def).map((p) => p.id),
    );
  for (const kind of Object.keys(FOLLOWUP_TEMPLATES) as FollowupKind[])
    out.set(
      `followup_${kind}`,
      followupPhrasings(kind).map((p) => p.id),
    );
  for (const r of CORPUS_REFUSALS)
    out.set(
      `refusal/${r.id}`,
      r.templates.map((_, i) => `refusal/${r.id}/${i}`),
    );
  return out;
}

/** The family a template name belongs to ("presence_room/c3" → "presence_room", "refusal/locks/1" → "refusal/locks"). */
export function templateFamily(id: string): string {
  return id.slice(0, id.lastIndexOf('/'));
}
