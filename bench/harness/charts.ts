import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Charts of the HTML report: vega-lite specs compiled to vega and rendered to
 * SVG offline in Node (`View.toSVG`, no browser, no network), then inlined.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Grouped bars: one group per metric, one bar per test case. */
export function metricBarsSpec(rows: ReadonlyArray<{ case: string; metric: string; value: number }>): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Metrics per algorithm (ratios; edit_distance and failure_rate: lower is better)',
    width: { step: 14 },
    height: 240,
    data: { values: [...rows] },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'metric', type: 'nominal', title: null, axis: { labelAngle: -30 }, sort: null },
      xOffset: { field: 'case', type: 'nominal', sort: null },
      y: { field: 'value', type: 'quantitative', title: 'score', scale: { domain: [0, 1] } },
      color: { field: 'case', type: 'nominal', title: 'test case', sort: null },
    },
  } as TopLevelSpec;
}

/** Planning latency distribution per test case (box plot, ms). */
export function latencySpec(rows: ReadonlyArray<{ case: string; latency_ms: number }>): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Planning latency per test case (ms)',
    width: 480,
    height: { step: 28 },
    data: { values: [...rows] },
    mark: { type: 'boxplot', extent: 1.5 },
    encoding: {
      y: { field: 'case', type: 'nominal', title: null, sort: null },
      // symlog: a few timeouts must not squash everything else against zero
      x: { field: 'latency_ms', type: 'quantitative', title: 'latency (ms, symlog scale)', scale: { type: 'symlog' } },
      color: { field: 'case', type: 'nominal', legend: null, sort: null },
    },
  } as TopLevelSpec;
}

/**
 * Lifelong round curves: x = evaluation point (before any update, after round
 * 0, …), y = the model metric on each round's test set (one line per test set)
 * and their mean, one panel per test case.
 */
export function roundCurvesSpec(
  rows: ReadonlyArray<{ case: string; after: string; step: number; series: string; value: number }>,
  metric: string,
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: `Lifelong rounds: ${metric} on each round's test set`,
    data: { values: [...rows] },
    facet: { column: { field: 'case', type: 'nominal', title: null, sort: null } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', point: true, tooltip: true },
      encoding: {
        x: { field: 'after', type: 'ordinal', title: 'evaluated', sort: { field: 'step' }, axis: { labelAngle: -30 } },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { domain: [0, 1] } },
        color: { field: 'series', type: 'nominal', title: 'test set', sort: null },
        strokeDash: { condition: { test: "datum.series === 'mean'", value: [1, 0] }, value: [4, 3] },
      },
    },
  } as TopLevelSpec;
}

/** Heat map of one lifelong matrix (rows: evaluation point, columns: test set). */
export function matrixSpec(
  rows: ReadonlyArray<{ after: string; step: number; test: string; value: number | null }>,
  title: string,
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    width: { step: 56 },
    height: { step: 28 },
    data: { values: [...rows] },
    layer: [
      {
        mark: 'rect',
        encoding: {
          y: { field: 'after', type: 'ordinal', title: 'evaluated', sort: { field: 'step' } },
          x: { field: 'test', type: 'ordinal', title: 'test set', sort: null },
          color: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1], scheme: 'blues' } },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          y: { field: 'after', type: 'ordinal', sort: { field: 'step' } },
          x: { field: 'test', type: 'ordinal', sort: null },
          text: { field: 'value', type: 'quantitative', format: '.3f' },
          color: { condition: { test: 'datum.value > 0.6', value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec;
}
