/**
 * The watches bench's plot (bench/results/watches.svg): CPU and RSS of the same process at 0 and at 1,000 watches
 * with the added-cost targets, and the trigger → notification latency percentiles with the p95 target.
 * The bench writes it after a run; it can also be drawn again from the JSON a run wrote, without running it:
 *
 *   node --import tsx bench/watches/plot.ts [bench/results/watches.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../harness/index.js';
import type { BenchResult } from '../types.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The targets: added CPU % of one core, added RSS MB, notification p95 ms. */
const ADDED_CPU_PCT = 5;
const ADDED_RSS_MB = 20;
const NOTIFY_P95_MS = 500;

type Metrics = BenchResult['metrics'];

function num(m: Metrics, key: string): number {
  const v = m[key];
  if (typeof v !== 'number') throw new Error(`bench/results/watches.json has no number "${key}"`);
  return v;
}

/** One panel: bars per label (one colour per label, or one colour for all) and a dashed rule at the target. */
function panel(
  title: string,
  unit: string,
  rows: Array<{ label: string; value: number }>,
  target: number,
  targetText: string,
  color?: string,
): object {
  return {
    title,
    width: 170,
    height: 220,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
          y: { field: 'value', type: 'quantitative', title: unit },
          color:
            color === undefined
              ? { field: 'label', type: 'nominal', legend: null, sort: null, scale: { scheme: 'tableau10' } }
              : { value: color },
        },
      },
      {
        data: { values: rows },
        mark: { type: 'text', dy: -6 },
        encoding: {
          x: { field: 'label', type: 'nominal', sort: null },
          y: { field: 'value', type: 'quantitative' },
          text: { field: 'value', type: 'quantitative', format: '.1f' },
        },
      },
      {
        data: { values: [{ target, text: targetText }] },
        layer: [
          { mark: { type: 'rule', color: '#d62728', strokeDash: [6, 4] }, encoding: { y: { field: 'target', type: 'quantitative' } } },
          {
            mark: { type: 'text', color: '#d62728', align: 'right', dy: -5, x: 'width' },
            encoding: { y: { field: 'target', type: 'quantitative' }, text: { field: 'text' } },
          },
        ],
      },
    ],
  };
}

/** The vega-lite spec of the plot from a run's metrics. */
export function watchesPlotSpec(m: Metrics, date: string): TopLevelSpec {
  const cpu0 = num(m, 'cpu_pct_0_watches');
  const rss0 = num(m, 'rss_mb_0_watches');
  const latency = [
    { label: 'p50', value: num(m, 'notify_p50_ms') },
    { label: 'p95', value: num(m, 'notify_p95_ms') },
    { label: 'max', value: num(m, 'notify_max_ms') },
  ];
  return {
    $schema: SCHEMA,
    title: {
      text: '1,000 standing watches over 4 cameras at 5 detect-fps: cost and notification latency',
      subtitle:
        `run ${date}; same process, same real-time replay with 0 and then 1,000 watches ` +
        `(${num(m, 'live_seconds_per_phase')} s each); ${num(m, 'notifications')} notifications through mosquitto`,
    },
    hconcat: [
      panel(
        'CPU (% of one core)',
        '% of one core',
        [
          { label: '0 watches', value: cpu0 },
          { label: '1,000 watches', value: num(m, 'cpu_pct_1000_watches') },
        ],
        cpu0 + ADDED_CPU_PCT,
        `0 watches + ${ADDED_CPU_PCT} %`,
      ),
      panel(
        'RSS (MB)',
        'MB',
        [
          { label: '0 watches', value: rss0 },
          { label: '1,000 watches', value: num(m, 'rss_mb_1000_watches') },
        ],
        rss0 + ADDED_RSS_MB,
        `0 watches + ${ADDED_RSS_MB} MB`,
      ),
      panel('Trigger → notification (ms)', 'ms', latency, NOTIFY_P95_MS, `p95 target ${NOTIFY_P95_MS} ms`, '#54a24b'),
    ],
  } as TopLevelSpec;
}

/** Renders the plot to `file` (SVG). */
export async function writeWatchesPlot(m: Metrics, date: string, file: string): Promise<void> {
  writeFileSync(file, await renderSvg(watchesPlotSpec(m, date)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const json = process.argv[2] ?? new URL('../results/watches.json', import.meta.url).pathname;
  const result = JSON.parse(readFileSync(json, 'utf8')) as { date: string; metrics: Metrics };
  const out = join(dirname(json), 'watches.svg');
  await writeWatchesPlot(result.metrics, result.date.slice(0, 16).replace('T', ' '), out);
  process.stdout.write(`${out}\n`);
}
