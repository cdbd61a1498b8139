import { AgentModule, memoryConversations, memoryEvents, memoryLongTerm, type AgentDeps } from '../agent/index.js';
import { readSecret, type HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import { MemoryModule, type MemoryStore } from '../memory/index.js';
import {
  HomeSightError,
  type Logger,
  type ModuleHealth,
  type ReloadOutcome,
  type ServiceContainer,
  type ServiceModule,
} from '../system/index.js';
import { findRecapService, type RecapService } from '../recaps/index.js';
import { findWatchService, type WatchService } from '../watches/index.js';
import { McpHttpEndpoint } from './http.js';
import type { AskPort, McpHouse, McpPorts, RouteHandlers } from './ports.js';
import { createMcpServer } from './server.js';

/**
 * The MCP server as a daemon module: Streamable HTTP on mcp.host:mcp.port (bearer token), over this daemon's own
 * modules: memory for the store-backed tools and resources, the agent for `ask`, watches and recaps when they run.
 * Not essential: without it the daemon does everything else.
 */
export class McpModule implements ServiceModule<HomeSightConfig> {
  readonly name = 'mcp';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private config: HomeSightConfig;
  private readonly log: Logger;
  private endpoint: McpHttpEndpoint | null = null;
  private url: string | null = null;

  constructor(private readonly ctx: ModuleContext) {
    this.config = ctx.config;
    this.log = ctx.log;
    this.dependsOn = ctx.dependsOn;
  }

  /** The endpoint's URL once started (http://host:port/mcp). */
  get endpointUrl(): string | null {
    return this.url;
  }

  /** What an MCP session reads in this daemon; also used in-process (tests, the benchmark). */
  house(): McpHouse {
    const c = this.ctx.container;
    const agent = (): AgentModule | undefined => c.find('agent', AgentModule);
    const store = (): MemoryStore | null => {
      try {
        return c.find('memory', MemoryModule)?.store ?? null;
      } catch {
        return null;
      }
    };
    const memoryDeps: AgentDeps = {
      events: memoryEvents(store),
      longTerm: memoryLongTerm(store),
      conversations: memoryConversations(store),
    };
    const ports: McpPorts = { routes: daemonRoutes(c) };
    if (agent() !== undefined) ports.ask = agentAsk(() => agent()!);
    return {
      config: () => this.config,
      // The running agent's ports (its hub for publish_to_hub included); memory alone when the agent is off.
      deps: () => {
        try {
          return agent()?.service.deps ?? memoryDeps;
        } catch {
          return memoryDeps;
        }
      },
      clock: this.ctx.clock,
      ports,
    };
  }

  async start(): Promise<void> {
    const m = this.config.mcp;
    const token = readSecret(m.token_file!, 'mcp.token_file');
    const house = this.house();
    const log = this.log;
    this.endpoint = new McpHttpEndpoint({
      host: m.host,
      port: m.port,
      token,
      maxBodyBytes: m.max_body_bytes,
      server: () => createMcpServer(house, { log }),
      log,
    });
    const bound = await this.endpoint.listen();
    this.url = bound.url;
    this.log.info({ url: bound.url }, 'MCP endpoint listening (Streamable HTTP, bearer token)');
  }

  async stop(): Promise<void> {
    await this.endpoint?.close();
    this.endpoint = null;
    this.url = null;
  }

  health(): ModuleHealth {
    if (this.endpoint === null) return { status: 'failed', summary: 'not running' };
    return { status: 'ok', summary: `MCP on ${this.url}`, details: { url: this.url, ...this.endpoint.stats } };
  }

  /** Household, cameras and agent settings apply at the next request; the mcp section itself needs a restart. */
  reload(next: HomeSightConfig): ReloadOutcome {
    const needsRestart = JSON.stringify(next.mcp) === JSON.stringify(this.config.mcp) ? [] : ['mcp'];
    this.config = { ...next, mcp: this.config.mcp };
    return { applied: [], needsRestart };
  }
}

/** The watch and recap routes served by the services of this daemon (those built in it), found at call time. */
function daemonRoutes(c: ServiceContainer): RouteHandlers {
  const routes: RouteHandlers = {};
  if (findWatchService(c) !== null) {
    const watches = (): WatchService => running(findWatchService(c), 'standing watches', 'watches');
    routes['watch/create'] = async (args) => watches().create(args.spec, args.question === undefined ? {} : { question: args.question });
    routes['watch/list'] = async (args) => ({ watches: watches().list({ all: args.all }) });
    routes['watch/cancel'] = async (args) => ({ cancelled: watches().cancel(args.watch_id), watch_id: args.watch_id });
  }
  if (findRecapService(c) !== null) {
    const recaps = (): RecapService => running(findRecapService(c), 'recaps', 'recaps');
    routes['recap/get'] = async (args) => recaps().recap(args);
  }
  return routes;
}

function running<S>(service: S | null, what: string, section: string): S {
  if (service === null) {
    throw new HomeSightError('E_TOOL_UNAVAILABLE', `${what} are not running in this daemon`, {
      hint: `enable the ${section} module (${section}.enabled)`,
    });
  }
  return service;
}

/** `ask` through the agent service the MQTT agent/ask route uses. */
function agentAsk(agent: () => AgentModule): AskPort {
  return {
    async ask(args, signal) {
      const req: Parameters<AgentModule['service']['ask']>[0] = { question: args.question };
      if (args.conversation_id !== undefined) req.conversationId = args.conversation_id;
      if (args.options !== undefined) req.options = args.options;
      const r = await agent().service.ask(req, { signal });
      return {
        answer: r.answer,
        planner: r.planner,
        evidence: r.evidence.map((e) => ({
          event:
            e.event === null
              ? null
              : { id: e.event.id, camera: e.event.camera, start: e.event.start, identity: e.event.identity, activity: e.event.activity },
          snapshot: e.snapshot,
        })),
        notes: r.notes,
        conversation_id: r.conversation_id,
      };
    },
  };
}

/** The daemon's factory (mcp/definition.ts loads this file when the module is enabled). */
export function createMcpModule(ctx: ModuleContext): McpModule {
  return new McpModule(ctx);
}
