import { HomeSightError, asHomeSightError, silentLogger, type Logger } from '../../system/index.js';
import { formatIssues, type PlanIssue, type PlanRequest, type PlanResult, type Planner, type TaskPlan } from '../catalog/index.js';
import { clarificationFor, clarificationPlan } from './clarify.js';
import { classifyRequest, refusalPlan, requestContextOf } from './refusal.js';
import { requestIssues } from './request-checks.js';

export type PlannerKind = 'local' | 'cloud' | 'retrieval';

/** One planner call in the reflection loop, for the trace. */
export interface PlanAttempt {
  planner: PlannerKind;
  /** 0 = first try, 1.. = repairs. */
  repair: number;
  ok: boolean;
  issues: string[];
  error?: { code: string; message: string };
  confidence: number | null;
  latencyMs: number;
}

export interface PlanningOutcome {
  result: PlanResult;
  planner: PlannerKind;
  attempts: PlanAttempt[];
  /** Said in the answer (e.g. "the cloud planner was unreachable; the local plan was used"). */
  notes: string[];
}

export interface PlanningOptions {
  primary: PlannerKind;
  local?: Planner;
  retrieval?: Planner;
  cloud?: Planner;
  maxRepairs: number;
  /** Mean token log-prob under which the cloud planner is asked (when configured). */
  minConfidence: number;
  /** Validation against the catalog and the household (allow-list, topics, cameras). */
  validate: (plan: TaskPlan) => PlanIssue[];
  log?: Logger;
}

/**
 * Reflection: plan → validate → feed the errors back → re-plan, at most
 * maxRepairs times per planner. The local plan goes to the cloud when it stays
 * invalid, when its confidence is low, or when the request asks; an
 * unreachable cloud leaves the local plan in place (and says so). When no
 * model is loaded or the local planner fails, the retrieval planner takes
 * over.
 */
/**
 * The answer to a request that is not planned, as a plan result, or null when
 * the request may be planned: the refusal of a request HomeSight declines
 * (classifyRequest), else the ask-back of an ambiguous one (clarificationFor).
 * Every planner's request goes through it first (the pipeline here; the bench
 * harness for planners it runs bare).
 */
export function refuseRequest(req: PlanRequest): PlanResult | null {
  const t0 = performance.now();
  const refusal = classifyRequest(req.question, requestContextOf(req));
  if (refusal === null) {
    const clarification = clarificationFor(req);
    if (clarification === null) return null;
    return {
      plan: clarificationPlan(req.question, clarification),
      planner: 'clarification',
      confidence: null,
      latencyMs: performance.now() - t0,
      clarification: { question: clarification.question, candidates: clarification.ambiguities.flatMap((a) => a.candidates) },
      notes: [`asked back: ${clarification.question}`],
    };
  }
  return {
    plan: refusalPlan(req.question, refusal),
    planner: 'refusal',
    confidence: null,
    latencyMs: performance.now() - t0,
    refusal,
    notes: [`declined (${refusal.category}): ${refusal.reason}`],
  };
}

export class PlanningPipeline {
  private readonly log: Logger;

  constructor(private readonly options: PlanningOptions) {
    this.log = options.log ?? silentLogger();
  }

  private planner(kind: PlannerKind): Planner | undefined {
    return kind === 'local' ? this.options.local : kind === 'cloud' ? this.options.cloud : this.options.retrieval;
  }

  /** One planner with up to maxRepairs repairs. Returns the last result and whether it is valid. */
  private async withRepairs(
    kind: PlannerKind,
    req: PlanRequest,
    attempts: PlanAttempt[],
    signal?: AbortSignal,
  ): Promise<{ result: PlanResult | null; valid: boolean; error: HomeSightError | null }> {
    const p = this.planner(kind);
    if (p === undefined)
      return { result: null, valid: false, error: new HomeSightError('E_PLANNER_NONE', `no ${kind} planner is configured`) };
    let current = req;
    let last: PlanResult | null = null;
    const repairs = kind === 'retrieval' ? 0 : this.options.maxRepairs;
    for (let r = 0; r <= repairs; r++) {
      signal?.throwIfAborted();
      const t0 = performance.now();
      let result: PlanResult;
      try {
        result = await p.plan(current, signal);
      } catch (err) {
        const e = asHomeSightError(err, 'E_PLANNER');
        attempts.push({
          planner: kind,
          repair: r,
          ok: false,
          issues: [],
          error: { code: e.code, message: e.message },
          confidence: null,
          latencyMs: performance.now() - t0,
        });
        if (signal?.aborted === true || e.code === 'E_CANCELLED') throw e;
        // Load/transport errors do not get better by repairing.
        if (/^E_(MODEL|CLOUD|PLANNER_TIMEOUT|PLANNER_NONE|RETRIEVAL)/.test(e.code)) return { result: last, valid: false, error: e };
        if (r === repairs) return { result: last, valid: false, error: e };
        continue;
      }
      last = result;
      const issues = [...this.options.validate(result.plan), ...requestIssues(result.plan, req)];
      attempts.push({
        planner: kind,
        repair: r,
        ok: issues.length === 0,
        issues: formatIssues(issues),
        confidence: result.confidence,
        latencyMs: result.latencyMs,
      });
      if (issues.length === 0) return { result, valid: true, error: null };
      this.log.debug({ planner: kind, repair: r, issues: issues.length }, 'plan invalid; repairing');
      current = { ...req, repairHints: formatIssues(issues), previousPlan: result.plan };
    }
    return { result: last, valid: false, error: null };
  }

  async plan(req: PlanRequest, options: { prefer?: PlannerKind; signal?: AbortSignal } = {}): Promise<PlanningOutcome> {
    const attempts: PlanAttempt[] = [];
    const notes: string[] = [];
    const signal = options.signal;
    const first = options.prefer ?? this.options.primary;
    const cloudConfigured = this.options.cloud !== undefined;

    const done = (kind: PlannerKind, result: PlanResult): PlanningOutcome => {
      const n = [...notes];
      return { result, planner: kind, attempts, notes: n };
    };

    // Declined before any planner runs: the plan is the refusal, so no data tool runs.
    const refused = refuseRequest(req);
    if (refused !== null) {
      notes.push(
        refused.refusal !== undefined ? `declined before planning (${refused.refusal.category})` : 'asked back before planning (ambiguous)',
      );
      return done(first, refused);
    }

    if (first === 'cloud') {
      const c = await this.withRepairs('cloud', req, attempts, signal);
      if (c.valid && c.result !== null) return done('cloud', c.result);
      notes.push(
        c.error?.code === 'E_CLOUD_UNREACHABLE'
          ? 'the cloud planner was unreachable; a local plan was used'
          : `the cloud planner gave no valid plan${c.error !== null ? ` (${c.error.message})` : ''}`,
      );
      return this.localThenRetrieval(req, attempts, notes, signal, done, false);
    }
    if (first === 'retrieval') {
      const r = await this.withRepairs('retrieval', req, attempts, signal);
      if (r.valid && r.result !== null) return done('retrieval', r.result);
      if (cloudConfigured) {
        const c = await this.withRepairs('cloud', req, attempts, signal);
        if (c.valid && c.result !== null) return done('cloud', c.result);
      }
      throw this.noPlan(req, attempts);
    }
    return this.localThenRetrieval(req, attempts, notes, signal, done, cloudConfigured);
  }

  private async localThenRetrieval(
    req: PlanRequest,
    attempts: PlanAttempt[],
    notes: string[],
    signal: AbortSignal | undefined,
    done: (kind: PlannerKind, result: PlanResult) => PlanningOutcome,
    escalate: boolean,
  ): Promise<PlanningOutcome> {
    const l = this.options.local === undefined ? null : await this.withRepairs('local', req, attempts, signal);
    if (l !== null && l.valid && l.result !== null) {
      const conf = l.result.confidence;
      if (escalate && conf !== null && conf < this.options.minConfidence) {
        const c = await this.withRepairs('cloud', req, attempts, signal);
        if (c.valid && c.result !== null) {
          notes.push(`the local plan had low confidence (${conf.toFixed(2)}); the cloud planner's plan was used`);
          return done('cloud', c.result);
        }
        notes.push(
          c.error?.code === 'E_CLOUD_UNREACHABLE'
            ? `the local plan had low confidence (${conf.toFixed(2)}) and the cloud planner was unreachable; the local plan was used`
            : `the local plan had low confidence (${conf.toFixed(2)}); the cloud planner gave no valid plan, so the local plan was used`,
        );
      }
      return done('local', l.result);
    }
    if (l === null) notes.push('no local planner model is configured; the retrieval planner answered');
    else if (l.error !== null && /^E_MODEL/.test(l.error.code))
      notes.push(`the local planner is unavailable (${l.error.message}); the retrieval planner answered`);
    if (escalate && l !== null && l.error === null) {
      const c = await this.withRepairs('cloud', req, attempts, signal);
      if (c.valid && c.result !== null) {
        notes.push(`the local plan stayed invalid after ${this.options.maxRepairs} repairs; the cloud planner's plan was used`);
        return done('cloud', c.result);
      }
      if (c.error?.code === 'E_CLOUD_UNREACHABLE') notes.push('the cloud planner was unreachable');
    }
    if (l !== null && l.error === null)
      notes.push(`the local plan stayed invalid after ${this.options.maxRepairs} repairs; the retrieval planner answered`);
    else if (l !== null && l.error !== null && !/^E_MODEL/.test(l.error.code))
      notes.push(`the local planner failed (${l.error.message}); the retrieval planner answered`);
    const r = await this.withRepairs('retrieval', req, attempts, signal);
    if (r.valid && r.result !== null) return done('retrieval', r.result);
    throw this.noPlan(req, attempts);
  }

  private noPlan(req: PlanRequest, attempts: PlanAttempt[]): HomeSightError {
    return new HomeSightError('E_NO_PLAN', `no planner produced a valid plan for "${req.question.slice(0, 80)}"`, {
      context: { attempts },
      hint: 'see the attempts; rephrase the question or configure another planner',
    });
  }
}
