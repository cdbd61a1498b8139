import { englishGloss, LIVE_WORDS, type Mention } from '../../grounding/index.js';
import { zonedDay } from '../../system/index.js';
import { getTool, namedArguments, type PlanRequest, type TaskPlan } from '../catalog/index.js';
import { asksAboutCallers, factToKeep, hubMessageOf, hubTopicOf } from './free-text.js';
import { requestMentions } from './model-planner.js';
import { requestedSideEffects } from './refusal.js';
import { resolveTimePhrase } from './time.js';
import { activitiesNamed } from './activity-words.js';
import { dropNodes, planOfNodes, withAnswer } from './steps.js';

/**
 * What kind of plan a question needs, whichever planner writes it:
 * - a live question ("right now", "currently", "at the moment") about a place reads live frames (get_frames), not
 *   stored events;
 * - "what did X do", "what was X up to", "X's day", "timeline of X" is the activity timeline of X, for a whole day
 *   (at a place or in a part of the day it is X's events there and then);
 * - a naming or habit statement ("the cat is called Mimi", "Tom usually gets home at 6"), like "remember that …",
 *   is a memory write (remember), where remember is allowed (statesFactToKeep; other statements are not).
 */
export interface QuestionShape {
  live: boolean;
  timeline: boolean;
  memoryWrite: boolean;
}

const LIVE = new RegExp(String.raw`\b(?:${LIVE_WORDS.join('|')})\b|^(?:is|are)\b.*\bnow\W*$`, 'i');
const TIMELINE = new RegExp(
  [
    String.raw`\bwhat (?:did|has|have) <person-\d+> (?:been )?(?:do|doing|done|up to)\b`,
    String.raw`\bwhat (?:was|were|is) <person-\d+> (?:doing|up to)\b`,
    String.raw`<person-\d+>['’]?s? (?:whole |entire )?day\b`,
    String.raw`\btimeline (?:of|for) <person-\d+>`,
    String.raw`\bhow did <person-\d+> spend\b`,
  ].join('|'),
  'i',
);

/** A time that is a whole day: "today", "yesterday", "on monday", "last friday". */
const WHOLE_DAY =
  /^(?:(?:on|last|this|this past)\s+)?(?:today|2day|yesterday|yday|the day before yesterday|(?:mon|tues|wednes|thurs|fri|satur|sun)day)$/i;

/** "remember / note / keep in mind …" at the start of a clause. */
const REMEMBER = /(?:^|[.!;,]\s*)(?:please\s+)?(?:remember|note|keep in mind|don['’]?t forget)\b/i;
/** A name given: "X is called Y", "her name is Y", "we call the garage the workshop". */
const NAMING = /\b(?:is|are|was|were)\s+(?:called|named|known as)\b|\bnames?\s+(?:is|are)\b|\b(?:we|i|they)\s+call\b/i;
/** A habit: "usually", "always", "every evening", "on weekdays", "after dinner each day". */
const HABIT = new RegExp(
  String.raw`\b(?:usually|always|normally|typically|never|habitually|every (?:day|morning|evening|night|week|weekday|weekend|` +
    '(?:mon|tues|wednes|thurs|fri|satur|sun)day)|each (?:day|morning|evening|night|week)|on (?:weekdays|weekends|' +
    String.raw`(?:mon|tues|wednes|thurs|fri|satur|sun)days))\b`,
  'i',
);
const ASKS = /\?\s*$|^(?:did|does|do|was|were|is|are|has|have|had|who|whom|whose|when|where|what|which|why|how|can|could|should|any)\b/i;

/** A greeting before a question, and a place at its end (delexicalised, lower case). */
const GREETING = String.raw`^(?:(?:yo|hey|hi|ok|okay|so|um+|uh+|hmm+|homesight|quick question)[,!]?\s+)*`;
const AT_PLACE =
  String.raw`\s+(?:(?:out|up|down|still)\s+)?(?:at|in|on|by|inside|near|outside)\s+(?:the\s+|our\s+|my\s+)?` +
  String.raw`<(camera|room|zone)-(\d+)>(?:\s+(?:again|still|too|as well))?\s*[?.!]*$`;
/**
 * A fact to keep: "remember that …", or a statement (not a question) that gives a name or a habit. Other
 * statements typed without a question mark ("kitchen light still on") are not writes.
 */
export function statesFactToKeep(question: string): boolean {
  const q = question.trim();
  return REMEMBER.test(q) || (!ASKS.test(q) && (NAMING.test(q) || HABIT.test(q)));
}

export function questionShape(req: PlanRequest): QuestionShape {
  const q = req.question.trim();
  const { question, all } = requestMentions(req);
  const { text, mentions } = question;
  // live frames are a camera's: "where is Leo right now", with no place in the conversation, is his last sighting
  const live = LIVE.test(q) && all.some(isPlace);
  // "what was Ceren doing at the front door this afternoon" is her events there and then (the corpus's plan), not the day
  const narrowed = mentions.some((m) => isPlace(m) || (m.kind === 'time' && !WHOLE_DAY.test(m.surface.trim())));
  return {
    live,
    // "what is Tom doing right now" is live frames, not the day's timeline
    timeline: !live && !narrowed && TIMELINE.test(text),
    memoryWrite: statesFactToKeep(q) && requestedSideEffects(q).includes('remember') && (req.allowTools ?? []).includes('remember'),
  };
}

/** Whether a plan has the form a shape asks for (the retrieval planner ranks examples by it, validation checks it). */
export function planFits(plan: TaskPlan, shape: QuestionShape): { live: boolean; timeline: boolean; memoryWrite: boolean } {
  const tools = new Set(plan.task_nodes.map((n) => n.task));
  return {
    live: !shape.live || tools.has('get_frames'),
    timeline: !shape.timeline || tools.has('activity_timeline'),
    memoryWrite: !shape.memoryWrite || tools.has('remember'),
  };
}

/**
 * A statement to keep (questionShape's memoryWrite) planned as a memory write, whatever plan a planner wrote for it:
 * remember the fact, then confirm. A plan that already has remember is kept as it is.
 */
export function asMemoryWrite(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if (plan.task_nodes.some((n) => n.task === 'remember') || !questionShape(req).memoryWrite) return plan;
  return confirmed({ task: 'remember', arguments: { fact: factToKeep(req.question) ?? req.question.trim() } }, req.question);
}

/** One side-effect node, then the answer that reports it. */
function confirmed(node: TaskPlan['task_nodes'][number], question: string): TaskPlan {
  return planOfNodes([node, { task: 'compose_answer', arguments: { question, inputs: ['<node-0>'] } }]);
}

/** Words that make a post's message depend on what the cameras saw ("post on the board who came today"). */
const ASKS_INSIDE = /\b(?:who|whom|whose|what|when|where|which|how many|how long|whether|if anyone|if anybody)\b|\?/i;

/**
 * A request that only asks for a post to the hub ("put up on the noticeboard that the kids are home safe", "send
 * 'dinner's ready' to the phones"), planned as that post whatever plan a planner wrote for it: publish the message
 * to the topic the request names, then confirm. Kept as it is: a plan that already posts and nothing else, a request
 * whose message needs the cameras or that asks anything, a post not allowed, and one whose topic or message the
 * request does not say in a form free-text.ts reads.
 */
export function asHubPost(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const q = req.question.trim();
  const asked = requestedSideEffects(q);
  if (!asked.includes('publish_to_hub') || !(req.allowTools ?? []).includes('publish_to_hub')) return plan;
  if (asked.includes('remember') || ASKS.test(q) || ASKS_INSIDE.test(q)) return plan;
  const topic = hubTopicOf(q, req.hubTopics ?? []);
  const message = hubMessageOf(q);
  if (topic === null || message === null) return plan;
  return confirmed({ task: 'publish_to_hub', arguments: { topic, message } }, req.question);
}

/** Asked-for evidence: clips ("show me a clip of …", "any video?") or stills ("pictures of whoever came"). */
const CLIP_WORDS = /\b(?:clips?|videos?|footage|recordings?)\b/i;
const STILL_WORDS = /\b(?:pictures?|pics?|photos?|snapshots?|images?|stills?)\b/i;
const SEE = new RegExp(
  String.raw`\b(?:show|see|send|give|get|got|pull up|play|watch|have|any|want|need|let me)\b|` +
    // said first: "clip of the driveway from this morning pls"
    String.raw`^\W*(?:a |the |some )?(?:clips?|videos?|footage|recordings?|pictures?|pics?|photos?|snapshots?)\b`,
  'i',
);
/** Outputs evidence can be cut from (catalog refs of get_snapshot / evidence_clip). */
const EVIDENCE_FROM = new Set(['events', 'sighting', 'presence', 'timeline']);

/**
 * The evidence a request asks to see, whatever a planner wrote: clips for "a clip / the video / footage of …",
 * stills for "pictures / photos / a snapshot of …" (the other kind of evidence node becomes this one), and where
 * the plan has none, one after the last node whose events it can be cut from, as an input of the answer. Kept as
 * it is: a request that names both kinds or neither ("show me who was at the door" is the planner's call).
 */
export function withEvidence(plan: TaskPlan, req: Pick<PlanRequest, 'question'>): TaskPlan {
  const q = req.question;
  const clip = CLIP_WORDS.test(q);
  if (clip === STILL_WORDS.test(q) || !SEE.test(q)) return plan;
  const [want, other] = clip ? ['evidence_clip', 'get_snapshot'] : ['get_snapshot', 'evidence_clip'];
  // a plan with both kinds keeps both: "a phoo and a short video" asks for both, typo and all
  if (plan.task_nodes.some((n) => n.task === want) && plan.task_nodes.some((n) => n.task === other)) return plan;
  let nodes = plan.task_nodes.map((n) => (n.task === other ? { task: want, arguments: { events: namedArguments(n).events } } : n));
  if (!nodes.some((n) => n.task === want) && nodes[nodes.length - 1]?.task === 'compose_answer') {
    const from = nodes.findLastIndex((n) => EVIDENCE_FROM.has(getTool(n.task)?.kind ?? ''));
    if (from >= 0) nodes = beforeAnswer(nodes, { task: want, arguments: { events: `<node-${from}>` } });
  }
  const changed = nodes.some((n, i) => n !== plan.task_nodes[i]) || nodes.length !== plan.task_nodes.length;
  return changed ? planOfNodes(nodes) : plan;
}

/** The nodes with `node` before the last one, the answer, which takes it as one more input. */
function beforeAnswer(nodes: readonly TaskPlan['task_nodes'][number][], node: TaskPlan['task_nodes'][number]): TaskPlan['task_nodes'] {
  const answer = nodes.length - 1;
  const a = namedArguments(nodes[answer]!);
  const inputs = Array.isArray(a.inputs) ? a.inputs : [];
  return [...nodes.slice(0, answer), node, { task: nodes[answer]!.task, arguments: { ...a, inputs: [...inputs, `<node-${answer}>`] } }];
}

/** "who was in …", "whoever came to …": the presence list; "was anyone in …", "did somebody …": the events. */
const ASKS_WHO = /\bwho(?:ever)?\b/i;
const ASKS_ANYONE = /\b(?:any ?one|any ?body|some ?one|some ?body)\b/i;
const NOT_DATA = new Set(['resolve_time', 'compose_answer', 'get_snapshot', 'evidence_clip']);
const EVIDENCE_TOOLS = new Set(['get_snapshot', 'evidence_clip']);

/** Indexes of the nodes that read the household's data (not time, evidence or the answer). */
function dataNodes(plan: TaskPlan): number[] {
  return plan.task_nodes.flatMap((n, i) => (NOT_DATA.has(n.task) ? [] : [i]));
}

/**
 * A question about a place and nobody in particular, planned the way it asks (the corpus and the hand-written sets
 * agree on it): "who was at the door" is `who_was_where` of the door's room, "was anyone in the kitchen" is
 * `query_events` of the kitchen's camera. The small model swaps the two; only a plan whose one data node is the
 * other of the two, for one place and no person or activity, is rewritten.
 */
export function presenceAsAsked(plan: TaskPlan, req: Pick<PlanRequest, 'question' | 'household'>): TaskPlan {
  // a question in another language by its English gloss ("czy ktoś był w kuchni" asks whether anyone was)
  const q = englishGloss(req.question);
  const who = ASKS_WHO.test(q);
  if (who === ASKS_ANYONE.test(q)) return plan;
  const data = dataNodes(plan);
  // evidence is cut from events: "who was in the garage? I want a snapshot" lists the events (the corpus's plan)
  if (data.length !== 1 || plan.task_nodes.some((n) => EVIDENCE_TOOLS.has(n.task))) return plan;
  const i = data[0]!;
  const a = namedArguments(plan.task_nodes[i]!);
  if (a.identity !== undefined || a.person !== undefined || a.activity !== undefined) return plan;
  const rooms = req.household.cameraRooms ?? {};
  const span = Object.fromEntries(Object.entries({ start: a.start, end: a.end }).filter(([, v]) => v !== undefined));
  let node: TaskPlan['task_nodes'][number] | null = null;
  if (who && plan.task_nodes[i]!.task === 'query_events' && typeof a.camera === 'string') {
    const room = rooms[a.camera];
    if (typeof room === 'string' && Object.keys(a).every((k) => ['start', 'end', 'camera'].includes(k)))
      node = { task: 'who_was_where', arguments: { ...span, room } };
  } else if (!who && plan.task_nodes[i]!.task === 'who_was_where' && typeof a.room === 'string') {
    const cameras = Object.entries(rooms).flatMap(([c, r]) => (r === a.room ? [c] : []));
    if (cameras.length === 1) node = { task: 'query_events', arguments: { ...span, camera: cameras[0]! } };
  }
  if (node === null) return plan;
  return planOfNodes(plan.task_nodes.map((n, k) => (k === i ? node : n)));
}

/**
 * "how long was …", "how much time did … spend", "was she out there for long", "who spent the most time in …", "which
 * room was she in the longest": a duration, not "how long ago".
 */
const ASKS_DURATION = new RegExp(
  String.raw`\bhow long\b(?! ago\b| since\b| has it been\b)|\bhow much time\b|\bfor long\b|\bhow many (?:minutes|hours)\b|` +
    String.raw`\bspen[dt]\b.{0,40}\btime\b|\bthe longest\b`,
  'i',
);

/** "how long in each room", "which room … longest": the duration per room. */
const PER_ROOM = /\b(?:each|every|which|what|per) room\b|\brooms\b|\bwhere\b/i;

/**
 * A question about how long, planned as the corpus plans it: the duration is summed per activity where the plan
 * or the question has one, per room where the question asks per room ("how long in each room"), and per person
 * otherwise (`group_by=identity`: a small model groups by room or by an activity it did not name); a plan whose one
 * data node lists one person's events sums them instead.
 */
export function durationAsAsked(plan: TaskPlan, req: Pick<PlanRequest, 'question'>): TaskPlan {
  const q = englishGloss(req.question);
  if (!ASKS_DURATION.test(q)) return plan;
  const named = activitiesNamed(q);
  const data = dataNodes(plan);
  const nodes = plan.task_nodes.map((n) => {
    const counted = namedArguments(n);
    // a duration asked for is summed time, not a count of events
    const a = n.task === 'aggregate' && counted.metric === 'count' ? { ...counted, metric: 'duration_s' } : counted;
    if (n.task === 'aggregate' && a.metric === 'duration_s') {
      if (typeof a.activity === 'string')
        return a.group_by === 'activity' && a === counted ? n : { task: n.task, arguments: { ...a, group_by: 'activity' } };
      if (named.length === 1) return { task: n.task, arguments: { ...a, group_by: 'activity', activity: named[0]! } };
      const by = a.group_by === 'room' && PER_ROOM.test(q) ? 'room' : 'identity';
      return a.group_by === by && a === counted ? n : { task: n.task, arguments: { ...a, group_by: by } };
    }
    if (n.task === 'query_events' && data.length === 1 && typeof a.identity === 'string' && a.activity === undefined)
      return { task: 'aggregate', arguments: { ...a, group_by: 'identity', metric: 'duration_s' } };
    return n;
  });
  const changed = nodes.some((n, i) => n !== plan.task_nodes[i]);
  return changed ? planOfNodes(nodes) : plan;
}

/** "how many times", "how often": a count of events. */
const ASKS_COUNT = /\bhow (?:many times|often)\b/i;

/**
 * A question about how many times, planned as the corpus plans it: the events counted (count_events with the same
 * filters), not listed. A follow-up ("how many times?") copies the earlier plan's listing. Only a plan whose data
 * nodes all list events, none read by a snapshot or clip.
 */
export function countAsAsked(plan: TaskPlan, req: Pick<PlanRequest, 'question'>): TaskPlan {
  if (!ASKS_COUNT.test(englishGloss(req.question))) return plan;
  const nodes = plan.task_nodes;
  const data = dataNodes(plan);
  if (data.length === 0 || !data.every((i) => nodes[i]!.task === 'query_events')) return plan;
  if (nodes.some((n) => EVIDENCE_TOOLS.has(n.task))) return plan;
  return planOfNodes(
    nodes.map((n, i) => {
      if (!data.includes(i)) return n;
      const { limit: _limit, ...filters } = namedArguments(n);
      return { task: 'count_events', arguments: filters };
    }),
  );
}

/**
 * The planner model's plan in the shape the request asks for: a statement to keep is a memory write, a bare post that
 * post, one person at one place one node, the evidence asked to see the kind asked for,
 * a place and nobody in particular the presence list or the events as asked, a duration summed as the corpus sums it,
 * every person and every place asked about in the plan, a live question about an activity reads it from the frames.
 */
export function planAsAsked(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const steps = [
    asMemoryWrite,
    asHubPost,
    timeAsAsked,
    asTimeline,
    personAtPlace,
    withEvidence,
    presenceAsAsked,
    durationAsAsked,
    countAsAsked,
    everyPersonAsked,
    everyPlaceAsked,
    onePersonEachPlace,
    activityAsAsked,
    presentAsLive,
    someoneWasAtPlace,
    atTheDoor,
    whatHappened,
    anyoneHome,
    whoAtTime,
    everyoneBut,
    strangersAsked,
    inventedSighting,
    doingAtPlace,
    everyCameraOfRoom,
    peopleAtPlaceAlike,
    liveAsAsked,
    liveActivity,
  ];
  return steps.reduce((p, step) => step(p, req), plan);
}

/**
 * A time phrase the resolver cannot read, where the plan made it up: the small model copies a span of the question
 * that is no time ("the", "at the", "together"), or one with a place in it ("on the roof today"). Not in a follow-up.
 * - The question says one time: the phrase is that time, as said.
 * - The question says none: a span that only the answer reads goes; a person's
 *   presence asked about is their last sighting
 *   ("has my daughter been in the sun room", "were they in the living room": last_seen of each, at the place's camera),
 *   as the sets plan a question about a person and a place with no time. Other plans stay as written: the request
 *   checks reject the phrase with the resolver's reason.
 */
export function timeAsAsked(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const nodes = plan.task_nodes;
  const at = nodes.findIndex((n) => n.task === 'resolve_time');
  // a follow-up's time may lean on the turn before ("and after that?"): the request checks read it with that turn
  if (at < 0 || nodes.filter((n) => n.task === 'resolve_time').length !== 1 || (req.history?.length ?? 0) > 0) return plan;
  const phrase = namedArguments(nodes[at]!).phrase;
  if (typeof phrase !== 'string' || readsAsTime(phrase, req)) return plan;
  const mentions = requestMentions(req).question.mentions;
  const times = mentions.filter((m) => m.kind === 'time');
  if (times.length === 1) {
    const said = times[0]!.surface;
    return said === phrase ? plan : withPhrase(nodes, at, said);
  }
  if (times.length > 0 || mentions.some((m) => /^(?:i|me|myself)$/i.test(m.surface))) return plan;
  // a time said that the resolver cannot read ("after school" with no such routine) is the checks' to reject with why;
  // a phrase with a place in it ("in the lounge") is no time said
  const atPlace = mentions.filter(isPlace);
  const hasPlace = atPlace.some((m) => phrase.toLowerCase().includes(m.surface.toLowerCase()));
  if (SAID_AS_TIME.test(phrase.trim()) && !hasPlace) return plan;
  // a span nothing reads but the answer ("did grandma and zo eat together": last sightings and "together") goes
  const read = nodes.some((n, i) => i !== nodes.length - 1 && Object.values(namedArguments(n)).includes(`<node-${at}>`));
  if (!read) {
    const kept = dropNodes(nodes, new Set([at]));
    return kept.length < nodes.length ? planOfNodes(kept) : plan;
  }
  const answer = nodes[nodes.length - 1];
  const data = dataNodes(plan);
  if (answer?.task !== 'compose_answer' || data.length + 2 !== nodes.length || data.length > MAX_ANSWER_INPUTS) return plan;
  // "who was in the lounge", "how long was the little one on the balcony": a place asked about with no time is today
  const implied = impliedTime(req);
  // live frames read now, not a whole day
  const live = nodes.some((n) => n.task === 'get_frames');
  const otherwise = implied !== null && (implied === 'now' || !live) ? withPhrase(nodes, at, implied) : plan;
  const sightings: TaskPlan['task_nodes'] = [];
  for (const i of data) {
    const n = nodes[i]!;
    const { identity, camera, room, start, end, ...rest } = namedArguments(n);
    if (!PRESENCE_TOOLS.has(n.task) || typeof identity !== 'string' || identity === 'unknown' || Object.keys(rest).length > 0)
      return otherwise;
    if (start !== `<node-${at}>` || end !== `<node-${at}>`) return otherwise;
    const cameras = argumentCameras({ camera, room }, req);
    if (cameras.length > 1) return otherwise;
    sightings.push({
      task: 'last_seen',
      arguments: cameras.length === 1 ? { person: identity, camera: cameras[0]! } : { person: identity },
    });
  }
  const a = namedArguments(answer);
  return planOfNodes([...sightings, { task: answer.task, arguments: { ...a, inputs: sightings.map((_n, i) => `<node-${i}>`) } }]);
}

/**
 * "was anyone in the close", "has someone been on the back green": someone at one place asked about in the past
 * with no time, where the small model wrote the last sighting of someone it made up, is the place's events of today.
 */
export function someoneWasAtPlace(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0 || !plan.task_nodes.some((n) => n.task === 'last_seen')) return plan;
  const { text, mentions } = requestMentions(req).question;
  const match = PAST_AT_PLACE.exec(text.trim().toLowerCase());
  if (match === null || mentions.length !== 2) return plan;
  const group = mentions.find((m) => m.placeholder === `<group-${match[1]}>`)?.resolved;
  const cameras = placeCameras(mentions.find((m) => m.placeholder === `<${match[2]}-${match[3]}>`)?.resolved);
  // a room of several cameras: the first here, every other one by everyCameraOfRoom
  if (group?.kind !== 'group' || (group.meaning !== 'anyone' && group.meaning !== 'unknown') || cameras.length === 0) return plan;
  const unknown = group.meaning === 'unknown' ? { identity: 'unknown' } : {};
  return readAt(impliedTime(req) ?? 'today', 'query_events', { camera: cameras[0]!, ...unknown }, req);
}

/**
 * The time a question about a place implies when it says none (not in a follow-up): now for someone there asked in the
 * present ("is someone at the gate", "who's in the lounge", "is anyone home"), else today ("who was in the lounge", "how
 * long was she on the balcony", "any deliveries", "what happened"); null for other questions. The rewrites write it, and
 * the request checks take it as said.
 */
export function impliedTime(req: PlanRequest): 'now' | 'today' | null {
  if ((req.history?.length ?? 0) > 0) return null;
  const { text, mentions } = requestMentions(req).question;
  const said = text.trim().toLowerCase();
  const place = mentions.some(isPlace);
  const day = asksAboutCallers(req.question) || WHAT_HAPPENED.test(said);
  if (mentions.some((m) => m.kind === 'time')) return null;
  if (AT_HOME.test(said)) return 'now';
  if (!place && !day) return null;
  const doing = DOING_AT_PLACE.exec(said);
  const present = doing !== null && (doing[1] === 'is' || doing[1] === 'are');
  return PRESENT_AT_PLACE.test(said) || WHO_IS_AT_PLACE.test(said) || GOING_ON_AT_PLACE.test(said) || present ? 'now' : 'today';
}

/**
 * Deliveries and callers at the door ("any deliveries today", "did the postman come", "did someone knock at 4") are
 * the entrance camera's events: the model, which never saw such a question with a camera, wrote no tool, or the last
 * sighting of someone the question does not name. A node that filters events with no place and no person gets the
 * entrance's camera; a plan with no data node, or only made-up sightings, becomes the entrance's events at the time
 * said (or today). Only where the household has one entrance camera (a front door, doorbell, porch or entrance; else
 * one gate), and not for a question that names a place or a person, or a plan that stores or recalls.
 */
export function atTheDoor(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0 || !asksAboutCallers(req.question)) return plan;
  const nodes = plan.task_nodes;
  if (nodes.some((n) => n.task === 'remember' || n.task === 'recall_memory' || n.task === 'publish_to_hub')) return plan;
  const { mentions } = requestMentions(req).question;
  const named = mentions.some((m) => isPlace(m) || m.kind === 'person' || m.resolved?.kind === 'person');
  const times = mentions.filter((m) => m.kind === 'time');
  const camera = entranceCamera(req);
  if (named || camera === null || times.length > 1) return plan;
  const data = dataNodes(plan);
  const open = data.filter((i) => {
    const a = namedArguments(nodes[i]!);
    return FILTER_TOOLS.has(nodes[i]!.task) && a.camera === undefined && a.room === undefined && a.identity === undefined;
  });
  if (open.length > 0 && open.length === data.length) {
    return planOfNodes(nodes.map((n, i) => (open.includes(i) ? { task: n.task, arguments: { ...namedArguments(n), camera } } : n)));
  }
  if (!data.every((i) => nodes[i]!.task === 'last_seen')) return plan;
  return readAt(times[0]?.surface ?? 'today', 'query_events', { camera }, req);
}

/**
 * "what happened today", "what's been happening at home": the day at home, with no place or person, is who the
 * cameras saw where (who_was_where of every camera, as the corpus plans "who did the cameras see today"). The model
 * declined it: the corpus declines "what happened in the sauna" for a place the household has not. Only for the
 * question alone (with at most its time), where the model wrote no data node or a made-up person's sighting.
 */
export function whatHappened(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0) return plan;
  const { text, mentions } = requestMentions(req).question;
  if (!WHAT_HAPPENED.test(text.trim().toLowerCase()) || mentions.some((m) => m.kind !== 'time') || mentions.length > 1) return plan;
  const nodes = plan.task_nodes;
  if (!dataNodes(plan).every((i) => nodes[i]!.task === 'last_seen')) return plan;
  return whoWasWhere(mentions[0]?.surface ?? 'today', req);
}

/**
 * "who was the first one up this morning", "who left last tonight": a question about who, at a time said, with no
 * place or person, that the model declined (no data node) is who the cameras saw where then. Not a question about
 * what someone said, knows or is called (memory).
 */
export function whoAtTime(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0 || dataNodes(plan).length > 0) return plan;
  const { text, mentions } = requestMentions(req).question;
  if (mentions.length !== 1 || mentions[0]!.kind !== 'time' || mentions[0]!.resolved?.kind !== 'time') return plan;
  if (!WHO_ASKED.test(text.trim().toLowerCase()) || /\b(?:said|say|says|told|tell|mention\w*|know|knows|called|name)\b/i.test(text))
    return plan;
  // a place the household has not ("who was in the nursery since 4 pm" where there is none) stays declined
  if (/\b(?:in|at|on|by|inside|near|outside|into|to|from|around) (?:the|my|our|his|her|their) (?!<)[a-z]/i.test(text)) return plan;
  return whoWasWhere(mentions[0]!.surface, req);
}

/** "who …" at the start of a question, after a greeting. */
const WHO_ASKED = new RegExp(String.raw`${GREETING}(?:so |and )?who(?:'s|’s|s)?\b`);

/** Who the cameras saw where at a time: the day at home. */
function whoWasWhere(phrase: string, req: PlanRequest): TaskPlan {
  return readAt(phrase, 'who_was_where', {}, req);
}

/** A look at one camera at a time (live frames), the vision tools that read the frames, and the answer from all. */
function liveLook(phrase: string, camera: string, looks: readonly string[], req: PlanRequest): TaskPlan {
  return planOfNodes([
    { task: 'resolve_time', arguments: { phrase } },
    { task: 'get_frames', arguments: { camera, start: '<node-0>', end: '<node-0>' } },
    ...looks.map((task) => ({ task, arguments: { frames: '<node-1>' } })),
    { task: 'compose_answer', arguments: { question: req.question, inputs: ['<node-0>', ...looks.map((_t, i) => `<node-${i + 2}>`)] } },
  ]);
}

/** A time, one tool that reads it (with `args`), and the answer from both: the plan of a question asked once. */
function readAt(phrase: string, task: string, args: Record<string, unknown>, req: PlanRequest): TaskPlan {
  return planOfNodes([
    { task: 'resolve_time', arguments: { phrase } },
    { task, arguments: { start: '<node-0>', end: '<node-0>', ...args } },
    { task: 'compose_answer', arguments: { question: req.question, inputs: ['<node-0>', '<node-1>'] } },
  ]);
}

/**
 * "is anyone home", "who's home", "anybody in?": who is at home now, with no time said, is who the cameras see now
 * (who_was_where of every camera, as the corpus plans "anyone home in the last hour" and the model plans "is anyone
 * home right now"). The model wrote a made-up person's last sighting or a made-up time. A group of named members
 * ("are the kids home") is each one's last sighting (everyPersonAsked), not this.
 */
export function anyoneHome(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0) return plan;
  const { text, mentions } = requestMentions(req).question;
  const match = AT_HOME.exec(text.trim().toLowerCase());
  if (match === null || mentions.length > (match[1] === undefined ? 0 : 1)) return plan;
  const group = mentions[0]?.resolved;
  if (match[1] !== undefined && (group?.kind !== 'group' || (group.meaning !== 'anyone' && group.meaning !== 'everyone'))) return plan;
  return whoWasWhere('now', req);
}

/**
 * "any strangers today", "any unknown faces at the door": a question about people the household does not know filters
 * the events it reads to them (identity "unknown"); the small model, which saw few such questions, reads everyone's.
 * Only where the question names no one of the household and no node of the plan filters by a person.
 */
export function strangersAsked(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const { mentions } = requestMentions(req).question;
  const stranger = mentions.some((m) => m.resolved?.kind === 'group' && m.resolved.meaning === 'unknown');
  if (!stranger || mentions.some((m) => m.kind === 'person' || (m.resolved?.kind === 'group' && m.resolved.meaning !== 'unknown')))
    return plan;
  const nodes = plan.task_nodes;
  if (nodes.some((n) => namedArguments(n).identity !== undefined || namedArguments(n).person !== undefined)) return plan;
  const open = nodes.flatMap((n, i) => (n.task === 'query_events' || n.task === 'count_events' ? [i] : []));
  if (open.length === 0) return plan;
  return planOfNodes(
    nodes.map((n, i) => (open.includes(i) ? { task: n.task, arguments: { ...namedArguments(n), identity: 'unknown' } } : n)),
  );
}

/**
 * A question that names nobody of the household ("was there any activity overnight", "when was the last time someone
 * was in the hallway"), planned as the last sighting or day of someone the model made up and nothing else, is the
 * events at the time it says (or implies) and at its one place, if it names one. The request checks would reject the
 * made-up person and send the question to the retrieval planner.
 */
export function inventedSighting(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0) return plan;
  const nodes = plan.task_nodes;
  const data = dataNodes(plan);
  if (data.length === 0 || !data.every((i) => nodes[i]!.task === 'last_seen' || nodes[i]!.task === 'activity_timeline')) return plan;
  const { mentions } = requestMentions(req).question;
  if (mentions.some((m) => m.kind === 'person' || (m.resolved?.kind === 'group' && m.resolved.meaning === 'members'))) return plan;
  const times = mentions.filter((m) => m.kind === 'time');
  const places = mentions.filter(isPlace);
  const phrase =
    times.length === 1 && times[0]!.resolved?.kind === 'time' ? times[0]!.surface : times.length === 0 ? impliedTime(req) : null;
  const cameras = places.length === 1 ? placeCameras(places[0]!.resolved) : [];
  if (phrase === null || places.length > 1 || (places.length === 1 && cameras.length === 0)) return plan;
  return readAt(phrase, 'query_events', cameras.length > 0 ? { camera: cameras[0]! } : {}, req);
}

/**
 * "did anyone except max go in the garden", "who besides the kids used the workshop": someone other than the people
 * named, at the place said (if any) and the time said (or today), is who the cameras saw there — not those people's
 * sightings, which the small model wrote. Only where the plan is about the people left out and nobody else.
 */
export function everyoneBut(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0) return plan;
  const { text, mentions } = requestMentions(req).question;
  const m = EVERYONE_BUT.exec(text.toLowerCase());
  if (m === null) return plan;
  const left = mentions.find((x) => x.placeholder === `<${m[1]}-${m[2]}>`)?.resolved;
  const out = left?.kind === 'person' || (left?.kind === 'group' && left.meaning === 'members') ? left.people : [];
  const named = plan.task_nodes.flatMap((n) => {
    const a = namedArguments(n);
    return [a.person, a.identity].filter((v): v is string => typeof v === 'string' && v !== 'unknown');
  });
  if (out.length === 0 || named.length === 0 || !named.every((p) => out.includes(p))) return plan;
  const places = mentions.filter(isPlace);
  const times = mentions.filter((x) => x.kind === 'time');
  if (places.length > 1 || times.length > 1) return plan;
  const place = places[0]?.resolved;
  const cameras = placeCameras(place);
  const at =
    place?.kind === 'room' ? { room: place.room } : cameras.length === 1 ? { camera: cameras[0]! } : place === undefined ? {} : null;
  if (at === null) return plan;
  return readAt(times[0]?.surface ?? 'today', 'who_was_where', at, req);
}

/** "<group-1> except <person-2>", "who else but the <person-1>" (delexicalised, lower case). */
const EVERYONE_BUT = new RegExp(
  String.raw`(?:<group-\d+>|\bwho)\s+(?:else\s+)?(?:except|but|besides|other than|apart from|excluding|aside from)\s+` +
    String.raw`(?:for\s+)?(?:the |my |our )?<(person|group)-(\d+)>`,
);

/** "is <group-1> home", "who's home", "who is in the house", "anybody in?" (delexicalised, lower case). */
const AT_HOME = new RegExp(
  String.raw`${GREETING}(?:(?:is|are)\s+(?:there\s+)?)?(?:<group-(\d+)>\s+(?:at\s+)?(?:home|in the house|in)|` +
    String.raw`who(?:'s|’s|s| is| are)\s+(?:at\s+)?(?:home|in the house|in|here))` +
    String.raw`(?:\s+(?:safe(?:ly)?|ok|okay|alright|all right|yet|already))?\s*[?.!]*$`,
);

/** "what happened <time-1>?", "so what's been happening at home" (delexicalised, lower case). */
const WHAT_HAPPENED = new RegExp(
  String.raw`${GREETING}(?:so |and )?what(?:'s|’s| has| had)?\s+(?:been\s+)?happen(?:ed|ing)` +
    String.raw`(?:\s+(?:here|at home|in the house|around the house|at the house))?(?:\s+<time-\d+>)?\s*[?.!]*$`,
);

/** Place names of an entrance, surer first: a door, doorbell, porch or entrance; then a gate. */
const ENTRANCE_WORDS = [
  /\b(?:front ?door|door ?bell|doorbell|porch|entrance|entry(?:way)?|foyer|front step|doorstep|main door|stoop|genkan|vestibule)\b/i,
  /\b(?:gate|front gate|main gate)\b/i,
];

/** The household's one entrance camera, or null (none, or several of the surest kind). */
function entranceCamera(req: PlanRequest): string | null {
  const rooms = req.household.cameraRooms ?? {};
  for (const words of ENTRANCE_WORDS) {
    const found = req.household.cameras.filter((c) => words.test(c.replace(/[_-]+/g, ' ')) || words.test(rooms[c] ?? ''));
    if (found.length === 1) return found[0]!;
    if (found.length > 1) return null;
  }
  return null;
}

/** The plan with node `at`'s time phrase replaced. */
function withPhrase(nodes: TaskPlan['task_nodes'], at: number, phrase: string): TaskPlan {
  return planOfNodes(nodes.map((n, i) => (i === at ? { task: n.task, arguments: { ...namedArguments(n), phrase } } : n)));
}

/**
 * "what was teta doing today", "what did zosia do yesterday" (questionShape's timeline): each person's
 * activity timeline of that day, where the small model wrote their events of the day. Only a plan of one day's time
 * (or none: today) and one events node per person, with no place or activity, is rewritten.
 */
export function asTimeline(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const nodes = plan.task_nodes;
  const answer = nodes[nodes.length - 1];
  if (!questionShape(req).timeline || answer?.task !== 'compose_answer' || nodes.some((n) => n.task === 'activity_timeline')) return plan;
  const times = requestMentions(req).question.mentions.filter((m) => m.kind === 'time');
  const r = times[0]?.resolved;
  const nowMs = Date.parse(req.now);
  const day =
    times.length === 0 ? (Number.isFinite(nowMs) ? zonedDay(nowMs, req.timezone) : undefined) : r?.kind === 'time' ? r.day : undefined;
  const data = dataNodes(plan);
  const spans = nodes.filter((n) => n.task === 'resolve_time').length;
  if (times.length > 1 || day === undefined || data.length === 0 || data.length + spans + 1 !== nodes.length || spans > 1) return plan;
  const timelines: TaskPlan['task_nodes'] = [];
  for (const i of data) {
    const { identity, start, end, ...rest } = namedArguments(nodes[i]!);
    const ref = (v: unknown): boolean => typeof v === 'string' && /^<node-\d+>$/.test(v);
    if (!PRESENCE_TOOLS.has(nodes[i]!.task) || typeof identity !== 'string' || identity === 'unknown') return plan;
    if (Object.keys(rest).length > 0 || !ref(start) || !ref(end)) return plan;
    if (timelines.some((t) => namedArguments(t).person === identity)) continue;
    timelines.push({ task: 'activity_timeline', arguments: { person: identity, day } });
  }
  return planOfNodes([
    ...timelines,
    { task: answer.task, arguments: { ...namedArguments(answer), inputs: timelines.map((_n, i) => `<node-${i}>`) } },
  ]);
}

/** A phrase that says a time in words the resolver may not read: a lead word of a span, a number. */
const SAID_AS_TIME = /^(?:after|before|during|since|until|till|from|between|around|about|while|when|by|on|in the)\b|\d/i;

/** The cameras a node's place arguments stand for: its camera, else its room's cameras; none without a place. */
function argumentCameras(a: Record<string, unknown>, req: Pick<PlanRequest, 'household'>): string[] {
  const rooms = req.household.cameraRooms ?? {};
  if (typeof a.camera === 'string') return [a.camera];
  return typeof a.room === 'string' ? Object.keys(rooms).filter((c) => rooms[c] === a.room) : [];
}

/** Tools that list a person's presence in a span: with no span asked, their last sighting. */
const PRESENCE_TOOLS = new Set(['query_events', 'who_was_where']);

/** Whether the resolver reads `phrase` at the request's now, with the household's routines. */
function readsAsTime(phrase: string, req: PlanRequest): boolean {
  const nowMs = Date.parse(req.now);
  if (!Number.isFinite(nowMs)) return true;
  try {
    resolveTimePhrase(phrase, nowMs, req.timezone, req.household.routines === undefined ? {} : { routines: req.household.routines });
    return true;
  } catch {
    return false;
  }
}

/** A mention of a place: a camera, a room or a zone. */
function isPlace(m: Mention): boolean {
  return m.kind === 'camera' || m.kind === 'room' || m.kind === 'zone';
}

/** The cameras a place mention stands for: a camera itself, a room's or a zone's cameras; none for other mentions. */
function placeCameras(r: Mention['resolved']): readonly string[] {
  return r?.kind === 'camera' ? [r.camera] : r?.kind === 'room' || r?.kind === 'zone' ? r.cameras : [];
}

/** Tools that filter events by person and place. */
const FILTER_TOOLS = new Set(['query_events', 'count_events', 'who_was_where']);

/**
 * One person and one place asked about together are one node: "did babcia have a fall, she was on her own in the
 * sitting room" filters her events by the room's camera; the small model writes her events and a second node for
 * the room. Only a plan of exactly those two data nodes (the person's without a place, the place's with no other
 * person or activity) for a question naming exactly one person and one place with one camera is merged.
 */
export function personAtPlace(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const mentions = requestMentions(req).question.mentions;
  const people = new Set(
    mentions.flatMap((m) => (m.resolved?.kind === 'person' && m.resolved.people.length === 1 ? m.resolved.people : [])),
  );
  const places = mentions.filter(isPlace);
  if (people.size !== 1 || places.length !== 1 || mentions.some((m) => m.kind === 'group')) return plan;
  const r = places[0]!.resolved;
  const cameras = placeCameras(r);
  if (cameras.length !== 1) return plan;
  const person = [...people][0]!;
  const rooms = req.household.cameraRooms ?? {};
  const data = dataNodes(plan);
  if (data.length !== 2) return plan;
  const args = data.map((i) => namedArguments(plan.task_nodes[i]!));
  const atPlace = (a: Record<string, unknown>): boolean =>
    a.camera === cameras[0] || (typeof a.room === 'string' && rooms[cameras[0]!] === a.room);
  const personNode = data.findIndex((_, k) => {
    const a = args[k]!;
    return (a.identity === person || a.person === person) && a.camera === undefined && a.room === undefined;
  });
  const placeNode = 1 - personNode;
  if (personNode < 0 || !FILTER_TOOLS.has(plan.task_nodes[data[personNode]!]!.task)) return plan;
  const p = args[placeNode]!;
  if (!FILTER_TOOLS.has(plan.task_nodes[data[placeNode]!]!.task) || !atPlace(p) || p.activity !== undefined) return plan;
  if ((p.identity !== undefined && p.identity !== person) || p.person !== undefined) return plan;
  const merged = plan.task_nodes.map((n, i) =>
    i === data[personNode] ? { task: n.task, arguments: { ...namedArguments(n), camera: cameras[0]! } } : n,
  );
  const nodes = dropNodes(merged, new Set([data[placeNode]!]));
  return nodes.length === merged.length ? plan : planOfNodes(nodes);
}

/** The answer's inputs the plan may have (compose_answer takes at most four, the sets' convention). */
const MAX_ANSWER_INPUTS = 4;

/**
 * A data node for each value the question asks about that the plan left out, copied from the node that has one of
 * the others: `values` are the question's (each a list of the argument values that stand for it), `swap` gives the
 * copy's arguments for a missing value, or null where the node cannot take it. The node copied filters events
 * (`FILTER_TOOLS`), or is one of `alsoFrom`.
 */
function everyValueAsked(
  plan: TaskPlan,
  values: ReadonlyArray<readonly string[]>,
  has: (a: Record<string, unknown>) => string | null,
  swap: (a: Record<string, unknown>, value: readonly string[]) => Record<string, unknown> | null,
  alsoFrom: ReadonlySet<string> = new Set(),
): TaskPlan {
  const nodes = plan.task_nodes;
  const answer = nodes[nodes.length - 1];
  if (values.length < 2 || answer?.task !== 'compose_answer') return plan;
  const data = dataNodes(plan);
  const covered = new Set(data.flatMap((i) => has(namedArguments(nodes[i]!)) ?? []));
  // a plan that names a value the question does not is read otherwise than grounding read it: left as it is
  if ([...covered].some((x) => !values.some((v) => v.includes(x)))) return plan;
  const missing = values.filter((v) => !v.some((x) => covered.has(x)));
  const template = data.findLast((i) => {
    const v = has(namedArguments(nodes[i]!));
    return v !== null && values.some((w) => w.includes(v)) && (FILTER_TOOLS.has(nodes[i]!.task) || alsoFrom.has(nodes[i]!.task));
  });
  if (missing.length === 0 || missing.length === values.length || template === undefined) return plan;
  const inputs = namedArguments(answer).inputs;
  if ((Array.isArray(inputs) ? inputs.length : 0) + missing.length > MAX_ANSWER_INPUTS) return plan;
  let out: TaskPlan['task_nodes'] = [...nodes];
  for (const v of missing) {
    const args = swap(namedArguments(nodes[template]!), v);
    if (args === null) return plan;
    out = beforeAnswer(out, { task: nodes[template]!.task, arguments: args });
  }
  return planOfNodes(out);
}

/** The people the question names one by one, a named group's members each (not "everyone"), the asker left out. */
function peopleNamed(req: PlanRequest): string[][] {
  const mentions = requestMentions(req).question.mentions;
  const out: string[][] = [];
  for (const m of mentions) {
    const r = m.resolved;
    // the asker ("of me", "when was I …") is who asks, not someone asked about alongside
    if (/^(?:i|me|myself)$/i.test(m.surface)) continue;
    const people =
      r?.kind === 'person' && r.people.length === 1 ? r.people : r?.kind === 'group' && r.meaning === 'members' ? r.people : [];
    for (const p of people) if (!out.some((v) => v[0] === p)) out.push([p]);
  }
  return out;
}

/**
 * Every person the question names is in the plan: "was the sitter in the family room with Ada" filters the events of
 * both (one node per person, as the sets plan named people, a group's members included: "did Joe take the kids");
 * the small model writes the first and drops the other. A plan that names none of them (the kids' time summed by
 * person) is left as it is.
 */
export function everyPersonAsked(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const person = (a: Record<string, unknown>): string | null =>
    typeof a.identity === 'string' ? a.identity : typeof a.person === 'string' ? a.person : null;
  // A group asked about ("where are the kids", "what did the kids do today") is each member's last sighting or day as
  // well; two people named one by one are not ("when did Ines last see Bruno" asks about Ines).
  const members = new Set(
    requestMentions(req).question.mentions.flatMap((m) =>
      m.resolved?.kind === 'group' && m.resolved.meaning === 'members' ? m.resolved.people : [],
    ),
  );
  const named = peopleNamed(req);
  const onlyGroups = named.length > 0 && named.every((v) => members.has(v[0]!));
  return everyValueAsked(
    plan,
    named,
    person,
    (a, v) => (typeof a.identity === 'string' ? { ...a, identity: v[0]! } : { ...a, person: v[0]! }),
    onlyGroups || peopleTogether(requestMentions(req).question.text) ? PERSON_SUBJECT_TOOLS : new Set(),
  );
}

/**
 * People asked about together: two placeholders joined ("<person-1> and <person-2>", "… with (her) <person-2>"), and no
 * verb that makes one the other's object ("when did <person-1> last see <person-2>").
 */
function peopleTogether(delexicalised: string): boolean {
  const who = '(?:my |the |our |his |her |their |your )?<(?:person|group)-\\d+>';
  const joined = new RegExp(`${who}\\s*(?:,|&|\\+|\\band\\b|\\bor\\b|\\bn\\b|\\bwith\\b)\\s*${who}|\\bwith ${who}`, 'i');
  return (
    joined.test(delexicalised) &&
    !/\b(?:see|saw|seen|meet|met|visit(?:ed)?|pick(?:ed)? up|drop(?:ped)? off|take|took)\b/i.test(delexicalised)
  );
}

/**
 * A second question after the first ("check on our girl and the cook today and when did the cook last go into the
 * garden"), or a last sighting asked for: the plan's parts differ on purpose.
 */
const MORE_ASKED = new RegExp(
  String.raw`\b(?:and|then|also|plus)\s+(?:when|who|what|where|how|did|was|were|is|are|has|have)\b|\?\s*\S|` +
    // "when did the cook last go", not "last night"
    String.raw`\blast\b(?!\s+(?:night|week|weekend|month|year|evening|morning|afternoon|[a-z]+day)\b)`,
  'i',
);

/** Tools a plan about people at a place reads them with. */
const SIGHTING_TOOLS = new Set(['last_seen', 'query_events', 'count_events', 'who_was_where']);

/**
 * Two or more people at one place ("did lena or max go in the workshop", "did oma and lena go out to the garden this
 * afternoon", a group's members) are asked about alike, as the sets plan one person: each one's events at each of the
 * place's cameras over the time said or, with no time said, each one's last sighting there. The small model mixes a
 * sighting with counts, drops one camera of a room of two, or adds a snapshot nobody asked for. Only a plan about
 * those people alone (every data node reads one of them), with no count, duration, activity, evidence or live look
 * asked, and at most four nodes for the answer to read (a room's presence list per person where its cameras are more).
 */
export function peopleAtPlaceAlike(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0) return plan;
  const people = peopleNamed(req).map((v) => v[0]!);
  const { text, mentions } = requestMentions(req).question;
  const q = englishGloss(req.question);
  const group = mentions.some((m) => m.resolved?.kind === 'group' && m.resolved.meaning === 'members');
  if (people.length < 2 || !(group || peopleTogether(text))) return plan;
  if (ASKS_COUNT.test(q) || ASKS_DURATION.test(q) || CLIP_WORDS.test(q) || STILL_WORDS.test(q) || LIVE.test(q)) return plan;
  if (activitiesSaid(req.question).length > 0 || MORE_ASKED.test(q)) return plan;
  const places = mentions.filter(isPlace);
  const times = mentions.filter((m) => m.kind === 'time');
  const place = places[0]?.resolved;
  const cameras = placeCameras(place);
  if (places.length !== 1 || cameras.length === 0 || times.length > 1) return plan;
  const nodes = plan.task_nodes;
  const data = dataNodes(plan);
  const about = (i: number): boolean => {
    const a = namedArguments(nodes[i]!);
    const who = a.identity ?? a.person;
    return SIGHTING_TOOLS.has(nodes[i]!.task) && typeof who === 'string' && people.includes(who);
  };
  if (data.length === 0 || !data.every(about)) return plan;
  let out: TaskPlan['task_nodes'];
  if (times.length === 0) {
    const seen = people.flatMap((person) => cameras.map((camera) => ({ task: 'last_seen', arguments: { person, camera } })));
    if (seen.length > MAX_ANSWER_INPUTS) return plan;
    out = seen;
  } else {
    const span = { start: '<node-0>', end: '<node-0>' };
    let reads: TaskPlan['task_nodes'] = people.flatMap((identity) =>
      cameras.map((camera) => ({ task: 'query_events', arguments: { ...span, camera, identity } })),
    );
    if (reads.length + 1 > MAX_ANSWER_INPUTS && place?.kind === 'room')
      reads = people.map((identity) => ({ task: 'who_was_where', arguments: { ...span, room: place.room, identity } }));
    if (reads.length + 1 > MAX_ANSWER_INPUTS) return plan;
    out = [{ task: 'resolve_time', arguments: { phrase: times[0]!.surface } }, ...reads];
  }
  // the answer reads the time and every sighting
  const rebuilt = planOfNodes(withAnswer(out, req.question));
  return JSON.stringify(rebuilt.task_nodes) === JSON.stringify(nodes) ? plan : rebuilt;
}

/** Tools about one person: copied for each member of a group asked about. */
const PERSON_SUBJECT_TOOLS = new Set(['last_seen', 'activity_timeline']);

/**
 * Every place the question names is in the plan: "was Saga in the garden or the carport" reads both places (one node
 * per place); the small model writes the first and drops the other. A place stands for its room and its cameras.
 */
export function everyPlaceAsked(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const rooms = req.household.cameraRooms ?? {};
  const places: Array<{ values: string[]; room: string | null; cameras: readonly string[] }> = [];
  for (const m of requestMentions(req).question.mentions) {
    const r = m.resolved;
    const cameras = placeCameras(r);
    if (cameras.length === 0 || places.some((p) => p.cameras.some((c) => cameras.includes(c)))) continue;
    const room = r?.kind === 'room' ? r.room : cameras.length === 1 ? (rooms[cameras[0]!] ?? null) : null;
    places.push({ values: [...cameras, ...(room === null ? [] : [room])], room, cameras });
  }
  const place = (a: Record<string, unknown>): string | null =>
    typeof a.camera === 'string' ? a.camera : typeof a.room === 'string' ? a.room : null;
  return everyValueAsked(
    plan,
    places.map((p) => p.values),
    place,
    (a, v) => {
      const p = places.find((x) => x.values === v)!;
      if (typeof a.room === 'string') return p.room === null ? null : { ...a, room: p.room };
      return p.cameras.length === 1 ? { ...a, camera: p.cameras[0]! } : null;
    },
    // "did my husband leave by the front door or the drive": his last sighting at each
    LAST_SEEN,
  );
}

const LAST_SEEN = new Set(['last_seen']);

/** Tools that read one camera: a room of several cameras is read by one node per camera. */
const ONE_CAMERA_TOOLS = new Set(['query_events', 'count_events', 'aggregate', 'last_seen']);

/**
 * A room with several cameras ("the garden" of garden_east and garden_west) is every camera of it: the model, which
 * never saw such a room, writes the room's first camera. A node that reads one of them gets a copy for each other
 * camera (its other arguments the same); who_was_where takes the room itself. Where the answer would take more than
 * its four inputs, the plan stays as written.
 */
export function everyCameraOfRoom(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const rooms = requestMentions(req).question.mentions.flatMap((m) =>
    m.resolved?.kind === 'room' && m.resolved.cameras.length > 1 ? [{ room: m.resolved.room, cameras: m.resolved.cameras }] : [],
  );
  const answer = plan.task_nodes[plan.task_nodes.length - 1];
  if (rooms.length === 0 || answer?.task !== 'compose_answer') return plan;
  let nodes: TaskPlan['task_nodes'] = [...plan.task_nodes];
  let changed = false;
  for (const { room, cameras } of rooms) {
    for (const [i, n] of plan.task_nodes.entries()) {
      const a = namedArguments(n);
      if (typeof a.camera !== 'string' || !cameras.includes(a.camera)) continue;
      if (n.task === 'who_was_where') {
        const { camera: _camera, ...rest } = a;
        nodes = nodes.map((x, k) => (k === i ? { task: x.task, arguments: { ...rest, room } } : x));
        changed = true;
        continue;
      }
      if (!ONE_CAMERA_TOOLS.has(n.task)) continue;
      for (const other of cameras) {
        const copy = { ...a, camera: other };
        if (nodes.some((x) => x.task === n.task && JSON.stringify(namedArguments(x)) === JSON.stringify(copy))) continue;
        nodes = beforeAnswer(nodes, { task: n.task, arguments: copy });
        changed = true;
      }
    }
  }
  const inputs = namedArguments(nodes[nodes.length - 1]!).inputs;
  if (!changed || (Array.isArray(inputs) ? inputs.length : 0) > MAX_ANSWER_INPUTS) return plan;
  return planOfNodes(nodes);
}

/**
 * One person asked about at two places joined ("was aaru on the balcony or in the hall at 5"): each place's node is
 * that person's, as the sets plan it; the small model filters the first place by the person and lists everyone at the
 * second. The node of the place without a person becomes a copy of the person's node at that place.
 */
export function onePersonEachPlace(plan: TaskPlan, req: PlanRequest): TaskPlan {
  const { text, mentions } = requestMentions(req).question;
  const q = englishGloss(req.question);
  const named = peopleNamed(req);
  if (named.length !== 1 || mentions.some((m) => m.kind === 'group') || ASKS_WHO.test(q) || ASKS_ANYONE.test(q)) return plan;
  if (!/<(?:camera|room|zone)-\d+>\s*(?:,|\bor\b|\band\b)\s*(?:(?:in|on|at|by)\s+)?(?:the\s+)?<(?:camera|room|zone)-\d+>/.test(text))
    return plan;
  const person = named[0]![0]!;
  const nodes = plan.task_nodes;
  const template = nodes.findIndex((n) => FILTER_TOOLS.has(n.task) && namedArguments(n).identity === person);
  if (template < 0) return plan;
  const t = namedArguments(nodes[template]!);
  let changed = false;
  const out = nodes.map((n, i) => {
    const a = namedArguments(n);
    if (i === template || !FILTER_TOOLS.has(n.task) || a.identity !== undefined || a.activity !== undefined) return n;
    const cameras = argumentCameras(a, req);
    if (a.start !== t.start || a.end !== t.end) return n;
    // the person's node with its place swapped, its arguments in their order
    const at = (key: 'camera' | 'room', value: string): TaskPlan['task_nodes'][number] => {
      changed = true;
      return { task: nodes[template]!.task, arguments: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, k === key ? value : v])) };
    };
    if (typeof t.camera === 'string' && cameras.length === 1) return at('camera', cameras[0]!);
    if (typeof t.room === 'string' && typeof a.room === 'string') return at('room', a.room);
    return n;
  });
  return changed ? planOfNodes(out) : plan;
}

/**
 * An activity said as one ("was teo sleeping in the basement this afternoon", "did grandma fall") filters the events
 * asked about, as the corpus plans "was X <doing> in <room>"; the small model sometimes leaves it out. Only where the
 * question names one activity (said as one) and the plan has one events node and no activity anywhere.
 */
export function activityAsAsked(plan: TaskPlan, req: Pick<PlanRequest, 'question'>): TaskPlan {
  const nodes = plan.task_nodes;
  const said = activitiesSaid(req.question);
  // "did she sleep or was she running around": two activities, not guessed
  if (
    said.length !== 1 ||
    activitiesNamed(req.question).length !== 1 ||
    nodes.some((n) => n.task === 'get_frames' || namedArguments(n).activity !== undefined)
  )
    return plan;
  const events = nodes.flatMap((n, i) => (n.task === 'query_events' || n.task === 'count_events' ? [i] : []));
  if (events.length !== 1) return plan;
  const i = events[0]!;
  return planOfNodes(nodes.map((n, k) => (k === i ? { task: n.task, arguments: { ...namedArguments(n), activity: said[0]! } } : n)));
}

/**
 * The activities a question says as one ("lying on the floor", "fell"), not a role or a thing ("the cook", "his
 * phone"), nor what the asker did meanwhile ("… while we were sleeping").
 */
function activitiesSaid(question: string): string[] {
  const asked = question.toLowerCase().replace(/\b(?:while|whilst|when|as long as)\b.*$|\b(?:i|we) (?:was|were|am|are)\b.*$/, '');
  return activitiesNamed((asked.match(/\b(?:\w+ing|fall|fell|fallen)\b/g) ?? []).join(' '));
}

/**
 * "is someone at the gate", "anyone in the parlour?", "are the kids in the lounge": someone (or a group) at one place,
 * asked in the present with no time, is a look at the place now, as "is anyone in the kitchen right now" is planned:
 * live frames of its camera and the people in them (who they are, for a group or a stranger). The small model wrote
 * the last sighting of someone it made up. Not a follow-up, not a person by name (their last sighting there answers).
 */
export function presentAsLive(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0) return plan;
  const { text, mentions } = requestMentions(req).question;
  const said = text.trim().toLowerCase();
  const someone = PRESENT_AT_PLACE.exec(said);
  const going = GOING_ON_AT_PLACE.exec(said);
  const match = someone ?? WHO_IS_AT_PLACE.exec(said) ?? going;
  if (match === null || mentions.length !== (someone === null ? 1 : 2)) return plan;
  const group = someone === null ? undefined : mentions.find((m) => m.placeholder === `<group-${someone[1]}>`)?.resolved;
  // the question's one place (the patterns allow no other mention)
  const place = mentions.find(isPlace)?.resolved;
  if (someone !== null && group?.kind !== 'group') return plan;
  const cameras = placeCameras(place);
  if (cameras.length !== 1) return plan;
  // what is going on there is what the people in the frames are doing
  const look =
    going !== null ? 'recognize_activity' : group?.kind === 'group' && group.meaning === 'anyone' ? 'detect_persons' : 'recognize_identity';
  return liveLook(impliedTime(req) ?? 'now', cameras[0]!, [look], req);
}

/** "is there <group-1> in the <room-1>", "<group-1> at the <camera-1>?" (delexicalised, lower case), after a greeting. */
const PRESENT_AT_PLACE = new RegExp(String.raw`${GREETING}(?:(?:is|are)\s+(?:there\s+)?)?(?:the\s+|a\s+)?<group-(\d+)>${AT_PLACE}`);
/** "was there <group-1> in the <room-1>", "has <group-1> been on the <camera-1>". */
const PAST_AT_PLACE = new RegExp(
  String.raw`${GREETING}(?:was|were|has|have)\s+(?:there\s+)?(?:the\s+|a\s+)?<group-(\d+)>(?:\s+been)?${AT_PLACE}`,
);
/** "what's going on in the <room-1>", "anything happening at the <camera-1>?" (the present). */
const GOING_ON_AT_PLACE = new RegExp(
  String.raw`${GREETING}(?:what(?:'s|’s| is)|(?:is )?(?:there )?anything)\s+(?:going on|happening)()${AT_PLACE}`,
);
/**
 * "who's in the <room-1>", "who is out on the <camera-1>" (not "who's been"); in Nigerian Pidgin "(na) who dey (for)
 * the <room-1>".
 */
const WHO_IS_AT_PLACE = new RegExp(
  String.raw`${GREETING}who(?:'s|’s|s| is| are)()${AT_PLACE}|` +
    String.raw`^(?:abeg\s+)?(?:na\s+)?who\s+(?:dey|de)()\s+(?:(?:for|inside|at|in|on)\s+)?(?:the\s+)?<(camera|room|zone)-(\d+)>\s*[?.!]*$`,
);

/**
 * "what were the kids doing in the backyard", "what is nan doing in the laundry" with no time: in the past, each
 * one's events at the place today (as the corpus plans "what was Ceren doing at the front door this afternoon"); in
 * the present, a look at the place now, who is there and what they do. The model wrote each one's last sighting.
 */
export function doingAtPlace(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if ((req.history?.length ?? 0) > 0) return plan;
  const { text, mentions } = requestMentions(req).question;
  const m = DOING_AT_PLACE.exec(text.trim().toLowerCase());
  if (m === null || mentions.length !== 2) return plan;
  const who = mentions.find((x) => x.placeholder === `<${m[2]}-${m[3]}>`)?.resolved;
  const people =
    who?.kind === 'person' && who.people.length === 1 ? who.people : who?.kind === 'group' && who.meaning === 'members' ? who.people : [];
  const cameras = placeCameras(mentions.find((x) => x.placeholder === `<${m[4]}-${m[5]}>`)?.resolved);
  const present = m[1] === 'is' || m[1] === 'are';
  // a room of several cameras: the first here, every other one by everyCameraOfRoom (live frames: one camera only)
  if (people.length === 0 || people.length > MAX_ANSWER_INPUTS || cameras.length === 0 || (present && cameras.length > 1)) return plan;
  const camera = cameras[0]!;
  if (present) return liveLook('now', camera, ['recognize_identity', 'recognize_activity'], req);
  const events = people.map((identity) => ({ task: 'query_events', arguments: { start: '<node-0>', end: '<node-0>', camera, identity } }));
  return planOfNodes([
    { task: 'resolve_time', arguments: { phrase: 'today' } },
    ...events,
    { task: 'compose_answer', arguments: { question: req.question, inputs: events.map((_e, i) => `<node-${i + 1}>`) } },
  ]);
}

/** "what were <group-1> doing in the <room-1>", "what is <person-1> up to on the <camera-1>" (delexicalised). */
const DOING_AT_PLACE = new RegExp(
  String.raw`${GREETING}what (was|were|is|are|has|have) (?:the |my |our )?<(person|group)-(\d+)> (?:been )?(?:doing|up to)` + AT_PLACE,
);

/**
 * A live question about one place ("grandma on the couch at the moment?", "anything happening in the greenhouse rn")
 * that the model planned from stored events or a last sighting is a look at the place's camera then: its frames, and
 * who is in them (what they are doing, where it asks what is happening; liveActivity adds an activity named).
 */
export function liveAsAsked(plan: TaskPlan, req: PlanRequest): TaskPlan {
  if (!questionShape(req).live || plan.task_nodes.some((n) => n.task === 'get_frames')) return plan;
  const { text, mentions } = requestMentions(req).question;
  const times = mentions.filter((m) => m.kind === 'time');
  const places = mentions.filter(isPlace);
  const cameras = places.length === 1 ? placeCameras(places[0]!.resolved) : [];
  if (times.length !== 1 || cameras.length !== 1) return plan;
  const anyone = mentions.some((m) => m.resolved?.kind === 'group' && m.resolved.meaning === 'anyone');
  const look = /\b(?:happening|going on|up to)\b/i.test(text) ? 'recognize_activity' : anyone ? 'detect_persons' : 'recognize_identity';
  return liveLook(times[0]!.surface, cameras[0]!, [look], req);
}

/**
 * A live question that names an activity ("is Ken lying on the floor in the living room right now") reads the
 * activity from the frames, too: recognize_activity on the frames the plan reads, as an input of the answer.
 */
export function liveActivity(plan: TaskPlan, req: Pick<PlanRequest, 'question'>): TaskPlan {
  const nodes = plan.task_nodes;
  const frames = nodes.findIndex((n) => n.task === 'get_frames');
  if (frames < 0 || nodes.some((n) => n.task === 'recognize_activity') || nodes[nodes.length - 1]?.task !== 'compose_answer') return plan;
  if (!LIVE.test(req.question) || activitiesSaid(req.question).length === 0) return plan;
  return planOfNodes(beforeAnswer(nodes, { task: 'recognize_activity', arguments: { frames: `<node-${frames}>` } }));
}
