/**
 * The corpus datasheet's numbers: a markdown block rendered from stats.json
 * and written between markers in bench/corpus/DATASHEET.md, so the prose
 * around it is hand-written and the numbers always come from a build.
 */
import type { CorpusStats } from './build.js';

export const DATASHEET_BEGIN = '<!-- corpus-stats:begin (written by bench/corpus/cli.ts --datasheet) -->';
export const DATASHEET_END = '<!-- corpus-stats:end -->';

function table(title: string, counts: Record<string, number>, total: number): string[] {
  const rows = Object.entries(counts).sort(([, a], [, b]) => b - a);
  return [
    `| ${title} | samples | share |`,
    '|---|---:|---:|',
    ...rows.map(([k, v]) => `| ${k} | ${v} | ${((100 * v) / total).toFixed(1)} % |`),
    '',
  ];
}

export function renderCorpusStats(s: CorpusStats, buildSeconds?: number): string {
  const L: string[] = [];
  L.push(
    `Seed ${s.seed}; ${s.size} samples in ${s.conversations} conversations ` +
      `(${s.multi_turn_conversations} with follow-ups); ${s.households} generated households.`,
  );
  if (buildSeconds !== undefined) L.push(`Built in ${buildSeconds.toFixed(0)} s on this machine.`);
  L.push('');
  L.push(`- Delexicalised: ${s.delexicalised}; raw (names copied): ${s.raw}.`);
  L.push(
    `- Exact duplicates drawn and skipped (normalised text with history, ` +
      `across all splits): ${s.duplicates_skipped}; held-out conversations drawn and not ` +
      `kept: ${s.held_out_dropped}.`,
  );
  L.push(
    `- Vocabulary: ${s.vocabulary_size} distinct lower-case words in the ` +
      `instructions; ${s.prompt_target_vocabulary_size} distinct whitespace tokens in prompts and targets.`,
  );
  L.push(`- ${s.distinct_people_names} distinct people names, ${s.distinct_camera_ids} distinct camera ids.`);
  L.push(
    `- ${s.templates} named templates in ${s.template_families} families; ` +
      `held out for the disjoint split: ${s.held_out_templates.length} templates and the ` +
      `households ${s.held_out_households.join(', ')}.`,
  );
  L.push('');
  L.push('| file | lines | bytes | sha256 |', '|---|---:|---:|---|');
  for (const f of s.files) L.push(`| ${f.file} | ${f.lines} | ${f.bytes} | \`${f.sha256}\` |`);
  L.push('');
  L.push(...table('split', s.per_split, s.size));
  L.push(...table('category', s.per_category, s.size));
  L.push(...table('intent', s.per_intent, s.size));
  L.push(...table('template family (a multi-part sample counts for both)', s.per_family, s.size));
  L.push(...table('speaking style', s.per_style, s.size));
  L.push(...table('tag', s.tags, s.size));
  L.push(...table('name locale', s.per_name_locale, s.size));
  L.push(...table('timezone', s.per_timezone_dst, s.size));
  L.push(`Held-out templates: ${s.held_out_templates.map((t) => `\`${t}\``).join(', ')}.`, '');
  L.push('Example lines (first ones sampled per split):', '');
  for (const [split, lines] of Object.entries(s.examples)) {
    L.push(`${split}:`, '', '```json', ...lines, '```', '');
  }
  return L.join('\n');
}

/** Replaces the stats block of a datasheet (appends one when the markers are missing). */
export function replaceDatasheetBlock(doc: string, block: string): string {
  const a = doc.indexOf(DATASHEET_BEGIN);
  const b = doc.indexOf(DATASHEET_END);
  const body = `${DATASHEET_BEGIN}\n${block}\n${DATASHEET_END}`;
  if (a < 0 || b < a) return `${doc.trimEnd()}\n\n${body}\n`;
  return doc.slice(0, a) + body + doc.slice(b + DATASHEET_END.length);
}
