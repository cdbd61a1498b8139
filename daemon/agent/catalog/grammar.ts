import { z } from 'zod';
import { CATALOG, type ToolDefinition } from './tools.js';
import type { OutputKind } from './shapes.js';

/** JSON schema, GBNF-subset grammars and prompt text derived from the catalog. */

/** Household facts that narrow the grammar and validation (enums instead of free strings). */
export interface CatalogContext {
  cameras?: readonly string[];
  /** Person names (aliases resolve to these before planning). */
  people?: readonly string[];
  rooms?: readonly string[];
  /** Topics publish_to_hub may write to (agent.hub_topics). */
  hubTopics?: readonly string[];
  /** Side-effect tools that may run (agent.allow_tools). */
  allowTools?: readonly string[];
}

export interface CatalogSchemaOptions extends CatalogContext {
  /** Most nodes a plan may have (grammar maxItems). Default 8. */
  maxNodes?: number;
  /** Most task_steps (grammar). Default 4. */
  maxSteps?: number;
  /** Longest free-text string the grammar lets the LLM write. Default 80. */
  maxStringLength?: number;
  /** Tools the grammar may use (default: all; side-effect tools not allowed are left out when allowTools is given). */
  tools?: readonly string[];
}

export const MAX_NODES = 8;

export function nodeRefs(maxNodes = MAX_NODES): string[] {
  return Array.from({ length: maxNodes }, (_, i) => `<node-${i}>`);
}

type JsonSchema = Record<string, unknown>;

/** The per-argument schema with household enums applied. */
function argumentSchema(toolName: string, arg: string, schema: z.ZodType, ctx: CatalogContext): z.ZodType {
  const opt = schema instanceof z.ZodOptional;
  const base = opt ? (schema.unwrap() as z.ZodType) : schema;
  let narrowed: z.ZodType = base;
  const asEnum = (values: readonly string[] | undefined): z.ZodType | null =>
    values !== undefined && values.length > 0 ? z.enum(values as [string, ...string[]]) : null;
  if (arg === 'camera') narrowed = asEnum(ctx.cameras) ?? base;
  else if (arg === 'room') narrowed = asEnum(ctx.rooms) ?? base;
  else if (arg === 'person' || arg === 'identity')
    narrowed = asEnum(ctx.people !== undefined ? [...ctx.people, 'unknown'] : undefined) ?? base;
  else if (toolName === 'publish_to_hub' && arg === 'topic') narrowed = asEnum(ctx.hubTopics) ?? base;
  return opt ? narrowed.optional() : narrowed;
}

function toolAllowed(t: ToolDefinition, o: CatalogSchemaOptions): boolean {
  if (o.tools !== undefined && !o.tools.includes(t.name)) return false;
  if (t.sideEffects && o.allowTools !== undefined && !o.allowTools.includes(t.name)) return false;
  if (t.name === 'publish_to_hub' && o.hubTopics !== undefined && o.hubTopics.length === 0) return false;
  return true;
}

/** The zod schema of one task node as a plan writes it (references allowed where the tool says). */
export function planNodeSchema(t: ToolDefinition, o: CatalogSchemaOptions = {}): z.ZodObject {
  const refEnum = z.enum(nodeRefs(o.maxNodes ?? MAX_NODES) as [string, ...string[]]);
  const shape: Record<string, z.ZodType> = {};
  for (const [arg, s] of Object.entries(t.input.shape as Record<string, z.ZodType>)) {
    const spec = t.refs[arg];
    const narrowed = argumentSchema(t.name, arg, s, o);
    if (spec === undefined) {
      shape[arg] = narrowed;
      continue;
    }
    const opt = narrowed instanceof z.ZodOptional;
    const base = opt ? (narrowed.unwrap() as z.ZodType) : narrowed;
    let w: z.ZodType;
    if (spec.many === true)
      w = z.array(refEnum).max(4); // empty = a refusal
    else w = spec.only === true ? refEnum : z.union([refEnum, base]);
    shape[arg] = opt ? w.optional() : w;
  }
  return z.strictObject({ task: z.literal(t.name), arguments: z.strictObject(shape) });
}

/**
 * The plan grammar as standard JSON Schema (draft 2020-12), derived with
 * z.toJSONSchema: task names are an enum (one branch per tool, discriminated
 * by `task`), each branch types its own arguments.
 */
export function catalogJsonSchema(o: CatalogSchemaOptions = {}): JsonSchema {
  const tools = (CATALOG as readonly unknown[] as ToolDefinition[]).filter((t) => toolAllowed(t, o));
  const maxNodes = o.maxNodes ?? MAX_NODES;
  const nodes = tools.map((t) => planNodeSchema(t, o));
  const names = tools.map((t) => t.name) as [string, ...string[]];
  const schema = z.strictObject({
    task_steps: z.array(z.string().max(o.maxStringLength ?? 80)).max(o.maxSteps ?? 4),
    task_nodes: z
      .array(
        nodes.length === 1 ? nodes[0]! : z.discriminatedUnion('task', nodes as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]),
      )
      .min(1)
      .max(maxNodes),
    task_links: z.array(z.strictObject({ source: z.enum(names), target: z.enum(names) })).max(maxNodes * 2),
  });
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
}

/**
 * The same grammar in the subset node-llama-cpp's JSON-schema grammar
 * understands: anyOf → oneOf, optional properties become required-but-nullable
 * (its objects always emit every property; null means "not given"), free
 * strings get a maxLength so a small model cannot ramble past max_tokens,
 * unsupported keywords (pattern, minimum, …) are dropped. The result is a
 * plain JSON value; cast it to GbnfJsonSchema at the call site.
 */
export function catalogGrammarSchema(o: CatalogSchemaOptions = {}): JsonSchema {
  return toGbnfSubset(catalogJsonSchema(o), o.maxStringLength ?? 80) as JsonSchema;
}

function toGbnfSubset(s: unknown, maxLen: number): unknown {
  if (typeof s !== 'object' || s === null) return s;
  const j = s as JsonSchema;
  const alts = (j.anyOf ?? j.oneOf) as unknown[] | undefined;
  if (alts !== undefined) return { oneOf: alts.map((a) => toGbnfSubset(a, maxLen)) };
  if (j.const !== undefined) return { const: j.const };
  if (Array.isArray(j.enum)) return { enum: j.enum };
  const type = j.type;
  if (type === 'object') {
    const props = (j.properties ?? {}) as Record<string, unknown>;
    const required = new Set((j.required ?? []) as string[]);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
      const c = toGbnfSubset(v, maxLen);
      out[k] = required.has(k) ? c : { oneOf: [c, { type: 'null' }] };
    }
    return { type: 'object', properties: out, additionalProperties: false };
  }
  if (type === 'array') {
    const r: Record<string, unknown> = { type: 'array' };
    if (Array.isArray(j.prefixItems)) {
      // tuples: fixed length
      r.prefixItems = (j.prefixItems as unknown[]).map((x) => toGbnfSubset(x, maxLen));
      r.minItems = (j.prefixItems as unknown[]).length;
      r.maxItems = (j.prefixItems as unknown[]).length;
      return r;
    }
    r.items = j.items === undefined ? { type: 'string', maxLength: maxLen } : toGbnfSubset(j.items, maxLen);
    if (typeof j.minItems === 'number') r.minItems = j.minItems;
    if (typeof j.maxItems === 'number') r.maxItems = j.maxItems;
    return r;
  }
  if (type === 'string') {
    const f = j.format;
    if (f === 'date-time' || f === 'date' || f === 'time') return { type: 'string', format: f };
    const r: Record<string, unknown> = {
      type: 'string',
      maxLength: Math.min(typeof j.maxLength === 'number' ? j.maxLength : maxLen, maxLen),
    };
    if (typeof j.minLength === 'number') r.minLength = Math.min(j.minLength, maxLen);
    return r;
  }
  if (type === 'number' || type === 'integer') {
    const e = numberChoices(j);
    return e === null ? { type } : { enum: e };
  }
  if (type === 'boolean' || type === 'null') return { type };
  if (Array.isArray(type)) return { type: type.filter((x) => typeof x === 'string') };
  // unknown / any
  return { type: ['string', 'number', 'boolean', 'null'] };
}

/**
 * A GBNF grammar cannot express numeric bounds, so bounded numbers become a
 * choice of values inside the bounds (all of them for small integer ranges,
 * else 1-2-5 steps).
 */
function numberChoices(j: JsonSchema): number[] | null {
  const lo = typeof j.minimum === 'number' ? j.minimum : typeof j.exclusiveMinimum === 'number' ? j.exclusiveMinimum : null;
  const hi = typeof j.maximum === 'number' ? j.maximum : typeof j.exclusiveMaximum === 'number' ? j.exclusiveMaximum : null;
  if (lo === null || hi === null) return null;
  const ok = (v: number): boolean =>
    (typeof j.minimum !== 'number' || v >= j.minimum) &&
    (typeof j.exclusiveMinimum !== 'number' || v > j.exclusiveMinimum) &&
    (typeof j.maximum !== 'number' || v <= j.maximum) &&
    (typeof j.exclusiveMaximum !== 'number' || v < j.exclusiveMaximum);
  if (j.type === 'integer' && hi - lo <= 12) {
    const out: number[] = [];
    for (let v = Math.ceil(lo); v <= hi; v++) if (ok(v)) out.push(v);
    return out;
  }
  const steps = [0.5, 1, 2, 5, 10, 20, 30, 50, 60, 100, 200, 500, 1000];
  const out = steps.filter((v) => ok(v) && (j.type !== 'integer' || Number.isInteger(v)));
  return out.length > 0 ? out : null;
}

/** One line per tool for prompts: `name(arg, arg?) -> kind: description`. `compact` drops descriptions. */
export function catalogPrompt(o: CatalogSchemaOptions & { compact?: boolean } = {}): string {
  const tools = (CATALOG as readonly unknown[] as ToolDefinition[]).filter((t) => toolAllowed(t, o));
  return tools
    .map((t) => {
      const args = Object.entries(t.input.shape as Record<string, z.ZodType>)
        .map(([k, v]) => (v instanceof z.ZodOptional ? `${k}?` : k))
        .join(', ');
      return o.compact === true ? `${t.name}(${args})` : `${t.name}(${args}) -> ${t.kind}: ${t.description}`;
    })
    .join('\n');
}

// ───────────────────────── per-node grammar (incremental planning) ─────────────────────────

export interface NodeGrammarOptions extends CatalogSchemaOptions {
  /**
   * When set, compose_answer's question is left out of the grammar: the caller fills in this text (the model neither rewrites it nor spends
   * tokens on it).
   */
  question?: string;
  /** Only compose_answer may be chosen (last position). */
  final?: boolean;
  /**
   * start/end only as references to resolve_time (no literal ISO times): small
   * models cannot compute dates, and a reference is a few tokens instead of ~30.
   */
  timeFromRefs?: boolean;
}

/**
 * The grammar (node-llama-cpp JSON-schema subset) for the node at `index`
 * given the output kinds of the nodes before it. References can only name
 * earlier nodes whose output fits the argument, and tools that need a
 * reference nobody can give are left out — so every node the grammar admits
 * is valid in place. Returns null when no tool fits.
 */
export function nodeGrammarSchema(index: number, earlier: readonly OutputKind[], o: NodeGrammarOptions = {}): JsonSchema | null {
  const maxLen = o.maxStringLength ?? 80;
  const branches: JsonSchema[] = [];
  for (const t of CATALOG as readonly unknown[] as ToolDefinition[]) {
    if (!toolAllowed(t, o)) continue;
    if (o.final === true && t.name !== 'compose_answer') continue;
    const props: Record<string, unknown> = {};
    let possible = true;
    for (const [arg, s] of Object.entries(t.input.shape as Record<string, z.ZodType>)) {
      const narrowed = argumentSchema(t.name, arg, s, o);
      const optional = narrowed instanceof z.ZodOptional;
      const base = optional ? (narrowed.unwrap() as z.ZodType) : narrowed;
      const spec = t.refs[arg];
      const compatible = spec === undefined ? [] : earlier.flatMap((k, j) => (spec.kinds.includes(k) ? [`<node-${j}>`] : []));
      let js: unknown;
      if (t.name === 'compose_answer' && arg === 'question' && o.question !== undefined) {
        continue;
      } else if (
        spec?.only === true ||
        (o.timeFromRefs === true && spec !== undefined && spec.kinds.length === 1 && spec.kinds[0] === 'time_range')
      ) {
        if (compatible.length === 0) {
          possible = false;
          break;
        }
        js =
          spec.many === true
            ? { type: 'array', items: { enum: compatible }, minItems: 0, maxItems: Math.min(4, compatible.length) }
            : { enum: compatible };
      } else {
        const value = toGbnfSubset(z.toJSONSchema(base, { io: 'input', unrepresentable: 'any' }), maxLen);
        js = compatible.length > 0 ? { oneOf: [{ enum: compatible }, value] } : value;
      }
      props[arg] = optional ? { oneOf: [js, { type: 'null' }] } : js;
    }
    if (!possible) continue;
    branches.push({
      type: 'object',
      properties: { task: { const: t.name }, arguments: { type: 'object', properties: props, additionalProperties: false } },
      additionalProperties: false,
    });
  }
  void index;
  if (branches.length === 0) return null;
  return branches.length === 1 ? branches[0]! : { oneOf: branches };
}
