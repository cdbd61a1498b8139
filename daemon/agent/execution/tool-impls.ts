import { HomeSightError, formatIsoInZone } from '../../system/index.js';
import { composeAnswer, type AnswerInput } from './answer.js';
import type { AgentEvent, EvidenceItem, Observation, OutputKind, ToolInput, ToolName, ToolOutput } from '../catalog/index.js';
import type { AgentDeps, EventRecord, FrameData, FrameResult, HouseholdInfo } from './ports.js';
import { resolveTimePhrase, type ResolvedRange, type ResolveTimeOptions } from '../planning/index.js';

/**
 * The tool implementations. Each one gets arguments already validated against
 * the catalog's input schema (references resolved) and returns a value the
 * executor checks against the output schema. They reach other modules only
 * through AgentDeps.
 */

export interface ToolRunContext {
  deps: AgentDeps;
  household: HouseholdInfo;
  /** "now" of the request, epoch ms. */
  now: number;
  question: string;
  signal: AbortSignal;
  /** Side-effect tools that may run (agent.allow_tools). */
  allowTools: readonly string[];
  /** Topics publish_to_hub may use (agent.hub_topics). */
  hubTopics: readonly string[];
  /** The previous turn's time range, for "after that". */
  previousRange?: ResolvedRange;
  /** References of each argument of the running node (for compose_answer). */
  refs: ReadonlyMap<string, ReadonlyArray<{ index: number; kind: OutputKind; task: string; error?: string }>>;
  /** Per-run cache of vision results by frame set. */
  visionCache: Map<string, Promise<FrameResult[]>>;
  /** Pixel data of frames read in this run, by handle key. */
  frameStore: Map<string, FrameData>;
  /** Time ranges resolved in this run (the last one becomes the conversation's previous range). */
  ranges: ResolvedRange[];
}

export type ToolImpl<N extends ToolName> = (args: ToolInput<N>, ctx: ToolRunContext) => Promise<ToolOutput<N>>;
export type ToolImpls = { [N in ToolName]: ToolImpl<N> };

function need<T>(dep: T | undefined, what: string, tool: string): T {
  if (dep === undefined) {
    throw new HomeSightError('E_TOOL_UNAVAILABLE', `${tool}: ${what} is not available in this daemon`, {
      context: { tool, dependency: what },
      hint: `enable the ${what} module (it may have failed to start; see /healthz)`,
    });
  }
  return dep;
}

const ms = (iso: string): number => Date.parse(iso);

/** Canonical person name for a name or alias (case-insensitive); "unknown" → null. */
export function canonicalPerson(name: string, household: HouseholdInfo): string | null {
  const n = name.trim().toLowerCase();
  if (n === 'unknown' || n === 'someone' || n === 'a stranger' || n === 'stranger') return null;
  for (const p of household.people) {
    if (p.name.toLowerCase() === n || p.aliases.some((a) => a.toLowerCase() === n)) return p.name;
  }
  return name.trim();
}

function roomOf(camera: string, h: HouseholdInfo): string | null {
  return h.cameras[camera] ?? null;
}

export function toAgentEvent(e: EventRecord, h: HouseholdInfo): AgentEvent {
  return {
    id: e.id,
    start: formatIsoInZone(e.start, h.timezone),
    end: e.end === null ? null : formatIsoInZone(e.end, h.timezone),
    camera: e.camera,
    room: roomOf(e.camera, h),
    identity: e.identity,
    activity: e.activity,
    confidence: e.confidence,
    snapshot: e.snapshot,
    clip: null,
  };
}

function frameKey(camera: string, ts: number): string {
  return `${camera}@${ts}`;
}

/** Frames of a handle list, with their pixel data from this run's store. */
function framesOf(handles: ReadonlyArray<{ camera: string; ts: string }>, ctx: ToolRunContext, tool: string): FrameData[] {
  return handles.map((h) => {
    const f = ctx.frameStore.get(frameKey(h.camera, ms(h.ts)));
    if (f === undefined) {
      throw new HomeSightError('E_FRAME_UNKNOWN', `${tool}: frame ${h.camera}@${h.ts} was not read by get_frames in this plan`, {
        context: { tool, camera: h.camera, ts: h.ts },
        hint: 'pass frames as a <node-j> reference to get_frames',
      });
    }
    return f;
  });
}

async function analyze(handles: ReadonlyArray<{ camera: string; ts: string }>, ctx: ToolRunContext, tool: string): Promise<Observation[]> {
  const vision = need(ctx.deps.vision, 'vision', tool);
  const frames = framesOf(handles, ctx, tool);
  const key = frames.map((f) => frameKey(f.camera, f.ts)).join('|');
  let p = ctx.visionCache.get(key);
  if (p === undefined) {
    p = frames.length === 0 ? Promise.resolve([]) : vision.analyzeFrames(frames, ctx.signal);
    ctx.visionCache.set(key, p);
  }
  const results = await p;
  const out: Observation[] = [];
  for (const r of results) {
    for (const person of r.persons) {
      out.push({
        camera: r.camera,
        ts: formatIsoInZone(r.ts, ctx.household.timezone),
        box: person.box,
        score: person.score,
        identity: person.identity,
        identity_confidence: person.similarity,
        activity: person.activity ?? null,
        activity_confidence: person.activityConfidence ?? null,
      });
    }
  }
  return out;
}

const uniq = (xs: Array<string | null>): string[] => [...new Set(xs.map((x) => x ?? 'unknown'))];

/** Event-like items (id, camera, time, snapshot) in any event-ish output. */
interface EvidenceSource {
  event_id: string | null;
  camera: string;
  start: number;
  end: number | null;
  identity: string | null;
  activity: string | null;
  snapshot: string | null;
  box?: [number, number, number, number];
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

async function evidenceSources(input: unknown, ctx: ToolRunContext): Promise<EvidenceSource[]> {
  // A projected reference may hand over the bare list of events.
  const value = Array.isArray(input) ? { events: input } : input;
  if (!isObj(value)) return [];
  const out: EvidenceSource[] = [];
  if (Array.isArray(value.events)) {
    for (const e of value.events) {
      if (!isObj(e)) continue;
      out.push({
        event_id: String(e.id),
        camera: String(e.camera),
        start: ms(String(e.start)),
        end: typeof e.end === 'string' ? ms(e.end) : null,
        identity: typeof e.identity === 'string' ? e.identity : null,
        activity: typeof e.activity === 'string' ? e.activity : null,
        snapshot: typeof e.snapshot === 'string' ? e.snapshot : null,
      });
    }
  }
  if (isObj(value.seen)) {
    const s = value.seen;
    out.push({
      event_id: String(s.event_id),
      camera: String(s.camera),
      start: ms(String(s.ts)),
      end: typeof s.end === 'string' ? ms(s.end) : null,
      identity: typeof value.person === 'string' ? value.person : null,
      activity: typeof s.activity === 'string' ? s.activity : null,
      snapshot: typeof s.snapshot === 'string' ? s.snapshot : null,
    });
  }
  if (Array.isArray(value.presence) && ctx.deps.events !== undefined) {
    // One representative event per person and camera.
    for (const p of value.presence) {
      if (!isObj(p)) continue;
      const identity = p.identity === 'unknown' ? null : String(p.identity);
      const evs = await ctx.deps.events.eventsBetween({
        start: ms(String(p.first)),
        end: ms(String(p.last)) + 1,
        camera: String(p.camera),
        identity,
        limit: 20,
      });
      const e = evs.find((x) => x.snapshot !== null) ?? evs[0];
      if (e !== undefined)
        out.push({
          event_id: e.id,
          camera: e.camera,
          start: e.start,
          end: e.end,
          identity: e.identity,
          activity: e.activity,
          snapshot: e.snapshot,
        });
    }
  }
  if (Array.isArray(value.entries) && typeof value.person === 'string') {
    for (const e of value.entries) {
      if (!isObj(e)) continue;
      out.push({
        event_id: null,
        camera: String(e.camera),
        start: ms(String(e.start)),
        end: ms(String(e.end)),
        identity: value.person,
        activity: typeof e.activity === 'string' ? e.activity : null,
        snapshot: null,
      });
    }
  }
  const obs = Array.isArray(value.persons) ? value.persons : Array.isArray(value.detections) ? value.detections : null;
  if (obs !== null) {
    for (const o of obs) {
      if (!isObj(o) || !Array.isArray(o.box)) continue;
      out.push({
        event_id: null,
        camera: String(o.camera),
        start: ms(String(o.ts)),
        end: null,
        identity: typeof o.identity === 'string' ? o.identity : null,
        activity: typeof o.activity === 'string' ? o.activity : null,
        snapshot: null,
        box: o.box as [number, number, number, number],
      });
    }
  }
  return out;
}

async function eventsForRange(
  ctx: ToolRunContext,
  tool: string,
  q: { start: string; end: string; camera?: string; identity?: string; activity?: string; limit?: number },
): Promise<EventRecord[]> {
  const events = need(ctx.deps.events, 'memory', tool);
  const query: Parameters<typeof events.eventsBetween>[0] = { start: ms(q.start), end: ms(q.end) };
  if (q.camera !== undefined) query.camera = q.camera;
  if (q.identity !== undefined) query.identity = canonicalPerson(q.identity, ctx.household);
  if (q.activity !== undefined) query.activity = q.activity;
  if (q.limit !== undefined) query.limit = q.limit;
  return events.eventsBetween(query);
}

/** Windows last_seen looks back through for one camera, shortest first: the newest sighting is usually recent. */
const LAST_SEEN_WINDOWS_MS = [86_400_000, 7 * 86_400_000, 31 * 86_400_000, 366 * 86_400_000];

/**
 * A person's newest event on one camera. The event port answers ranges oldest first, so the range before
 * "now" grows until it holds a sighting, and the newest event of that range is the answer.
 */
async function lastSeenAt(ctx: ToolRunContext, identity: string, camera: string): Promise<EventRecord | null> {
  const events = need(ctx.deps.events, 'memory', 'last_seen');
  for (const w of LAST_SEEN_WINDOWS_MS) {
    const found = await events.eventsBetween({ start: ctx.now - w, end: ctx.now, camera, identity, limit: 100_000 });
    if (found.length > 0) return found.reduce((a, b) => (b.start > a.start ? b : a));
  }
  return null;
}

function ensureAllowed(tool: string, ctx: ToolRunContext): void {
  if (!ctx.allowTools.includes(tool)) {
    throw new HomeSightError('E_TOOL_NOT_ALLOWED', `${tool} has side effects and is not in agent.allow_tools`, {
      context: { tool },
      hint: `add "${tool}" to agent.allow_tools in the config to let the agent use it`,
    });
  }
}

export function createToolImpls(): ToolImpls {
  return {
    async resolve_time(args, ctx) {
      const opts: ResolveTimeOptions = ctx.household.routines === undefined ? {} : { routines: ctx.household.routines };
      if (ctx.previousRange !== undefined) opts.previous = ctx.previousRange;
      const r = resolveTimePhrase(args.phrase, ctx.now, ctx.household.timezone, opts);
      ctx.ranges.push(r);
      const out = {
        start: formatIsoInZone(r.startMs, ctx.household.timezone),
        end: formatIsoInZone(r.endMs, ctx.household.timezone),
        timezone: ctx.household.timezone,
        phrase: args.phrase,
      };
      return r.source === undefined ? out : { ...out, source: r.source };
    },

    async get_frames(args, ctx) {
      const frames = need(ctx.deps.frames, 'ingest', 'get_frames');
      const start = ms(args.start);
      const end = ms(args.end);
      const fps = args.fps ?? 1;
      // Bound the work a plan can ask for: at most 120 frames.
      const maxFrames = 120;
      const effFps = Math.min(fps, Math.max(maxFrames / Math.max((end - start) / 1000, 1e-3), 0.001));
      const got = await frames.framesAt(args.camera, start, end, effFps, ctx.signal);
      // An empty list would read as "nobody was there"; say that there was nothing to look at.
      if (got.length === 0) {
        throw new HomeSightError('E_NO_VIDEO', `get_frames: no recorded video of ${args.camera} between ${args.start} and ${args.end}`, {
          context: { camera: args.camera, start: args.start, end: args.end },
          hint:
            'the camera is not recorded (record.enabled: false, or a still camera) or was offline then; ' +
            'the events (query_events, who_was_where) still tell who was seen',
        });
      }
      const handles = got.slice(0, maxFrames).map((f) => {
        ctx.frameStore.set(frameKey(f.camera, f.ts), f);
        return { camera: f.camera, ts: formatIsoInZone(f.ts, ctx.household.timezone), width: f.width, height: f.height };
      });
      return { camera: args.camera, frames: handles };
    },

    async detect_persons(args, ctx) {
      const detections = await analyze(args.frames, ctx, 'detect_persons');
      return { frames: args.frames, detections };
    },

    async recognize_identity(args, ctx) {
      const persons = await analyze(args.frames, ctx, 'recognize_identity');
      return { frames: args.frames, persons, identities: uniq(persons.map((p) => p.identity)) };
    },

    async recognize_activity(args, ctx) {
      const persons = await analyze(args.frames, ctx, 'recognize_activity');
      return {
        frames: args.frames,
        persons,
        activities: [...new Set(persons.map((p) => p.activity).filter((a): a is string => a !== null))],
      };
    },

    async query_events(args, ctx) {
      const limit = args.limit ?? 100;
      const q: Parameters<typeof eventsForRange>[2] = { start: args.start, end: args.end, limit: limit + 1 };
      if (args.camera !== undefined) q.camera = args.camera;
      if (args.identity !== undefined) q.identity = args.identity;
      if (args.activity !== undefined) q.activity = args.activity;
      const evs = await eventsForRange(ctx, 'query_events', q);
      return { events: evs.slice(0, limit).map((e) => toAgentEvent(e, ctx.household)), truncated: evs.length > limit };
    },

    async who_was_where(args, ctx) {
      const events = need(ctx.deps.events, 'memory', 'who_was_where');
      const q: Parameters<typeof events.whoWasWhere>[0] = { start: ms(args.start), end: ms(args.end) };
      if (args.camera !== undefined) q.camera = args.camera;
      if (args.room !== undefined) q.room = args.room;
      // one person: the store answers per person, so the rows of the others are left out here
      const only = args.identity === undefined ? undefined : (canonicalPerson(args.identity, ctx.household) ?? args.identity);
      const rows = (await events.whoWasWhere(q)).filter((p) => only === undefined || (p.identity ?? 'unknown') === only);
      // What they were doing: activities per person and camera in the range.
      const evq: Parameters<typeof eventsForRange>[2] = { start: args.start, end: args.end, limit: 5000 };
      if (args.camera !== undefined) evq.camera = args.camera;
      const evs = await eventsForRange(ctx, 'who_was_where', evq);
      const acts = new Map<string, Set<string>>();
      for (const e of evs) {
        if (e.activity === null) continue;
        const k = `${e.identity ?? ''}\u0001${e.camera}`;
        const s = acts.get(k) ?? new Set<string>();
        s.add(e.activity);
        acts.set(k, s);
      }
      const presence = rows.flatMap((p) =>
        p.byCamera.map((c) => ({
          identity: p.identity ?? 'unknown',
          camera: c.camera,
          room: roomOf(c.camera, ctx.household),
          first: formatIsoInZone(c.firstSeen, ctx.household.timezone),
          last: formatIsoInZone(c.lastSeen, ctx.household.timezone),
          events: c.count,
          activities: [...(acts.get(`${p.identity ?? ''}\u0001${c.camera}`) ?? [])].sort(),
        })),
      );
      return { presence };
    },

    async last_seen(args, ctx) {
      const events = need(ctx.deps.events, 'memory', 'last_seen');
      const name = canonicalPerson(args.person, ctx.household);
      if (name === null) return { person: args.person, seen: null };
      const e = args.camera === undefined ? await events.lastSeen(name) : await lastSeenAt(ctx, name, args.camera);
      if (e === null) return { person: name, seen: null };
      const tz = ctx.household.timezone;
      return {
        person: name,
        seen: {
          event_id: e.id,
          ts: formatIsoInZone(e.start, tz),
          end: e.end === null ? null : formatIsoInZone(e.end, tz),
          camera: e.camera,
          room: roomOf(e.camera, ctx.household),
          activity: e.activity,
          snapshot: e.snapshot,
        },
      };
    },

    async activity_timeline(args, ctx) {
      const events = need(ctx.deps.events, 'memory', 'activity_timeline');
      const name = canonicalPerson(args.person, ctx.household) ?? args.person;
      const spans = await events.timeline(name, args.day, ctx.household.timezone, { includeUnlabeled: true });
      const tz = ctx.household.timezone;
      return {
        person: name,
        day: args.day,
        entries: spans.map((s) => ({
          start: formatIsoInZone(s.start, tz),
          end: formatIsoInZone(s.end, tz),
          activity: s.activity,
          camera: s.camera,
          room: roomOf(s.camera, ctx.household),
        })),
      };
    },

    async count_events(args, ctx) {
      const q: Parameters<typeof eventsForRange>[2] = { start: args.start, end: args.end, limit: 100_000 };
      if (args.camera !== undefined) q.camera = args.camera;
      if (args.identity !== undefined) q.identity = args.identity;
      if (args.activity !== undefined) q.activity = args.activity;
      const evs = await eventsForRange(ctx, 'count_events', q);
      return { count: evs.length };
    },

    async aggregate(args, ctx) {
      const events = need(ctx.deps.events, 'memory', 'aggregate');
      const start = ms(args.start);
      const end = ms(args.end);
      if ((args.group_by === 'identity' || args.group_by === 'activity' || args.group_by === 'camera') && args.activity === undefined) {
        const q: Parameters<typeof events.aggregate>[0] = {
          start,
          end,
          groupBy: args.group_by,
          metric: args.metric === 'count' ? 'count' : 'duration',
        };
        if (args.camera !== undefined) q.camera = args.camera;
        if (args.identity !== undefined) q.identity = canonicalPerson(args.identity, ctx.household);
        const rows = await events.aggregate(q);
        return {
          groups: rows.map((r) => ({
            key: r.key ?? (args.group_by === 'identity' ? 'unknown' : 'none'),
            value: args.metric === 'count' ? r.value : Math.round(r.value / 100) / 10,
          })),
        };
      }
      // room / hour / day (or an activity filter): group the events here.
      const q: Parameters<typeof eventsForRange>[2] = { start: args.start, end: args.end, limit: 100_000 };
      if (args.camera !== undefined) q.camera = args.camera;
      if (args.identity !== undefined) q.identity = args.identity;
      if (args.activity !== undefined) q.activity = args.activity;
      const evs = await eventsForRange(ctx, 'aggregate', q);
      const tz = ctx.household.timezone;
      const groups = new Map<string, number>();
      for (const e of evs) {
        const local = formatIsoInZone(e.start, tz);
        const key =
          args.group_by === 'room'
            ? (roomOf(e.camera, ctx.household) ?? 'none')
            : args.group_by === 'hour'
              ? local.slice(11, 13)
              : args.group_by === 'day'
                ? local.slice(0, 10)
                : args.group_by === 'identity'
                  ? (e.identity ?? 'unknown')
                  : args.group_by === 'activity'
                    ? (e.activity ?? 'none')
                    : e.camera;
        const v = args.metric === 'count' ? 1 : (Math.min(e.end ?? ctx.now, end) - Math.max(e.start, start)) / 1000;
        groups.set(key, (groups.get(key) ?? 0) + Math.max(0, v));
      }
      return {
        groups: [...groups.entries()]
          .map(([key, value]) => ({ key, value: Math.round(value * 10) / 10 }))
          .sort((a, b) => b.value - a.value),
      };
    },

    async get_snapshot(args, ctx) {
      const sources = await evidenceSources(args.events, ctx);
      const max = args.max ?? 3;
      const items: EvidenceItem[] = [];
      for (const s of sources) {
        if (items.length >= max) break;
        let snapshot = s.snapshot;
        if (snapshot === null && s.box !== undefined && ctx.deps.frames?.snapshot !== undefined) {
          const f = ctx.frameStore.get(frameKey(s.camera, s.start));
          if (f !== undefined) snapshot = await ctx.deps.frames.snapshot(f, [s.box]);
        }
        if (snapshot === null) continue;
        items.push({
          event_id: s.event_id,
          camera: s.camera,
          ts: formatIsoInZone(s.start, ctx.household.timezone),
          identity: s.identity,
          activity: s.activity,
          snapshot,
          clip: null,
        });
      }
      return { items };
    },

    async evidence_clip(args, ctx) {
      const frames = need(ctx.deps.frames, 'ingest', 'evidence_clip');
      if (frames.clip === undefined)
        throw new HomeSightError('E_TOOL_UNAVAILABLE', 'evidence_clip: this daemon keeps no recordings', {
          hint: 'enable recordings on the camera',
        });
      const sources = await evidenceSources(args.events, ctx);
      const half = ((args.seconds ?? 10) * 1000) / 2;
      const max = args.max ?? 2;
      const items: EvidenceItem[] = [];
      for (const s of sources) {
        if (items.length >= max) break;
        const mid = s.end === null ? s.start : (s.start + s.end) / 2;
        const clip = await frames.clip(s.camera, mid - half, mid + half, ctx.signal);
        if (clip === null) continue;
        items.push({
          event_id: s.event_id,
          camera: s.camera,
          ts: formatIsoInZone(s.start, ctx.household.timezone),
          identity: s.identity,
          activity: s.activity,
          snapshot: s.snapshot,
          clip,
        });
      }
      return { items };
    },

    async recall_memory(args, ctx) {
      const lt = need(ctx.deps.longTerm, 'memory', 'recall_memory');
      const hits = await lt.search(args.query, { kinds: ['fact', 'preference', 'name', 'correction'], k: args.k ?? 5 });
      return { items: hits.map((h) => ({ id: String(h.id), kind: h.kind, text: h.text, score: h.score })) };
    },

    async remember(args, ctx) {
      ensureAllowed('remember', ctx);
      const lt = need(ctx.deps.longTerm, 'memory', 'remember');
      const id = await lt.add({ kind: 'fact', text: args.fact, payload: { source: 'agent', question: ctx.question } });
      return { stored: true, id: String(id), fact: args.fact };
    },

    async publish_to_hub(args, ctx) {
      ensureAllowed('publish_to_hub', ctx);
      if (!ctx.hubTopics.includes(args.topic)) {
        throw new HomeSightError('E_TOOL_NOT_ALLOWED', `publish_to_hub: topic "${args.topic}" is not in agent.hub_topics`, {
          context: { topic: args.topic },
          hint: 'add the topic to agent.hub_topics',
        });
      }
      const hub = need(ctx.deps.hub, 'mqtt', 'publish_to_hub');
      await hub.publish(args.topic, args.message);
      return { published: true, topic: args.topic, message: args.message };
    },

    async compose_answer(args, ctx) {
      const meta = ctx.refs.get('inputs') ?? [];
      const inputs: AnswerInput[] = args.inputs.map((output, i) => {
        const m = meta[i];
        const a: AnswerInput = { kind: m?.kind ?? 'unknown', task: m?.task ?? 'unknown', output };
        if (m?.error !== undefined) a.error = m.error;
        return a;
      });
      return { answer: composeAnswer(ctx.question, inputs, ctx.now, ctx.household.timezone) };
    },
  };
}
