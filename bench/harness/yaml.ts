import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { describeIssues, formatProblem, locateYamlNode, valueAtPath, type ConfigProblem } from '../../daemon/config/index.js';
import { HomeSightError } from '../../daemon/system/index.js';

/**
 * Located validation of the benchmark YAML files (job, testenv, algorithm):
 * every problem names file:line:column, the dotted key, what was found, what is
 * allowed and how to fix it — the same shape and formatting as the daemon's
 * config errors (`ConfigProblem`, `formatProblem` from daemon/config).
 */
export class BenchConfigError extends HomeSightError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(
      'E_BENCH_CONFIG',
      `invalid benchmark declaration (${problems.length} ` +
        `problem${problems.length === 1 ? '' : 's'}):\n${problems.map(formatProblem).join('\n')}`,
      {
        context: { problems },
        hint: 'fix the listed keys; docs/benchmarking.md and docs/METRICS.md describe every field',
      },
    );
    this.problems = problems;
  }
}

/** A path as problems show it: relative to the working directory when inside it. */
function shown(path: string): string {
  const cwd = process.cwd();
  return path.startsWith(cwd + sep) ? relative(cwd, path) : path;
}

export interface ProblemExtras {
  found?: string;
  allowed?: string;
  hint?: string;
  /** Point at the key instead of its value. */
  keyNode?: boolean;
}

/** A parsed YAML file that can point at its own keys. */
export class YamlFile {
  readonly dir: string;
  private constructor(
    readonly path: string,
    private readonly doc: Document,
    private readonly lc: LineCounter,
    readonly data: unknown,
  ) {
    this.dir = dirname(path);
  }

  /** Reads and parses; syntax errors and a missing file become located problems (thrown). */
  static read(path: string, referencedFrom?: { file: YamlFile; at: PropertyKey[] }): YamlFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const msg = code === 'ENOENT' ? `file not found: ${path}` : `file not readable (${code ?? 'error'}): ${path}`;
      const problem: ConfigProblem =
        referencedFrom === undefined
          ? { source: shown(path), path: '', message: msg, hint: 'pass an existing benchmarking job YAML' }
          : referencedFrom.file.problem(referencedFrom.at, msg, { hint: 'paths are relative to the folder of the file that names them' });
      throw new BenchConfigError([problem]);
    }
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new BenchConfigError(
        doc.errors.map((e) => {
          const pos = lc.linePos(e.pos[0]);
          return {
            source: shown(path),
            line: pos.line,
            column: pos.col,
            path: '',
            message: `YAML syntax error: ${e.message.split('\n')[0]}`,
            hint: 'check indentation and quoting',
          };
        }),
      );
    }
    return new YamlFile(path, doc, lc, doc.toJS() as unknown);
  }

  /** Absolute path of a path written in this file. */
  resolvePath(p: string): string {
    return resolve(this.dir, p);
  }

  valueAt(path: readonly PropertyKey[]): unknown {
    return valueAtPath(this.data, path);
  }

  /** A problem located at a key path of this file. */
  problem(path: readonly PropertyKey[], message: string, extras: ProblemExtras = {}): ConfigProblem {
    const p: ConfigProblem = { source: shown(this.path), path: path.map(String).join('.'), message };
    const node = locateYamlNode(this.doc, path, extras.keyNode ?? false);
    if (node?.range) {
      const pos = this.lc.linePos(node.range[0]);
      p.line = pos.line;
      p.column = pos.col;
    }
    if (extras.found !== undefined) p.found = extras.found;
    if (extras.allowed !== undefined) p.allowed = extras.allowed;
    if (extras.hint !== undefined) p.hint = extras.hint;
    return p;
  }

  /** Validates the file against a zod schema; returns the data or the located problems. */
  parse<S extends z.ZodType>(
    schema: S,
    hints: (path: string) => string | undefined,
  ): { data: z.output<S> } | { problems: ConfigProblem[] } {
    const r = schema.safeParse(this.data ?? {}, { reportInput: false });
    if (r.success) return { data: r.data };
    const problems = describeIssues(r.error.issues, this.data ?? {}).map((d) => {
      const extras: ProblemExtras = { keyNode: d.unknownKey };
      if (d.found !== undefined) extras.found = d.found;
      if (d.allowed !== undefined) extras.allowed = d.allowed;
      const hint =
        d.hint ??
        hints(d.path.map(String).join('.')) ??
        (d.unknownKey ? 'remove it or check its spelling (docs/benchmarking.md lists the keys)' : undefined);
      if (hint !== undefined) extras.hint = hint;
      return this.problem(d.path, d.message, extras);
    });
    return { problems };
  }
}
