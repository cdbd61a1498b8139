import { HomeSightError, formatIsoInZone, zonedDay } from '../../system/index.js';
import {
  getTool,
  refIndex,
  validatePlan,
  namedArguments,
  type PlanRequest,
  type PlanResult,
  type Planner,
  type TaskPlan,
} from '../catalog/index.js';
import { describeSteps } from './steps.js';
import { SEED_EXAMPLES, exampleVocabulary, type SeedExample } from './seeds.js';
import { extractSlots, shapeSimilarity, shapeWords, type Slots } from './slots.js';
import { planFits, questionShape } from './question-shape.js';
import { requestIssues } from './request-checks.js';
import { resolveTimePhrase } from './time.js';

export interface RetrievalOptions {
  /** Built-in examples searched after the household's own (default SEED_EXAMPLES). */
  seeds?: readonly SeedExample[];
  /** Candidates tried (best first) until one re-fills into a valid plan. Default 6. */
  tries?: number;
}

/**
 * The non-LLM baseline: the nearest past accepted plan (the request's
 * examples, retrieved from the household's long-term memory, then the
 * built-in seeds), matched on the question's shape with names and times
 * masked, its arguments re-filled from the new question.
 */
export class RetrievalPlanner implements Planner {
  readonly name = 'retrieval';
  private readonly seeds: readonly SeedExample[];
  private readonly tries: number;

  constructor(options: RetrievalOptions = {}) {
    this.seeds = options.seeds ?? SEED_EXAMPLES;
    this.tries = options.tries ?? 6;
  }

  async plan(req: PlanRequest, signal?: AbortSignal): Promise<PlanResult> {
    const t0 = performance.now();
    signal?.throwIfAborted();
    const slots = extractSlots(req.question, req);
    const words = shapeWords(slots.masked);
    const shape = questionShape(req);
    const exampleVocab = { ...req, household: exampleVocabulary(req.household) };
    const candidates = [...(req.examples ?? []).map((e) => ({ ...e, own: true })), ...this.seeds.map((e) => ({ ...e, own: false }))];
    const scored = candidates
      .map((c) => {
        const cs = extractSlots(c.question, exampleVocab);
        let score = shapeSimilarity(words, shapeWords(cs.masked));
        // Same slot structure is a good sign; a household's own plan wins ties.
        if (cs.people.length > 0 === slots.people.length > 0) score += 0.05;
        if ((cs.time !== null) === (slots.time !== null)) score += 0.05;
        if ((cs.activity !== null) === (slots.activity !== null)) score += 0.03;
        // "remember that …" and "tell the hub …" are requests of their own kind.
        for (const k of ['fact', 'message'] as const) {
          if ((cs[k] !== null) !== (slots[k] !== null)) score -= 0.3;
          else if (cs[k] !== null) score += 0.3;
        }
        // Live, timeline and memory-write questions need plans of that form (validation checks it too).
        const fits = planFits(c.plan, shape);
        if (!fits.live || !fits.timeline || !fits.memoryWrite) score -= 0.5;
        if (c.own) score += 0.02;
        return { c, score };
      })
      .sort((a, b) => b.score - a.score);
    const tried: string[] = [];
    // After a failed execution, plans that use a tool that just failed are passed over ("node 1 (get_frames) failed: …").
    const failedTools = new Set(
      (req.previousPlan === undefined ? [] : (req.repairHints ?? [])).flatMap((h) => /^node \d+ \(([a-z_]+)\) failed/.exec(h)?.[1] ?? []),
    );
    let attempts = 0;
    for (const { c, score } of scored) {
      if (attempts === this.tries) break;
      const failing = c.plan.task_nodes.find((n) => failedTools.has(n.task));
      if (failing !== undefined) continue;
      attempts++;
      const plan = refill(c.plan, slots, req);
      const issues = [
        ...validatePlan(plan, {
          allowTools: req.allowTools ?? [],
          hubTopics: req.hubTopics ?? [],
          cameras: req.household.cameras,
        }),
        ...requestIssues(plan, req),
      ];
      if (issues.length === 0) {
        return {
          plan,
          planner: this.name,
          // how near the example is, on the log scale of the model's confidence (≤ 0; 0 = the same shape)
          confidence: Math.log(Math.min(Math.max(score, 1e-4), 1)),
          latencyMs: performance.now() - t0,
          notes: [`nearest example: "${c.question}" (score ${score.toFixed(2)})`, ...tried],
        };
      }
      tried.push(`skipped "${c.question}": ${issues[0]!.message}`);
    }
    throw new HomeSightError('E_RETRIEVAL_NO_PLAN', `no stored plan fits "${req.question}"`, {
      context: { tried },
      hint: 'rephrase the question, or accept a plan from another planner so it is remembered',
    });
  }
}

/** Re-fills a past plan's arguments from the new question's slots. */
export function refill(example: TaskPlan, slots: Slots, req: PlanRequest): TaskPlan {
  const nowMs = Date.parse(req.now);
  const tz = req.timezone;
  const range = (() => {
    if (slots.time === null) return null;
    try {
      return resolveTimePhrase(slots.time, nowMs, tz, req.household.routines === undefined ? {} : { routines: req.household.routines });
    } catch {
      return null;
    }
  })();
  const nodes = example.task_nodes.map((node) => {
    const t = getTool(node.task);
    const a: Record<string, unknown> = { ...namedArguments(node) };
    if (t === undefined) return { task: node.task, arguments: a };
    const optional = (k: string): boolean => t.input.shape[k] !== undefined && (t.input.shape[k] as { isOptional(): boolean }).isOptional();
    const set = (k: string, v: unknown | undefined): void => {
      if (!(k in t.input.shape)) return;
      if (v !== undefined) a[k] = v;
      else if (optional(k)) delete a[k];
    };
    if (node.task === 'resolve_time' && slots.time !== null) a.phrase = slots.time;
    for (const k of ['person', 'identity']) {
      // a tool about a person gets the person the question names, also where the example named nobody
      if (k in t.input.shape && (k in a || k === 'person' || slots.people.length > 0)) {
        set(k, slots.people[0] ?? (optional(k) ? undefined : a[k]));
      }
    }
    if ('camera' in t.input.shape) {
      // a room named where the tool takes no room: its camera
      const viaRoom = 'room' in t.input.shape ? undefined : slots.roomCameras[0];
      const cam =
        slots.cameras[0] ??
        viaRoom ??
        (optional('camera') ? undefined : req.household.cameras.includes(String(a.camera)) ? a.camera : req.household.cameras[0]);
      set('camera', cam);
    }
    if ('room' in t.input.shape) set('room', slots.rooms[0]);
    if ('activity' in t.input.shape && (slots.activity !== null || 'activity' in a)) set('activity', slots.activity ?? undefined);
    if (node.task === 'activity_timeline') a.day = zonedDay(range?.startMs ?? nowMs, tz);
    if (node.task === 'compose_answer') a.question = req.question.slice(0, 280);
    if (node.task === 'recall_memory') a.query = req.question.slice(0, 120);
    if (node.task === 'remember') a.fact = (slots.fact ?? req.question).slice(0, 280);
    if (node.task === 'publish_to_hub') {
      if (slots.message !== null) a.message = slots.message.slice(0, 280);
      const topics = req.hubTopics ?? [];
      if (!topics.includes(String(a.topic)) && topics.length > 0) a.topic = topics[0];
    }
    // Literal times of a past plan: replace with the new question's range.
    for (const k of ['start', 'end']) {
      if (typeof a[k] === 'string' && refIndex(a[k]) === null && range !== null) {
        a[k] = formatIsoInZone(k === 'start' ? range.startMs : range.endMs, tz);
      }
    }
    return { task: node.task, arguments: a };
  });
  return { task_steps: describeSteps(nodes), task_nodes: nodes, task_links: example.task_links.map((l) => ({ ...l })) };
}
