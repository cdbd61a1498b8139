import type { KeyObject } from 'node:crypto';
import { copyFile, rm } from 'node:fs/promises';
import { asHomeSightError, silentLogger, systemClock, type Clock, type Logger } from '../../system/index.js';
import { compatibilityProblems, readAdapterFileInfo } from './compat.js';
import type { AdapterDecision, AdoptionPolicy, DecisionStage, SetComparison } from './decision.js';
import type { AdapterEvaluator, EvalSample, EvalScore } from './evaluator.js';
import { parseManifest, type AdapterManifest } from './manifest.js';
import type { AdapterRuntime } from './runtime.js';
import type { AdapterStore } from './store.js';
import { verifyAdapterFile } from './verify.js';

/** A downloaded adapter: its manifest (parsed or raw JSON) and the GGUF file. */
export interface AdapterCandidate {
  manifest: AdapterManifest | unknown;
  file: string;
}

/** The device's local evaluation data. */
export interface EvalSets {
  /** Held-out household data: the candidate must beat the current adapter here by the margin. */
  heldout: readonly EvalSample[];
  /** Regression set: the candidate must not be worse than the current adapter here (beyond the tolerance). */
  regression: readonly EvalSample[];
}

export interface AdapterLifecycleOptions {
  store: AdapterStore;
  runtime: AdapterRuntime;
  evaluator: AdapterEvaluator;
  trustedKeys: readonly KeyObject[];
  policy: AdoptionPolicy;
  clock?: Clock;
  log?: Logger;
}

class Rejection extends Error {
  constructor(
    readonly stage: DecisionStage,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * download → verify (ed25519 signature by a trusted key, sha256 and size) → base-model compatibility →
 * load as a LoRA on a second context → evaluate candidate and current adapter on the held-out and
 * regression sets → adopt only if held-out improves by the margin and regression is not worse → hot-swap
 * (AdapterStore emits the change) → keep the last N for rollback.
 */
export class AdapterLifecycle {
  private readonly clock: Clock;
  private readonly log: Logger;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: AdapterLifecycleOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? silentLogger();
  }

  /** Runs one candidate through the lifecycle. Candidate problems give a 'reject' decision, not an exception. */
  consider(candidate: AdapterCandidate, sets: EvalSets, signal?: AbortSignal): Promise<AdapterDecision> {
    const run = this.busy.then(() => this.run(candidate, sets, signal));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async run(candidate: AdapterCandidate, sets: EvalSets, signal?: AbortSignal): Promise<AdapterDecision> {
    const { store, runtime, evaluator, policy } = this.o;
    const timings: Record<string, number> = {};
    const t0 = this.clock.monotonic();
    const lap = (name: string, since: number) => (timings[name] = Math.round(this.clock.monotonic() - since));
    const current = store.active();
    const rawId = (candidate.manifest as { id?: unknown } | null)?.id;
    let id = typeof rawId === 'string' ? rawId : '(unknown)';
    const base: Omit<AdapterDecision, 'kind' | 'stage' | 'reason'> = {
      id,
      at: new Date(this.clock.now()).toISOString(),
      current: current?.id ?? null,
      policy,
      timings_ms: timings,
    };
    let staged: string | null = null;
    let decision: AdapterDecision;
    try {
      // 1. manifest
      let manifest: AdapterManifest;
      try {
        manifest = parseManifest(candidate.manifest, `manifest of ${candidate.file}`);
      } catch (err) {
        throw new Rejection('manifest', 'E_ADAPTER_MANIFEST', (err as Error).message);
      }
      id = manifest.id;
      base.id = id;
      if (store.wasRolledBack(id)) {
        throw new Rejection('manifest', 'E_ADAPTER_ROLLED_BACK', `adapter ${id} was rolled back on this device; it is not adopted again`);
      }
      if (store.has(id)) {
        const kept = store.list().find((a) => a.id === id);
        if (kept?.manifest.sha256 === manifest.sha256)
          throw new Rejection('manifest', 'E_ADAPTER_DUPLICATE', `adapter ${id} is already kept on this device`);
        throw new Rejection('manifest', 'E_ADAPTER_DUPLICATE', `a different adapter with id ${id} is already kept; ids must be unique`);
      }
      // 2. verify the bytes that will be used: copy into staging first
      let t = this.clock.monotonic();
      staged = store.stagingPath(id);
      try {
        await copyFile(candidate.file, staged);
      } catch (err) {
        throw new Rejection('verify', 'E_ADAPTER_FILE', `cannot read ${candidate.file}: ${(err as Error).message}`);
      }
      try {
        base.signer = (await verifyAdapterFile(manifest, staged, this.o.trustedKeys)).signer;
      } catch (err) {
        const e = asHomeSightError(err);
        throw new Rejection('verify', e.code, e.message);
      }
      lap('verify', t);
      // 3. compatibility with this device's base model
      t = this.clock.monotonic();
      const baseInfo = await runtime.baseModel();
      let problems: string[];
      try {
        problems = compatibilityProblems(baseInfo, await readAdapterFileInfo(staged), manifest.base_model_sha256);
      } catch (err) {
        throw new Rejection('compatibility', asHomeSightError(err).code, (err as Error).message);
      }
      if (problems.length > 0) {
        throw new Rejection(
          'compatibility',
          'E_ADAPTER_WRONG_BASE',
          `adapter ${id} does not fit the base model: ${problems.slice(0, 5).join('; ')}` +
            `${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
        );
      }
      lap('compatibility', t);
      // 4./5. load on a second context and evaluate candidate vs current
      if (sets.heldout.length === 0)
        throw new Rejection(
          'evaluate',
          'E_ADAPTER_NO_EVAL_DATA',
          'no held-out samples to evaluate on; an adapter is never adopted unevaluated',
        );
      t = this.clock.monotonic();
      const evalOn = async (target: { id: string; file: string } | null) => {
        try {
          return await runtime.withTarget(target, async (tg) => ({
            heldout: await evaluator.evaluate(tg, sets.heldout, signal),
            regression: sets.regression.length > 0 ? await evaluator.evaluate(tg, sets.regression, signal) : null,
          }));
        } catch (err) {
          const e = asHomeSightError(err);
          if (target?.id === id && e.code === 'E_ADAPTER_LOAD') throw new Rejection('load', e.code, e.message);
          throw err;
        }
      };
      const cand = await evalOn({ id, file: staged });
      lap('evaluate_candidate', t);
      t = this.clock.monotonic();
      const cur = await evalOn(current === null ? null : { id: current.id, file: current.file });
      lap('evaluate_current', t);
      const cmp = (a: EvalScore, b: EvalScore): SetComparison => ({ candidate: a, current: b, delta: a.score - b.score });
      const heldout = cmp(cand.heldout, cur.heldout);
      const regression = cand.regression !== null && cur.regression !== null ? cmp(cand.regression, cur.regression) : null;
      const numbers = { metric: evaluator.metric, heldout, regression };
      const vs = current === null ? 'the base model' : `adapter ${current.id}`;
      const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
      if (!(heldout.delta >= policy.margin)) {
        decision = {
          ...base,
          ...numbers,
          kind: 'reject',
          stage: 'evaluate',
          code: 'E_ADAPTER_NOT_BETTER',
          reason:
            `held-out ${evaluator.metric} ${fmt(heldout.candidate.score)} vs ${fmt(heldout.current.score)} ` +
            `for ${vs}: gain ${fmt(heldout.delta)} < margin ${policy.margin}`,
        };
      } else if (regression !== null && !(regression.delta >= -policy.regressionTolerance)) {
        decision = {
          ...base,
          ...numbers,
          kind: 'reject',
          stage: 'evaluate',
          code: 'E_ADAPTER_REGRESSION',
          reason:
            `regression set ${evaluator.metric} ${fmt(regression.candidate.score)} is worse ` +
            `than ${fmt(regression.current.score)} for ${vs} (tolerance ${policy.regressionTolerance})`,
        };
      } else {
        // 6. adopt + hot-swap
        t = this.clock.monotonic();
        const metrics: Record<string, number> = { heldout_score: heldout.candidate.score, heldout_delta: heldout.delta };
        if (regression !== null)
          Object.assign(metrics, { regression_score: regression.candidate.score, regression_delta: regression.delta });
        await store.adopt(manifest, staged, metrics);
        staged = null;
        lap('adopt', t);
        decision = {
          ...base,
          ...numbers,
          kind: 'adopt',
          stage: 'adopt',
          reason:
            `held-out ${evaluator.metric} ${fmt(heldout.candidate.score)} vs ${fmt(heldout.current.score)} ` +
            `for ${vs} (+${fmt(heldout.delta)} >= margin ${policy.margin})` +
            (regression === null
              ? '; no regression set'
              : `; regression ${fmt(regression.candidate.score)} vs ${fmt(regression.current.score)}`),
        };
      }
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      decision = { ...base, kind: 'reject', stage: err.stage, code: err.code, reason: err.message };
    } finally {
      if (staged !== null) await rm(staged, { force: true });
      timings['total'] = Math.round(this.clock.monotonic() - t0);
    }
    await store.recordDecision(decision);
    const logFields = {
      id: decision.id,
      stage: decision.stage,
      code: decision.code,
      heldout_delta: decision.heldout?.delta,
      regression_delta: decision.regression?.delta,
    };
    if (decision.kind === 'adopt') this.log.info(logFields, `adapter adopted: ${decision.reason}`);
    else this.log.warn(logFields, `adapter rejected: ${decision.reason}`);
    return decision;
  }
}
