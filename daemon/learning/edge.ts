import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { taskPlanSchema, validatePlan, type TaskPlan, type ValidateOptions } from '../agent/index.js';
import type { AnsweredEvent } from '../contracts/index.js';
import type { LongTermMemory } from '../memory/index.js';
import { asHomeSightError, silentLogger, type Clock, type Logger } from '../system/index.js';
import type { AdapterDecision } from './adapters/index.js';
import type { AuditLog } from './audit.js';
import { HardExampleMiner, type MiningReason } from './mining.js';
import type { PrivacyFilter, RawSample } from './privacy.js';
import type { TeacherClient } from './teacher-client.js';
import type { FlushResult, Uploader } from './uploader.js';

/** An answer the agent gave (the 'agent.answered' bus event). */
export type { AnsweredEvent } from '../contracts/index.js';

export interface Feedback {
  answer_id: string;
  thumbs: 'up' | 'down';
  corrected_answer?: string;
  corrected_plan?: unknown;
}

export interface FeedbackResult {
  /** A hard example went up to the teacher (thumbs down or a correction). */
  queued: boolean;
  /** The corrected plan is in long-term memory as a correction. */
  stored_correction: boolean;
  /** Thumbs up: the answered plan is in long-term memory as the owner's label (kind `correction`, note 'user thumbs up'). */
  stored_confirmation: boolean;
  issues: string[];
}

/** Where adopted-or-rejected adapters go (the adapter lifecycle of ./adapters). */
export interface AdapterSink {
  has(id: string): boolean;
  consider(manifest: unknown, file: string, signal?: AbortSignal): Promise<AdapterDecision>;
  stagingPath(id: string): string;
}

export interface LearningEdgeOptions {
  miner: HardExampleMiner;
  filter: PrivacyFilter;
  uploader: Uploader;
  audit: AuditLog;
  client: TeacherClient | null;
  /** Long-term memory: pseudo-labels and corrections go here (the planner's few-shots read it). */
  longTerm: Pick<LongTermMemory, 'remember'> | null;
  /** Plan validation context (tool allow-list, hub topics, cameras) — teacher plans are checked before they are kept. */
  validate: ValidateOptions;
  /** Folder for the pseudo-label cursor. */
  stateDir: string;
  adapters?: AdapterSink;
  clock: Clock;
  log?: Logger;
  /** Answers kept for feedback (by answer id). */
  recentAnswers?: number;
}

export interface SyncResult {
  upload: FlushResult | null;
  pseudoLabels: { received: number; stored: number; rejected: number };
  adapters: AdapterDecision[];
  error?: string;
}

/**
 * The edge half of the learning loop, independent of the daemon's lifecycle (the LearningModule and the lifelong
 * bench updater both drive it): answers → hard-example mining → privacy filter → persisted upload queue; pseudo-labels
 * from the teacher → long-term memory (few-shots on the next request); adapters → the adapter lifecycle.
 */
export class LearningEdge {
  private readonly recent = new Map<string, AnsweredEvent>();
  private cursor: number | null = null;
  private readonly log: Logger;
  readonly counters = { answers: 0, mined: 0, feedback: 0, pseudoLabels: 0, rejectedLabels: 0 };
  readonly reasons: Record<string, number> = {};

  constructor(private readonly o: LearningEdgeOptions) {
    this.log = o.log ?? silentLogger();
  }

  get uploader(): Uploader {
    return this.o.uploader;
  }

  setClient(client: TeacherClient | null): void {
    this.o.client = client;
    this.o.uploader.setClient(client);
  }

  private remember(ev: AnsweredEvent): void {
    this.recent.set(ev.answer_id, ev);
    const max = this.o.recentAnswers ?? 200;
    while (this.recent.size > max) this.recent.delete(this.recent.keys().next().value!);
  }

  private raw(ev: AnsweredEvent, reasons: MiningReason[]): RawSample {
    const r = ev.result;
    const frames = (r.evidence ?? []).flatMap((e) =>
      e.snapshot !== null && e.event !== null ? [{ camera: e.event.camera, file: e.snapshot }] : [],
    );
    return {
      id: ev.answer_id,
      question: r.question,
      plan: r.plan,
      planner: r.planner,
      confidence: r.trace.confidence,
      reasons,
      nodes: r.trace.nodes.map((n) => ({
        task: n.task,
        status: n.status,
        ...('ms' in n && typeof n.ms === 'number' ? { ms: n.ms } : {}),
        ...('output' in n && typeof n.output === 'string' ? { output: n.output } : {}),
        ...(n.error !== undefined ? { error: { code: n.error.code } } : {}),
      })),
      ...(frames.length > 0 ? { frames } : {}),
      ...(ev.context !== undefined ? { context: ev.context } : {}),
      at: ev.at,
    };
  }

  /** An answer was given: mine it; hard ones are filtered and queued. Returns the reasons (empty: not a sample). */
  async onAnswered(ev: AnsweredEvent): Promise<MiningReason[]> {
    this.counters.answers++;
    this.remember(ev);
    const reasons = this.o.miner.reasons(ev.result, ev.cloud_plan);
    if (reasons.length === 0) return reasons;
    await this.enqueue(this.raw(ev, reasons), reasons);
    return reasons;
  }

  private async enqueue(raw: RawSample, reasons: MiningReason[]): Promise<void> {
    const payload = await this.o.filter.filter(raw);
    if (await this.o.uploader.enqueue(payload, HardExampleMiner.value(reasons))) this.counters.mined++;
    for (const r of reasons) this.reasons[r] = (this.reasons[r] ?? 0) + 1;
  }

  /** The user's thumbs / correction for an answer (MQTT `feedback`). A corrected plan, or a thumbs up, is the owner's label. */
  async feedback(f: Feedback): Promise<FeedbackResult> {
    this.counters.feedback++;
    const ev = this.recent.get(f.answer_id);
    if (ev === undefined)
      return {
        queued: false,
        stored_correction: false,
        stored_confirmation: false,
        issues: [`unknown answer_id ${f.answer_id} (only the last ${this.o.recentAnswers ?? 200} answers are kept)`],
      };
    let corrected: TaskPlan | undefined;
    const issues: string[] = [];
    if (f.corrected_plan !== undefined) {
      const found = validatePlan(f.corrected_plan, this.o.validate);
      if (found.length > 0) issues.push(...found.map((i) => `${i.path}: ${i.message}`));
      else corrected = taskPlanSchema.parse(f.corrected_plan);
    }
    const reasons: MiningReason[] =
      corrected !== undefined || f.corrected_answer !== undefined ? ['user_correction'] : f.thumbs === 'down' ? ['user_thumbs_down'] : [];
    if (reasons.length === 0) {
      // Thumbs up on a plan that did something: the owner says it is the right plan — an owner's label like a
      // corrected plan (long-term kind `correction`), one the teacher did not write (the adapter gate's regression
      // set). Nothing goes up.
      const plan = ev.result.plan;
      const confirmed =
        f.thumbs === 'up' && issues.length === 0 && plan.task_nodes.some((n) => n.task !== 'compose_answer') && this.o.longTerm !== null;
      if (confirmed)
        await this.o.longTerm!.remember({
          kind: 'correction',
          text: ev.result.question,
          payload: { question: ev.result.question, plan, note: 'user thumbs up' },
        });
      return { queued: false, stored_correction: false, stored_confirmation: confirmed, issues };
    }
    const raw = this.raw(ev, [...reasons, ...this.o.miner.reasons(ev.result, ev.cloud_plan)]);
    // Feedback on the same answer is a new sample (the first upload may be gone already).
    raw.id = `${ev.answer_id}:fb:${randomUUID().slice(0, 8)}`;
    if (corrected !== undefined) raw.corrected_plan = corrected;
    if (f.corrected_answer !== undefined) raw.corrected_answer = f.corrected_answer;
    await this.enqueue(raw, raw.reasons as MiningReason[]);
    let stored = false;
    if (corrected !== undefined && this.o.longTerm !== null) {
      await this.o.longTerm.remember({
        kind: 'correction',
        text: ev.result.question,
        payload: { question: ev.result.question, plan: corrected, note: 'user feedback' },
      });
      stored = true;
    }
    return { queued: true, stored_correction: stored, stored_confirmation: false, issues };
  }

  private cursorFile(): string {
    return join(this.o.stateDir, 'pseudo-label-cursor.json');
  }

  private async loadCursor(): Promise<number> {
    if (this.cursor !== null) return this.cursor;
    try {
      this.cursor = (JSON.parse(await readFile(this.cursorFile(), 'utf8')) as { since: number }).since;
    } catch {
      this.cursor = 0;
    }
    return this.cursor;
  }

  private async saveCursor(since: number): Promise<void> {
    this.cursor = since;
    await mkdir(dirname(this.cursorFile()), { recursive: true });
    await writeFile(this.cursorFile() + '.tmp', JSON.stringify({ since }));
    await rename(this.cursorFile() + '.tmp', this.cursorFile());
  }

  /** Fetches new pseudo-labels and stores the valid ones in long-term memory at once. */
  async pullPseudoLabels(signal?: AbortSignal): Promise<SyncResult['pseudoLabels']> {
    const out = { received: 0, stored: 0, rejected: 0 };
    const client = this.o.client;
    if (client === null) return out;
    let since = await this.loadCursor();
    for (;;) {
      const page = await client.pseudoLabels(since, signal);
      if (page.labels.length === 0) break;
      for (const l of page.labels) {
        out.received++;
        const question = this.o.filter.unmaskText(l.question);
        const parsed = taskPlanSchema.safeParse(l.plan);
        const plan = parsed.success ? this.o.filter.unmaskPlan(parsed.data) : null;
        const issues = plan === null ? ['not a task plan'] : validatePlan(plan, this.o.validate).map((i) => i.message);
        if (plan === null || issues.length > 0 || /<person-[0-9a-f]{8}>/.test(question + JSON.stringify(plan))) {
          out.rejected++;
          this.log.debug({ sample: l.sample_id, issues }, 'pseudo-label rejected');
          continue;
        }
        if (this.o.longTerm !== null) {
          await this.o.longTerm.remember({
            kind: 'pseudo_label',
            text: question,
            payload: {
              question,
              plan,
              sample_id: l.sample_id,
              teacher: l.teacher,
              ...(typeof l.confidence === 'number' ? { confidence: l.confidence } : {}),
            },
          });
          out.stored++;
        }
      }
      if (page.next <= since) break;
      since = page.next;
      await this.saveCursor(since);
    }
    this.counters.pseudoLabels += out.stored;
    this.counters.rejectedLabels += out.rejected;
    if (out.received > 0) {
      await this.o.audit.append({
        at: new Date(this.o.clock.now()).toISOString(),
        kind: 'pseudo_labels',
        ids: [],
        note: `received ${out.received}, stored ${out.stored}, rejected ${out.rejected}`,
      });
    }
    return out;
  }

  /** New adapters in the manifest: download → the adapter lifecycle (verify, compatibility, evaluate, adopt/reject). */
  async pullAdapters(signal?: AbortSignal): Promise<AdapterDecision[]> {
    const sink = this.o.adapters;
    const client = this.o.client;
    if (sink === undefined || client === null || this.o.uploader.settings.metered) return [];
    const decisions: AdapterDecision[] = [];
    for (const m of await client.adapterManifest(signal)) {
      const id = (m as { id?: unknown }).id;
      if (typeof id !== 'string' || sink.has(id)) continue;
      const file = sink.stagingPath(id);
      await client.downloadAdapter(id, file, signal);
      const d = await sink.consider(m, file, signal);
      decisions.push(d);
      await this.o.audit.append({
        at: new Date(this.o.clock.now()).toISOString(),
        kind: 'adapter',
        ids: [id],
        note: `${d.kind} at ${d.stage}: ${d.reason}`,
      });
    }
    return decisions;
  }

  /** One learning cycle: scheduled upload, then pseudo-labels and adapters. `force` uploads now regardless of schedule. */
  async sync(opts: { force?: boolean; signal?: AbortSignal } = {}): Promise<SyncResult> {
    const res: SyncResult = { upload: null, pseudoLabels: { received: 0, stored: 0, rejected: 0 }, adapters: [] };
    try {
      res.upload = opts.force === true ? await this.o.uploader.flush() : await this.o.uploader.tick();
      if (res.upload === null && opts.force !== true) return res;
      res.pseudoLabels = await this.pullPseudoLabels(opts.signal);
      res.adapters = await this.pullAdapters(opts.signal);
    } catch (err) {
      const e = asHomeSightError(err);
      res.error = e.message;
      this.log.info({ err: e.code }, 'learning sync incomplete');
    }
    return res;
  }
}
