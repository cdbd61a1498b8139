import { z } from 'zod';
import type { AgentDeps } from '../agent/index.js';
import type { HomeSightConfig } from '../config/index.js';
import { MQTT_REQUESTS } from '../mqtt/index.js';
import type { Clock } from '../system/index.js';

/**
 * What the MCP server needs from the rest of HomeSight, as narrow ports. Two sets of implementations exist: the
 * daemon's (module.ts: the running modules in this process) and `homesight mcp`'s (stdio.ts: the daemon's database
 * read only, and ask/watch requests sent to the running daemon over MQTT).
 */

/** ask's arguments: agent/ask's request schema (the MQTT API), less the household and replay fields. */
export const askInput = MQTT_REQUESTS['agent/ask'].request.pick({ question: true, conversation_id: true, options: true });
export type AskArgs = z.output<typeof askInput>;

/** The agent's answer as MCP returns it (a subset of agent/ask's reply). */
export const askOutput = z.object({
  answer: z.string().describe('the answer in plain language'),
  planner: z.string().describe('which planner made the plan'),
  evidence: z.array(
    z.object({
      event: z
        .object({
          id: z.string().nullable(),
          camera: z.string(),
          start: z.string(),
          identity: z.string().nullable(),
          activity: z.string().nullable(),
        })
        .nullable(),
      snapshot: z.string().nullable().describe('stored snapshot (attached to the result as an image)'),
    }),
  ),
  notes: z.array(z.string()),
  conversation_id: z.string().nullable(),
});
export type AskAnswer = z.infer<typeof askOutput>;

/** The whole agent: a question in, the answer with evidence out. */
export interface AskPort {
  ask(args: AskArgs, signal: AbortSignal): Promise<AskAnswer>;
}

/** Daemon services MCP offers as tools with their MQTT API route's request and response schemas, as they are. */
export const SERVICE_ROUTES = ['watch/create', 'watch/list', 'watch/cancel', 'recap/get'] as const;
export type ServiceRoute = (typeof SERVICE_ROUTES)[number];
export type RouteArgs<T extends ServiceRoute> = z.output<(typeof MQTT_REQUESTS)[T]['request']>;
export type RouteResult<T extends ServiceRoute> = z.input<(typeof MQTT_REQUESTS)[T]['response']>;
/** How a route is served: in the daemon by the service itself, in `homesight mcp` by the route over MQTT. */
export type RouteHandlers = { [T in ServiceRoute]?: (args: RouteArgs<T>, signal: AbortSignal) => Promise<RouteResult<T>> };

export interface McpPorts {
  ask?: AskPort;
  routes: RouteHandlers;
}

/** Everything one MCP server session reads: the config, the agent's ports into memory, the services. */
export interface McpHouse {
  /** The current config (household, cameras, paths.data_dir, agent.hub_topics, mcp.allow_tools). */
  config(): HomeSightConfig;
  /** The agent's ports (memory events, long-term memory, the hub), read at call time. */
  deps(): AgentDeps;
  clock: Clock;
  ports: McpPorts;
}
