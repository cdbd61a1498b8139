import { validatePlan } from '../../daemon/agent/index.js';
import type { Logger } from '../../daemon/system/index.js';
import type { Job, JobEffects, TeacherStore } from '../store/index.js';
import type { TeacherPlanner } from '../teacher.js';
import type { JobContext, JobHandler } from './runner.js';

export interface TrainingPolicy {
  /** Enqueue a household's training job once it has this many labels more than its newest adapter was trained on. */
  minNewLabels: number;
}

/**
 * Labels a household's pending samples with the teacher: each plan is validated with the agent's validatePlan (the
 * same code as the edge) before it is kept as a pseudo-label. A user's corrected plan, when valid, wins over the
 * teacher's. Every outcome is stored per sample (idempotent), so a label job retried after a crash redoes only the
 * samples it had not finished.
 */
export class Labeler {
  constructor(
    private readonly store: TeacherStore,
    private readonly teacher: TeacherPlanner,
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
        const p = s.payload as { question: string; plan?: unknown; corrected_plan?: unknown };
        let plan: unknown = null;
        let teacher = this.teacher.name;
        if (p.corrected_plan !== undefined && validatePlan(p.corrected_plan).length === 0) {
          plan = p.corrected_plan;
          teacher = 'user';
        } else {
          plan = await this.teacher.plan(
            { household: s.household, question: p.question, ...(p.plan !== undefined ? { plan: p.plan } : {}) },
            signal,
          );
        }
        const issues = plan === null ? ['no plan'] : validatePlan(plan).map((i) => i.message);
        if (plan === null || issues.length > 0) {
          await this.store.recordLabel(household, s.id, null);
          log.info({ sample: s.id, issues }, 'teacher plan rejected by validation');
          continue;
        }
        await this.store.recordLabel(household, s.id, { question: p.question, plan, teacher });
        kept++;
      }
    }
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
