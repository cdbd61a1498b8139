import {
  type Delexicalised,
  delexicalisePlan,
  englishGloss,
  detectMentions,
  type GroundingContext,
  type Mention,
  placeholdersIn,
  relexicalise,
} from '../../grounding/index.js';
import { formatPlanSample, type TextSample } from '../../contracts/index.js';
import { namedArguments, type PlanRequest, type TaskPlan } from '../catalog/index.js';
import {
  buildModelPrompt,
  formatPlanText,
  type ModelPromptInput,
  type PlanTextGrammarOptions,
  parsePlanText,
} from '../planner-model/index.js';
import { HomeSightError } from '../../system/index.js';
import { asksAboutCallers, factToKeep, hubMessageOf, hubTopicOf, mayAskMemory, memoryQueryOf } from './free-text.js';
import { activitiesNamed } from './activity-words.js';
import { onlyAsks, requestedSideEffects } from './refusal.js';
import { dropNodes, dropRepeatedNodes, planOfNodes } from './steps.js';
import { resolveTimePhrase } from './time.js';

/**
 * What the local planner does for HomeSight's own planner model (issue #17):
 * the request is grounded (detectMentions against the household at plan
 * time), the model reads the compact prompt (buildModelPrompt) and writes
 * plan text under a per-request grammar (only this request's placeholders,
 * the household's names, spans of the question), and the text is parsed and
 * relexicalised back to the household's values. These are the pure steps;
 * LocalPlanner runs the generation.
 */

/** `homesight.train.format` of a GGUF trained by cloud/trainer/train_planner.py on plan text. */
export const PLANNER_MODEL_FORMAT = 'homesight-planner-v1';

/** A request as the planner model sees it. */
export interface ModelTurn {
  /** The prompt text (BOS is not part of it). */
  prompt: string;
  /** The question, delexicalised. */
  question: Delexicalised;
  /** Mentions of the whole conversation (earlier turns first): the placeholders the plan may use. */
  mentions: Mention[];
}

/** Kinship words a relation gives ("owner"/"self" are not words people use for themselves). */
function kinshipOf(relation: string | undefined): string[] {
  return relation === undefined || /^(self|owner|me)$/i.test(relation) ? [] : [relation];
}

/** The household of a request as grounding needs it. */
export function groundingContextFor(req: Pick<PlanRequest, 'household' | 'now' | 'timezone'>): GroundingContext {
  const h = req.household;
  const cameraRooms = h.cameraRooms ?? {};
  const ctx: GroundingContext = {
    timezone: req.timezone,
    now: req.now,
    people: h.people.map((p) => ({ name: p.name, aliases: p.aliases, kinship: kinshipOf(p.relation) })),
    cameras: h.cameras.map((id) => {
      const room = cameraRooms[id];
      const zones = h.cameraZones?.[id];
      return {
        id,
        ...(room !== undefined && room !== null ? { room } : {}),
        ...(zones !== undefined && zones.length > 0 ? { zones } : {}),
      };
    }),
    rooms: h.rooms.map((name) => ({ name, aliases: h.roomAliases?.[name] ?? [] })),
    routines: (h.routines ?? []).map((r) => ({ id: r.name, phrases: [r.name, ...r.aliases] })),
    resolveTime: (phrase, nowMs, timezone) =>
      resolveTimePhrase(phrase, nowMs, timezone, h.routines === undefined ? {} : { routines: h.routines }),
  };
  if (h.groups !== undefined && h.groups.length > 0)
    ctx.groups = h.groups.map((g) => ({ phrases: [g.name, ...g.aliases], members: g.members }));
  if (h.asker !== undefined) ctx.asker = h.asker;
  return ctx;
}

/**
 * The mentions of a request: its question's (delexicalised) and those of the whole conversation, earlier turns first
 * (an entity named again keeps its placeholder). Grounding runs several times per request (the ask-back, the
 * request checks of each attempt, the retrieval slots), so the last result per household object is kept.
 */
export function requestMentions(req: Pick<PlanRequest, 'household' | 'now' | 'timezone' | 'question' | 'history'>): {
  question: Delexicalised;
  all: Mention[];
  /** Each turn's question as detected, the conversation's first to this one's. */
  turns: Delexicalised[];
} {
  const questions = [...(req.history ?? []).map((t) => t.question), req.question];
  const key = `${req.now}\u0001${req.timezone}\u0001${questions.join('\u0001')}`;
  const hit = lastMentions.get(req.household);
  if (hit !== undefined && hit.key === key) return hit.value;
  const ctx = groundingContextFor(req);
  let all: Mention[] = [];
  const turns: Delexicalised[] = [];
  for (const q of questions) {
    const d = detectMentions(q, ctx, { continueFrom: all });
    turns.push(d);
    all = [...all, ...d.mentions];
  }
  const value = { question: turns[turns.length - 1]!, all, turns };
  lastMentions.set(req.household, { key, value });
  return value;
}

/** requestMentions' memo: one entry per household object (requests of one ask share theirs). */
const lastMentions = new WeakMap<object, { key: string; value: ReturnType<typeof requestMentions> }>();

/**
 * The model's prompt for a request: mentions are detected turn by turn
 * through the conversation (an entity named again keeps its placeholder), and
 * the previous turn's question and plan are carried delexicalised, exactly as
 * the corpus renders a turn (bench/corpus/render.ts).
 */
export function modelTurn(req: PlanSampleContext & { question: string }): ModelTurn {
  const history = req.history ?? [];
  const { question, all: known, turns: detected } = requestMentions(req);
  // the model reads English: a question in another language as its word-by-word English gloss
  const input: ModelPromptInput = { question: { ...question, text: englishGloss(question.text) }, now: req.now, timezone: req.timezone };
  const last = history[history.length - 1];
  if (last !== undefined) {
    const before = detected.slice(0, -1).flatMap((d) => d.mentions);
    input.previous = { question: englishGloss(detected[detected.length - 2]!.text) };
    if (last.plan !== undefined) input.previous.plan = delexicalisePlan(last.plan, before, { question: last.question });
  }
  return { prompt: buildModelPrompt(input), question, mentions: known };
}

/** What a request carries besides its question that the model's prompt is built from: the household and the turn. */
export type PlanSampleContext = Pick<PlanRequest, 'household' | 'now' | 'timezone' | 'history'>;

/**
 * One adapter training or evaluation sample for a base model trained on plan text (homesight-planner-v1): the prompt
 * is exactly what planText() feeds the model for this request (modelTurn), the completion the plan text of the gold
 * plan delexicalised against the same mentions — how bench/corpus renders its targets (formatPlanText ∘
 * delexicalisePlan). A name grounding does not know (a nickname in no config alias) stays raw in both, so an adapter
 * can learn it.
 */
export function modelPlanSample(
  req: PlanSampleContext & { question: string },
  gold: Pick<TaskPlan, 'task_nodes'> & Partial<Pick<TaskPlan, 'task_links'>>,
): TextSample {
  const turn = modelTurn(req);
  return { prompt: turn.prompt, completion: formatPlanText(delexicalisePlan(gold, turn.mentions, { question: req.question })) };
}

/** The device's privacy placeholder of a person (daemon/learning's PrivacyFilter; the contracts' PERSON_PLACEHOLDER). */
const PRIVACY_PLACEHOLDER = /<person-([0-9a-f]{8})>/g;

/**
 * A privacy placeholder `<person-xxxxxxxx>` as a word that grounding treats as a name: `Pxxxxxxxx`. The cloud
 * trains planner-model adapters on uploaded samples, where every household name is such a placeholder; written as
 * this word, a known name grounds to `<person-N>` exactly as the real name does on the device, and a person the
 * question does not name (a nickname in no alias) is written as the word, which the device maps back to the name
 * (PlannerAdapter.people).
 */
export function personPseudonym(placeholder: string): string {
  return placeholder.replace(PRIVACY_PLACEHOLDER, 'P$1');
}

/** The household's names as a cloud-trained adapter writes them: pseudonym → name (placeholderFor: the device's). */
export function pseudonymsOf(names: readonly string[], placeholderFor: (name: string) => string): Record<string, string> {
  return Object.fromEntries(names.map((n) => [personPseudonym(placeholderFor(n)), n]));
}

/** A plan with the household's people as `people` names them (pseudonym → name), other values as they were. */
export function renamePeople<P extends Pick<TaskPlan, 'task_nodes'>>(plan: P, people: Readonly<Record<string, string>>): P {
  const rename = (v: unknown): unknown =>
    typeof v === 'string' ? (Object.hasOwn(people, v) ? people[v] : v) : Array.isArray(v) ? v.map(rename) : v;
  return {
    ...plan,
    task_nodes: plan.task_nodes.map((n) =>
      Array.isArray(n.arguments) ? n : { ...n, arguments: Object.fromEntries(Object.entries(n.arguments).map(([k, v]) => [k, rename(v)])) },
    ),
  };
}

/** JSON values with every privacy placeholder written as its pseudonym. */
export function withPseudonyms<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(PRIVACY_PLACEHOLDER, 'P$1')) as T;
}

/**
 * The adapter sample of a labelled question for a base model of the given `homesight.train.format`: the planner model's
 * own format when the base is one (and the household context is known), the generic plan-JSON format
 * (formatPlanSample) for any other base. Privacy placeholders (an uploaded sample's people) become pseudonyms
 * (personPseudonym) for the planner model, so its prompts are the ones the device writes.
 */
export function adapterSample(
  baseFormat: string | null,
  label: { question: string; plan: Pick<TaskPlan, 'task_nodes'> & Partial<TaskPlan>; context?: PlanSampleContext | undefined },
): TextSample {
  if (baseFormat === PLANNER_MODEL_FORMAT) {
    if (label.context === undefined) {
      throw new HomeSightError('E_LEARNING_SAMPLE', `a ${PLANNER_MODEL_FORMAT} sample needs the household context of its question`, {
        context: { question: label.question.slice(0, 80) },
        hint: 'the device uploads the context with each sample; labels without it cannot train the planner model',
      });
    }
    const l = withPseudonyms({ question: label.question, context: label.context, plan: label.plan });
    return modelPlanSample({ ...l.context, question: l.question }, l.plan);
  }
  return formatPlanSample({ question: label.question, ...label.plan });
}

/** The per-request grammar's options: this request's placeholders, the household's names, spans of the question. */
export function modelGrammarOptions(req: PlanRequest, turn: ModelTurn, maxNodes: number): PlanTextGrammarOptions {
  const asked: readonly string[] = requestedSideEffects(req.question);
  const memoryAsked = [req.question, ...(req.history ?? []).map((h) => h.question)].some(mayAskMemory);
  return {
    maxNodes,
    // A question the refusal check let through about someone or somewhere the household has is not declined by the
    // model (it learnt "play some music" → decline; "did Olle play in the sandbox?" asks about the household). One
    // that names no one and nowhere the household knows may be: "when did you last see aunt Mabel" is declined.
    decline: !(
      onlyAsks(req.question) && turn.question.mentions.some((m) => m.kind !== 'time' && m.kind !== 'number' && m.resolved !== undefined)
    ),
    // A group stands for its member placeholders (or for nobody in particular): no plan argument is a group itself,
    // and relexicalised it would name no one in the household.
    placeholders: placeholdersIn(turn.mentions).filter((p) => !p.startsWith('<group-')),
    // Times are references to resolve_time or time placeholders, never digits the model writes.
    literalTimes: false,
    // A day, start or end is a time mention the resolver understood (otherwise it relexicalises to a phrase).
    resolvedTimes: turn.mentions
      .filter(
        (m) =>
          m.resolved?.kind === 'time' && m.resolved.day !== undefined && m.resolved.start !== undefined && m.resolved.end !== undefined,
      )
      .map((m) => m.placeholder),
    people: req.household.people.map((p) => p.name),
    cameras: req.household.cameras,
    rooms: req.household.rooms,
    hubTopics: req.hubTopics ?? [],
    // A side-effect tool is written only where the request asks for it (what validation would reject otherwise):
    // nothing the user did not ask for happens, and the model cannot spend the plan on it.
    allowTools: (req.allowTools ?? []).filter((t) => asked.includes(t)),
    // A memory search (its query is free text) is left out only of a question about the cameras — one that names a
    // place or a time — that asks nothing the household said; "who's the guy who comes on tuesdays" may be one.
    // A question about deliveries or callers is about the door's camera, whether or not the household names the door.
    recallMemory:
      memoryAsked ||
      (!turn.question.mentions.some((m) => ['camera', 'room', 'zone', 'time'].includes(m.kind)) && !asksAboutCallers(req.question)),
    question: turn.question.text,
    // A memory query is a search key of any short text where the conversation asks what the household said; elsewhere
    // it is words of the question ("was niamh on the stairs" is no search for "the shed key").
    ...(memoryAsked ? {} : { spanArguments: ['phrase', 'fact', 'message', 'question', 'query'] }),
  };
}

/** The string values an argument has across a plan's nodes. */
function stringArgs(plan: Pick<TaskPlan, 'task_nodes'>, arg: string): Set<string> {
  return new Set(
    plan.task_nodes.flatMap((n) =>
      Array.isArray(n.arguments) || typeof n.arguments[arg] !== 'string' ? [] : [n.arguments[arg] as string],
    ),
  );
}

/** Tools about a place that may leave it out: a place the question names is theirs when no node took it. */
const PLACE_TOOLS = new Set(['query_events', 'count_events', 'aggregate', 'last_seen', 'who_was_where']);

/**
 * Places and people from the question's mentions, so nothing the question names is dropped and no place is made up:
 * - the one place (camera, room, or zone of one camera) the question names, when no node names any place: the
 *   place tools get it (`room` for who_was_where where the question names a room, the camera otherwise). The
 *   corpus never had zones ("on the couch", "by the swing"), and the model leaves a place it cannot read out;
 * - that place, too, instead of a camera or room the conversation never named (a model that cannot place "the
 *   washing area" writes some camera of the household), and instead of an earlier turn's where no node took the
 *   question's ("and the back?" after a question about the front door);
 * - no camera or room at all where the conversation names no place (the place tools' place is optional);
 * - the one person the question names: who_was_where gets it as `identity` (the model was trained before
 *   who_was_where took a person).
 * - the camera the question names by its id, where the model wrote that camera's room and the room has other cameras
 *   ("who was on the garten_2 cam" is not the whole garden);
 * `conversation` are the mentions of every turn (a follow-up may use the places of earlier ones); `cameraRooms` the
 * household's room of each camera.
 */
export function fillPersonAndPlace(
  plan: TaskPlan,
  mentions: readonly Mention[],
  conversation: readonly Mention[] = mentions,
  cameraRooms: Readonly<Record<string, string | null>> = {},
): TaskPlan {
  // `inRoom`: a camera's room, for a room argument the question's camera replaces ("and the basement?")
  const places = new Map<string, { camera: string | undefined; room: string | undefined; inRoom?: string }>();
  const people = new Set<string>();
  for (const m of mentions) {
    const r = m.resolved;
    if (r?.kind === 'camera')
      places.set(`camera:${r.camera}`, { camera: r.camera, room: undefined, ...(r.room ? { inRoom: r.room } : {}) });
    else if (r?.kind === 'room') places.set(`room:${r.room}`, { camera: r.cameras.length === 1 ? r.cameras[0] : undefined, room: r.room });
    else if (r?.kind === 'zone' && r.cameras.length === 1) places.set(`camera:${r.cameras[0]}`, { camera: r.cameras[0], room: undefined });
    else if (r?.kind === 'person' && r.people.length === 1 && r.people[0] !== 'unknown') people.add(r.people[0]!);
  }
  // the camera ids and room names the conversation grounds, and those this question does
  const placesOf = (ms: readonly Mention[]): Set<string> => {
    const out = new Set<string>();
    for (const m of ms) {
      const r = m.resolved;
      if (r?.kind === 'camera') [r.camera, r.room ?? ''].forEach((v) => out.add(v));
      else if (r?.kind === 'room') [r.room, ...r.cameras].forEach((v) => out.add(v));
      else if (r?.kind === 'zone') r.cameras.forEach((v) => out.add(v));
    }
    return out;
  };
  const named = placesOf(conversation);
  const here = placesOf(mentions);
  const used = (arg: string): Set<string> => stringArgs(plan, arg);
  const usedPeople = new Set([...used('person'), ...used('identity')]);
  const only = places.size === 1 ? [...places.values()][0] : undefined;
  const placeless = used('camera').size === 0 && used('room').size === 0;
  // "and the back?", "what about the gate?": the question's one place, where the plan kept an earlier turn's instead
  const elsewhere = !placeless && ![...used('camera'), ...used('room')].some((v) => here.has(v));
  const person = people.size === 1 ? [...people][0] : undefined;
  const sharedRoom =
    only?.camera !== undefined && only.inRoom !== undefined && Object.values(cameraRooms).filter((r) => r === only.inRoom).length > 1;
  const nodes = plan.task_nodes.map((n) => {
    if (Array.isArray(n.arguments)) return n;
    let a = n.arguments;
    if (only !== undefined && placeless && PLACE_TOOLS.has(n.task)) {
      if (n.task === 'who_was_where' && only.room !== undefined) a = { ...a, room: only.room };
      else if (only.camera !== undefined) a = { ...a, camera: only.camera };
    }
    if (only !== undefined && !placeless) {
      const replace = (v: unknown): boolean => typeof v === 'string' && !v.startsWith('<') && (elsewhere || !named.has(v));
      if (replace(a.camera) && only.camera !== undefined) a = { ...a, camera: only.camera };
      const room = only.room ?? only.inRoom;
      if (replace(a.room) && room !== undefined) a = { ...a, room };
      if (sharedRoom && a.room === only.inRoom && a.camera === undefined) {
        const { room: _room, ...rest } = a;
        a = { ...rest, camera: only.camera };
      }
    }
    // no place in the whole conversation: a place filter the model made up goes ("how many visitors did we have this
    // week" is every camera's), where the place is optional
    if (named.size === 0 && PLACE_TOOLS.has(n.task) && (a.camera !== undefined || a.room !== undefined)) {
      const { camera: _camera, room: _room, ...rest } = a;
      a = rest;
    }
    if (n.task === 'who_was_where' && person !== undefined && a.identity === undefined && !usedPeople.has(person))
      a = { ...a, identity: person };
    return a === n.arguments ? n : { ...n, arguments: a };
  });
  return { ...plan, task_nodes: nodes };
}

/** Tools whose subject is the person they take: without that person the node asks for nothing. */
const PERSON_TOOLS = new Set(['last_seen', 'activity_timeline']);
const ANSWER_TOOLS = new Set(['compose_answer', 'resolve_time']);

/**
 * No person the conversation never named. The per-request grammar lets the model copy any household name, and a
 * small model sometimes writes one nobody asked about ("anyone in the kitchen in the night?" →
 * `last_seen(person=Cian)`). Such a node goes where it is about that person alone and other data nodes answer;
 * elsewhere the made-up person filter goes. `known` are the names the conversation grounds (people, group
 * members, the asker when they speak of themselves, "unknown" where it speaks of a stranger: "someone" is anyone,
 * not a stranger); placeholders stay.
 */
export function dropInventedPeople(plan: TaskPlan, known: ReadonlySet<string>): TaskPlan {
  const invented = (v: unknown): boolean => typeof v === 'string' && !v.startsWith('<') && !known.has(v);
  const data = plan.task_nodes.filter((n) => !ANSWER_TOOLS.has(n.task)).length;
  const drop = new Set<number>();
  const nodes = plan.task_nodes.map((n, i) => {
    if (Array.isArray(n.arguments)) return n;
    const a = { ...n.arguments };
    for (const key of ['person', 'identity']) {
      if (!invented(a[key])) continue;
      if (PERSON_TOOLS.has(n.task)) {
        if (data > 1) drop.add(i);
      } else delete a[key];
    }
    return { ...n, arguments: a };
  });
  return { ...plan, task_nodes: drop.size === 0 ? nodes : dropNodes(nodes, drop) };
}

/** Tools whose activity filter a question must name. */
const ACTIVITY_FILTERS = new Set(['query_events', 'count_events', 'aggregate']);

/**
 * No activity filter the conversation never named. The grammar lets the model write any activity, and a small model
 * sometimes filters by one nobody asked about ("when did my mother-in-law arrive" → `activity=washing_dishes`),
 * which empties the answer. `said`: the activities the conversation's questions name (activitiesNamed) and those its
 * earlier plans filter by (a follow-up keeps them: "and Lene, same question?").
 */
export function dropUnaskedActivities(plan: TaskPlan, said: ReadonlySet<string>): TaskPlan {
  let changed = false;
  const nodes = plan.task_nodes.map((n) => {
    if (Array.isArray(n.arguments) || !ACTIVITY_FILTERS.has(n.task)) return n;
    const v = n.arguments.activity;
    if (typeof v !== 'string' || v.startsWith('<') || said.has(v)) return n;
    const { activity: _unasked, ...rest } = n.arguments;
    changed = true;
    return { ...n, arguments: rest };
  });
  return changed ? { ...plan, task_nodes: nodes } : plan;
}

/** The activities a request's conversation names: its questions' activity words, its earlier plans' filters. */
function activitiesSaid(req: Pick<PlanRequest, 'question' | 'history'>): Set<string> {
  const history = req.history ?? [];
  const out = new Set(activitiesNamed(englishGloss([req.question, ...history.map((t) => t.question)].join('\n'))));
  for (const t of history)
    for (const n of t.plan?.task_nodes ?? [])
      if (!Array.isArray(n.arguments) && typeof n.arguments.activity === 'string') out.add(n.arguments.activity);
  return out;
}

const ASKS_PLACE = /\b(?:where|which room|what room|anywhere|elsewhere|else)\b/i;

/** Tools that keep the place of the turn before when a follow-up names none ("show me a picture", "and Lene?"). */
const PLACE_KEPT_TOOLS = new Set(['query_events', 'count_events', 'aggregate', 'who_was_where']);

/**
 * A follow-up that names no place is about the place of the turn before: "who was at the entrance at 4" → "show me a
 * picture" reads the entrance's events, as a follow-up without a time keeps the earlier time. Where the plan has no
 * place and the earlier plan had exactly one (a camera or a room), the event tools get it; a person's last sighting
 * or day is not narrowed to it, unless the earlier plan's was ("when was cody last in the shop" → "and kay?").
 */
export function keepEarlierPlace(
  plan: TaskPlan,
  req: Pick<PlanRequest, 'question' | 'history' | 'household'>,
  mentions: readonly Mention[],
): TaskPlan {
  const earlier = req.history?.[req.history.length - 1]?.plan;
  if (earlier === undefined || mentions.some((m) => m.kind === 'camera' || m.kind === 'room' || m.kind === 'zone')) return plan;
  // "where was he after that?", "anywhere else?" ask for the place
  if (ASKS_PLACE.test(req.question)) return plan;
  if (stringArgs(plan, 'camera').size > 0 || stringArgs(plan, 'room').size > 0) return plan;
  const cameras = stringArgs(earlier, 'camera');
  const rooms = stringArgs(earlier, 'room');
  if (cameras.size + rooms.size !== 1) return plan;
  const room = rooms.size === 1 ? [...rooms][0]! : undefined;
  // the event tools take a camera: a room's, where it has one
  const roomCameras = Object.entries(req.household.cameraRooms ?? {}).filter(([, r]) => r === room);
  const camera = cameras.size === 1 ? [...cameras][0]! : roomCameras.length === 1 ? roomCameras[0]![0] : undefined;
  // "when was cody last in the shop" → "and kay?": the earlier sighting's camera, for another person
  const seenAt = earlier.task_nodes.some((n) => n.task === 'last_seen' && typeof namedArguments(n).camera === 'string');
  let changed = false;
  const nodes = plan.task_nodes.map((n) => {
    if (Array.isArray(n.arguments) || !(PLACE_KEPT_TOOLS.has(n.task) || (seenAt && n.task === 'last_seen'))) return n;
    const place = n.task === 'who_was_where' && room !== undefined ? { room } : camera !== undefined ? { camera } : null;
    if (place === null) return n;
    changed = true;
    return { ...n, arguments: { ...n.arguments, ...place } };
  });
  return changed ? { ...plan, task_nodes: nodes } : plan;
}

/**
 * The household's names a conversation grounds: its people and the people its groups stand for (a group's members,
 * everyone's residents; "anyone" stands for nobody). The request checks allow these, and "unknown", in a plan.
 */
export function namesGrounded(conversation: readonly Mention[]): Set<string> {
  const out = new Set<string>();
  for (const m of conversation) {
    const r = m.resolved;
    if (r?.kind === 'person') r.people.forEach((p) => out.add(p));
    else if (r?.kind === 'group') r.people.forEach((p) => out.add(p));
  }
  return out;
}

/**
 * The free text of memory and hub nodes as the question says it, where it says it in a form free-text.ts reads: the
 * model writes a span token by token and may stop early ("remember(fact=Niamh has a key to)") and cannot know which
 * hub topic a board or channel is.
 */
export function fillFreeText(plan: TaskPlan, question: string, hubTopics: readonly string[]): TaskPlan {
  const fact = factToKeep(question);
  const query = memoryQueryOf(question);
  const message = hubMessageOf(question);
  const topic = hubTopicOf(question, hubTopics);
  const nodes = plan.task_nodes.map((n) => {
    if (Array.isArray(n.arguments)) return n;
    const a = { ...n.arguments };
    if (n.task === 'remember' && fact !== null) a.fact = fact;
    else if (n.task === 'recall_memory' && query !== null) a.query = query;
    else if (n.task === 'publish_to_hub') {
      if (message !== null) a.message = message;
      if (topic !== null) a.topic = topic;
    }
    return { ...n, arguments: a };
  });
  return { ...plan, task_nodes: nodes };
}

/**
 * Plan text the model wrote → the TaskBench plan over the household's values. `learned` are the people an active
 * household adapter writes (its pseudonyms): it may know a nickname no config names ("bubba" is Tom), so they are
 * no invented people.
 */
export function planFromModelText(
  text: string,
  turn: ModelTurn,
  req: Pick<PlanRequest, 'question' | 'hubTopics' | 'history' | 'household'>,
  learned: readonly string[] = [],
): TaskPlan {
  const question = req.question;
  const relexicalised = relexicalise(parsePlanText(text), turn.mentions, { question });
  const grounded = dropUnaskedActivities(
    dropInventedPeople(relexicalised, new Set([...namesGrounded(turn.mentions), ...learned])),
    activitiesSaid(req),
  );
  const placed = keepEarlierPlace(
    fillPersonAndPlace(grounded, turn.question.mentions, turn.mentions, req.household.cameraRooms),
    req,
    turn.question.mentions,
  );
  const plan = fillFreeText(placed, question, req.hubTopics ?? []);
  const nodes = dropRepeatedNodes(plan.task_nodes);
  // the steps and links are written from the nodes: again, now that they carry the household's values
  return planOfNodes(nodes);
}

/**
 * The plan's confidence from the margins at its tool choices: at the first
 * token of each line (which tool, or the end marker) the probability of the
 * likeliest token minus that of the runner-up, under the grammar. The plan is
 * as sure as its least sure choice: ln(min margin), ≤ 0 (0 = every choice
 * certain; ln 0.2 ≈ −1.6). Mean token log-prob says little here: the grammar
 * makes most tokens of a plan near-certain, whatever the plan.
 */
export function marginConfidence(margins: readonly number[]): number | null {
  if (margins.length === 0) return null;
  return Math.log(Math.max(Math.min(...margins), 1e-4));
}
