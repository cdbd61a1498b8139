/** Markdown pieces shared by the generated docs. */

/** The first line of every generated Markdown file: where it comes from and how to regenerate it. */
export function generatedBanner(source: string): string {
  return `<!-- generated from ${source} by \`npm run docs\` (scripts/docs/generate.ts) — do not edit -->`;
}

/** A Markdown table; cells must already be escaped (see `cell`). */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
