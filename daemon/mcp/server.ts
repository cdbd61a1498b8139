import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type Tool as ListedTool,
} from '@modelcontextprotocol/sdk/types.js';
import { resolve } from 'node:path';
import { z } from 'zod';
import { householdInfo } from '../agent/index.js';
import { HomeSightError, VERSION, asHomeSightError, silentLogger, type Logger } from '../system/index.js';
import type { McpHouse } from './ports.js';
import { SnapshotReader } from './snapshots.js';
import { catalogTools, serviceTools, type McpTool, type ToolReply } from './tools.js';

/**
 * One MCP server over a house: the tools (tools.ts) and three resources (people, cameras, today's timeline).
 * Tools are served through the SDK's low-level request handlers rather than McpServer.registerTool: HomeSight
 * validates the arguments itself, so a bad one comes back as a tool error with its HomeSightError code, the
 * argument's name and a hint (registerTool answers with the SDK's own message). Resources use McpServer.
 */

const INSTRUCTIONS =
  'HomeSight remembers who was seen where, when and doing what on the home cameras. Use `ask` for questions in ' +
  'plain language; the other tools read the event store directly (resolve_time turns words like "today" into the ' +
  'start/end the others take). Resources: homesight://household/people, homesight://cameras, homesight://timeline/today.';

/**
 * One JSON Schema validator for every server: the SDK builds an Ajv instance per server otherwise (a few ms each,
 * and every HTTP request builds a server). HomeSight's servers never use it (no elicitation).
 */
let validator: AjvJsonSchemaValidator | null = null;

/** JSON Schemas of the zod schemas, computed once per schema (every HTTP request builds a server). */
const jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  let s = jsonSchemas.get(schema);
  if (s === undefined) {
    s = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
    jsonSchemas.set(schema, s);
  }
  return s;
}

function listing(t: McpTool): ListedTool {
  const out: ListedTool = {
    name: t.name,
    description: t.description,
    inputSchema: jsonSchema(t.input, 'input') as ListedTool['inputSchema'],
    annotations: { readOnlyHint: t.readOnly, destructiveHint: false, openWorldHint: false },
  };
  if (t.output !== undefined) out.outputSchema = jsonSchema(t.output, 'output') as NonNullable<ListedTool['outputSchema']>;
  return out;
}

/** A failed call as MCP's tool error: the code, message and hint in the text the model reads; the whole error in _meta. */
export function toolError(err: unknown): CallToolResult {
  const e = asHomeSightError(err, 'E_TOOL_FAILED');
  const text = `[${e.code}] ${e.message}${e.hint === undefined ? '' : ` (hint: ${e.hint})`}`;
  return { isError: true, content: [{ type: 'text', text }], _meta: { 'homesight/error': e.toJSON() } };
}

/** The tool's arguments parsed by its schema; an unknown or bad argument is an error that names it. */
export function parseArguments(tool: McpTool, raw: Record<string, unknown> | undefined): Record<string, unknown> {
  const args = raw ?? {};
  const known = Object.keys(tool.input.shape);
  const unknown = Object.keys(args).find((k) => !known.includes(k));
  if (unknown !== undefined) {
    throw new HomeSightError('E_ARG_UNKNOWN', `${tool.name}: unknown argument "${unknown}"`, {
      context: { tool: tool.name, argument: unknown },
      hint: known.length === 0 ? `${tool.name} takes no arguments` : `${tool.name} takes: ${known.join(', ')}`,
    });
  }
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const argument = issue.path.map(String).join('.') || 'arguments';
    throw new HomeSightError('E_ARG_INVALID', `${tool.name}: argument "${argument}": ${issue.message}`, {
      context: { tool: tool.name, argument, issues: parsed.error.issues.length },
      hint: `see the inputSchema of ${tool.name} (tools/list)`,
    });
  }
  return parsed.data as Record<string, unknown>;
}

export interface McpServerOptions {
  log?: Logger;
}

/** The tools one server offers (from the house's config and ports). */
export function houseTools(house: McpHouse): McpTool[] {
  const config = house.config();
  return [
    ...catalogTools({
      deps: () => house.deps(),
      household: () => householdInfo(house.config()),
      clock: house.clock,
      allowTools: config.mcp.allow_tools,
      hubTopics: config.agent.hub_topics,
    }),
    ...serviceTools(house.ports),
  ];
}

/** Builds the MCP server of one session (stdio: the process; HTTP: one request). */
export function createMcpServer(house: McpHouse, options: McpServerOptions = {}): McpServer {
  const log = options.log ?? silentLogger();
  const tools = houseTools(house);
  const byName = new Map(tools.map((t) => [t.name, t]));
  const snapshots = new SnapshotReader(resolve(house.config().paths.data_dir));
  const mcp = new McpServer(
    { name: 'homesight', title: 'HomeSight', version: VERSION },
    {
      capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: (validator ??= new AjvJsonSchemaValidator()),
    },
  );
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.map(listing) }));
  mcp.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    try {
      if (tool === undefined) {
        throw new HomeSightError('E_TOOL_UNKNOWN', `no tool "${request.params.name}"`, {
          context: { tool: request.params.name },
          hint: `the tools are: ${tools.map((t) => t.name).join(', ')}`,
        });
      }
      const reply = await tool.run(parseArguments(tool, request.params.arguments), extra.signal);
      return await toolResult(reply, snapshots);
    } catch (err) {
      const e = asHomeSightError(err, 'E_TOOL_FAILED');
      log.debug({ tool: request.params.name, err: e.toJSON() }, 'MCP tool call failed');
      return toolError(e);
    }
  });
  registerResources(mcp, house, byName);
  return mcp;
}

async function toolResult(reply: ToolReply, snapshots: SnapshotReader): Promise<CallToolResult> {
  const content: CallToolResult['content'] = [];
  if (reply.text !== undefined) content.push({ type: 'text', text: reply.text });
  content.push({ type: 'text', text: JSON.stringify(reply.data) });
  for (const path of reply.snapshots) {
    const jpeg = await snapshots.read(path);
    if (jpeg !== null) content.push({ type: 'image', data: jpeg.toString('base64'), mimeType: 'image/jpeg' });
  }
  return { content, structuredContent: reply.data };
}

function jsonResource(uri: URL, value: unknown): { contents: Array<{ uri: string; mimeType: string; text: string }> } {
  return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] };
}

/** Runs an offered tool for a resource (the same code path as a call). */
async function runTool(byName: ReadonlyMap<string, McpTool>, name: string, args: Record<string, unknown>): Promise<ToolReply['data']> {
  const tool = byName.get(name);
  if (tool === undefined) throw new HomeSightError('E_TOOL_UNAVAILABLE', `${name} is not offered here`);
  return (await tool.run(parseArguments(tool, args), new AbortController().signal)).data;
}

function registerResources(mcp: McpServer, house: McpHouse, byName: ReadonlyMap<string, McpTool>): void {
  mcp.registerResource(
    'people',
    'homesight://household/people',
    {
      title: 'People of the household',
      description: 'The enrolled people (names, aliases, relation) and when and where each was last seen',
      mimeType: 'application/json',
    },
    async (uri) => {
      const c = house.config();
      const people = [];
      for (const p of c.household.people) {
        const seen = await runTool(byName, 'last_seen', { person: p.name });
        people.push({ name: p.name, aliases: p.aliases, relation: p.relation ?? null, last_seen: seen.seen ?? null });
      }
      return jsonResource(uri, { household: c.household.id, timezone: c.household.timezone, rooms: c.household.rooms, people });
    },
  );
  mcp.registerResource(
    'cameras',
    'homesight://cameras',
    { title: 'Cameras', description: 'The cameras: room, kind of source, zones, whether they record', mimeType: 'application/json' },
    (uri) =>
      jsonResource(
        uri,
        Object.entries(house.config().cameras).map(([name, cam]) => ({
          name,
          room: cam.room ?? null,
          source: cam.source.kind,
          zones: cam.zones.map((z) => z.name),
          records: cam.record.enabled,
        })),
      ),
  );
  mcp.registerResource(
    'timeline-today',
    'homesight://timeline/today',
    {
      title: "Today's timeline",
      description: 'The events of today (household timezone) in time order: who, which camera and room, doing what',
      mimeType: 'application/json',
    },
    async (uri) => {
      const day = await runTool(byName, 'resolve_time', { phrase: 'today' });
      const events = await runTool(byName, 'query_events', { start: day.start, end: day.end, limit: 500 });
      return jsonResource(uri, { start: day.start, end: day.end, ...events });
    },
  );
}
