import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Counter, Histogram } from 'prom-client';
import type { HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import { planContextOf } from '../contracts/index.js';
import { IngestModule } from '../ingest/index.js';
import { memoryStoreGetter } from '../memory/index.js';
import { findMqttBridge, type MqttBridge } from '../mqtt/index.js';
import type { VisionModule } from '../vision/index.js';
import { findWatchService } from '../watches/index.js';
import { APP_ROOT, asHomeSightError, type Logger, type ModuleHealth, type ReloadOutcome, type ServiceModule } from '../system/index.js';
import {
  ingestFrames,
  memoryConversations,
  memoryEvents,
  memoryLongTerm,
  mqttHub,
  visionAnalyzer,
  type AgentDeps,
  type HouseholdInfo,
} from './execution/index.js';
import { AdapterRelay, CloudPlanner, LocalPlanner, type PlannerAdapterSource, RetrievalPlanner } from './planning/index.js';
import { AgentRoutes } from './transport/index.js';
import type { PlanRequest } from './catalog/index.js';
import { AgentService, type AskRequest, type AskResult } from './service.js';

type AgentConfig = HomeSightConfig['agent'];

function abs(p: string, base?: string): string {
  if (isAbsolute(p)) return p;
  return base === undefined ? resolve(p) : resolve(base, p);
}

/** The models/ folder shipped with HomeSight: its own planner model is there (models/planner/). */
const SHIPPED_MODELS = join(APP_ROOT, 'models');

/**
 * agent.llm.model: relative to paths.models_dir; a file not there is looked for in the shipped models/ folder. The
 * learning module's adapters are for this file.
 */
export function plannerModelPath(config: HomeSightConfig): string {
  const model = config.agent.llm.model;
  const inModelsDir = abs(model, abs(config.paths.models_dir));
  if (isAbsolute(model) || existsSync(inModelsDir)) return inModelsDir;
  const shipped = resolve(SHIPPED_MODELS, model);
  return existsSync(shipped) ? shipped : inModelsDir;
}

export function householdInfo(config: HomeSightConfig): HouseholdInfo {
  return {
    timezone: config.household.timezone,
    people: config.household.people.map((p) => ({ name: p.name, aliases: p.aliases })),
    rooms: config.household.rooms,
    routines: config.household.routines,
    cameras: Object.fromEntries(Object.entries(config.cameras).map(([name, c]) => [name, (c as { room?: string }).room ?? null])),
  };
}

/** The local planner as configured (not loaded), applying the adapters `adapters` names. */
export function localPlannerFor(config: HomeSightConfig, log?: Logger, adapters?: PlannerAdapterSource): LocalPlanner {
  const l = config.agent.llm;
  const o: ConstructorParameters<typeof LocalPlanner>[0] = {
    modelPath: plannerModelPath(config),
    threads: l.threads,
    contextSize: l.context_size,
    gpuLayers: l.gpu_layers,
    maxTokens: l.max_tokens,
    temperature: l.temperature,
    timeoutMs: l.timeout_ms,
    fewShots: l.few_shots,
    mode: l.grammar,
    maxNodes: l.max_nodes,
    maxStringLength: l.max_string_chars,
  };
  if (l.prompt_budget !== undefined) o.promptBudget = l.prompt_budget;
  if (log !== undefined) o.log = log;
  if (adapters !== undefined) {
    o.adapters = adapters;
    o.adapterScale = config.learning.adapters.scale;
  }
  return new LocalPlanner(o);
}

export function cloudPlannerFor(config: HomeSightConfig): CloudPlanner | undefined {
  const c = config.agent.cloud;
  if (c.url === undefined) return undefined;
  const o: ConstructorParameters<typeof CloudPlanner>[0] = {
    url: c.url,
    model: c.model,
    timeoutMs: c.timeout_ms,
    fewShots: Math.max(config.agent.llm.few_shots, 3),
  };
  if (c.api_key_file !== undefined) o.apiKeyFile = c.api_key_file;
  return new CloudPlanner(o);
}

/**
 * The vision module, checked by shape rather than by class: importing VisionModule's class would load
 * onnxruntime into an agent that runs without vision.
 */
function analyzesFrames(m: ServiceModule | undefined): m is ServiceModule & Pick<VisionModule, 'analyzeFrames'> {
  return m !== undefined && typeof (m as Partial<Pick<VisionModule, 'analyzeFrames'>>).analyzeFrames === 'function';
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The agent as a daemon module: builds the planners (local GGUF, retrieval,
 * cloud), wires the tools to memory, ingest, vision and MQTT through their
 * public APIs, serves agent/ask on MQTT. Not essential: without it the daemon
 * still watches and records.
 */
export class AgentModule implements ServiceModule<HomeSightConfig> {
  readonly name = 'agent';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private config: HomeSightConfig;
  private readonly log: Logger;
  private local: LocalPlanner | null = null;
  private localError: { code: string; message: string } | null = null;
  private handler: AgentRoutes | null = null;
  private serviceRef: AgentService | null = null;
  private readonly metrics: { asks: Counter<'planner' | 'status'>; seconds: Histogram<'stage'> } | null;
  private lastAnswer: { at: number; ms: number; planner: string } | null = null;
  /** The local planner's adapters: the learning module connects the device's adapter store here (hot-swap). */
  readonly adapters = new AdapterRelay();

  constructor(private readonly ctx: ModuleContext) {
    this.config = ctx.config;
    this.log = ctx.log;
    this.dependsOn = ctx.dependsOn;
    this.metrics =
      ctx.metrics === undefined
        ? null
        : {
            asks: new Counter({
              name: 'homesight_agent_asks_total',
              help: 'questions answered, by planner and outcome',
              labelNames: ['planner', 'status'],
              registers: [ctx.metrics],
            }),
            seconds: new Histogram({
              name: 'homesight_agent_seconds',
              help: 'time to plan / execute / answer a question',
              labelNames: ['stage'],
              buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
              registers: [ctx.metrics],
            }),
          };
  }

  /** The running agent (for in-process callers and tests). */
  get service(): AgentService {
    if (this.serviceRef === null) throw asHomeSightError(new Error('agent is not running'), 'E_AGENT_NOT_STARTED');
    return this.serviceRef;
  }

  private deps(): AgentDeps {
    const c = this.ctx.container;
    const store = memoryStoreGetter(c);
    const deps: AgentDeps = {
      events: memoryEvents(store),
      longTerm: memoryLongTerm(store),
      conversations: memoryConversations(store),
    };
    const ingest = c.find('ingest', IngestModule);
    if (ingest !== undefined) {
      deps.frames = ingestFrames(() => ingest, store, join(abs(this.config.paths.data_dir), 'agent', 'snapshots'));
    }
    const vision = c.get('vision');
    if (analyzesFrames(vision)) deps.vision = visionAnalyzer(() => vision);
    const bridge = (): MqttBridge | null => findMqttBridge(c);
    if (this.config.mqtt.enabled) deps.hub = mqttHub(bridge);
    const watches = findWatchService(c);
    if (watches !== null) deps.watches = watches;
    return deps;
  }

  private buildService(): AgentService {
    const planners: ConstructorParameters<typeof AgentService>[0]['planners'] = { retrieval: new RetrievalPlanner() };
    if (this.local !== null) planners.local = this.local;
    const cloud = cloudPlannerFor(this.config);
    if (cloud !== undefined) planners.cloud = cloud;
    return new AgentService({
      agent: this.config.agent,
      householdId: this.config.household.id,
      household: householdInfo(this.config),
      deps: this.deps(),
      planners,
      clock: this.ctx.clock,
      log: this.log,
    });
  }

  async start(): Promise<void> {
    const a = this.config.agent;
    if (a.planner !== 'retrieval') {
      this.local = localPlannerFor(this.config, this.log.child({ planner: 'local' }), this.adapters);
      // Load in the background: a large model must not hold up the daemon's start.
      // Until it is loaded, plan() waits for it; if it cannot load, retrieval takes over.
      void this.local.load().then(
        () => {
          this.localError = null;
        },
        (err: unknown) => {
          const e = asHomeSightError(err, 'E_MODEL_LOAD');
          this.localError = { code: e.code, message: e.message };
          this.log.warn({ err: e.toJSON() }, 'local planner unavailable; the retrieval planner answers');
        },
      );
    }
    this.serviceRef = this.buildService();
    const bridge = this.config.mqtt.enabled ? findMqttBridge(this.ctx.container) : null;
    if (bridge !== null) {
      const svc = this.instrumented(this.serviceRef);
      this.handler = new AgentRoutes({
        bridge,
        service: svc,
        maxPayloadBytes: a.max_payload_bytes,
        ratePerMinute: a.rate_limit_per_min,
        maxConcurrent: a.max_concurrent,
      });
      this.handler.start();
    } else {
      this.log.info('no MQTT bridge: agent/ask is not served (in-process callers only)');
    }
  }

  /** The service with metrics around ask(). */
  private instrumented(svc: AgentService): Pick<AgentService, 'ask' | 'plan' | 'correct'> {
    return {
      ask: async (req: AskRequest, opts?: Parameters<AgentService['ask']>[1]): Promise<AskResult> => {
        try {
          let request: PlanRequest | null = null;
          const r = await svc.ask(req, {
            ...opts,
            onPlanRequest: (q) => {
              request = q;
              opts?.onPlanRequest?.(q);
            },
          });
          this.metrics?.asks.inc({ planner: r.planner, status: 'ok' });
          this.metrics?.seconds.observe({ stage: 'plan' }, r.timings.plan_ms / 1000);
          this.metrics?.seconds.observe({ stage: 'execute' }, r.timings.execute_ms / 1000);
          this.metrics?.seconds.observe({ stage: 'total' }, r.timings.total_ms / 1000);
          this.lastAnswer = { at: this.ctx.clock.now(), ms: r.timings.total_ms, planner: r.planner };
          this.ctx.bus.emit('agent.answered', {
            answer_id: randomUUID(),
            result: { ...r, question: req.question },
            ...(request !== null ? { context: planContextOf(request) } : {}),
            at: this.ctx.clock.now(),
          });
          return r;
        } catch (err) {
          this.metrics?.asks.inc({ planner: 'none', status: asHomeSightError(err).code });
          throw err;
        }
      },
      plan: (req, opts) => svc.plan(req, opts),
      correct: (q, p, n) => svc.correct(q, p, n),
    };
  }

  async stop(): Promise<void> {
    this.handler?.stop();
    this.handler = null;
    this.serviceRef = null;
    await this.local?.dispose();
    this.local = null;
  }

  health(): ModuleHealth {
    const a = this.config.agent;
    const details: Record<string, unknown> = {
      planner: a.planner,
      local: this.local?.info() ?? null,
      local_error: this.localError,
      cloud: a.cloud.url ?? null,
      mqtt: this.handler?.stats ?? null,
      last_answer: this.lastAnswer,
    };
    if (this.serviceRef === null) return { status: 'failed', summary: 'not running', details };
    if (a.planner === 'local' && this.localError !== null) {
      return { status: 'degraded', summary: `local planner unavailable (${this.localError.code}); retrieval planner answers`, details };
    }
    const which =
      a.planner === 'local' ? (this.local?.loaded === true ? 'local model loaded' : 'local model loading') : `${a.planner} planner`;
    return { status: 'ok', summary: `${which}${this.handler !== null ? '; serving agent/ask' : ''}`, details };
  }

  reload(next: HomeSightConfig): ReloadOutcome {
    const prev = this.config.agent;
    const n = next.agent;
    const needsRestart: string[] = [];
    const applied: string[] = [];
    if (!sameJson(prev.llm, n.llm) || prev.planner !== n.planner) needsRestart.push('agent.llm', 'agent.planner');
    if (!sameJson(prev.cloud, n.cloud)) needsRestart.push('agent.cloud');
    // The executor keeps the node timeout it was built with.
    if (prev.node_timeout_ms !== n.node_timeout_ms) needsRestart.push('agent.node_timeout_ms');
    if (
      prev.rate_limit_per_min !== n.rate_limit_per_min ||
      prev.max_payload_bytes !== n.max_payload_bytes ||
      prev.max_concurrent !== n.max_concurrent
    ) {
      needsRestart.push('agent.rate_limit_per_min', 'agent.max_payload_bytes', 'agent.max_concurrent');
    }
    this.config = {
      ...this.config,
      agent: { ...n, llm: prev.llm, cloud: prev.cloud, planner: prev.planner, node_timeout_ms: prev.node_timeout_ms },
    };
    this.serviceRef?.update(this.config.agent, householdInfo(next));
    for (const k of ['max_repairs', 'allow_tools', 'hub_topics'] as const) {
      if (!sameJson(prev[k], n[k])) applied.push(`agent.${k}`);
    }
    return { applied, needsRestart: [...new Set(needsRestart)] };
  }
}

/** The daemon's factory (agent/definition.ts loads this file when the module is enabled). */
export function createAgentModule(ctx: ModuleContext): AgentModule {
  return new AgentModule(ctx);
}

export type { AgentConfig };
