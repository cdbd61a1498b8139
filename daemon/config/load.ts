import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, parse as parseYamlValue, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { HomeSightError } from '../system/index.js';
import { configSchema, EMBEDDED_DEFAULT, type HomeSightConfig } from './schema.js';

/** One thing wrong with a config: where, which key, what was found, what is allowed. */
export interface ConfigProblem {
  /** Config file, or `env HOMESIGHT_…` for an environment override, or `<embedded default>`. */
  source: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `cameras.porch.detect.fps`. */
  path: string;
  message: string;
  found?: string;
  allowed?: string;
  hint?: string;
}

export class ConfigError extends HomeSightError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(
      'E_CONFIG',
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(formatProblem).join('\n')}`,
      {
        context: { problems },
        hint: 'fix the listed keys; `homesight config check FILE` checks a file without starting the daemon',
      },
    );
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.source : `${p.source}:${p.line}:${p.column ?? 1}`;
  let s = `${where}: ${p.path || '(root)'}: ${p.message}`;
  if (p.found !== undefined) s += `; found ${p.found}`;
  if (p.allowed !== undefined) s += `; allowed: ${p.allowed}`;
  if (p.hint !== undefined) s += ` (${p.hint})`;
  return s;
}

export interface LoadOptions {
  /** Config file; undefined = embedded default. */
  file?: string;
  /** Environment for HOMESIGHT_* overrides (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: HomeSightConfig;
  /** Where it came from, for logs. */
  source: string;
  /** Dotted paths set from the environment. */
  envOverrides: string[];
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const ENV_PREFIX = 'HOMESIGHT_';
/**
 * Only variables whose first segment is a top-level config key are overrides
 * (HOMESIGHT_CONFIG, HOMESIGHT_SHARED_DIR and the like are not); below that,
 * unknown keys are errors like in the file.
 */
const TOP_LEVEL_KEYS = new Set(Object.keys(configSchema.shape));

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `HOMESIGHT_MQTT__EMBEDDED__PORT=1884` → mqtt.embedded.port = 1884 (value parsed as YAML). */
function envOverrides(env: NodeJS.ProcessEnv): Array<{ name: string; path: string[]; value: Json }> {
  const out: Array<{ name: string; path: string[]; value: Json }> = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = name
      .slice(ENV_PREFIX.length)
      .split('__')
      .map((s) => s.toLowerCase());
    if (path.some((s) => s.length === 0) || !TOP_LEVEL_KEYS.has(path[0]!)) continue;
    let value: Json;
    try {
      value = parseYamlValue(raw) as Json;
    } catch {
      value = raw;
    }
    out.push({ name, path, value });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function setIn(obj: JsonObject, path: string[], value: Json): void {
  let cur: JsonObject = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = cur[k];
    if (!isObject(next)) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[path[path.length - 1]!] = value;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${v.length > 60 ? v.slice(0, 57) + '...' : v}" (string)`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  return `${String(v)} (${typeof v})`;
}

/** Finds the YAML node of a key path: the value node, or the key node when `keyNode` is set (nearest ancestor when absent). */
export function locate(doc: Document, path: readonly PropertyKey[], keyNode: boolean): Node | null {
  let node: unknown = doc.contents;
  let last: Node | null = (doc.contents as Node | null) ?? null;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return last;
      if (keyNode && i === path.length - 1) return pair.key as Node;
      node = pair.value;
      if (node !== null && node !== undefined) last = node as Node;
      else return pair.key as Node;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return last;
      node = item;
      last = item as Node;
    } else {
      return last;
    }
  }
  return last;
}

/** The value at a key path of plain parsed data, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  keys?: string[];
  values?: unknown[];
  minimum?: unknown;
  maximum?: unknown;
  inclusive?: boolean;
  params?: { hint?: string };
  errors?: IssueLike[][];
  note?: string;
  options?: unknown[];
  discriminator?: string;
}

function allowedFor(issue: IssueLike): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `a ${String(issue.expected)}`;
    case 'invalid_value':
      return issue.values?.map((v) => JSON.stringify(v)).join(', ');
    case 'too_small':
      return issue.minimum === undefined ? undefined : `${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`;
    case 'too_big':
      return issue.maximum === undefined ? undefined : `${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}`;
    case 'invalid_union':
      return issue.options?.map((v) => JSON.stringify(v)).join(', ');
    default:
      return undefined;
  }
}

/** A zod issue in the terms of a ConfigProblem: the key path, and what was found and is allowed there. */
export interface DescribedIssue {
  path: PropertyKey[];
  /** An unknown key (the path ends with it); the caller adds its own hint. */
  unknownKey: boolean;
  message: string;
  found?: string;
  allowed?: string;
  /** From the schema (`params.hint`), when it gives one. */
  hint?: string;
}

/** Zod issues → one DescribedIssue per problem (an issue about several unknown keys gives one per key). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], data: unknown): DescribedIssue[] {
  const out: DescribedIssue[] = [];
  for (const issue of issues as unknown as readonly IssueLike[]) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys ?? []) out.push({ path: [...issue.path, key], unknownKey: true, message: `unknown key "${key}"` });
      continue;
    }
    const found = valueAt(data, issue.path);
    const d: DescribedIssue = {
      path: issue.path,
      unknownKey: false,
      message: issue.code === 'invalid_type' && found === undefined ? 'required key is missing' : issue.message,
    };
    if (issue.code !== 'custom' || found !== undefined) d.found = describeValue(found);
    const allowed = allowedFor(issue);
    if (allowed !== undefined) d.allowed = allowed;
    if (issue.params?.hint !== undefined) d.hint = issue.params.hint;
    out.push(d);
  }
  return out;
}

/** Turns zod issues into located problems. `envPaths` maps dotted path → env var name. */
function toProblems(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  doc: Document | null,
  lc: LineCounter | null,
  source: string,
  envPaths: Map<string, string>,
): ConfigProblem[] {
  return describeIssues(issues, data).map((d) => {
    const dotted = d.path.map(String).join('.');
    const envName = [...envPaths.entries()].find(([p]) => dotted === p || dotted.startsWith(p + '.'))?.[1];
    const p: ConfigProblem = { source: envName !== undefined ? `env ${envName}` : source, path: dotted, message: d.message };
    if (d.found !== undefined) p.found = d.found;
    if (d.allowed !== undefined) p.allowed = d.allowed;
    const hint = d.unknownKey ? 'remove it or check its spelling against config/homesight.example.yaml' : d.hint;
    if (hint !== undefined) p.hint = hint;
    if (envName === undefined && doc !== null && lc !== null) {
      const node = locate(doc, d.path, d.unknownKey);
      if (node?.range) {
        const pos = lc.linePos(node.range[0]);
        p.line = pos.line;
        p.column = pos.col;
      }
    }
    return p;
  });
}

/** Parses and validates a config text (YAML) with env overrides. Throws ConfigError. */
export function parseConfigText(text: string, source: string, options: Omit<LoadOptions, 'file'> = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return {
          source,
          line: pos.line,
          column: pos.col,
          path: '',
          message: `YAML syntax error: ${e.message.split('\n')[0]}`,
          hint: 'check indentation and quoting',
        };
      }),
    );
  }
  const raw = doc.toJS() as unknown;
  if (raw !== null && raw !== undefined && !isObject(raw)) {
    throw new ConfigError([
      { source, line: 1, column: 1, path: '', message: 'the config must be a mapping of keys', found: describeValue(raw) },
    ]);
  }
  return validate((raw ?? {}) as JsonObject, source, doc, lc, env);
}

function validate(base: JsonObject, source: string, doc: Document | null, lc: LineCounter | null, env: NodeJS.ProcessEnv): LoadedConfig {
  const data = structuredClone(base);
  const envPaths = new Map<string, string>();
  for (const o of envOverrides(env)) {
    setIn(data, o.path, o.value);
    envPaths.set(o.path.join('.'), o.name);
  }
  // Relative paths (secret files included) resolve against the working directory, as everywhere.
  const resolved = data;
  const result = configSchema.safeParse(resolved, { reportInput: false });
  if (!result.success) {
    throw new ConfigError(toProblems(result.error.issues, resolved, doc, lc, source, envPaths));
  }
  return { config: result.data, source, envOverrides: [...envPaths.keys()] };
}

/** Loads the config file (or the embedded default when none) plus env overrides. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.HOMESIGHT_CONFIG;
  if (file === undefined || file === '') {
    return validate(structuredClone(EMBEDDED_DEFAULT) as JsonObject, '<embedded default>', null, null, env);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([
      {
        source: file,
        path: '',
        message: code === 'ENOENT' ? 'config file not found' : `config file not readable (${code ?? 'error'})`,
        hint: 'pass an existing file, or no file to use the embedded default',
      },
    ]);
  }
  return parseConfigText(text, file, options);
}

/** Resolves a possibly relative path against a base folder (itself relative to cwd). */
export function resolveIn(baseDir: string, p: string, cwd: string = process.cwd()): string {
  return isAbsolute(p) ? p : resolve(cwd, baseDir, p);
}

export type { z };
