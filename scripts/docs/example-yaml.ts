/**
 * config/homesight.example.yaml: the embedded default config written out
 * key by key, each with its `.describe()` text as a comment. Keys without a
 * value appear commented out; a union (a camera's source) shows its other
 * variants commented out once; an empty map shows a commented template entry.
 */
import { stringify } from 'yaml';
import * as config from '../../daemon/config/index.js';
import { type JsonSchema, objectVariants, toJsonSchema } from './json-schema.js';

const HEADER = `# HomeSight configuration: the embedded default (what \`homesight run\` uses without a file), every key written out.
# Generated from the zod schema in daemon/config by \`npm run docs\` (scripts/docs/generate.ts) — do not edit;
# every key, type and constraint: docs/configuration.md.
# Check a file without starting the daemon: homesight config check FILE
# Environment overrides: HOMESIGHT_<PATH> with "__" between levels, e.g. HOMESIGHT_MQTT__EMBEDDED__PORT=1884.
# Secrets never go in this file: keys ending in _file name a file that holds them.
# Relative paths resolve against the working directory (systemd: /var/lib/homesight).`;

/** Column where trailing comments start, and the longest line a trailing comment may make. */
const COMMENT_COLUMN = 32;
const MAX_LINE = 120;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Flow-style YAML of a value that is written on one line (scalars, lists of scalars, tuples). */
function inline(v: Json): string {
  return stringify(v, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trimEnd();
}

function placeholder(key: string, s: JsonSchema): string {
  if (s.examples !== undefined && s.examples.length > 0) return inline(s.examples[0] as Json);
  if (s.enum !== undefined && s.enum.length > 0) return inline(s.enum[0] as Json);
  if (key.endsWith('_file')) return '<file>';
  if (s.format === 'uri' || key === 'url') return '<url>';
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  return `<${type ?? 'value'}>`;
}

/** Splits a description into comment lines no longer than `width`. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * Where a commented-out block starts: its lines keep the `#` at this column so
 * that deleting `# ` from each line gives valid YAML. null = not commented out.
 */
type Off = number | null;

class ExampleWriter {
  private readonly lines: string[] = [];
  /** Generic paths (`cameras.<name>.source`) whose other union variants or map templates were already shown. */
  private readonly shown = new Set<string>();

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }

  blank(): void {
    this.lines.push('');
  }

  private comment(text: string, indent: number, off: Off = null): void {
    this.lines.push(`${this.lead(indent, off)}# ${text}`);
  }

  private lead(indent: number, off: Off): string {
    return off === null ? ' '.repeat(indent) : `${' '.repeat(off)}# ${' '.repeat(indent - off)}`;
  }

  /** One `key: value` line (or `key:` before a block), commented out when `off`, with its description. */
  private entry(indent: number, key: string, value: string | null, s: JsonSchema, live: boolean, off: Off): void {
    const head = `${this.lead(indent, off)}${value === null ? `${key}:` : `${key}: ${value}`}`;
    const choices = s.enum !== undefined && s.enum.length > 1 && s.enum.length <= 12 ? `${s.enum.join(' | ')}` : undefined;
    const about = [s.description, choices, live ? 'live: applied on SIGHUP' : undefined].filter((x) => x !== undefined).join('; ');
    if (about === '') {
      this.lines.push(head);
      return;
    }
    const trailing = `${head.padEnd(COMMENT_COLUMN - 1)} # ${about}`;
    if (trailing.length <= MAX_LINE) {
      this.lines.push(trailing);
      return;
    }
    for (const l of wrap(about, MAX_LINE - indent - 4)) this.comment(l, indent, off);
    this.lines.push(head);
  }

  /** The keys of an object schema with the given value. */
  object(s: JsonSchema, value: JsonObject, indent: number, path: string, generic: string, live: boolean, off: Off): void {
    for (const [key, child] of Object.entries(s.properties ?? {})) {
      this.key(key, child, value[key], indent, path === '' ? key : `${path}.${key}`, generic === '' ? key : `${generic}.${key}`, live, off);
    }
  }

  private key(
    key: string,
    s: JsonSchema,
    v: Json | undefined,
    indent: number,
    path: string,
    generic: string,
    inheritedLive: boolean,
    off: Off,
  ): void {
    // Only the outermost live key says so; everything under it is live too.
    const markedLive = !inheritedLive && s.live === true;
    const live = inheritedLive || markedLive;
    const variants = objectVariants(s);
    const value: Json | undefined = v ?? (s.default as Json | undefined);
    const offHere: Off = off ?? (value === undefined ? indent : null);
    if (variants !== null) {
      const tag = variants[0]?.tag;
      const chosen = variants.find((x) => tag !== undefined && isObject(value) && x.tag?.value === value[tag.key]) ?? variants[0];
      if (chosen === undefined) return;
      this.entry(indent, key, null, s, markedLive, offHere);
      this.object(chosen.schema, isObject(value) ? value : {}, indent + 2, path, generic, live, offHere);
      if (tag !== undefined && !this.shown.has(generic)) {
        this.shown.add(generic);
        for (const other of variants.filter((x) => x !== chosen)) {
          this.comment(`or, with ${tag.key}: ${other.tag?.value ?? '?'}:`, indent, offHere);
          this.entry(indent, key, null, {}, false, offHere ?? indent);
          this.object(other.schema, { [tag.key]: other.tag?.value ?? null }, indent + 2, path, generic, live, offHere ?? indent);
        }
      }
      return;
    }
    if (s.properties !== undefined) {
      this.entry(indent, key, null, s, markedLive, offHere);
      this.object(s, isObject(value) ? value : {}, indent + 2, path, generic, live, offHere);
      return;
    }
    const entrySchema = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    const isMapOfObjects = entrySchema !== undefined && (entrySchema.properties !== undefined || objectVariants(entrySchema) !== null);
    if (s.type === 'object' && entrySchema !== undefined && isMapOfObjects) {
      const entries = isObject(value) ? Object.entries(value) : [];
      const inner: JsonSchema = { ...entrySchema, description: undefined };
      this.entry(indent, key, entries.length === 0 ? '{}' : null, s, markedLive, offHere);
      for (const [name, entry] of entries) this.key(name, inner, entry, indent + 2, `${path}.${name}`, `${generic}.<name>`, live, offHere);
      if (entries.length === 0 && !this.shown.has(generic)) {
        this.shown.add(generic);
        this.comment('for example (in place of {}):', indent + 2, offHere);
        this.key('<name>', inner, {}, indent + 2, `${path}.<name>`, `${generic}.<name>`, live, offHere ?? indent + 2);
      }
      return;
    }
    const items = s.type === 'array' ? s.items : undefined;
    if (items !== undefined && items.properties !== undefined && Array.isArray(value) && value.length > 0) {
      this.entry(indent, key, null, s, markedLive, offHere);
      for (const element of value) {
        const start = this.lines.length;
        this.object(items, isObject(element) ? element : {}, indent + 4, `${path}[]`, `${generic}[]`, live, offHere);
        // The element's first line carries the dash: `  - name: Alice`.
        const first = this.lines[start];
        if (first !== undefined) this.lines[start] = `${first.slice(0, indent + 2)}- ${first.slice(indent + 4)}`;
      }
      return;
    }
    this.entry(indent, key, value === undefined ? placeholder(key, s) : inline(value), s, markedLive, offHere);
  }
}

/** The example config file's text. */
export function renderExampleConfig(): string {
  const schema = toJsonSchema(config.configSchema);
  const value = JSON.parse(JSON.stringify(config.configSchema.parse(config.EMBEDDED_DEFAULT))) as JsonObject;
  const writer = new ExampleWriter();
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const isSection = child.properties !== undefined || typeof child.additionalProperties === 'object';
    if (isSection) writer.blank();
    writer.object({ properties: { [key]: child } }, value, 0, '', '', false, null);
  }
  return `${HEADER}\n${writer.text()}`;
}
