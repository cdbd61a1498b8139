import t from 'tap';
import { renderSvg } from '../../bench/harness/index.js';
import { watchesPlotSpec } from '../../bench/watches/plot.js';

t.test("the watches bench's plot is drawn from a run's metrics, with the targets", async (t) => {
  const metrics = {
    live_seconds_per_phase: 40,
    notifications: 766,
    cpu_pct_0_watches: 1.74,
    cpu_pct_1000_watches: 5.61,
    rss_mb_0_watches: 112.3,
    rss_mb_1000_watches: 124.3,
    notify_p50_ms: 52,
    notify_p95_ms: 237,
    notify_max_ms: 379,
  };
  const svg = await renderSvg(watchesPlotSpec(metrics, '2026-12-06 19:14'));
  t.match(svg, /^<svg/);
  for (const text of ['5.6', '124.3', '237.0', 'p95 target 500 ms', '0 watches + 5 %', '0 watches + 20 MB', '766 notifications'])
    t.ok(svg.includes(text), `shows ${text}`);
  const { notify_p95_ms: _missing, ...partial } = metrics;
  t.throws(() => watchesPlotSpec(partial, 'x'), /no number "notify_p95_ms"/, 'a JSON without a measure is refused, not drawn as zero');
});
