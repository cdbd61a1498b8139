import type { EvalScore } from './evaluator.js';

/**
 * The record of an adopt-or-reject decision. The lifecycle makes it and the store keeps it (decisions.jsonl); it
 * sits apart from both so that neither imports the other's file for it.
 */

export interface AdoptionPolicy {
  /** Held-out score gain over the current adapter required to adopt (score units; NLL: nats/token). */
  margin: number;
  /** How much worse than the current adapter the regression score may be (0 = never worse). */
  regressionTolerance: number;
}

export type DecisionStage = 'manifest' | 'verify' | 'compatibility' | 'load' | 'evaluate' | 'adopt';

export interface SetComparison {
  candidate: EvalScore;
  current: EvalScore;
  /** candidate.score − current.score (positive = candidate better). */
  delta: number;
}

/** What happened to a candidate, with the numbers; written to decisions.jsonl and returned. */
export interface AdapterDecision {
  kind: 'adopt' | 'reject';
  id: string;
  at: string;
  stage: DecisionStage;
  /** Error code for a rejection before evaluation (E_ADAPTER_SIGNATURE, E_ADAPTER_SHA256, E_ADAPTER_WRONG_BASE, …). */
  code?: string;
  reason: string;
  /** Adapter active when the decision was made (null = bare base model). */
  current: string | null;
  signer?: string;
  metric?: string;
  heldout?: SetComparison;
  regression?: SetComparison | null;
  policy: AdoptionPolicy;
  timings_ms: Record<string, number>;
}
