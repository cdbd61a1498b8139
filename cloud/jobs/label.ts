import { sampleContextSchema } from '../../daemon/contracts/index.js';
import type { Logger } from '../../daemon/system/index.js';
import type { Job, JobEffects, LabelOutcome, TeacherStore } from '../store/index.js';
import type { TeacherPlanner } from '../teacher.js';
import { planIssues } from '../teacher-vote.js';
import type { JobContext, JobHandler } from './runner.js';

export interface TrainingPolicy {
  /** Enqueue a household's training job once it has this many labels more than its newest adapter was trained on. */
  minNewLabels: number;
}

export interface LabelPolicy {
  /** teacher.min_confidence: a teacher plan with a smaller share of its k draws is not kept as a pseudo-label. */
  minConfidence: number;
}

/**
 * Labels a household's pending samples with the teacher. The teacher answers a voted plan with its confidence,
 * validated with the agent's validatePlan (the same code as the edge) and grounded in the household context the
 * device sent; only a plan with confidence ≥ minConfidence becomes a pseudo-label, any other sample is recorded as
 * unlabelled with the reason. A user's corrected plan, when valid, wins over the teacher's (confidence 1). Every
 * outcome is stored per sample (idempotent), so a label job retried after a crash redoes only the samples it had not
 * finished.
 */
export class Labeler {
  constructor(
    private readonly store: TeacherStore,
    private readonly teacher: TeacherPlanner,
    private readonly policy: LabelPolicy = { minConfidence: 0.6 },
  ) {}

  /** Labels everything pending for the household; resolves with how many labels were kept. A teacher error ends
   * the pass (the job fails and is retried with backoff). */
  async labelHousehold(household: string, log: Logger, signal?: AbortSignal): Promise<number> {
    let kept = 0;
    for (;;) {
      const batch = await this.store.unlabeled(household, 50);
      if (batch.length === 0) return kept;
      for (const s of batch) {
        signal?.throwIfAborted();
        const outcome = await this.labelOne(household, s.payload, signal);
        if ('unlabeled' in outcome) log.info({ sample: s.id, reason: outcome.unlabeled }, 'sample left unlabelled');
        else kept++;
        await this.store.recordLabel(household, s.id, outcome);
      }
    }
  }

  private async labelOne(household: string, payload: Record<string, unknown>, signal?: AbortSignal): Promise<Exclude<LabelOutcome, null>> {
    const p = payload as { question: string; plan?: unknown; corrected_plan?: unknown };
    // a context the contract rejects (a device's bug) is not read: the sample is labelled as an older device's
    const parsed = sampleContextSchema.safeParse(payload['context']);
    const context = parsed.success ? parsed.data : undefined;
    if (p.corrected_plan !== undefined && planIssues(p.corrected_plan, context).length === 0)
      return { question: p.question, plan: p.corrected_plan, teacher: 'user', confidence: 1 };
    const label = await this.teacher.plan(
      {
        household,
        question: p.question,
        ...(p.plan !== undefined ? { plan: p.plan } : {}),
        ...(context !== undefined ? { context } : {}),
      },
      signal,
    );
    const votes = `${label.votes} of ${label.valid} valid votes, ${label.samples} samples`;
    if (label.plan === null) return { unlabeled: `no valid plan (${votes}): ${label.issues.slice(0, 3).join('; ') || 'none'}` };
    // the teacher's own check, once more here: no plan that fails it is served, whatever the teacher
    const issues = planIssues(label.plan, context);
    if (issues.length > 0) return { unlabeled: `teacher plan rejected by validation: ${issues.slice(0, 3).join('; ')}` };
    if (label.confidence < this.policy.minConfidence)
      return { unlabeled: `confidence ${label.confidence.toFixed(2)} < ${this.policy.minConfidence} (${votes})` };
    return { question: p.question, plan: label.plan, teacher: this.teacher.name, confidence: label.confidence };
  }

  /** The 'label' job handler; with a training policy it enqueues the household's training job when enough is new. */
  handler(training?: TrainingPolicy): JobHandler {
    return async (job: Job, ctx: JobContext): Promise<JobEffects> => {
      const kept = await this.labelHousehold(job.household, ctx.log, ctx.signal);
      const effects: JobEffects = { result: { kept } };
      if (training !== undefined) {
        const labels = (await this.store.counts(job.household)).labels;
        const trained = Math.max(0, ...(await this.store.adapters(job.household)).map((a) => a.labels));
        if (labels - trained >= training.minNewLabels)
          effects.enqueue = [{ kind: 'train', household: job.household, key: `train:${job.household}` }];
      }
      return effects;
    };
  }
}
