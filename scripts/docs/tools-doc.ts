/**
 * docs/agent-tools.md: every tool of the agent's catalog with its
 * description, arguments (from its zod input schema), which arguments take
 * `<node-j>` references, its output kind and fields, and whether it has a
 * side effect.
 */
import { CATALOG, type ToolDefinition } from '../../daemon/agent/index.js';
import { cell, defaultText, type JsonSchema, toJsonSchema, typeText } from './json-schema.js';
import { generatedBanner, markdownTable } from './render.js';

const INTRO = `# Agent tools

The tool catalog (\`daemon/agent/catalog/\`) is the only source of what the agent can do: the planner prompt, the
grammar that constrains the local model, plan validation and the executor's argument checks are all derived from
it, and so is this page. A plan node names a tool and gives its arguments; an argument value \`"<node-j>"\` passes
the output of the j-th (earlier, 0-based) node, and only the arguments listed with *references* below accept one,
from tools whose output kind is listed. When that output has a field named like the argument (\`start\` and \`end\`
of a time range), that field is passed. How plans are made, checked and run: [agent.md](agent.md).

Tools with a side effect run only when listed in \`agent.allow_tools\` (see [configuration](configuration.md#agent));
otherwise they are left out of the grammar and the prompt, refused by validation and refused again by the tool.`;

function summaryTable(tools: readonly ToolDefinition[]): string {
  return markdownTable(
    ['tool', 'output kind', 'side effect', 'what it does'],
    tools.map((t) => [`[\`${t.name}\`](#${t.name})`, `\`${t.kind}\``, t.sideEffects ? 'yes' : 'no', cell(t.description)]),
  );
}

function referenceText(tool: ToolDefinition, arg: string): string {
  const spec = tool.refs[arg];
  if (spec === undefined) return '';
  const what = spec.many ? 'a list of `<node-j>`' : '`<node-j>`';
  return `${what} of ${spec.kinds.map((k) => `\`${k}\``).join(', ')}${spec.only ? ' (references only)' : ''}`;
}

function argumentsTable(tool: ToolDefinition): string {
  const schema = toJsonSchema(tool.input);
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties ?? {}).map(([arg, s]) => [
    `\`${arg}\``,
    cell(typeText(s)),
    required.has(arg) && s.default === undefined ? 'yes' : 'no',
    cell(defaultText(s)),
    cell(referenceText(tool, arg)),
    cell(s.description ?? ''),
  ]);
  return markdownTable(['argument', 'type', 'required', 'default', 'references', 'description'], rows);
}

/** `` `start` (ISO date-time), `frames` (list of {camera, ts, width, height}) ``: the top-level fields of an output. */
function outputText(s: JsonSchema): string {
  if (s.properties === undefined) return typeText(s);
  return Object.entries(s.properties)
    .map(([k, v]) => {
      const nested = v.type === 'array' ? v.items?.properties : v.properties;
      const inner = nested === undefined ? typeText(v) : `${v.type === 'array' ? 'list of ' : ''}{${Object.keys(nested).join(', ')}}`;
      return `\`${k}\` (${inner})`;
    })
    .join(', ');
}

function toolSection(tool: ToolDefinition): string {
  const example = JSON.stringify({ task: tool.name, arguments: tool.example });
  return [
    `## \`${tool.name}\``,
    '',
    tool.description,
    '',
    argumentsTable(tool),
    '',
    `- **Output** (kind \`${tool.kind}\`): ${outputText(toJsonSchema(tool.output))}`,
    `- **Side effect**: ${tool.sideEffects ? 'yes — runs only when listed in `agent.allow_tools`' : 'no'}`,
    `- **Example node**: \`${example}\``,
  ].join('\n');
}

export function renderAgentToolsDoc(): string {
  const tools = CATALOG as unknown as readonly ToolDefinition[];
  const parts = [generatedBanner('the tool catalog in daemon/agent'), INTRO, '', summaryTable(tools)];
  parts.push(...tools.map((t) => `\n${toolSection(t)}`));
  return `${parts.join('\n')}\n`;
}
