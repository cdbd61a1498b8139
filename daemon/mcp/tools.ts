import { z } from 'zod';
import {
  CATALOG,
  createToolImpls,
  type AgentDeps,
  type HouseholdInfo,
  type ToolDefinition,
  type ToolName,
  type ToolRunContext,
} from '../agent/index.js';
import { HomeSightError, type Clock } from '../system/index.js';
import { MQTT_REQUESTS } from '../mqtt/index.js';
import type { AskArgs, McpPorts, ServiceRoute } from './ports.js';
import { askInput, askOutput } from './ports.js';

/**
 * The tools the MCP server offers: the agent catalog's tools (their zod schemas are the tool schemas; nothing is
 * re-declared here), `ask` (the whole agent), the watch tools and `recap`. The server (server.ts) validates the
 * arguments against `input`, so a tool's run() gets parsed arguments.
 */

/** What a tool returns: the structured result, and stored snapshots (paths) to attach as images. */
export interface ToolReply {
  data: Record<string, unknown>;
  /** A line for the text content, when the JSON alone reads badly (ask's answer). */
  text?: string;
  /** Snapshot paths as the store keeps them (relative to paths.data_dir or absolute). */
  snapshots: string[];
}

export interface McpTool {
  name: string;
  description: string;
  input: z.ZodObject;
  /** Schema of `data` (structured content), where one is declared. */
  output?: z.ZodType;
  /** Changes nothing in the house (MCP's readOnlyHint). */
  readOnly: boolean;
  run(args: Record<string, unknown>, signal: AbortSignal): Promise<ToolReply>;
}

/** Catalog tools MCP does not offer, and why (a test checks every other catalog tool is offered). */
export const NOT_OFFERED: Readonly<Partial<Record<ToolName, string>>> = {
  get_frames: 'its frames are pixel data that live only inside one plan run; `ask` looks at video',
  detect_persons: 'it works on frames from get_frames inside a plan run; `ask` runs it',
  recognize_identity: 'it works on frames from get_frames inside a plan run; `ask` runs it',
  recognize_activity: 'it works on frames from get_frames inside a plan run; `ask` runs it',
  evidence_clip: 'it returns the path of a clip file on the device, which an MCP client cannot open',
  compose_answer: 'it writes an answer from the outputs of earlier plan nodes; `ask` answers questions',
};

/** Which catalog tools are offered: not listed in NOT_OFFERED; side-effect tools only when allow-listed (mcp.allow_tools). */
export function offeredCatalog(allowTools: readonly string[]): ToolDefinition[] {
  return (CATALOG as readonly ToolDefinition[]).filter(
    (t) => NOT_OFFERED[t.name as ToolName] === undefined && (!t.sideEffects || allowTools.includes(t.name)),
  );
}

/** How to fill an argument that a plan fills with a reference: with the JSON another offered tool returned. */
function referenceNotes(tool: ToolDefinition, offered: readonly ToolDefinition[]): string {
  const notes: string[] = [];
  for (const [arg, ref] of Object.entries(tool.refs)) {
    if (ref.only !== true) continue;
    const producers = offered.filter((t) => ref.kinds.includes(t.kind)).map((t) => t.name);
    if (producers.length > 0) notes.push(`\`${arg}\`: pass the result of ${producers.join(', ')} as it was returned.`);
  }
  return notes.length === 0 ? '' : ` ${notes.join(' ')}`;
}

/** Snapshot paths in a catalog tool's output: evidence items and a sighting carry them. */
function snapshotsOf(tool: ToolDefinition, data: Record<string, unknown>): string[] {
  const paths: unknown[] = [];
  if (tool.kind === 'evidence' && Array.isArray(data.items)) {
    for (const it of data.items) paths.push((it as { snapshot?: unknown }).snapshot);
  } else if (tool.kind === 'sighting' && typeof data.seen === 'object' && data.seen !== null) {
    paths.push((data.seen as { snapshot?: unknown }).snapshot);
  }
  return paths.filter((p): p is string => typeof p === 'string' && p !== '');
}

export interface CatalogToolsOptions {
  /** The agent's ports (memory events, long-term memory, hub), read at call time. */
  deps: () => AgentDeps;
  household: () => HouseholdInfo;
  clock: Clock;
  /** Side-effect tools MCP clients may call (mcp.allow_tools). */
  allowTools: readonly string[];
  /** Topics publish_to_hub may write (agent.hub_topics). */
  hubTopics: readonly string[];
}

/** The offered catalog tools, each run through the agent's own implementation. */
export function catalogTools(o: CatalogToolsOptions): McpTool[] {
  const impls = createToolImpls();
  const offered = offeredCatalog(o.allowTools);
  return offered.map((tool) => ({
    name: tool.name,
    description: tool.description + referenceNotes(tool, offered),
    input: tool.input,
    output: tool.output,
    readOnly: !tool.sideEffects,
    async run(args, signal) {
      const ctx: ToolRunContext = {
        deps: o.deps(),
        household: o.household(),
        now: o.clock.now(),
        question: `(MCP tool call: ${tool.name})`,
        signal,
        allowTools: o.allowTools,
        hubTopics: o.hubTopics,
        refs: new Map(),
        visionCache: new Map(),
        frameStore: new Map(),
        ranges: [],
      };
      const impl = createdImpl(impls, tool.name);
      const checked = tool.output.safeParse(await impl(args, ctx));
      if (!checked.success) {
        throw new HomeSightError('E_TOOL_OUTPUT', `${tool.name} returned output that does not match its schema`, {
          context: { tool: tool.name, issue: checked.error.issues[0]?.message ?? '' },
        });
      }
      const data = checked.data as Record<string, unknown>;
      return { data, snapshots: snapshotsOf(tool, data) };
    },
  }));
}

function createdImpl(impls: ReturnType<typeof createToolImpls>, name: string): (args: unknown, ctx: ToolRunContext) => Promise<unknown> {
  return impls[name as ToolName] as (args: unknown, ctx: ToolRunContext) => Promise<unknown>;
}

/** Evidence snapshots attached to an answer as images. */
const ASK_IMAGES = 3;

/** The tools over a daemon service's MQTT route: the route's schemas and description are the tool's. */
const ROUTE_TOOLS: ReadonlyArray<{
  name: string;
  route: ServiceRoute;
  readOnly: boolean;
  note?: string;
  /** The text line and snapshots of a reply, where it has them. */
  reply?: (data: Record<string, unknown>) => { text: string; snapshots: string[] };
}> = [
  {
    name: 'watch_create',
    route: 'watch/create',
    readOnly: false,
    note: 'Times are epoch milliseconds; `ask` turns words ("tell me when grandpa gets up") into a watch',
  },
  { name: 'watch_list', route: 'watch/list', readOnly: true },
  { name: 'watch_cancel', route: 'watch/cancel', readOnly: false },
  {
    name: 'recap',
    route: 'recap/get',
    readOnly: true,
    note: 'The evidence snapshots come back as images',
    reply: (data) => ({ text: String(data.text ?? ''), snapshots: recapSnapshots(data) }),
  },
];

/** Evidence snapshots anywhere in a recap (people, unknown visitors, falls). */
function recapSnapshots(data: Record<string, unknown>): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'snapshot' && typeof x === 'string' && x !== '') out.push(x);
        else visit(x);
      }
    }
  };
  visit(data);
  return [...new Set(out)].slice(0, RECAP_IMAGES);
}

/** Snapshots attached to a recap. */
const RECAP_IMAGES = 6;

/** `ask`, the watch tools and `recap`, where the ports for them exist. */
export function serviceTools(ports: McpPorts): McpTool[] {
  const tools: McpTool[] = [];
  const asker = ports.ask;
  if (asker !== undefined) {
    tools.push({
      name: 'ask',
      description:
        'Asks HomeSight a question about the home in plain language ("who was in the kitchen this morning?", ' +
        '"when did Alice last come home?") and returns the answer with its evidence (events and snapshots). ' +
        'It plans and runs the other tools itself; standing orders ("tell me when …") become watches.',
      input: askInput,
      output: askOutput,
      readOnly: false,
      async run(args, signal) {
        const answer = await asker.ask(args as AskArgs, signal);
        const data = askOutput.parse(answer);
        return {
          data,
          text: data.answer,
          snapshots: data.evidence
            .map((e) => e.snapshot)
            .filter((s): s is string => s !== null)
            .slice(0, ASK_IMAGES),
        };
      },
    });
  }
  for (const spec of ROUTE_TOOLS) {
    const handler = ports.routes[spec.route] as
      | ((args: Record<string, unknown>, signal: AbortSignal) => Promise<Record<string, unknown>>)
      | undefined;
    if (handler === undefined) continue;
    const route = MQTT_REQUESTS[spec.route];
    tools.push({
      name: spec.name,
      description: `${route.description}.${spec.note === undefined ? '' : ` ${spec.note}`}`,
      input: route.request as z.ZodObject,
      output: route.response,
      readOnly: spec.readOnly,
      async run(args, signal) {
        const data = await handler(args, signal);
        return spec.reply === undefined ? { data, snapshots: [] } : { data, ...spec.reply(data) };
      },
    });
  }
  return tools;
}
