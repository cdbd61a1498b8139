/**
 * Lifelong updater for `bench/jobs/lifelong.yaml`: the real edge learning loop against the real cloud teacher API.
 *
 * After each round the edge plans the round's stream of household questions (the round's training split, questions
 * only — the gold plans are NOT given to the edge) with the test case's planner; hard examples (no plan, invalid
 * plan, low confidence) go through the edge's LearningEdge: privacy filter (names → placeholders) → persisted upload
 * queue → HTTP upload to an in-process cloud teacher (cloud/app.ts on a free port) whose ORACLE/REPLAY teacher labels
 * them with the dataset's gold plans → pseudo-labels fetched back, names restored, validated, stored in long-term
 * memory (SQLite). Every later request gets the k best pseudo-labels from that memory as few-shot examples
 * (in-context lifelong learning, no training).
 *
 * Hyperparameters: k (few-shots, default 5), min_similarity (retrieval planner: a nearest example less similar than
 * this is "low confidence", default 0.9), min_logprob (LLM planners, default -1.5), dataset (oracle files; default
 * the testenv's train and test files are not known here, so give it).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildCloudApp, OracleReplayTeacher, openTeacherStore, type TeacherStore } from '../../../cloud/index.js';
import { type LearningEdge, PrivacyFilter } from '../../../daemon/learning/index.js';
import type { MemoryStore } from '../../../daemon/memory/index.js';
import {
  requestFor,
  type BenchSample,
  type Updater,
  type UpdateContext,
  type UpdateReport,
  type UpdaterFactoryContext,
} from '../../harness/index.js';
import type { PlanRequest, TaskPlan } from '../../harness/agent.js';
import { benchEdge, edgeState } from './bench-edge.js';

interface Edge {
  edge: LearningEdge;
  store: MemoryStore;
  uploaded: number;
}

export class CloudTeacherUpdater implements Updater {
  readonly name = 'cloud_teacher';
  private cloud: { store: TeacherStore; close(): Promise<void>; drain(): Promise<number>; url: string } | null = null;
  private readonly edges = new Map<string, Edge>();
  private readonly k: number;
  private readonly minSimilarity: number;
  private readonly minLogprob: number;
  private readonly datasets: string[];

  constructor(f: UpdaterFactoryContext) {
    const s = f.settings;
    this.k = typeof s.k === 'number' ? s.k : 5;
    this.minSimilarity = typeof s.min_similarity === 'number' ? s.min_similarity : 0.9;
    this.minLogprob = typeof s.min_logprob === 'number' ? s.min_logprob : -1.5;
    const ds = s.dataset;
    this.datasets = (Array.isArray(ds) ? ds : typeof ds === 'string' ? [ds] : []).map((p) => f.resolvePath(String(p)));
    if (this.datasets.length === 0)
      throw new Error('cloud_teacher updater: set hyperparameter "dataset" (Q2A JSONL the oracle teacher replays)');
  }

  private async startCloud(workDir: string): Promise<NonNullable<CloudTeacherUpdater['cloud']>> {
    if (this.cloud !== null) return this.cloud;
    rmSync(join(workDir, 'cloud'), { recursive: true, force: true });
    const store = await openTeacherStore({ kind: 'sqlite', file: join(workDir, 'cloud', 'teacher.db') });
    const { app, labeler } = buildCloudApp({
      store,
      teacher: new OracleReplayTeacher(this.datasets),
      enrollmentSecret: 'bench-enrollment',
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    this.cloud = {
      store,
      url,
      drain: () => labeler.drain(),
      close: async () => {
        await app.close();
        await labeler.drain();
        await store.close();
      },
    };
    return this.cloud;
  }

  private async edgeFor(household: string, ctx: UpdateContext): Promise<Edge> {
    const have = this.edges.get(household);
    if (have !== undefined) return have;
    const cloud = await this.startCloud(ctx.workDir);
    const hh = ctx.households.get(household);
    const state = edgeState(ctx.workDir, household);
    const edge = await benchEdge({
      cloudUrl: cloud.url,
      household,
      hh,
      state,
      filter: new PrivacyFilter({ secret: `bench-device-secret-${household}`, people: hh?.people ?? [] }),
      minLogprob: this.minLogprob,
    });
    const e = { edge, store: state.memory, uploaded: 0 };
    this.edges.set(household, e);
    return e;
  }

  /** Confidence of a plan: the LLM's mean log-prob, or for the retrieval planner log(similarity of the nearest example). */
  private confidence(r: { planner: string; confidence: number | null; notes?: string[] }): number | null {
    // the retrieval planner's own confidence is ln(similarity of the nearest example), not on the miner's scale:
    // scaled like the similarity in its notes, so that similarity == min_similarity maps onto min_logprob
    if (r.planner === 'retrieval' && r.confidence !== null) return (this.minLogprob * r.confidence) / Math.log(this.minSimilarity);
    if (r.confidence !== null) return r.confidence;
    const m = /(?:similarity|score) (-?[\d.]+)/.exec((r.notes ?? []).join(' '));
    if (m === null) return null;
    // scaled so that similarity == min_similarity maps onto min_logprob (the miner's threshold)
    return (this.minLogprob * Math.log(Math.max(1e-6, Number(m[1])))) / Math.log(this.minSimilarity);
  }

  async update(ctx: UpdateContext): Promise<UpdateReport> {
    let inferred = 0;
    let mined = 0;
    let stored = 0;
    let rejected = 0;
    const byHousehold = new Map<string, BenchSample[]>();
    for (const s of ctx.train) {
      const h = s.household ?? 'default';
      byHousehold.set(h, [...(byHousehold.get(h) ?? []), s]);
    }
    for (const [household, samples] of byHousehold) {
      const e = await this.edgeFor(household, ctx);
      for (const s of samples) {
        if (ctx.signal.aborted) break;
        inferred++;
        const req = this.prepare(requestFor(s, ctx.households), s);
        let plan: TaskPlan = { task_steps: [], task_nodes: [], task_links: [] };
        let planner = ctx.planner.name;
        let ok = true;
        let confidence: number | null = null;
        try {
          const r = await ctx.planner.plan(req, ctx.signal);
          plan = r.plan;
          planner = r.planner;
          confidence = this.confidence(r);
          if (confidence === null) {
            // No score to go by: confident only when the plan came from the household's own (learned) examples.
            const near = /nearest example: "([^"]*)"/.exec((r.notes ?? []).join(' '))?.[1];
            confidence = near !== undefined && (req.examples ?? []).some((x) => x.question === near) ? 0 : this.minLogprob - 1;
          }
        } catch {
          ok = false;
        }
        const reasons = await e.edge.onAnswered({
          answer_id: `r${ctx.round}-${s.id}`,
          at: Date.now(),
          result: {
            question: s.instruction,
            plan,
            planner,
            executed: false,
            notes: [],
            trace: { planning: [{ planner, repair: 0, ok: ok && plan.task_nodes.length > 0 }], nodes: [], confidence },
          },
        });
        if (reasons.length > 0) mined++;
      }
      const up = await e.edge.sync({ force: true });
      e.uploaded += up.upload?.sent ?? 0;
      await this.cloud!.drain();
      const pl = await e.edge.pullPseudoLabels();
      stored += up.pseudoLabels.stored + pl.stored;
      rejected += up.pseudoLabels.rejected + pl.rejected;
    }
    return {
      inferred,
      transferred: mined,
      pseudo_labels: stored,
      rejected_labels: rejected,
      notes: [`round ${ctx.round}: ${mined}/${inferred} hard examples uploaded, ${stored} pseudo-labels stored in long-term memory`],
    };
  }

  prepare(request: PlanRequest, sample: BenchSample): PlanRequest {
    const e = this.edges.get(sample.household ?? 'default');
    if (e === undefined || this.k === 0) return request;
    const hits = e.store.longTerm.search(request.question, null, this.k, { kind: 'pseudo_label' });
    const examples = hits.map((h) => h.item.payload as { question: string; plan: TaskPlan });
    return examples.length === 0
      ? request
      : { ...request, examples: [...(request.examples ?? []), ...examples.map((x) => ({ question: x.question, plan: x.plan }))] };
  }

  async dispose(): Promise<void> {
    for (const e of this.edges.values()) e.store.close();
    this.edges.clear();
    await this.cloud?.close();
    this.cloud = null;
  }
}

export function createUpdater(ctx: UpdaterFactoryContext): Updater {
  return new CloudTeacherUpdater(ctx);
}
