/**
 * Reading the JSON Schema that zod derives (z.toJSONSchema) for documentation:
 * a short type text with its constraints, a default text, and a flat list of
 * key rows. The docs go through JSON Schema rather than zod internals because
 * it is zod's public, stable description of a schema (the MQTT discovery and
 * the grammars are derived the same way).
 */
import { z } from 'zod';

/** The part of JSON Schema (draft 2020-12, as zod 4 writes it) that the docs read. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  format?: string;
  examples?: unknown[];
  /** Config keys applied on reload without a restart (zod metadata `live: true`). */
  live?: boolean;
  [key: string]: unknown;
}

/** The input-side JSON Schema of a zod schema (defaults shown, refinements left out). */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** zod writes integer bounds it adds itself as ±MAX_SAFE_INTEGER; they say nothing to a reader. */
function bound(n: number | undefined): number | undefined {
  return n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER ? undefined : n;
}

/** `1–64`, `≥ 0`, `> 0, ≤ 4`: the numeric range of a number schema, or '' when it has none. */
function rangeText(s: JsonSchema): string {
  const lo = bound(s.minimum);
  const hi = bound(s.maximum);
  const xlo = bound(s.exclusiveMinimum);
  const xhi = bound(s.exclusiveMaximum);
  if (lo !== undefined && hi !== undefined) return `${lo}–${hi}`;
  const parts: string[] = [];
  if (lo !== undefined) parts.push(`≥ ${lo}`);
  if (xlo !== undefined) parts.push(`> ${xlo}`);
  if (hi !== undefined) parts.push(`≤ ${hi}`);
  if (xhi !== undefined) parts.push(`< ${xhi}`);
  return parts.join(', ');
}

function lengthText(min: number | undefined, max: number | undefined, unit: string): string {
  if (min !== undefined && max !== undefined) return min === max ? `${min} ${unit}` : `${min}–${max} ${unit}`;
  if (max !== undefined) return `≤ ${max} ${unit}`;
  if (min !== undefined && min > 1) return `≥ ${min} ${unit}`;
  if (min === 1) return 'non-empty';
  return '';
}

function literal(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The object schemas a union offers, with the value of the discriminating key they share, if any. */
export interface UnionVariant {
  schema: JsonSchema;
  /** `{key: 'kind', value: 'rtsp'}` when every variant has the same key with a const value. */
  tag?: { key: string; value: string };
}

/** The variants of a union of objects (zod's discriminatedUnion), or null when the schema is not one. */
export function objectVariants(s: JsonSchema): UnionVariant[] | null {
  const alts = s.oneOf ?? s.anyOf;
  if (alts === undefined || !alts.every((a) => a.properties !== undefined)) return null;
  const first = alts[0]?.properties ?? {};
  const key = Object.keys(first).find((k) => alts.every((a) => a.properties?.[k]?.const !== undefined));
  return alts.map((a) => (key === undefined ? { schema: a } : { schema: a, tag: { key, value: literal(a.properties?.[key]?.const) } }));
}

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  uri: 'URL',
  'date-time': 'ISO date-time',
  date: 'ISO date',
  email: 'e-mail address',
  uuid: 'UUID',
};

/**
 * A short reader's text for a schema's type and constraints, e.g. `integer 1–64`,
 * `` `tcp` | `udp` ``, `list of string (non-empty)`, `map of name → object` (escape with `cell` for a table).
 */
export function typeText(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${literal(s.const)}\``;
  if (s.enum !== undefined) return s.enum.map((v) => `\`${literal(v)}\``).join(' | ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts !== undefined) {
    const variants = objectVariants(s);
    if (variants?.[0]?.tag !== undefined) return `object by \`${variants[0].tag.key}\``;
    return alts.map(typeText).join(' or ');
  }
  if (Array.isArray(s.type)) return s.type.map((t) => typeText({ ...s, type: t })).join(' or ');
  const type = s.type;
  switch (type) {
    case 'string': {
      // A named format (zod's z.iso.datetime(), .url()) says more than the pattern zod writes for it.
      const parts = [s.format === undefined ? 'string' : (FORMAT_NAMES[s.format] ?? `string (${s.format})`)];
      if (s.pattern !== undefined && s.format === undefined) parts.push(`matching \`${s.pattern}\``);
      const len = lengthText(s.minLength, s.maxLength, 'chars');
      if (len !== '') parts.push(`(${len})`);
      return parts.join(' ');
    }
    case 'number':
    case 'integer': {
      const range = rangeText(s);
      return range === '' ? type : `${type} ${range}`;
    }
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      if (s.prefixItems !== undefined) return `[${s.prefixItems.map(typeText).join(', ')}]`;
      const len = lengthText(s.minItems, s.maxItems, 'items');
      const inner = s.items === undefined ? 'any' : typeText(s.items);
      return `list of ${inner}${len === '' ? '' : ` (${len})`}`;
    }
    case 'object': {
      if (s.properties !== undefined) return 'object';
      if (typeof s.additionalProperties === 'object') {
        const key = s.propertyNames === undefined ? 'string' : s.propertyNames.pattern === undefined ? 'string' : 'name';
        return `map of ${key} → ${typeText(s.additionalProperties)}`;
      }
      return 'object';
    }
    default:
      return 'any';
  }
}

/** The default as a reader sees it (`` `var/data` ``, `30`, `[tensorrt, cuda, cpu]`), or '' when there is none worth showing. */
export function defaultText(s: JsonSchema): string {
  const d = s.default;
  if (d === undefined) return '';
  if (typeof d === 'object' && d !== null && !Array.isArray(d) && Object.keys(d).length === 0) return '';
  if (typeof d === 'string') return d === '' ? '`""`' : `\`${d}\``;
  if (Array.isArray(d)) return `\`[${d.map(literal).join(', ')}]\``;
  return `\`${JSON.stringify(d)}\``;
}

/** One documented key of a nested schema. */
export interface KeyRow {
  /** Dotted path; `<name>` stands for a map key, `[]` for a list element. */
  path: string;
  schema: JsonSchema;
  required: boolean;
  /** `kind: rtsp` when the key belongs to one variant of a union. */
  variant?: string;
  /** Marked live by itself or by an enclosing object. */
  live: boolean;
}

function isObjectLike(s: JsonSchema): boolean {
  return s.properties !== undefined || objectVariants(s) !== null;
}

/**
 * Every key below `schema` in schema order, depth first. Objects with their own
 * properties are expanded (and listed themselves only when they carry a
 * description); a map's values appear under `<name>`, a list's object elements under `[]`.
 */
export function flattenKeys(schema: JsonSchema, prefix = '', inheritedLive = false, variant?: string): KeyRow[] {
  const rows: KeyRow[] = [];
  const variants = objectVariants(schema);
  if (variants !== null) {
    for (const v of variants) {
      const tag = v.tag === undefined ? undefined : `${v.tag.key}: ${v.tag.value}`;
      const own = flattenKeys(v.schema, prefix, inheritedLive, tag ?? variant);
      rows.push(...own.filter((r) => v.tag === undefined || r.path !== `${prefix}${v.tag.key}`));
    }
    return rows;
  }
  const required = new Set(schema.required ?? []);
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${key}`;
    const live = inheritedLive || child.live === true;
    const isRequired = required.has(key) && child.default === undefined;
    const row: KeyRow = { path, schema: child, required: isRequired, live, ...(variant === undefined ? {} : { variant }) };
    const childVariants = objectVariants(child);
    if (childVariants?.[0]?.tag !== undefined) {
      const tag = childVariants[0].tag.key;
      const values = childVariants.map((v) => v.tag?.value);
      const tagSchema: JsonSchema = { enum: values, description: `selects the keys below (${values.join(', ')})` };
      rows.push({ path: `${path}.${tag}`, schema: tagSchema, required: true, live, ...(variant === undefined ? {} : { variant }) });
      rows.push(...flattenKeys(child, `${path}.`, live));
    } else if (child.properties !== undefined) {
      if (child.description !== undefined) rows.push(row);
      rows.push(...flattenKeys(child, `${path}.`, live, variant));
    } else if (typeof child.additionalProperties === 'object' && isObjectLike(child.additionalProperties)) {
      rows.push(row);
      rows.push(...flattenKeys(child.additionalProperties, `${path}.<name>.`, live, variant));
    } else if (child.type === 'array' && child.items !== undefined && isObjectLike(child.items)) {
      rows.push(row);
      rows.push(...flattenKeys(child.items, `${path}[].`, live, variant));
    } else {
      rows.push(row);
    }
  }
  return rows;
}

/** Escapes text for one Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
