/**
 * TaskBench-compatible tool descriptions derived from the agent's catalog
 * (never written by hand): tool_desc.json in the dailylifeapis ("temporal")
 * shape — {nodes: [{id, desc, parameters: [{name, type, desc}]}]} — plus
 * HomeSight fields (output kind, side effects, which arguments take
 * references), and graph_desc.json with the links the reference kinds allow.
 */
import { z } from 'zod';
import { CATALOG, type ToolDefinition } from '../../daemon/agent/index.js';

export interface ToolDescParameter {
  name: string;
  type: string;
  desc: string;
  required: boolean;
  enum?: string[];
  accepts_refs?: string[];
}

export interface ToolDescNode {
  id: string;
  desc: string;
  parameters: ToolDescParameter[];
  'output-type': string[];
  side_effects: boolean;
}

type Json = Record<string, unknown>;

function paramType(s: Json): string {
  if (Array.isArray(s.enum)) return 'enum';
  if (s.format === 'date-time') return 'datetime';
  if (s.format === 'date') return 'date';
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(paramType).join('|');
  if (typeof s.type === 'string') return s.type;
  return 'any';
}

function tools(): ToolDefinition[] {
  return CATALOG as readonly unknown[] as ToolDefinition[];
}

export function toolDesc(): { nodes: ToolDescNode[] } {
  return {
    nodes: tools().map((t) => {
      const schema = z.toJSONSchema(t.input, { io: 'input', unrepresentable: 'any' }) as Json;
      const props = (schema.properties ?? {}) as Record<string, Json>;
      const required = new Set((schema.required ?? []) as string[]);
      return {
        id: t.name,
        desc: t.description,
        parameters: Object.entries(props).map(([name, p]) => {
          const out: ToolDescParameter = {
            name,
            type: paramType(p),
            desc: typeof p.description === 'string' ? p.description : '',
            required: required.has(name),
          };
          if (Array.isArray(p.enum)) out.enum = p.enum as string[];
          const ref = t.refs[name];
          if (ref !== undefined) out.accepts_refs = [...ref.kinds];
          return out;
        }),
        'output-type': [t.kind],
        side_effects: t.sideEffects,
      };
    }),
  };
}

/** Which tool may feed which (a reference argument of the target accepts the source's output kind). */
export function graphDesc(): {
  nodes: Array<{ id: string; desc: string }>;
  links: Array<{ source: string; target: string; type: 'resource' }>;
} {
  const all = tools();
  const links: Array<{ source: string; target: string; type: 'resource' }> = [];
  for (const target of all) {
    const kinds = new Set(Object.values(target.refs).flatMap((r) => [...r.kinds]));
    for (const source of all)
      if (source.name !== target.name && kinds.has(source.kind)) links.push({ source: source.name, target: target.name, type: 'resource' });
  }
  return { nodes: all.map((t) => ({ id: t.name, desc: t.description })), links };
}
