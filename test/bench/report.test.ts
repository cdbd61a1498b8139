import t from 'tap';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runBenchmarkJob } from '../../bench/harness/index.js';

/** The few DOM members the page check uses (the test compiles without the DOM lib). */
interface DomEl {
  id: string;
  querySelector(sel: string): DomEl | null;
  querySelectorAll(sel: string): Iterable<DomEl> & { length: number };
  getBoundingClientRect(): { width: number; height: number };
}

const repo = new URL('../../', import.meta.url).pathname;
const fixtures = join(repo, 'test/bench/fixtures');
const tiny = join(repo, 'bench/jobs/tiny');

t.test('the HTML report is self-contained and its charts render in headless Chromium', async (t) => {
  const dir = t.testdir();
  // The tiny job's two algorithms plus a lifelong one, so every chart kind is drawn.
  writeFileSync(
    join(dir, 'job.yaml'),
    `benchmarkingjob:
  name: report
  workspace: ./ws
  testenv: ./testenv.yaml
  test_object:
    type: algorithms
    algorithms:
      - {name: gold-replay, url: ${tiny}/gold-replay.yaml}
      - {name: damaged-replay, url: ${tiny}/damaged-replay.yaml}
      - {name: memory-lifelong, url: ./lifelong.yaml}
  rank: {sort_by: [{node_f1: descend}]}
`,
  );
  writeFileSync(
    join(dir, 'testenv.yaml'),
    `testenv:
  dataset: {train_url: ${fixtures}/q2a/q2a.jsonl, test_url: ${fixtures}/q2a/q2a.jsonl}
  metrics: [{name: rougeL}, {name: node_f1}, {name: edge_f1}, {name: v_f1}, {name: plan_validity}, {name: latency_p95_ms},
    {name: BWT}, {name: FWT}]
  model_eval: {model_metric: {name: node_f1}}
`,
  );
  writeFileSync(
    join(dir, 'lifelong.yaml'),
    `algorithm:
  paradigm_type: lifelonglearning
  modules:
    - {type: planner, name: memory, url: ${fixtures}/memory-planner.ts}
    - {type: updater, name: fewshot_memory, hyperparameters: [{k: {values: [1]}}]}
`,
  );
  const r = await runBenchmarkJob(join(dir, 'job.yaml'));
  t.equal(r.failed, 0);
  const html = readFileSync(r.story.html, 'utf8');
  t.notMatch(html, /<script/i, 'no scripts');
  t.notMatch(html, /(src|href)="https?:/i, 'no external resources');
  t.match(html, /<figure id="chart-rounds"/);

  const browser = await chromium.launch({
    executablePath: process.env.HOMESIGHT_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const external: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  await page.goto(`file://${r.story.html}`);
  t.same(external, [], 'the report loads nothing from the network');

  const figures = await page.evaluate(() =>
    [...(globalThis as unknown as { document: DomEl }).document.querySelectorAll('figure')].map((f) => {
      const svg = f.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      const visible = (sel: string): number =>
        [...f.querySelectorAll(sel)].filter((e) => {
          const b = e.getBoundingClientRect();
          return b.width > 0 || b.height > 0;
        }).length;
      return {
        id: f.id,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        bars: visible('g.mark-rect.role-mark path'),
        lines: visible('g.mark-line.role-mark path'),
        points: visible('g.mark-symbol.role-mark path'),
        boxes: visible('g.role-mark path, g.role-mark line'),
        texts: f.querySelectorAll('text').length,
      };
    }),
  );
  const fig = (id: string): (typeof figures)[number] => {
    const f = figures.find((x) => x.id === id || x.id.startsWith(id));
    if (f === undefined) throw new Error(`no figure ${id}: ${JSON.stringify(figures.map((x) => x.id))}`);
    return f;
  };
  for (const f of figures) t.ok(f.width > 100 && f.height > 50, `${f.id} has a size (${f.width}×${f.height})`);
  // 3 test cases × 4 ratio metrics (rougeL, node_f1, edge_f1, v_f1, plan_validity: 5) with values
  const bars = fig('chart-metrics');
  t.equal(bars.bars, 3 * 5, 'one bar per test case and ratio metric');
  t.ok(bars.texts > 10, 'axes and legend are labelled');
  t.ok(fig('chart-latency').boxes >= 3, 'a box per test case');
  const rounds = fig('chart-rounds');
  t.ok(rounds.lines >= 3, `round curves drawn (${rounds.lines} lines)`);
  t.ok(rounds.points >= 9, `round points drawn (${rounds.points})`);
  t.ok(fig('chart-matrix').bars >= 6, 'lifelong matrix heat map: (R+1)×R cells');

  const shot = join(dir, 'report.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.ok(statSync(shot).size > 10_000, 'screenshot written');
  // For the notes: HOMESIGHT_BENCH_SCREENSHOT=path keeps a copy.
  if (process.env.HOMESIGHT_BENCH_SCREENSHOT !== undefined) copyFileSync(shot, process.env.HOMESIGHT_BENCH_SCREENSHOT);
});
