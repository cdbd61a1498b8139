import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCHES } from './registry.js';
import type { BenchResult } from './types.js';
import { EXIT } from '../daemon/system/index.js';

/** `npm run bench [-- NAME…] [--quick] [--keep] [--list]` runs benches and writes bench/results/. */
const here = new URL('.', import.meta.url).pathname;
const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

if (values.list) {
  for (const b of BENCHES) process.stdout.write(`${b.name}\n`);
  process.exit(EXIT.OK);
}

const sharedDir = resolve(process.env.HOMESIGHT_SHARED_DIR ?? join(here, '../../shared'));
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const selected = positionals.length === 0 ? BENCHES : BENCHES.filter((b) => positionals.includes(b.name));
const unknown = positionals.filter((p) => !BENCHES.some((b) => b.name === p));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench: ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})\n`);
  process.exit(EXIT.USAGE);
}

function checkTargets(r: BenchResult): Array<{ key: string; op: string; value: number; actual: number | null; met: boolean }> {
  return (r.targets ?? []).map((t) => {
    const v = r.ratios[t.key] ?? r.metrics[t.key];
    const actual = typeof v === 'number' ? v : null;
    const met = actual !== null && (t.op === '<=' ? actual <= t.value : actual >= t.value);
    return { ...t, actual, met };
  });
}

let failed = 0;
for (const entry of selected) {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), `hs-bench-${entry.name}-`));
  process.stderr.write(`\n▶ ${entry.name}\n`);
  let lastLine = 0;
  try {
    const bench = await entry.load();
    const result = await bench.run({
      sharedDir,
      resultsDir,
      workDir,
      quick: values.quick ?? false,
      progress(message, fraction) {
        const now = Date.now();
        if (now - lastLine < 250 && fraction !== 1) return;
        lastLine = now;
        const pct = fraction === null ? '' : `${(fraction * 100).toFixed(0).padStart(3)}% `;
        process.stderr.write(`  ${pct}${message}\n`);
      },
    });
    const out = {
      name: bench.name,
      description: bench.description,
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        mem_gib: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      quick: values.quick ?? false,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      ...result,
      target_check: checkTargets(result),
    };
    writeFileSync(join(resultsDir, `${bench.name}.json`), JSON.stringify(out, null, 2) + '\n');
    process.stderr.write(`  done in ${out.seconds}s → bench/results/${bench.name}.json\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  } finally {
    if (!(values.keep ?? false)) rmSync(workDir, { recursive: true, force: true });
  }
}

// SUMMARY.md over every result file present (not only this run's).
const rows: string[] = [
  '# HomeSight benchmark summary',
  '',
  '| bench | date | key results | ratios (ours / bare) | targets |',
  '|---|---|---|---|---|',
];
for (const f of readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const r = JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as Partial<BenchResult> & {
    name?: string;
    date?: string;
    target_check?: ReturnType<typeof checkTargets>;
  };
  // a results file another tool wrote (not a bench run) has no name/date; list it without crashing the summary
  if (typeof r.name !== 'string' || typeof r.date !== 'string') {
    rows.push(`| ${f} | — | not a bench run result (no name/date) | | |`);
    continue;
  }
  const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v));
  const metrics = Object.entries(r.metrics ?? {})
    .slice(0, 8)
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join('<br>');
  const ratios = Object.entries(r.ratios ?? {})
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join('<br>');
  const targets = (r.target_check ?? [])
    .map((t) => `${t.met ? '✅' : '❌'} ${t.key} ${t.op} ${t.value} (${t.actual === null ? 'n/a' : fmt(t.actual)})`)
    .join('<br>');
  rows.push(`| ${r.name} | ${r.date.slice(0, 16)} | ${metrics} | ${ratios} | ${targets} |`);
}
writeFileSync(join(resultsDir, 'SUMMARY.md'), rows.join('\n') + '\n');
process.stderr.write(`\nsummary → bench/results/SUMMARY.md\n`);
process.exit(failed > 0 ? EXIT.FAILURE : EXIT.OK);
