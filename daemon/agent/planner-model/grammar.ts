import { z } from 'zod';
import { HomeSightError } from '../../system/index.js';
import { CATALOG, type OutputKind, type ToolDefinition } from '../catalog/index.js';
import { QUESTION_PLACEHOLDER } from '../../grounding/index.js';
import { type ArgClass, argClass, unwrapOptional as unwrap } from './arg-class.js';
import { END_MARKER, renderValue } from './plan-text.js';

/**
 * The GBNF grammar of plan text, generated from the catalog: tool names,
 * each tool's arguments in catalog order (optional ones may be left out),
 * `#j` references only to earlier nodes (and only in arguments that take
 * them), tools whose required arguments can only be references left out of
 * the first line, enums from the catalog, and per request: the placeholders
 * of this request, the household's names for person/camera/room arguments,
 * and free text only as a span of the question. The last line is the end
 * marker.
 */

export interface PlanTextGrammarOptions {
  /** Most nodes (1–10). Default 8. */
  maxNodes?: number;
  /**
   * Whether the plan may be the answer alone (how a plan declines). Default true; the planner says false for a request
   * that only asks, once the refusal check let it through: a question about the household is answered from data.
   */
  decline?: boolean;
  /** Placeholders of this request (`<person-1>`, `<time-1>`…). Default: any of each kind numbered 1–9. */
  placeholders?: readonly string[];
  /** Canonical person names an argument may name literally (besides "unknown"). Default: any word. */
  people?: readonly string[];
  /** Camera ids an argument may name literally. Default: any word. */
  cameras?: readonly string[];
  /** Room names an argument may name literally. Default: any word. */
  rooms?: readonly string[];
  /** Topics publish_to_hub may use; empty leaves the tool out. Default: any word. */
  hubTopics?: readonly string[];
  /** Side-effect tools that may appear (others are left out). Default: all. */
  allowTools?: readonly string[];
  /**
   * Whether recall_memory may appear. Default true; the planner says false for a question about the cameras (a place
   * or a time named) that asks nothing the household said: a memory query may be any short text, and a small model
   * copies one it learnt ("the guy in the birthday present") into such a question.
   */
  recallMemory?: boolean;
  /** The (delexicalised) question: the `spanArguments` must be a span of its words. Default: any quoted text. */
  question?: string;
  /**
   * Free-text arguments held to spans of the question when it is given. Default: the time phrase, a fact to
   * remember, a hub message and compose_answer's question; a memory query (a search key) may be any short text.
   */
  spanArguments?: readonly string[];
  /** Longest free quoted text when no question is given. Default 80. */
  maxStringLength?: number;
  /**
   * Whether start/end may be literal ISO times. Default true. The planner model never writes them (its times are
   * references or time placeholders); admitting them only lets it write digits that are no time.
   */
  literalTimes?: boolean;
  /**
   * One line only: the output kinds of the nodes already written. The grammar then admits the next node line (or,
   * after the first node, the end marker), and each reference only to an earlier node whose output that argument
   * takes — what one grammar for the whole plan cannot know. Default: the whole plan.
   */
  earlierKinds?: readonly OutputKind[];
  /**
   * Time placeholders that may fill a `day`, `start` or `end` argument: those the resolver understood (the others
   * would stand for a phrase, no date or time). Default: every time placeholder.
   */
  resolvedTimes?: readonly string[];
}

/**
 * Whether a plan with these nodes written is complete: the answer closes it (nothing comes after compose_answer), as
 * does the most nodes. Its next line can only be the end marker.
 */
export function planClosed(earlierKinds: readonly OutputKind[], maxNodes: number): boolean {
  return earlierKinds.length >= maxNodes || earlierKinds.includes('answer');
}

/** The rule of one tool argument's values (`v-query-events-camera`). */
function valueRuleName(tool: string, arg: string): string {
  return `v-${tool.replace(/_/g, '-')}-${arg.replace(/_/g, '-')}`;
}

/** A GBNF string literal. */
function lit(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

function alt(values: readonly string[]): string {
  return values.length === 0 ? '' : `(${values.join(' | ')})`;
}

const PLACEHOLDER_KINDS = ['person', 'group', 'camera', 'room', 'zone', 'time', 'number'] as const;
type PlaceholderKind = (typeof PLACEHOLDER_KINDS)[number];

/** Which placeholder kinds an argument class accepts. */
const PLACEHOLDERS_FOR: Record<ArgClass, readonly PlaceholderKind[]> = {
  person: ['person', 'group'],
  camera: ['camera', 'room', 'zone'],
  room: ['room', 'camera'],
  phrase: ['time'],
  day: ['time'],
  time: ['time'],
  number: ['number'],
  enum: [],
  activity: [],
  topic: [],
  text: [],
  any: [],
};

/**
 * The integers lo..hi (0 ≤ lo, hi ≤ 99) as digit classes ("1" … "59" → [1-9] | [1-5] [0-9]): the same language as
 * listing them, in a fraction of the grammar — llama.cpp keeps about ten bytes per grammar character in every
 * evaluation state, and the planner makes one state per plan line.
 */
function intRange(lo: number, hi: number): string[] {
  const cls = (a: number, b: number): string => (a === b ? lit(String(a)) : `[${a}-${b}]`);
  const out: string[] = [];
  if (lo <= 9 && lo <= hi) out.push(cls(lo, Math.min(hi, 9)));
  if (hi < 10) return out;
  const first = Math.max(lo, 10);
  const [tLo, tHi] = [Math.floor(first / 10), Math.floor(hi / 10)];
  // a partial first or last ten on its own; the full tens between as one class
  let fullFrom = tLo;
  let fullTo = tHi;
  if (first % 10 !== 0) {
    out.push(`${lit(String(tLo))} ${cls(first % 10, tLo === tHi ? hi % 10 : 9)}`);
    fullFrom = tLo + 1;
  }
  if (hi % 10 !== 9 && (tHi > tLo || first % 10 === 0)) {
    out.push(`${lit(String(tHi))} ${cls(0, hi % 10)}`);
    fullTo = tHi - 1;
  }
  if (fullFrom <= fullTo) out.push(`${cls(fullFrom, fullTo)} [0-9]`);
  return out;
}

/** A small bounded number (fps ≤ 10, max ≤ 5…) as the values it may take; other numbers: the general rule. */
function boundedNumber(n: z.ZodNumber): string {
  const max = n.maxValue;
  if (max === null || !Number.isFinite(max) || max > 99) return 'number';
  const min = Math.max(0, Math.ceil(n.minValue ?? 0));
  const values: string[] = [];
  if (n.isInt === true) values.push(...intRange(min, Math.floor(max)));
  else {
    if (min === 0) values.push(`"0." [1-9]`);
    const whole = intRange(Math.max(1, min), Math.ceil(max) - 1);
    if (whole.length > 0) values.push(`${alt(whole)} ("." [0-9])?`);
    if (Number.isInteger(max)) values.push(lit(String(max)));
  }
  return values.length === 0 ? 'number' : alt(values);
}

export function planTextGrammar(o: PlanTextGrammarOptions = {}): string {
  return planTextGrammars(o)(o.earlierKinds);
}

/**
 * planTextGrammar for one request, line after line: what does not depend on the lines already written (values,
 * spans, the household's lists) is built once, and each call adds the node rules for `earlierKinds` (undefined: the
 * whole plan). The planner asks for one grammar per plan line.
 */
export function planTextGrammars(o: Omit<PlanTextGrammarOptions, 'earlierKinds'> = {}): (earlierKinds?: readonly OutputKind[]) => string {
  const maxNodes = o.maxNodes ?? 8;
  if (!Number.isInteger(maxNodes) || maxNodes < 1 || maxNodes > 10) {
    throw new HomeSightError('E_CONFIG', `planTextGrammar: maxNodes must be 1–10, not ${maxNodes}`, { context: { maxNodes } });
  }
  const rules: string[] = [];
  const rule = (name: string, body: string): void => {
    rules.push(`${name} ::= ${body}`);
  };

  // placeholders, by kind
  const byKind = new Map<PlaceholderKind, string[]>();
  for (const k of PLACEHOLDER_KINDS) byKind.set(k, []);
  if (o.placeholders !== undefined) {
    for (const p of o.placeholders) {
      const m = /^<([a-z]+)-\d+>$/.exec(p);
      const kind = PLACEHOLDER_KINDS.find((k) => k === m?.[1]);
      if (kind !== undefined && !byKind.get(kind)!.includes(p)) byKind.get(kind)!.push(lit(p));
    }
  } else {
    for (const k of PLACEHOLDER_KINDS) byKind.get(k)!.push(`"<${k}-" [1-9] ">"`);
  }

  rule('word', '[^ \\t\\n"\\[\\],#={}] [^ \\t\\n"\\[\\],{}]{0,63}');
  rule('quoted', `"\\"" ([^"\\\\\\x00-\\x1f] | "\\\\" ["\\\\/bfnrt]){0,${o.maxStringLength ?? 80}} "\\""`);
  rule('number', '"-"? [0-9]{1,4} ("." [0-9]{1,3})?');
  rule('date', '[0-9]{4} "-" [0-9]{2} "-" [0-9]{2}');
  rule(
    'isotime',
    '[0-9]{4} "-" [0-9]{2} "-" [0-9]{2} "T" [0-9]{2} ":" [0-9]{2} ":" [0-9]{2} ("." [0-9]{1,3})? ("Z" | [+-] [0-9]{2} ":" [0-9]{2})',
  );

  // Free text: a span of the question's words (trailing punctuation optional), or any quoted text.
  if (o.question !== undefined && o.question.trim() !== '') {
    const words = o.question.trim().split(/\s+/);
    words.forEach((w, i) => {
      // A word may be copied without the quotes or punctuation around it ("mat." → mat, "“dinner" → dinner).
      const m = /^(["'“‘(]*)(.*?)([.,!?;:"'”’)]*)$/su.exec(w)!;
      const json = (x: string): string => lit(JSON.stringify(x).slice(1, -1));
      const [lead, core, tail] = [m[1]!, m[2]!, m[3]!];
      const head =
        core === ''
          ? json(w)
          : [lead === '' ? '' : `${json(lead)}?`, json(core), tail === '' ? '' : `${json(tail)}?`].filter((x) => x !== '').join(' ');
      rule(`span${i}`, i + 1 < words.length ? `${head} (" " span${i + 1})?` : head);
    });
    rule('span', `"\\"" ${alt(words.map((_, i) => `span${i}`))} "\\""`);
  } else rule('span', 'quoted');

  // A household's names, cameras, rooms and topics, each list one rule that every argument taking it refers to
  // (written out per argument they made most of the grammar).
  const listRules = new Set<string>();
  const literals = (listName: string, values: readonly string[] | undefined, fallback: string): string => {
    if (values === undefined) return fallback;
    const name = `lit-${listName}`;
    if (!listRules.has(name)) {
      listRules.add(name);
      rule(name, alt(values.map((v) => lit(renderValue(v)))) || '"-"');
    }
    return name;
  };
  const spanArgs = o.spanArguments ?? ['phrase', 'fact', 'message', 'question'];
  const valueOf: Record<ArgClass, (tool: ToolDefinition, schema: z.ZodType, arg: string) => string> = {
    person: () => literals('person', o.people === undefined ? undefined : [...o.people, 'unknown'], 'word | quoted'),
    camera: () => literals('camera', o.cameras, 'word | quoted'),
    room: () => literals('room', o.rooms, 'word | quoted'),
    phrase: () => (spanArgs.includes('phrase') ? 'span' : 'quoted'),
    day: () => 'date',
    time: () => (o.literalTimes === false ? '' : 'isotime'),
    number: (_t, schema) => boundedNumber(unwrap(schema) as z.ZodNumber),
    enum: (_t, s) => alt((unwrap(s) as z.ZodEnum).options.map((v) => lit(renderValue(String(v))))),
    activity: () => '[a-z] [a-z_]{0,31}',
    topic: () => literals('topic', o.hubTopics, 'word | quoted'),
    text: (_t, _s, arg) => `${lit(QUESTION_PLACEHOLDER)} | ${spanArgs.includes(arg) ? 'span' : 'quoted'}`,
    any: () => 'word | quoted | number',
  };

  const tools = (CATALOG as readonly unknown[] as ToolDefinition[]).filter(
    (t) =>
      !(t.sideEffects && o.allowTools !== undefined && !o.allowTools.includes(t.name)) &&
      !(t.name === 'publish_to_hub' && o.hubTopics !== undefined && o.hubTopics.length === 0) &&
      !(t.name === 'recall_memory' && o.recallMemory === false),
  );
  // Argument value rules (position-independent part).
  const onlyRefs = new Set<string>();
  const ruleOfBody = new Map<string, string>();
  const sameAs = new Map<string, string>();
  for (const t of tools) {
    for (const [arg, schema] of Object.entries(t.input.shape as Record<string, z.ZodType>)) {
      const cls = argClass(t, arg);
      const ph =
        (cls === 'day' || cls === 'time') && o.resolvedTimes !== undefined
          ? byKind.get('time')!.filter((p) => o.resolvedTimes!.some((d) => lit(d) === p))
          : PLACEHOLDERS_FOR[cls].flatMap((k) => byKind.get(k)!);
      const value = valueOf[cls](t, schema, arg);
      const branches = [...ph, ...(value === '' ? [] : [value])];
      const name = valueRuleName(t.name, arg);
      const body = branches.join(' | ');
      // no literal form and no placeholder of this request fits: only a reference can fill the argument
      if (branches.length === 0) onlyRefs.add(name);
      else if (ruleOfBody.has(body)) sameAs.set(name, ruleOfBody.get(body)!);
      else {
        // arguments that take the same values (every start, every person…) share one rule
        ruleOfBody.set(body, name);
        rule(name, body);
      }
    }
  }

  const shared = [...rules];
  return linesGrammar;
  function linesGrammar(line: readonly OutputKind[] | undefined): string {
    const rules = [...shared];
    const rule = (name: string, body: string): void => {
      rules.push(`${name} ::= ${body}`);
    };
    const nodeRules: string[] = [];
    // One line: the references each argument may make (earlier nodes of fitting kinds), as alternatives.
    const fitting = (kinds: readonly OutputKind[]): string =>
      alt((line ?? []).flatMap((kind, j) => (kinds.includes(kind) ? [lit(`#${j}`)] : [])));
    for (let k = line === undefined ? 0 : line.length; k < (line === undefined ? maxNodes : Math.min(line.length + 1, maxNodes)); k++) {
      if (k > 0) rule(`ref${k}`, k === 1 ? '"#0"' : `"#" [0-${k - 1}]`);
      const branches: string[] = [];
      for (const t of tools) {
        // a plan that is the answer alone declines the request
        if (k === 0 && t.kind === 'answer' && o.decline === false) continue;
        const parts: string[] = [lit(t.name)];
        let possible = true;
        for (const [arg, schema] of Object.entries(t.input.shape as Record<string, z.ZodType>)) {
          const optional = schema instanceof z.ZodOptional;
          const spec = t.refs[arg];
          const ownRule = valueRuleName(t.name, arg);
          const valueRule = sameAs.get(ownRule) ?? ownRule;
          let value: string;
          const refs = line === undefined || spec === undefined ? `ref${k}` : fitting(spec.kinds);
          if (refs === '' && spec !== undefined && k > 0) {
            // no earlier node fits: the argument is a literal value, an empty list, or left out
            if (spec.many === true) value = '"[]"';
            else if (spec.only === true || onlyRefs.has(valueRule)) {
              possible = possible && optional;
              continue;
            } else value = valueRule;
            const part = `${lit(` ${arg}=`)} ${value}`;
            parts.push(optional ? `(${part})?` : part);
            continue;
          }
          if (onlyRefs.has(valueRule) && (spec === undefined || k === 0)) {
            possible = possible && optional;
            continue;
          }
          if (spec === undefined) value = valueRule;
          else if (k === 0) {
            if (spec.only === true) {
              if (spec.many === true) value = '"[]"';
              else {
                possible = possible && optional;
                continue;
              }
            } else value = valueRule;
          } else if (spec.many === true) value = `"[" (${refs} ("," ${refs}){0,7})? "]"`;
          else value = spec.only === true || onlyRefs.has(valueRule) ? refs : `(${refs} | ${valueRule})`;
          const part = `${lit(` ${arg}=`)} ${value}`;
          parts.push(optional ? `(${part})?` : part);
        }
        if (!possible) continue;
        const name = `n${k}-${t.name.replace(/_/g, '-')}`;
        rule(name, parts.join(' '));
        branches.push(name);
      }
      rule(`node${k}`, `(${branches.join(' | ')}) "\\n"`);
      nodeRules.push(`node${k}`);
    }
    const end = lit(`${END_MARKER}\n`);
    if (line !== undefined) {
      const k = line.length;
      rules.unshift(planClosed(line, maxNodes) ? `root ::= ${end}` : k === 0 ? `root ::= node0` : `root ::= node${k} | ${end}`);
      return `${rules.join('\n')}\n`;
    }
    // root ::= node0 (end | node1 (end | node2 (…)))
    let tail = end;
    for (let k = maxNodes - 1; k >= 1; k--) tail = `(${end} | node${k} ${tail})`;
    rules.unshift(`root ::= node0 ${tail}`);
    return `${rules.join('\n')}\n`;
  }
}
