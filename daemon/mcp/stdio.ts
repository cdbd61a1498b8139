import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Readable, Writable } from 'node:stream';
import { memoryConversations, memoryEvents, memoryLongTerm, type AgentClient, type Envelope } from '../agent/index.js';
import type { HomeSightConfig } from '../config/index.js';
import { MemoryStore, memoryDbPath } from '../memory/index.js';
import { HomeSightError, isErrorCode, systemClock, type Clock, type Logger } from '../system/index.js';
import {
  SERVICE_ROUTES,
  askOutput,
  type AskPort,
  type McpHouse,
  type RouteArgs,
  type RouteHandlers,
  type RouteResult,
  type ServiceRoute,
} from './ports.js';
import { createMcpServer } from './server.js';

/**
 * `homesight mcp`: MCP over stdio for a desktop assistant that starts HomeSight as a subprocess, beside the running
 * daemon. The store-backed tools and the resources read the daemon's SQLite database in this process, read only
 * (WAL lets a reader work while the daemon writes, and a tool call costs no round trip through the daemon); `ask`
 * goes to the daemon over MQTT (agent/ask), where the planner model is loaded, and so do the watch and recap tools
 * (watch/*, recap/get). So it works with the daemon as it
 * runs by default (the embedded broker), without enabling the HTTP endpoint or handing out its token. Side-effect
 * tools are not offered here: this process writes nothing (`ask` can still remember, where agent.allow_tools lets it).
 */

export interface StdioOptions {
  config: HomeSightConfig;
  log: Logger;
  /** A client of the daemon's MQTT API (connects on first use). */
  daemon: AgentClient;
  /** Bound for one ask over MQTT (planning on a small CPU takes a while). */
  askTimeoutMs?: number;
  /** Bound for one watch or recap request over MQTT (an unserved route gets no answer at all). */
  routeTimeoutMs?: number;
  clock?: Clock;
  /** The streams MCP speaks on (default: this process's stdin/stdout). */
  input?: Readable;
  output?: Writable;
}

/** A reply envelope's error as a HomeSightError (the daemon's code where it is a registered one). */
export function envelopeError(env: Envelope): HomeSightError {
  const e = env.error ?? { code: 'E_UNKNOWN', message: 'error reply without an error object' };
  const options: { context: Record<string, unknown>; hint?: string } = { context: { command: env.command, daemon_code: e.code } };
  if (e.hint !== undefined) options.hint = e.hint;
  return new HomeSightError(isErrorCode(e.code) ? e.code : 'E_UNKNOWN', e.message, options);
}

/** ask over MQTT (agent/ask on the daemon). */
export function mqttAsk(daemon: AgentClient, timeoutMs: number): AskPort {
  return {
    async ask(args, signal) {
      const fields: Parameters<AgentClient['ask']>[1] = {};
      if (args.conversation_id !== undefined) fields.conversation_id = args.conversation_id;
      if (args.options !== undefined) fields.options = args.options;
      const env = await daemon.ask(args.question, fields, { timeoutMs, signal });
      if (env.status === 'error') throw envelopeError(env);
      return askOutput.parse(env.data);
    },
  };
}

/** The watch and recap routes over MQTT: the tool's arguments are the route's request as it is. */
export function mqttRoutes(daemon: AgentClient, timeoutMs: number): RouteHandlers {
  const call =
    <T extends ServiceRoute>(route: T) =>
    async (args: RouteArgs<T>, signal: AbortSignal): Promise<RouteResult<T>> => {
      let env: Envelope;
      try {
        env = await daemon.requestRaw(route, JSON.stringify(args), { timeoutMs, signal });
      } catch (err) {
        if (!(err instanceof HomeSightError) || err.code !== 'E_TIMEOUT') throw err;
        throw new HomeSightError('E_TIMEOUT', `the daemon did not answer ${route} within ${timeoutMs} ms`, {
          context: { route },
          hint: `is the module serving ${route} enabled on the daemon (${route.startsWith('watch') ? 'watches' : 'recaps'}.enabled)?`,
        });
      }
      if (env.status === 'error') throw envelopeError(env);
      return env.data as RouteResult<T>;
    };
  return Object.fromEntries(SERVICE_ROUTES.map((r) => [r, call(r)])) as RouteHandlers;
}

/** Serves MCP on stdio until the input ends; resolves then (the store is closed). */
export async function serveStdio(o: StdioOptions): Promise<void> {
  const store = new MemoryStore({ file: memoryDbPath(o.config), log: o.log, clock: o.clock ?? systemClock, readOnly: true });
  const config: HomeSightConfig = { ...o.config, mcp: { ...o.config.mcp, allow_tools: [] } };
  const askTimeoutMs = o.askTimeoutMs ?? 180_000;
  const house: McpHouse = {
    config: () => config,
    deps: () => ({
      events: memoryEvents(() => store),
      longTerm: memoryLongTerm(() => store),
      conversations: memoryConversations(() => store),
    }),
    clock: o.clock ?? systemClock,
    ports: { ask: mqttAsk(o.daemon, askTimeoutMs), routes: mqttRoutes(o.daemon, o.routeTimeoutMs ?? 15_000) },
  };
  const server = createMcpServer(house, { log: o.log });
  const input = o.input ?? process.stdin;
  const transport = new StdioServerTransport(input, o.output ?? process.stdout);
  const ended = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
    transport.onclose = () => resolve();
  });
  try {
    await server.connect(transport);
    o.log.info({ db: store.file }, 'MCP on stdio: tools read the store; ask goes to the daemon over MQTT');
    await ended;
  } finally {
    await server.close().catch(() => undefined);
    store.close();
  }
}
