import type { Watch, WatchSpec, WatchSpecInput, WatchStatus } from '../contracts/index.js';
import type { GroundingContext } from '../grounding/index.js';

/** A standing order in words, as a created watch and its confirmation, or the reason it cannot be one. */
export type WatchRequestOutcome = { ok: true; watch: Watch; confirmation: string } | { ok: false; reason: string };

/** A standing order in words as the watch it would become (every default filled in), or the reason it cannot be one. */
export type WatchPreview = { ok: true; spec: WatchSpec; description: string; confirmation: string } | { ok: false; reason: string };

/**
 * The watches capability as callers see it (the agent's standing-order path, the MQTT watch/* routes, the MCP
 * watch_* tools, the CLI through MQTT). Implemented by the watches module; callers find it through
 * findWatchService(container).
 */
export interface WatchService {
  /** Validates the spec (watchSpecSchema), stores the watch and starts evaluating it. */
  create(spec: WatchSpecInput, origin?: { question?: string }): Watch;
  /**
   * A standing order in words ("tell me when Opa gets up"), grounded against the household the way the planners
   * ground questions, created as a watch; what a watch cannot express comes back as the reason.
   */
  fromRequest(question: string, grounding: GroundingContext, nowMs: number): WatchRequestOutcome;
  /** What fromRequest would create, checked the same way, without creating anything (agent/plan, execute: false). */
  preview(question: string, grounding: GroundingContext, nowMs: number): WatchPreview;
  /** Active watches (and, with `all`, finished ones too), newest first. */
  list(options?: { all?: boolean; status?: WatchStatus }): Watch[];
  /** One watch, or null. */
  get(id: string): Watch | null;
  /** Cancels an active watch; false when there is no active watch with that id. */
  cancel(id: string): boolean;
}
