/**
 * Dataset statistics (stats.json) and their Markdown rendering. The datasheet
 * (docs/datasets/q2a.md) embeds the rendering between markers; the build
 * command rewrites that block and a test checks it matches a fresh build, so
 * the datasheet cannot drift from the data.
 */
import { z } from 'zod';
import { getTool } from '../../daemon/agent/index.js';
import type { Sample, SampleMeta, Split } from './generate.js';

export interface TeacherStats {
  endpoint: string | null;
  requested: number;
  returned: number;
  kept: number;
  rejected_invalid: number;
  rejected_disagree: number;
  rejected_duplicate: number;
}

export interface Stats {
  seed: number;
  samples: number;
  households: number;
  rounds: number;
  unique_instructions: number;
  conversations_with_followups: number;
  by_split: Record<string, number>;
  by_type: Record<string, number>;
  by_n_tools: Record<string, number>;
  by_type_and_n_tools: Record<string, Record<string, number>>;
  by_household: Record<string, Record<string, number>>;
  by_round: Record<string, Record<string, number>>;
  by_category: Record<string, number>;
  by_intent: Record<string, number>;
  by_source: Record<string, number>;
  tool_frequency: Record<string, { nodes: number; samples: number }>;
  link_frequency: Record<string, number>;
  argument_types: Record<string, Record<string, number>>;
  time_kinds: Record<string, number>;
  time_patterns: Record<string, number>;
  references: Record<string, number>;
  refusals: Record<string, number>;
  followups: Record<string, number>;
  new_in_round: number;
  vocabulary_uses: number;
  instruction_words: { mean: number; median: number; min: number; max: number };
  /** Refusal plans the catalog's validatePlan still flags (their empty compose_answer inputs; see bench/datasets/refusal.ts). */
  refusals_flagged_by_catalog: number;
  teacher: TeacherStats;
}

const inc = (m: Record<string, number>, k: string, by = 1): void => {
  m[k] = (m[k] ?? 0) + by;
};

function sortKeys<T>(m: Record<string, T>, numeric = false): Record<string, T> {
  const keys = Object.keys(m).sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, T> = {};
  for (const k of keys) out[k] = m[k] as T;
  return out;
}

const REF = /^<node-\d+>$/;
const ISO_DT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_D = /^\d{4}-\d{2}-\d{2}$/;

/** The type of one argument value as the datasheet reports it. */
export function argumentType(task: string, arg: string, v: unknown): string {
  if (typeof v === 'string') {
    if (REF.test(v)) return 'node_ref';
    if (ISO_DT.test(v)) return 'datetime';
    if (ISO_D.test(v)) return 'date';
    const t = getTool(task);
    let s = t === undefined ? undefined : (t.input.shape as Record<string, z.ZodType>)[arg];
    if (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    if (s instanceof z.ZodEnum) return 'enum';
    if (arg === 'activity') return 'activity_label';
    if (arg === 'camera' || arg === 'room' || arg === 'person' || arg === 'identity' || arg === 'topic') return 'household_name';
    return 'text';
  }
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v))
    return v.length > 0 && v.every((x) => typeof x === 'string' && REF.test(x)) ? 'node_refs' : v.length === 0 ? 'empty_list' : 'list';
  if (v === null) return 'null';
  return 'object';
}

export function computeStats(
  samples: readonly Sample[],
  meta: readonly SampleMeta[],
  seed: number,
  teacher: TeacherStats,
  refusalsFlagged = 0,
): Stats {
  const byId = new Map(meta.map((m) => [m.id, m]));
  const s: Stats = {
    seed,
    samples: samples.length,
    households: new Set(samples.map((x) => x.household)).size,
    rounds: new Set(samples.map((x) => x.round)).size,
    unique_instructions: new Set(samples.map((x) => x.instruction)).size,
    conversations_with_followups: new Set(
      samples.flatMap((x) => (x.context.conversation_id === undefined ? [] : [x.context.conversation_id])),
    ).size,
    by_split: {},
    by_type: {},
    by_n_tools: {},
    by_type_and_n_tools: {},
    by_household: {},
    by_round: {},
    by_category: {},
    by_intent: {},
    by_source: {},
    tool_frequency: {},
    link_frequency: {},
    argument_types: {},
    time_kinds: {},
    time_patterns: {},
    references: {},
    refusals: {},
    followups: {},
    new_in_round: 0,
    vocabulary_uses: 0,
    instruction_words: { mean: 0, median: 0, min: 0, max: 0 },
    refusals_flagged_by_catalog: refusalsFlagged,
    teacher,
  };
  const words: number[] = [];
  for (const x of samples) {
    inc(s.by_split, x.split);
    inc(s.by_type, x.type);
    inc(s.by_n_tools, String(x.n_tools));
    s.by_type_and_n_tools[x.type] ??= {};
    inc(s.by_type_and_n_tools[x.type]!, String(x.n_tools));
    s.by_household[x.household] ??= {};
    inc(s.by_household[x.household]!, x.split);
    s.by_round[String(x.round)] ??= {};
    inc(s.by_round[String(x.round)]!, x.split);
    const seen = new Set<string>();
    for (const n of x.task_nodes) {
      s.tool_frequency[n.task] ??= { nodes: 0, samples: 0 };
      s.tool_frequency[n.task]!.nodes++;
      if (!seen.has(n.task)) s.tool_frequency[n.task]!.samples++;
      seen.add(n.task);
      for (const [arg, v] of Object.entries(n.arguments)) {
        const key = `${n.task}.${arg}`;
        s.argument_types[key] ??= {};
        inc(s.argument_types[key]!, argumentType(n.task, arg, v));
      }
    }
    for (const l of x.task_links) inc(s.link_frequency, `${l.source} → ${l.target}`);
    words.push(x.instruction.split(/\s+/).filter((w) => w.length > 0).length);
    const m = byId.get(x.id);
    if (m === undefined) continue;
    inc(s.by_category, m.category);
    inc(s.by_intent, m.intent);
    inc(s.by_source, m.source);
    for (const tag of m.tags) {
      const [k, v] = tag.split(':') as [string, string | undefined];
      if (v === undefined) {
        if (k === 'new_in_round') s.new_in_round++;
        continue;
      }
      if (k === 'time') inc(s.time_kinds, v);
      else if (k === 'time_pattern') inc(s.time_patterns, v);
      else if (k === 'ref') inc(s.references, v);
      else if (k === 'refusal') inc(s.refusals, v);
      else if (k === 'followup') inc(s.followups, v);
      else if (k === 'vocabulary') s.vocabulary_uses++;
    }
  }
  words.sort((a, b) => a - b);
  if (words.length > 0) {
    s.instruction_words = {
      mean: Math.round((words.reduce((a, b) => a + b, 0) / words.length) * 10) / 10,
      median: words[Math.floor(words.length / 2)]!,
      min: words[0]!,
      max: words[words.length - 1]!,
    };
  }
  s.by_split = sortKeys(s.by_split);
  s.by_type = sortKeys(s.by_type);
  s.by_n_tools = sortKeys(s.by_n_tools, true);
  for (const k of Object.keys(s.by_type_and_n_tools)) s.by_type_and_n_tools[k] = sortKeys(s.by_type_and_n_tools[k]!, true);
  s.by_type_and_n_tools = sortKeys(s.by_type_and_n_tools);
  for (const k of Object.keys(s.by_household)) s.by_household[k] = sortKeys(s.by_household[k]!);
  for (const k of Object.keys(s.by_round)) s.by_round[k] = sortKeys(s.by_round[k]!);
  s.by_round = sortKeys(s.by_round, true);
  s.by_category = sortKeys(s.by_category);
  s.by_intent = sortKeys(s.by_intent);
  s.by_source = sortKeys(s.by_source);
  s.tool_frequency = sortKeys(s.tool_frequency);
  s.link_frequency = sortKeys(s.link_frequency);
  for (const k of Object.keys(s.argument_types)) s.argument_types[k] = sortKeys(s.argument_types[k]!);
  s.argument_types = sortKeys(s.argument_types);
  s.time_kinds = sortKeys(s.time_kinds);
  s.time_patterns = sortKeys(s.time_patterns);
  s.references = sortKeys(s.references);
  s.refusals = sortKeys(s.refusals);
  s.followups = sortKeys(s.followups);
  return s;
}

const pct = (n: number, total: number): string => (total === 0 ? '0.0%' : `${((100 * n) / total).toFixed(1)}%`);

function table(head: string[], rows: Array<Array<string | number>>): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** The statistics as Markdown (the block the datasheet embeds). */
export function renderStatsMarkdown(s: Stats): string {
  const L: string[] = [];
  const splitCols: Split[] = ['train', 'val', 'test'];
  L.push(
    `Generated with \`homesight dataset build --seed ${s.seed}\`: ` +
      `**${s.samples} samples** (${s.unique_instructions} distinct instructions) ` +
      `over ${s.households} households × ${s.rounds} rounds; ${s.conversations_with_followups} ` +
      `conversations with follow-ups. Instructions have ${s.instruction_words.mean} words on average ` +
      `(median ${s.instruction_words.median}, ${s.instruction_words.min}–${s.instruction_words.max}).`,
    '',
  );

  L.push('**Per split and round**', '');
  L.push(
    ...table(
      ['round', ...splitCols, 'total'],
      [
        ...Object.entries(s.by_round).map(([r, m]) => [
          r,
          ...splitCols.map((c) => m[c] ?? 0),
          splitCols.reduce((a, c) => a + (m[c] ?? 0), 0),
        ]),
        ['all', ...splitCols.map((c) => s.by_split[c] ?? 0), s.samples],
      ],
    ),
    '',
  );

  L.push('**Per household**', '');
  L.push(
    ...table(
      ['household', ...splitCols, 'total'],
      Object.entries(s.by_household).map(([h, m]) => [
        h,
        ...splitCols.map((c) => m[c] ?? 0),
        splitCols.reduce((a, c) => a + (m[c] ?? 0), 0),
      ]),
    ),
    '',
  );

  L.push('**Plans per node count and type** (TaskBench types: single = 1 node, chain = a path, dag = branching or joining)', '');
  const ns = Object.keys(s.by_n_tools);
  L.push(
    ...table(
      ['type', ...ns.map((n) => `${n} node${n === '1' ? '' : 's'}`), 'total', 'share'],
      [
        ...Object.entries(s.by_type_and_n_tools).map(([t, m]) => [
          t,
          ...ns.map((n) => m[n] ?? 0),
          s.by_type[t] ?? 0,
          pct(s.by_type[t] ?? 0, s.samples),
        ]),
        ['all', ...ns.map((n) => s.by_n_tools[n] ?? 0), s.samples, '100.0%'],
      ],
    ),
    '',
  );

  L.push('**Tool frequencies**', '');
  const tools = Object.entries(s.tool_frequency).sort((a, b) => b[1].samples - a[1].samples || (a[0] < b[0] ? -1 : 1));
  L.push(
    ...table(
      ['tool', 'nodes', 'samples using it', 'share of samples'],
      tools.map(([t, f]) => [`\`${t}\``, f.nodes, f.samples, pct(f.samples, s.samples)]),
    ),
    '',
  );

  L.push(
    '**Argument types** (per tool argument; node_ref = `"<node-j>"`, node_refs = a list of them, ' +
      'household_name = a camera/room/person/topic of the household, activity_label = an activity id)',
    '',
  );
  L.push(
    ...table(
      ['argument', 'count', 'types'],
      Object.entries(s.argument_types).map(([k, m]) => [
        `\`${k}\``,
        Object.values(m).reduce((a, b) => a + b, 0),
        Object.entries(m)
          .map(([t, n]) => `${t} ${n}`)
          .join(', '),
      ]),
    ),
    '',
  );

  L.push('**Categories, time expressions, references**', '');
  const kv = (m: Record<string, number>): string =>
    Object.entries(m)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  L.push(
    ...table(
      ['what', 'count'],
      [
        ...Object.entries(s.by_category).map(([k, v]) => [`category: ${k}`, v]),
        ...Object.entries(s.time_kinds).map(([k, v]) => [`time expression: ${k}`, v]),
        ...Object.entries(s.references).map(([k, v]) => [`person reference: ${k}`, v]),
        ...Object.entries(s.refusals).map(([k, v]) => [`refusal: ${k}`, v]),
        ...Object.entries(s.followups).map(([k, v]) => [`follow-up: ${k}`, v]),
        ['asks about people/rooms new in their round', s.new_in_round],
        ['instructions using household vocabulary', s.vocabulary_uses],
      ],
    ),
    '',
  );
  if (s.refusals_flagged_by_catalog > 0)
    L.push(
      `Refusal plans (compose_answer alone, no inputs) that the catalog's validatePlan still flags for ` +
        `their empty inputs: ${s.refusals_flagged_by_catalog}; every other plan validates with no issue.`,
      '',
    );
  L.push(
    `Sources: ${kv(s.by_source)}. ` +
      'Teacher: ' +
      (s.teacher.endpoint === null
        ? 'not used'
        : `${s.teacher.kept} kept of ${s.teacher.returned} returned (${s.teacher.rejected_invalid} invalid plans, ` +
          `${s.teacher.rejected_disagree} disagreeing with the gold tools, ${s.teacher.rejected_duplicate} duplicates)`) +
      '.',
  );
  return L.join('\n');
}

export const STATS_BEGIN = '<!-- stats:begin (generated by `homesight dataset build --update-datasheet`; do not edit) -->';
export const STATS_END = '<!-- stats:end -->';

/** Replaces the statistics block of a datasheet; throws when the markers are missing. */
export function replaceStatsBlock(doc: string, markdown: string): string {
  const a = doc.indexOf(STATS_BEGIN);
  const b = doc.indexOf(STATS_END);
  if (a < 0 || b < a) throw new Error('the datasheet has no statistics markers');
  return `${doc.slice(0, a + STATS_BEGIN.length)}\n${markdown}\n${doc.slice(b)}`;
}

/** The statistics block currently in a datasheet (null when absent). */
export function extractStatsBlock(doc: string): string | null {
  const a = doc.indexOf(STATS_BEGIN);
  const b = doc.indexOf(STATS_END);
  if (a < 0 || b < a) return null;
  return doc.slice(a + STATS_BEGIN.length, b).trim();
}
