import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencySpec, matrixSpec, metricBarsSpec, renderSvg, roundCurvesSpec } from './charts.js';
import type { JobDecl, RankDecl } from './declarations.js';
import { BUILTIN_METRICS, LIFELONG_METRICS } from './metrics/registry.js';
import type { CaseResult } from './scoring.js';
import type { TestEnvironment } from './testenv.js';

/**
 * Story Manager: the leaderboard and the report. Writes into
 * <workspace>/<job>/rank/:
 *   all_rank.csv, selected_rank.csv  Ianvs columns: rank, algorithm, <metrics…>, paradigm,
 *                                    <module types…> (module names), <type-hyperparameter…>, time, url
 *                                    (comma-separated; Ianvs writes them space-separated).
 *                                    all_rank accumulates rows across runs (keyed by url), as Ianvs appends.
 *   leaderboard.md / leaderboard.json  this run's test cases, ranked
 *   report.html                      one self-contained file with inline SVG charts
 */

type Cell = string | number | null;
export type RankRow = Record<string, Cell>;

export interface StoryOutputs {
  rankDir: string;
  allRankCsv: string | null;
  selectedRankCsv: string;
  markdown: string;
  json: string;
  html: string;
  /** The selected leaderboard as a Markdown table (what print_table shows). */
  table: string;
  columns: string[];
  rows: RankRow[];
}

function fmtTime(iso: string | null): string {
  if (iso === null) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function hpString(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Metric columns: the testenv's metrics in their order (MATRIX as JSON text). */
export function metricColumns(env: TestEnvironment): string[] {
  return env.decl.metrics.map((m) => m.name);
}

export function rankRow(r: CaseResult, metricNames: readonly string[]): RankRow {
  const row: RankRow = { algorithm: r.algorithm };
  for (const m of metricNames) {
    if (m === 'MATRIX') row[m] = r.lifelong === null ? null : JSON.stringify(r.lifelong.matrix.slice(1));
    else row[m] = r.metrics[m] ?? null;
  }
  row.paradigm = r.paradigm;
  row.planner = r.planner;
  if (r.updater !== null) row.updater = r.updater;
  for (const [k, v] of Object.entries(r.hyperparameters)) row[k] = hpString(v);
  row.time = fmtTime(r.finishedAt);
  row.url = r.dir;
  return row;
}

/** Multi-key sort as Ianvs's rank (pandas sort_values): listed metrics only, missing values last; stable. */
export function sortRows<T extends Record<string, Cell>>(rows: readonly T[], sortBy: RankDecl['sortBy']): T[] {
  const keys = sortBy.filter((k) => rows.some((r) => k.metric in r));
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      for (const { metric, order } of keys) {
        const x = a.r[metric];
        const y = b.r[metric];
        const xn = typeof x === 'number' ? x : null;
        const yn = typeof y === 'number' ? y : null;
        if (xn === null && yn === null) continue;
        if (xn === null) return 1;
        if (yn === null) return -1;
        if (xn !== yn) return order === 'ascend' ? xn - yn : yn - xn;
      }
      return a.i - b.i;
    })
    .map((x) => x.r);
}

function allColumns(rows: readonly RankRow[], metricNames: readonly string[]): string[] {
  const modules = ['planner', ...(rows.some((r) => 'updater' in r) ? ['updater'] : [])];
  const hps: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (/^(planner|updater)-/.test(k) && !hps.includes(k)) hps.push(k);
  return ['algorithm', ...metricNames, 'paradigm', ...modules, ...hps, 'time', 'url'];
}

/** Columns of selected_rank.csv from selected_dataitem (Ianvs: "all" or explicit names). */
export function selectedColumns(all: readonly string[], metricNames: readonly string[], sel: RankDecl['selected']): string[] {
  const metrics = sel.metrics.includes('all') ? [...metricNames] : sel.metrics;
  const moduleCols: string[] = all.filter((c) => c === 'planner' || c === 'updater');
  const modules = sel.modules.includes('all')
    ? moduleCols
    : sel.modules.map((m) => (m === 'basemodel' ? 'planner' : m)).filter((m) => moduleCols.includes(m));
  const hpCols = all.filter((c) => /^(planner|updater)-/.test(c));
  const hps = sel.hyperparameters.includes('all')
    ? hpCols
    : hpCols.filter((c) => sel.hyperparameters.includes(c) || sel.hyperparameters.includes(c.replace(/^(planner|updater)-/, '')));
  return ['algorithm', ...metrics, 'paradigm', ...modules, ...hps, 'time', 'url'];
}

function csvCell(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: readonly string[], rows: readonly RankRow[]): string {
  const lines = [['rank', ...columns].map((c) => csvCell(c)).join(',')];
  rows.forEach((r, i) => lines.push([String(i + 1), ...columns.map((c) => csvCell(r[c]))].join(',')));
  return lines.join('\n') + '\n';
}

function fmtNumber(metric: string, v: number): string {
  if (/_ms$/.test(metric)) return v.toFixed(1);
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(4);
}

function mdCell(column: string, v: Cell | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return fmtNumber(column, v);
  return v.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdownTable(columns: readonly string[], rows: readonly RankRow[]): string {
  const cols = columns.filter((c) => c !== 'url');
  const lines = [`| rank | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`];
  rows.forEach((r, i) => lines.push(`| ${i + 1} | ${cols.map((c) => mdCell(c, r[c])).join(' | ')} |`));
  return lines.join('\n');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function htmlTable(columns: readonly string[], rows: readonly RankRow[]): string {
  const cols = columns.filter((c) => c !== 'url');
  const head = `<tr><th>rank</th>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = rows.map((r, i) => `<tr><td>${i + 1}</td>${cols.map((c) => `<td>${esc(mdCell(c, r[c]))}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table>${head}\n${body}</table></div>`;
}

function rowLabels(rounds: number): string[] {
  return ['before', ...Array.from({ length: rounds }, (_, i) => `after r${i}`)];
}

const CSS =
  `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;color:#1d2430;` +
  `padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d6dbe3;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:13px}th,td{border:1px solid #d6dbe3;padding:.25rem .5rem;text-align:right}
th{background:#f1f4f8}td:nth-child(2),th:nth-child(2){text-align:left}.meta{color:#5b6575}figure{margin:1rem 0}
.scroll{overflow-x:auto}.err{color:#a40e26}code{background:#f1f4f8;padding:0 .2rem}dt{font-weight:600}dd{margin:0 0 .4rem 1rem}`;

async function charts(results: readonly CaseResult[], env: TestEnvironment): Promise<Array<{ id: string; title: string; svg: string }>> {
  const out: Array<{ id: string; title: string; svg: string }> = [];
  const ok = results.filter((r) => r.error === null);
  const ratioMetrics = env.metrics.filter((m) => m.unit === 'ratio').map((m) => m.name);
  const bars = ok.flatMap((r) =>
    ratioMetrics.flatMap((m) => (typeof r.metrics[m] === 'number' ? [{ case: r.label, metric: m, value: r.metrics[m]! }] : [])),
  );
  if (bars.length > 0) out.push({ id: 'chart-metrics', title: 'Metrics per algorithm', svg: await renderSvg(metricBarsSpec(bars)) });
  const lat = ok.flatMap((r) => r.latenciesMs.map((v) => ({ case: r.label, latency_ms: v })));
  if (lat.length > 0) out.push({ id: 'chart-latency', title: 'Latency distribution', svg: await renderSvg(latencySpec(lat)) });
  const lifelong = ok.filter((r) => r.lifelong !== null);
  if (lifelong.length > 0) {
    const metric = lifelong[0]!.lifelong!.modelMetric;
    const curve = lifelong.flatMap((r) => {
      const ll = r.lifelong!;
      const labels = rowLabels(ll.rounds);
      return ll.matrix.flatMap((row, i) => {
        const vals = row.filter((v): v is number => v !== null);
        const points = row.flatMap((v, j) =>
          v === null ? [] : [{ case: r.label, after: labels[i]!, step: i, series: `round ${j}`, value: v }],
        );
        if (vals.length > 0)
          points.push({ case: r.label, after: labels[i]!, step: i, series: 'mean', value: vals.reduce((s, x) => s + x, 0) / vals.length });
        return points;
      });
    });
    if (curve.length > 0)
      out.push({ id: 'chart-rounds', title: 'Lifelong round curves', svg: await renderSvg(roundCurvesSpec(curve, metric)) });
    for (const r of lifelong) {
      const ll = r.lifelong!;
      const labels = rowLabels(ll.rounds);
      const cells = ll.matrix.flatMap((row, i) => row.map((v, j) => ({ after: labels[i]!, step: i, test: `round ${j}`, value: v })));
      out.push({
        id: `chart-matrix-${r.id}`,
        title: `Matrix ${r.label}`,
        svg: await renderSvg(matrixSpec(cells, `${r.label}: ${ll.modelMetric} matrix`)),
      });
    }
  }
  return out;
}

function metricDoc(name: string): string {
  return BUILTIN_METRICS.get(name)?.summary ?? LIFELONG_METRICS.get(name)?.summary ?? 'custom metric';
}

function renderHtml(
  job: JobDecl,
  env: TestEnvironment,
  results: readonly CaseResult[],
  columns: string[],
  rows: RankRow[],
  figs: Array<{ id: string; title: string; svg: string }>,
  generated: string,
): string {
  const d = env.dataset;
  const groups = results
    .filter((r) => r.error === null && Object.keys(r.groups).length > 0)
    .map((r) => {
      const names = env.metrics.map((m) => m.name);
      const head = `<tr><th>type</th><th>samples</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>`;
      const body = Object.entries(r.groups)
        .map(
          ([k, g]) =>
            `<tr><td>${esc(k)}</td><td>${g.samples}</td>` +
            `${names.map((n) => `<td>${esc(mdCell(n, g.metrics[n] ?? null))}</td>`).join('')}</tr>`,
        )
        .join('\n');
      return `<h3>${esc(r.label)}</h3><div class="scroll"><table>${head}\n${body}</table></div>`;
    })
    .join('\n');
  const details = results
    .map((r) => {
      const errs = Object.entries(r.metricErrors)
        .map(([k, v]) => `<li class="err">${esc(k)}: ${esc(v)}</li>`)
        .join('');
      const updates = r.lifelong?.updates.length ? `<br>updates: ${esc(r.lifelong.updates.map((u) => JSON.stringify(u)).join('; '))}` : '';
      const outcome =
        r.error === null
          ? `${r.supports.samples} samples, ${r.supports.failures} planner failures, ${r.supports.invalid} invalid plans` +
            `${r.cached ? ', from cache' : ''}`
          : `<span class="err">did not run: ${esc(r.error)}</span>`;
      return `<li><b>${esc(r.label)}</b> — ${outcome}<br><code>${esc(r.dir)}</code>${updates}${errs ? `<ul>${errs}</ul>` : ''}</li>`;
    })
    .join('\n');
  const glossary = env.decl.metrics.map((m) => `<dt>${esc(m.name)}</dt><dd>${esc(metricDoc(m.name))}</dd>`).join('\n');
  const meta =
    `HomeSight benchmark report · generated ${esc(generated)} · dataset ${esc(d.format)} ` +
    `(${d.test.length} test / ${d.train.length} train samples, ${esc(d.linkMode)} links, ` +
    `tools from ${esc(d.tools?.source ?? 'none')}, validity by ${esc(env.validator)}) · ` +
    `ranked by ${esc(job.rank.sortBy.map((s) => `${s.metric} ${s.order}`).join(', '))}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(job.name)} — HomeSight benchmark</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${CSS}</style></head>
<body>
<h1>${esc(job.name)}</h1>
<p class="meta">${meta}</p>
<h2>Leaderboard</h2>
${htmlTable(columns, rows)}
<h2>Charts</h2>
${figs.map((f) => `<figure id="${f.id}" data-title="${esc(f.title)}">${f.svg}</figure>`).join('\n')}
<h2>By sample type</h2>
${groups || '<p>no typed samples</p>'}
<h2>Test cases</h2>
<ul>${details}</ul>
<h2>Metrics</h2>
<dl>${glossary}</dl>
<p class="meta">Formulas: docs/METRICS.md. Job file: <code>${esc(job.file)}</code>.</p>
</body></html>
`;
}

function mergeAll(file: string, rows: readonly RankRow[]): RankRow[] {
  let old: RankRow[] = [];
  if (existsSync(file)) {
    try {
      old = JSON.parse(readFileSync(file, 'utf8')) as RankRow[];
    } catch {
      old = [];
    }
  }
  const urls = new Set(rows.map((r) => r.url));
  return [...rows, ...old.filter((r) => !urls.has(r.url))];
}

/** Writes the leaderboard files and the HTML report for this run's results. */
export async function writeStory(
  job: JobDecl,
  env: TestEnvironment,
  results: readonly CaseResult[],
  now: Date = new Date(),
): Promise<StoryOutputs> {
  const rankDir = join(job.workspace, job.name, 'rank');
  mkdirSync(rankDir, { recursive: true });
  const metricNames = metricColumns(env);
  const runRows = sortRows(
    results.map((r) => rankRow(r, metricNames)),
    job.rank.sortBy,
  );
  const columns = allColumns(runRows, metricNames);
  const sel = job.rank.selected;
  const selected = selectedColumns(columns, metricNames, sel);
  const paradigmOk = (r: RankRow): boolean => sel.paradigms.includes('all') || sel.paradigms.includes(String(r.paradigm));

  // all_rank: this run plus earlier runs' rows (Ianvs appends), re-sorted.
  const store = join(rankDir, 'all_rank.json');
  const allRows = sortRows(mergeAll(store, runRows), job.rank.sortBy);
  const allCols = allColumns(allRows, metricNames);
  writeFileSync(store, JSON.stringify(allRows, null, 2) + '\n');
  let allRankCsv: string | null = null;
  if (job.rank.saveMode !== 'selected_only') {
    allRankCsv = join(rankDir, 'all_rank.csv');
    writeFileSync(allRankCsv, toCsv(allCols, allRows));
  }
  // selected_rank: selected columns, paradigm filter, duplicates (all but time/url) dropped.
  const seen = new Set<string>();
  const selRows = allRows.filter(paradigmOk).filter((r) => {
    const key = JSON.stringify(selected.slice(0, -2).map((c) => r[c] ?? null));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const selectedRankCsv = join(rankDir, 'selected_rank.csv');
  writeFileSync(selectedRankCsv, toCsv(selected, selRows));

  const thisRun = runRows.filter(paradigmOk);
  const table = toMarkdownTable(selected, thisRun);
  const generated = now.toISOString();
  const markdown = join(rankDir, 'leaderboard.md');
  const byType = results
    .filter((r) => r.error === null)
    .map((r) => {
      const names = env.metrics.map((m) => m.name);
      const lines = [`### ${r.label}`, '', `| type | samples | ${names.join(' | ')} |`, `|---|---|${names.map(() => '---').join('|')}|`];
      for (const [k, g] of Object.entries(r.groups))
        lines.push(`| ${k} | ${g.samples} | ${names.map((n) => mdCell(n, g.metrics[n] ?? null)).join(' | ')} |`);
      if (r.lifelong !== null) {
        const labels = rowLabels(r.lifelong.rounds);
        lines.push(
          '',
          `Lifelong ${r.lifelong.modelMetric} matrix (rows: evaluated, columns: round test sets):`,
          '',
          `| evaluated | ${r.lifelong.matrix[0]!.map((_, j) => `round ${j}`).join(' | ')} |`,
          `|---|${r.lifelong.matrix[0]!.map(() => '---').join('|')}|`,
        );
        r.lifelong.matrix.forEach((row, i) =>
          lines.push(`| ${labels[i]} | ${row.map((v) => (v === null ? '–' : v.toFixed(4))).join(' | ')} |`),
        );
      }
      return lines.join('\n');
    })
    .join('\n\n');
  const failed = results.filter((r) => r.error !== null).map((r) => `- ${r.label}: did not run — ${r.error}`);
  writeFileSync(
    markdown,
    [
      `# ${job.name}`,
      '',
      `Generated ${generated}; ranked by ${job.rank.sortBy.map((s) => `${s.metric} (${s.order})`).join(', ')}.`,
      '',
      table,
      '',
      ...(failed.length > 0 ? ['Failed test cases:', '', ...failed, ''] : []),
      '## By sample type',
      '',
      byType,
      '',
    ].join('\n'),
  );
  const json = join(rankDir, 'leaderboard.json');
  writeFileSync(
    json,
    JSON.stringify(
      {
        job: job.name,
        generated,
        sort_by: job.rank.sortBy,
        dataset: {
          format: env.dataset.format,
          test: env.dataset.test.length,
          train: env.dataset.train.length,
          link_mode: env.dataset.linkMode,
          fingerprint: env.dataset.fingerprint,
        },
        columns: selected,
        leaderboard: thisRun,
        cases: results.map((r) => ({ ...r, latenciesMs: undefined })),
      },
      null,
      2,
    ) + '\n',
  );
  const figs = await charts(results, env);
  const html = join(rankDir, 'report.html');
  writeFileSync(html, renderHtml(job, env, results, selected, thisRun, figs, generated));
  return { rankDir, allRankCsv, selectedRankCsv, markdown, json, html, table, columns: selected, rows: thisRun };
}
