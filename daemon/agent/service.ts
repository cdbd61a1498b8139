import { z } from 'zod';
import type { HomeSightConfig } from '../config/index.js';
import { HomeSightError, asHomeSightError, formatIsoInZone, silentLogger, systemClock, type Clock, type Logger } from '../system/index.js';
import {
  composeAnswer,
  type AgentDeps,
  type HouseholdInfo,
  type LongTermRecord,
  PlanExecutor,
  type ExecutionResult,
  type TraceEntry,
} from './execution/index.js';
import {
  taskPlanSchema,
  validatePlan,
  type PlanIssue,
  type PlanRequest,
  type PlanResult,
  type Planner,
  type TaskPlan,
} from './catalog/index.js';
import {
  PlanningPipeline,
  type PlanAttempt,
  type PlannerKind,
  SEED_EXAMPLES,
  exampleVocabulary,
  extractSlots,
  shapeSimilarity,
  shapeWords,
  resolveTimePhrase,
  type ResolvedRange,
  refusalNote,
  classifyRequest,
  requestContextOf,
  groundingContextFor,
  isStandingOrder,
  learnedRoutines,
  ROUTINE_QUERY,
} from './planning/index.js';
import type { RouteRequest } from '../mqtt/index.js';
import type { WatchSpec } from '../contracts/index.js';

/** Per-question options, as agent/ask declares them in the MQTT API. */
export type AskOptions = NonNullable<RouteRequest<'agent/ask'>['options']>;

export interface AskRequest {
  question: string;
  conversationId?: string;
  /** Household id (one device serves one household; a different id is refused). */
  household?: string;
  options?: AskOptions;
  /**
   * Replay: plan (and run) as if asked at this instant (epoch ms) instead of the clock's now, so a time
   * question or a follow-up can be replayed in tests and benchmarks.
   */
  now?: number;
}

export interface EvidenceEntry {
  event: { id: string | null; camera: string; start: string; end: string | null; identity: string | null; activity: string | null } | null;
  snapshot: string | null;
  clip: string | null;
}

export type AskProgress =
  | { stage: 'planning' }
  | { stage: 'planned'; planner: PlannerKind; nodes: number; ms: number }
  | { stage: 'node'; node: number; task: string; status: string; ms?: number }
  | { stage: 'replanning'; reason: string }
  | { stage: 'answered'; ms: number };

export interface AskResult {
  answer: string;
  plan: TaskPlan;
  evidence: EvidenceEntry[];
  timings: { plan_ms: number; execute_ms: number; total_ms: number; first_token_ms?: number };
  planner: PlannerKind;
  trace: { planning: PlanAttempt[]; nodes: TraceEntry[]; dropped: string[]; notes: string[]; confidence: number | null };
  /** Things the person should know (cloud unreachable, fallbacks, failed steps). */
  notes: string[];
  conversation_id: string | null;
  executed: boolean;
  /** A standing order: the watch it created (ask) or would create (plan only: created false, id null). */
  watch?: { created: boolean; id: string | null; spec: WatchSpec; description: string; confirmation: string };
}

/** The agent section as zod parsed it. */
export type AgentConfig = HomeSightConfig['agent'];

export interface AgentServiceOptions {
  agent: AgentConfig;
  /** household.id: a request naming another household is refused. */
  householdId: string;
  household: HouseholdInfo;
  deps: AgentDeps;
  planners: { local?: Planner; retrieval?: Planner; cloud?: Planner };
  clock?: Clock;
  log?: Logger;
  executor?: PlanExecutor;
}

const storedPlanSchema = z.object({ question: z.string(), plan: taskPlanSchema });

/** The household as planners get it in a PlanRequest (the agent's requests, the adapter lifecycle's evaluation). */
export function requestHousehold(household: HouseholdInfo): PlanRequest['household'] {
  const h: PlanRequest['household'] = {
    people: household.people,
    rooms: household.rooms,
    cameras: Object.keys(household.cameras),
  };
  if (household.routines !== undefined) h.routines = household.routines;
  // the rooms the cameras watch: grounding maps "the kitchen" to its camera
  h.cameraRooms = household.cameras;
  return h;
}

/**
 * The agent: question → (few-shots from memory, conversation history) →
 * plan with reflection → DAG execution → answer with evidence → memory.
 */
export class AgentService {
  private agent: AgentConfig;
  private readonly householdId: string;
  private household: HouseholdInfo;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly executor: PlanExecutor;

  constructor(private readonly options: AgentServiceOptions) {
    this.agent = options.agent;
    this.householdId = options.householdId;
    this.household = options.household;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger();
    this.executor =
      options.executor ?? new PlanExecutor({ nodeTimeoutMs: options.agent.node_timeout_ms, clock: this.clock, log: this.log });
  }

  /** Applies a reloaded agent section (and household) live (SIGHUP). */
  update(agent: AgentConfig, household?: HouseholdInfo): void {
    this.agent = agent;
    if (household !== undefined) this.household = household;
  }

  get deps(): AgentDeps {
    return this.options.deps;
  }

  /** Validates a plan against the catalog and this household. */
  validate(plan: unknown): PlanIssue[] {
    return validatePlan(plan, {
      allowTools: this.agent.allow_tools,
      hubTopics: this.agent.hub_topics,
      cameras: Object.keys(this.household.cameras),
      // names and nicknames: the tools read both (canonicalPerson); anything else names nobody of this household
      people: this.household.people.flatMap((p) => [p.name, ...p.aliases]),
      rooms: this.household.rooms,
    });
  }

  private pipeline(): PlanningPipeline {
    const o: ConstructorParameters<typeof PlanningPipeline>[0] = {
      primary: this.agent.planner,
      maxRepairs: this.agent.max_repairs,
      minConfidence: this.agent.cloud.min_confidence,
      validate: (p) => this.validate(p),
      log: this.log,
    };
    if (this.options.planners.local !== undefined) o.local = this.options.planners.local;
    if (this.options.planners.retrieval !== undefined) o.retrieval = this.options.planners.retrieval;
    if (this.options.planners.cloud !== undefined) o.cloud = this.options.planners.cloud;
    return new PlanningPipeline(o);
  }

  /** Few-shots: the household's corrections and accepted plans first, then the built-in seeds, most similar first. */
  async examples(question: string, now: number): Promise<Array<{ question: string; plan: TaskPlan }>> {
    const k = Math.max(this.agent.llm.few_shots, 1);
    const reqView = {
      household: this.requestHousehold(),
      now: formatIsoInZone(now, this.household.timezone),
      timezone: this.household.timezone,
    };
    const words = shapeWords(extractSlots(question, reqView).masked);
    const out: Array<{ question: string; plan: TaskPlan; score: number }> = [];
    const lt = this.options.deps.longTerm;
    if (lt !== undefined) {
      let hits: LongTermRecord[] = [];
      try {
        hits = await lt.search(question, { kinds: ['correction', 'plan', 'pseudo_label'], k: k * 3 });
      } catch (err) {
        this.log.warn({ err: asHomeSightError(err).toJSON() }, 'few-shot search failed');
      }
      for (const h of hits) {
        const p = storedPlanSchema.safeParse(h.payload);
        if (!p.success || this.validate(p.data.plan).length > 0) continue;
        const s =
          shapeSimilarity(words, shapeWords(extractSlots(p.data.question, reqView).masked)) + (h.kind === 'correction' ? 0.1 : 0.05);
        out.push({ question: p.data.question, plan: p.data.plan, score: s });
      }
    }
    const seedView = { ...reqView, household: exampleVocabulary(reqView.household) };
    for (const e of SEED_EXAMPLES) {
      if (this.validate(e.plan).filter((i) => i.code !== 'E_ARG_VALUE').length > 0) continue; // e.g. publish_to_hub when not allowed
      out.push({
        question: e.question,
        plan: e.plan,
        score: shapeSimilarity(words, shapeWords(extractSlots(e.question, seedView).masked)),
      });
    }
    const seen = new Set<string>();
    return out
      .sort((a, b) => b.score - a.score)
      .filter((e) => (seen.has(e.question.toLowerCase()) ? false : (seen.add(e.question.toLowerCase()), true)))
      .slice(0, Math.max(k, 6))
      .map(({ question: q, plan }) => ({ question: q, plan }));
  }

  private requestHousehold(): PlanRequest['household'] {
    return requestHousehold(this.household);
  }

  /** The previous turn's time range, re-resolved from its plan at the time it was asked. */
  private previousRange(
    history: Array<{ plan?: unknown; at: number }>,
    routines: PlanRequest['household']['routines'],
  ): ResolvedRange | undefined {
    for (const turn of [...history].reverse()) {
      const p = taskPlanSchema.safeParse(turn.plan);
      if (!p.success) continue;
      const rt = p.data.task_nodes.find((n) => n.task === 'resolve_time');
      const phrase = rt !== undefined && !Array.isArray(rt.arguments) ? rt.arguments.phrase : undefined;
      if (typeof phrase !== 'string') continue;
      try {
        return resolveTimePhrase(phrase, turn.at, this.household.timezone, routines === undefined ? {} : { routines });
      } catch {
        continue;
      }
    }
    return undefined;
  }

  /**
   * The household with the routines it told the agent (habit statements in long-term memory) after the config's
   * own, so "after dinner" resolves from either in the request checks, grounding and resolve_time alike.
   */
  private async householdWithLearnedRoutines(): Promise<HouseholdInfo> {
    const lt = this.options.deps.longTerm;
    if (lt === undefined) return this.household;
    let facts: LongTermRecord[] = [];
    try {
      facts = await lt.search(ROUTINE_QUERY, { kinds: ['fact'], k: 50 });
    } catch (err) {
      this.log.warn({ err: asHomeSightError(err).toJSON() }, 'routine facts unavailable');
    }
    const told = facts.flatMap((f) => (f.created === undefined ? [] : [{ text: f.text, created: f.created }]));
    const config = this.household.routines ?? [];
    const learned = learnedRoutines(told, this.household.timezone, config);
    return learned.length === 0 ? this.household : { ...this.household, routines: [...config, ...learned] };
  }

  async buildRequest(
    req: AskRequest,
    now: number,
  ): Promise<{
    request: PlanRequest;
    /** The household the plan runs against: the config's and the learned routines. */
    household: HouseholdInfo;
    previous?: ResolvedRange;
    history: Array<{ question: string; answer: string; plan?: unknown; at: number }>;
  }> {
    let history: Array<{ question: string; answer: string; plan?: unknown; at: number }> = [];
    if (req.conversationId !== undefined && this.options.deps.conversations !== undefined) {
      try {
        history = await this.options.deps.conversations.recent(req.conversationId, 5);
      } catch (err) {
        this.log.warn({ err: asHomeSightError(err).toJSON() }, 'conversation history unavailable');
      }
    }
    const household = await this.householdWithLearnedRoutines();
    const request: PlanRequest = {
      question: req.question,
      now: formatIsoInZone(now, this.household.timezone),
      timezone: this.household.timezone,
      household: requestHousehold(household),
      examples: await this.examples(req.question, now),
      history: history.map((h) => {
        const p = taskPlanSchema.safeParse(h.plan);
        return p.success ? { question: h.question, answer: h.answer, plan: p.data } : { question: h.question, answer: h.answer };
      }),
      allowTools: this.agent.allow_tools,
      hubTopics: this.agent.hub_topics,
    };
    if (req.conversationId !== undefined) request.conversationId = req.conversationId;
    const previous = this.previousRange(history, request.household.routines);
    return previous === undefined ? { request, household, history } : { request, household, previous, history };
  }

  private checkHousehold(req: AskRequest): void {
    if (req.household !== undefined && req.household !== this.householdId) {
      throw new HomeSightError('E_HOUSEHOLD', `this device serves household "${this.householdId}", not "${req.household}"`, {
        context: { household: req.household },
        hint: 'send the question to the device of that household, or leave "household" out',
      });
    }
  }

  /** Plans without executing. */
  async plan(
    req: AskRequest,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ plan: TaskPlan; planner: PlannerKind; result: PlanResult; attempts: PlanAttempt[]; notes: string[] }> {
    this.checkHousehold(req);
    const now = req.now ?? this.clock.now();
    const { request } = await this.buildRequest(req, now);
    const planOpts: { prefer?: PlannerKind; signal?: AbortSignal } = {};
    if (req.options?.planner !== undefined) planOpts.prefer = req.options.planner;
    if (opts.signal !== undefined) planOpts.signal = opts.signal;
    const out = await this.pipeline().plan(request, planOpts);
    return { plan: out.result.plan, planner: out.planner, result: out.result, attempts: out.attempts, notes: out.notes };
  }

  /** `onPlanRequest` sees the request the planners get (learning uploads its household context with hard examples). */
  async ask(
    req: AskRequest,
    opts: { signal?: AbortSignal; onProgress?: (p: AskProgress) => void; onPlanRequest?: (request: PlanRequest) => void } = {},
  ): Promise<AskResult> {
    this.checkHousehold(req);
    const signal = opts.signal;
    const progress = (p: AskProgress): void => {
      try {
        opts.onProgress?.(p);
      } catch {
        // a progress sink must not break the answer
      }
    };
    const t0 = this.clock.monotonic();
    const now = req.now ?? this.clock.now();
    const { request, household, previous } = await this.buildRequest(req, now);
    opts.onPlanRequest?.(request);
    const planOpts: { prefer?: PlannerKind; signal?: AbortSignal } = {};
    if (req.options?.planner !== undefined) planOpts.prefer = req.options.planner;
    if (signal !== undefined) planOpts.signal = signal;
    progress({ stage: 'planning' });
    // A standing order becomes a watch (daemon/watches), not a plan over stored events; plan only previews it.
    const watched = this.standingOrder(req, request, now, req.options?.execute !== false);
    if (watched !== null) {
      progress({ stage: 'answered', ms: Math.round(this.clock.monotonic() - t0) });
      await this.remember(req, watched, null);
      return watched;
    }
    const pipeline = this.pipeline();
    let planned = await pipeline.plan(request, planOpts);
    let planMs = this.clock.monotonic() - t0;
    progress({ stage: 'planned', planner: planned.planner, nodes: planned.result.plan.task_nodes.length, ms: Math.round(planMs) });
    const notes = [...planned.notes];
    const execute = req.options?.execute !== false;
    let exec: ExecutionResult | null = null;
    let execMs = 0;
    if (execute) {
      const run = async (plan: TaskPlan): Promise<ExecutionResult> => {
        const ctx: Parameters<PlanExecutor['execute']>[1] = {
          deps: this.options.deps,
          household,
          now,
          question: req.question,
          allowTools: this.agent.allow_tools,
          hubTopics: this.agent.hub_topics,
          onNode: (e) =>
            progress({ stage: 'node', node: e.node, task: e.task, status: e.status, ...(e.ms !== undefined ? { ms: e.ms } : {}) }),
        };
        if (previous !== undefined) ctx.previousRange = previous;
        if (signal !== undefined) ctx.signal = signal;
        return this.executor.execute(plan, ctx);
      };
      const e0 = this.clock.monotonic();
      exec = await run(planned.result.plan);
      // Execution errors are fed back once.
      const failures = exec.errors.filter((e) => e.code !== 'E_CANCELLED');
      if (failures.length > 0 && !exec.cancelled && signal?.aborted !== true) {
        const hints = failures.map((f) => `node ${f.node} (${f.task}) failed: ${f.message}`);
        progress({ stage: 'replanning', reason: hints.join('; ').slice(0, 300) });
        try {
          const p0 = this.clock.monotonic();
          const again = await pipeline.plan({ ...request, repairHints: hints, previousPlan: planned.result.plan }, planOpts);
          planMs += this.clock.monotonic() - p0;
          if (JSON.stringify(again.result.plan) !== JSON.stringify(planned.result.plan)) {
            const second = await run(again.result.plan);
            if (second.errors.length < exec.errors.length) {
              notes.push(`the first plan failed (${hints[0]}); a repaired plan was used`);
              planned = { ...again, attempts: [...planned.attempts, ...again.attempts] };
              exec = second;
            }
          }
        } catch (err) {
          this.log.debug({ err: asHomeSightError(err).toJSON() }, 're-planning after execution errors failed');
        }
        for (const f of exec.errors) notes.push(`step ${f.node} (${f.task}) failed: ${f.message}`);
      }
      execMs = this.clock.monotonic() - e0;
      if (exec.cancelled || signal?.aborted === true) throw new HomeSightError('E_CANCELLED', 'the question was cancelled');
    }
    const plan = planned.result.plan;
    let answer: string;
    if (exec === null) answer = 'Plan only (not executed).';
    else {
      const last = [...plan.task_nodes.keys()]
        .reverse()
        .find((i) => plan.task_nodes[i]!.task === 'compose_answer' && exec!.outputs[i] !== undefined);
      if (last !== undefined) answer = (exec.outputs[last] as { answer: string }).answer;
      else {
        answer = composeAnswer(
          req.question,
          plan.task_nodes.map((n, i) => {
            const err = exec!.errors.find((e) => e.node === i);
            return err !== undefined
              ? { kind: exec!.kinds[i] ?? 'unknown', task: n.task, output: null, error: err.message }
              : { kind: exec!.kinds[i] ?? 'unknown', task: n.task, output: exec!.outputs[i] };
          }),
          now,
          this.household.timezone,
        );
      }
    }
    // A request declined before planning: its reason is the answer (the refusal plan ran no tool).
    if (planned.result.refusal !== undefined) answer = planned.result.refusal.reason;
    // An ambiguous request: the answer is the question back (the plan ran no tool).
    if (planned.result.clarification !== undefined) answer = planned.result.clarification.question;
    const planNotes = notes.filter((n) => /cloud|local plan|retrieval planner|unavailable/.test(n));
    if (planNotes.length > 0) answer = `${answer} (Note: ${planNotes.join('; ')}.)`;
    const refusal = refusalNote(req.question, this.agent.allow_tools);
    if (refusal !== null) {
      notes.push(refusal);
      answer = `${answer} ${refusal}`;
    }
    const evidence = exec === null ? [] : collectEvidence(exec, req.options?.max_evidence ?? 10);
    const totalMs = this.clock.monotonic() - t0;
    const result: AskResult = {
      answer,
      plan,
      evidence,
      timings: { plan_ms: Math.round(planMs), execute_ms: Math.round(execMs), total_ms: Math.round(totalMs) },
      planner: planned.planner,
      trace: {
        planning: planned.attempts,
        nodes: exec?.trace ?? [],
        dropped: planned.result.dropped ?? [],
        notes: [...(planned.result.notes ?? []), ...notes],
        confidence: planned.result.confidence,
      },
      notes,
      conversation_id: req.conversationId ?? null,
      executed: exec !== null,
    };
    if (planned.result.firstTokenMs !== undefined) result.timings.first_token_ms = Math.round(planned.result.firstTokenMs);
    progress({ stage: 'answered', ms: Math.round(totalMs) });
    await this.remember(req, result, exec, req.now);
    return result;
  }

  /**
   * A standing order ("tell me when Opa gets up") as a watch: created by the watches module and confirmed in
   * words, or declined with the reason a watch cannot express it. A dedicated path beside the refusal classifier,
   * not a catalog tool: the watch parser is deterministic, so no planner model has to learn (or may invent) this
   * side effect, and the planner grammar and prompt stay as they are. Requests to act, to send data out or with
   * instructions in them are declined by the classifier first, as before.
   */
  private standingOrder(req: AskRequest, request: PlanRequest, now: number, execute: boolean): AskResult | null {
    const watches = this.options.deps.watches;
    if (watches === undefined || !isStandingOrder(req.question)) return null;
    const declined = classifyRequest(req.question, requestContextOf(request));
    if (declined !== null && declined.category !== 'not_supported') return null;
    const t0 = this.clock.monotonic();
    const grounding = groundingContextFor(request);
    // Plan only: the watch it would create (parsed and checked the same way), nothing created.
    const preview = execute ? null : watches.preview(req.question, grounding, now);
    const out = preview === null ? watches.fromRequest(req.question, grounding, now) : null;
    const ms = Math.round(this.clock.monotonic() - t0);
    const tz = this.household.timezone;
    const made =
      out?.ok === true
        ? { created: true, id: out.watch.id, spec: out.watch.spec, description: out.watch.description, confirmation: out.confirmation }
        : preview?.ok === true
          ? { created: false, id: null, spec: preview.spec, description: preview.description, confirmation: preview.confirmation }
          : null;
    const reason = out?.ok === false ? out.reason : preview?.ok === false ? preview.reason : '';
    const until = made === null ? '' : ` until ${formatIsoInZone(made.spec.expires_at ?? now, tz)}`;
    const note =
      made === null
        ? `declined (not_supported): ${reason}`
        : made.created
          ? `created watch ${made.id}${until}`
          : `would create a watch${until} (plan only)`;
    const result: AskResult = {
      answer:
        made === null
          ? `I cannot keep that watch: ${reason}`
          : made.created
            ? made.confirmation
            : `Plan only (not created): ${made.confirmation}`,
      plan: {
        task_steps: [
          made === null
            ? `Step 1: Decline (not_supported): ${reason}`
            : `Step 1: Create standing watch${made.id === null ? '' : ` ${made.id}`}: ${made.description}`,
          'Step 2: Confirm it in words',
        ],
        task_nodes: [{ task: 'compose_answer', arguments: { question: req.question.slice(0, 280), inputs: [] } }],
        task_links: [],
      },
      evidence: [],
      timings: { plan_ms: ms, execute_ms: 0, total_ms: ms },
      planner: this.agent.planner,
      trace: { planning: [], nodes: [], dropped: [], notes: [note], confidence: null },
      notes: [note],
      conversation_id: req.conversationId ?? null,
      executed: made?.created === true,
    };
    if (made !== null) result.watch = made;
    return result;
  }

  /** Short-term turn + long-term accepted plan (when it ran cleanly). Memory failures never fail the answer. */
  private async remember(req: AskRequest, result: AskResult, exec: ExecutionResult | null, replayedAt?: number): Promise<void> {
    const { conversations, longTerm } = this.options.deps;
    try {
      if (req.conversationId !== undefined && conversations !== undefined) {
        await conversations.append(req.conversationId, {
          question: req.question,
          answer: result.answer,
          plan: result.plan,
          // a replayed turn is kept at its replay time, so a follow-up's "after that" resolves where it was asked
          at: replayedAt ?? this.clock.now(),
        });
      }
      // Accepted plans: ran cleanly and came from a model (a retrieval plan is a re-fill of one already stored).
      // A refusal (the answer alone) is no plan to learn from.
      if (
        exec !== null &&
        exec.errors.length === 0 &&
        result.planner !== 'retrieval' &&
        result.plan.task_nodes.some((n) => n.task !== 'compose_answer') &&
        longTerm !== undefined
      ) {
        const hits = await longTerm.search(req.question, { kinds: ['plan'], k: 1 });
        const same = hits[0] !== undefined && hits[0].text.trim().toLowerCase() === req.question.trim().toLowerCase();
        if (!same)
          await longTerm.add({
            kind: 'plan',
            text: req.question,
            // the confidence tells the adapter gate's anchors (confident plans) from hard examples
            payload: { question: req.question, plan: result.plan, planner: result.planner, confidence: result.trace.confidence },
          });
      }
    } catch (err) {
      this.log.warn({ err: asHomeSightError(err).toJSON() }, 'could not store the turn in memory');
    }
  }

  /** A person's correction: the right plan for a question. Retrieved before accepted plans next time. */
  async correct(question: string, plan: unknown, note?: string): Promise<{ stored: boolean; issues: PlanIssue[] }> {
    const issues = this.validate(plan);
    if (issues.length > 0) return { stored: false, issues };
    const lt = this.options.deps.longTerm;
    if (lt === undefined)
      throw new HomeSightError('E_TOOL_UNAVAILABLE', 'long-term memory is not available', { hint: 'enable the memory module' });
    await lt.add({ kind: 'correction', text: question, payload: { question, plan: taskPlanSchema.parse(plan), note: note ?? null } });
    return { stored: true, issues: [] };
  }
}

/** Evidence from the run: events (with snapshot/clip where known) and evidence items. */
export function collectEvidence(exec: ExecutionResult, max: number): EvidenceEntry[] {
  const out: EvidenceEntry[] = [];
  const byId = new Map<string, EvidenceEntry>();
  const add = (e: EvidenceEntry): void => {
    const id = e.event?.id ?? null;
    if (id !== null) {
      const prev = byId.get(id);
      if (prev !== undefined) {
        prev.snapshot ??= e.snapshot;
        prev.clip ??= e.clip;
        return;
      }
      byId.set(id, e);
    }
    out.push(e);
  };
  type Obj = Record<string, unknown>;
  const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
  const s = (x: unknown): string | null => (typeof x === 'string' ? x : null);
  exec.outputs.forEach((o, i) => {
    if (!isObj(o)) return;
    const kind = exec.kinds[i];
    if (kind === 'evidence' && Array.isArray(o.items)) {
      for (const it of o.items) {
        if (!isObj(it)) continue;
        add({
          event: {
            id: s(it.event_id),
            camera: String(it.camera),
            start: String(it.ts),
            end: null,
            identity: s(it.identity),
            activity: s(it.activity),
          },
          snapshot: s(it.snapshot),
          clip: s(it.clip),
        });
      }
    }
  });
  exec.outputs.forEach((o, i) => {
    if (!isObj(o)) return;
    const kind = exec.kinds[i];
    if (kind === 'events' && Array.isArray(o.events)) {
      for (const e of o.events) {
        if (!isObj(e)) continue;
        add({
          event: {
            id: s(e.id),
            camera: String(e.camera),
            start: String(e.start),
            end: s(e.end),
            identity: s(e.identity),
            activity: s(e.activity),
          },
          snapshot: s(e.snapshot),
          clip: s(e.clip),
        });
      }
    } else if (kind === 'sighting' && isObj(o.seen)) {
      const e = o.seen;
      add({
        event: {
          id: s(e.event_id),
          camera: String(e.camera),
          start: String(e.ts),
          end: s(e.end),
          identity: s(o.person),
          activity: s(e.activity),
        },
        snapshot: s(e.snapshot),
        clip: null,
      });
    }
  });
  return out.slice(0, max);
}
