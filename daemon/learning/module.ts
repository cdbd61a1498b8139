import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AnsweredEvent } from './edge.js';
import type { HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import { MemoryModule } from '../memory/index.js';
import { findMqttBridge, type MqttBridge } from '../mqtt/index.js';
import { asHomeSightError, formatIsoInZone, type Logger, type ModuleHealth, type ServiceModule } from '../system/index.js';
import { AuditLog } from './audit.js';
import { LearningEdge } from './edge.js';
import { HardExampleMiner } from './mining.js';
import { PrivacyFilter } from './privacy.js';
import { HttpTeacherClient } from './teacher-client.js';
import {
  AdapterLifecycle,
  LlamaAdapterRuntime,
  NllEvaluator,
  openAdapterStoreFromConfig,
  PlanEvaluator,
  readTrainFormat,
  trustedKeysFromConfig,
  type EvalSample,
} from './adapters/index.js';
import {
  AgentModule,
  adapterSample,
  householdInfo,
  PLANNER_MODEL_FORMAT,
  plannerModelPath,
  pseudonymsOf,
  requestHousehold,
  type PlanRequest,
  type TaskPlan,
} from '../agent/index.js';
import { LOCAL_LABEL_KINDS, lifecycleSink, localEvalSets } from './adapter-sink.js';
import type { AdapterSink } from './edge.js';
import type { MemoryStore } from '../memory/index.js';
import { Uploader } from './uploader.js';

/** Folder for the learning module's own files: <paths.data_dir>/learning. */
export function learningDir(config: HomeSightConfig): string {
  return resolve(config.paths.data_dir, 'learning');
}

/** The audit log file of a config (also read by `homesight learning audit`). */
export function auditFile(config: HomeSightConfig): string {
  return join(learningDir(config), 'audit.jsonl');
}

/** The device secret the name placeholders are keyed with (created 0600 on first use; never uploaded). */
export async function deviceSecret(dir: string): Promise<Buffer> {
  const file = join(dir, 'device-secret');
  try {
    const b = Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
    if (b.length >= 16) return b;
  } catch {
    // first start
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const s = randomBytes(32);
  await writeFile(file, s.toString('hex') + '\n', { mode: 0o600, flag: 'w' });
  return s;
}

/**
 * The learning module: mines hard examples from the agent's answers ('agent.answered'), filters them for privacy,
 * keeps them in a persisted upload queue, syncs with the cloud teacher on a schedule, stores pseudo-labels in
 * long-term memory and serves `feedback` / `audit` commands on MQTT. Not essential.
 */
export class LearningModule implements ServiceModule<HomeSightConfig> {
  readonly name = 'learning';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private config: HomeSightConfig;
  private readonly log: Logger;
  private edgeRef: LearningEdge | null = null;
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<unknown> | null = null;
  private unregister: Array<() => void> = [];
  private bridge: MqttBridge | null = null;
  private lastError: string | null = null;
  private audit: AuditLog | null = null;
  private runtime: Promise<LlamaAdapterRuntime> | null = null;
  /** Undo the adapter store's connection to the local planner (hot-swap) and its state.json watch. */
  private adapterTeardown: Array<() => void> = [];

  constructor(private readonly ctx: ModuleContext) {
    this.config = ctx.config;
    this.log = ctx.log;
    this.dependsOn = ctx.dependsOn;
  }

  get edge(): LearningEdge {
    if (this.edgeRef === null) throw asHomeSightError(new Error('learning is not running'), 'E_LEARNING_NOT_STARTED');
    return this.edgeRef;
  }

  private async tokenClient(): Promise<HttpTeacherClient | null> {
    const t = this.config.learning.teacher;
    if (t.url === undefined || t.token_file === undefined) return null;
    const token = (await readFile(t.token_file, 'utf8')).trim();
    return new HttpTeacherClient({ baseUrl: t.url, token, timeoutMs: t.timeout_ms });
  }

  async start(): Promise<void> {
    const c = this.config;
    const memory = this.ctx.container.find('memory', MemoryModule);
    if (memory === undefined) throw asHomeSightError(new Error('memory module missing'), 'E_LEARNING_NO_MEMORY');
    const store = memory.store;
    const dir = learningDir(c);
    const audit = new AuditLog(auditFile(c));
    this.audit = audit;
    const client = await this.tokenClient();
    const uploader = new Uploader({
      queue: store.learning.samples,
      client,
      clock: this.ctx.clock,
      audit,
      settings: c.learning.upload,
      timezone: c.household.timezone,
      log: this.log.child({ part: 'upload' }),
    });
    const filter = new PrivacyFilter({
      secret: await deviceSecret(dir),
      people: c.household.people.map((p) => ({ name: p.name, aliases: p.aliases ?? [] })),
      uploadFrameCameras: Object.entries(c.cameras)
        .filter(([, cam]) => cam.upload_frames)
        .map(([n]) => n),
    });
    this.edgeRef = new LearningEdge({
      miner: new HardExampleMiner({ minLogprob: c.learning.mining.min_logprob }),
      filter,
      uploader,
      audit,
      client,
      longTerm: store.longTerm,
      validate: { allowTools: c.agent.allow_tools, hubTopics: c.agent.hub_topics, cameras: Object.keys(c.cameras) },
      stateDir: dir,
      clock: this.ctx.clock,
      log: this.log,
      ...(await this.adapterSink(store, filter).then((a) => (a === null ? {} : { adapters: a }))),
    });
    const edge = this.edgeRef;
    this.bridge = findMqttBridge(this.ctx.container);
    this.ctx.bus.on('agent.answered', this, (ev) => {
      edge.onAnswered(ev).catch((err: unknown) => this.log.warn({ err: asHomeSightError(err).toJSON() }, 'could not mine an answer'));
      // The id the `feedback` command refers to.
      this.bridge
        ?.publish(
          'learning/answered',
          { answer_id: ev.answer_id, question: ev.result.question, at: new Date(ev.at).toISOString() },
          { qos: 0 },
        )
        .catch(() => undefined);
    });
    if (this.bridge !== null) {
      const b = this.bridge;
      this.unregister.push(
        b.serve('command/feedback', async (a) =>
          edge.feedback({
            answer_id: a.answer_id,
            thumbs: a.thumbs,
            ...(a.corrected_answer !== undefined ? { corrected_answer: a.corrected_answer } : {}),
            ...(a.corrected_plan !== undefined ? { corrected_plan: a.corrected_plan } : {}),
          }),
        ),
        b.serve('command/audit', async (a) => ({ entries: await audit.read(a.limit) })),
        b.serve('command/learning_sync', async () => edge.sync({ force: true })),
      );
    }
    const pollMs = Math.min(5000, c.learning.upload.interval_s * 1000);
    this.timer = setInterval(() => void this.runSync(false), pollMs);
    this.timer.unref();
  }

  /**
   * Adapters from the teacher go through the adapter lifecycle when the local GGUF planner's model is there and
   * trusted keys are configured; the evaluation runtime (a second context of the base model) is loaded on the first
   * candidate. Evaluation sets: the household's corrections and pseudo-labels in long-term memory.
   */
  private async adapterSink(store: MemoryStore, privacy: PrivacyFilter): Promise<AdapterSink | null> {
    const c = this.config;
    if (c.learning.adapters.trusted_keys.length === 0 || !c.agent.enabled) return null;
    // the planner's own model file (the shipped one when agent.llm.model is not in paths.models_dir)
    const modelPath = plannerModelPath(c);
    if (!existsSync(modelPath)) return null;
    const adapterStore = await openAdapterStoreFromConfig(c, this.log.child({ part: 'adapters' }));
    // Hot-swap: the local planner follows the store (adopt, rollback, a CLI rollback noticed through state.json). The
    // teacher saw the household's names only as privacy placeholders: its adapters write their pseudonyms.
    const people = pseudonymsOf(
      c.household.people.map((p) => p.name),
      (name) => privacy.placeholderFor(name),
    );
    const agent = this.ctx.container.find('agent', AgentModule);
    if (agent !== undefined) {
      const source = {
        active: () => {
          const a = adapterStore.active();
          return a === null ? null : { id: a.id, file: a.file, people };
        },
        onChange: (listener: () => void) => adapterStore.onChange(listener),
      };
      this.adapterTeardown.push(agent.adapters.connect(source), adapterStore.watch());
    }
    const keys = trustedKeysFromConfig(c);
    let sink: AdapterSink | null = null;
    const get = async (): Promise<AdapterSink> => {
      if (sink !== null) return sink;
      this.runtime ??= LlamaAdapterRuntime.load({
        modelPath,
        threads: 1,
        contextSize: 1024,
        shaCacheFile: join(learningDir(c), 'base-sha256.json'),
      });
      // A base trained on plan text (the shipped planner model) is judged by the plans it writes; others by NLL.
      const format = await readTrainFormat(modelPath);
      const planText = format === PLANNER_MODEL_FORMAT;
      const lifecycle = new AdapterLifecycle({
        store: adapterStore,
        runtime: await this.runtime,
        evaluator: planText
          ? new PlanEvaluator({ maxTokens: c.agent.llm.max_tokens, maxNodes: c.agent.llm.max_nodes, people })
          : new NllEvaluator(),
        trustedKeys: keys,
        policy: { margin: c.learning.adapters.margin, regressionTolerance: c.learning.adapters.regression_tolerance },
        clock: this.ctx.clock,
        log: this.log.child({ part: 'adapters' }),
      });
      const household = requestHousehold(householdInfo(c));
      const sample = (question: string, plan: TaskPlan, created: number | undefined): EvalSample => {
        const tz = c.household.timezone;
        const request: PlanRequest = { question, now: formatIsoInZone(created ?? this.ctx.clock.now(), tz), timezone: tz, household };
        return { ...adapterSample(format, { question, plan, context: request }), meta: { request } };
      };
      sink = lifecycleSink(lifecycle, adapterStore, () =>
        localEvalSets(
          LOCAL_LABEL_KINDS.flatMap((kind) => store.longTerm.list({ kind, limit: 200 })),
          { sample, minAnchorConfidence: c.learning.mining.min_logprob },
        ),
      );
      return sink;
    };
    return {
      has: (id) => adapterStore.has(id) || adapterStore.wasRolledBack(id) || (sink?.has(id) ?? false),
      stagingPath: (id) => adapterStore.stagingPath(id),
      consider: async (manifest, file, signal) => (await get()).consider(manifest, file, signal),
    };
  }

  /** Publishes new audit entries on learning/audit after a sync. */
  private async runSync(force: boolean): Promise<void> {
    if (this.syncing !== null || this.edgeRef === null) return;
    const edge = this.edgeRef;
    const p = edge.sync({ force }).then(async (r) => {
      this.lastError = r.error ?? null;
      if (this.bridge !== null && (r.upload !== null || r.pseudoLabels.received > 0)) {
        const last = await this.audit!.read(5);
        for (const e of last) {
          const { payloads: _p, ...summary } = e;
          await this.bridge.publish('learning/audit', summary, { qos: 1 }).catch(() => undefined);
        }
      }
    });
    this.syncing = p.finally(() => {
      this.syncing = null;
    });
    await this.syncing;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.ctx.bus.removeListeners(this);
    for (const u of this.unregister) u();
    this.unregister = [];
    await this.syncing;
    this.edgeRef = null;
    for (const undo of this.adapterTeardown) undo();
    this.adapterTeardown = [];
    const rt = this.runtime;
    this.runtime = null;
    if (rt !== null) await (await rt).dispose();
  }

  health(): ModuleHealth {
    const e = this.edgeRef;
    if (e === null) return { status: 'failed', summary: 'not running', details: {} };
    const q = e.uploader.stats();
    const teacher = this.config.learning.teacher.url ?? null;
    return {
      status: teacher !== null && q.lastError !== null ? 'degraded' : 'ok',
      summary:
        `${q.pending} samples queued, ${q.uploaded} uploaded, ${e.counters.pseudoLabels} ` +
        `pseudo-labels${teacher === null ? ' (no teacher configured)' : ''}`,
      details: { queue: q, counters: e.counters, reasons: e.reasons, teacher, last_error: this.lastError },
    };
  }

  reload(next: HomeSightConfig): { applied: string[]; needsRestart: string[] } {
    this.config = next;
    this.edgeRef?.uploader.update(next.learning.upload, next.household.timezone);
    return { applied: ['learning.upload'], needsRestart: ['learning.teacher', 'household.people'] };
  }
}

export type { AnsweredEvent };

/** The daemon's factory (learning/definition.ts loads this file when the module is enabled). */
export function createLearningModule(ctx: ModuleContext): LearningModule {
  return new LearningModule(ctx);
}
