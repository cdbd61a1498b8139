/**
 * Builds the planner-model corpus in one command:
 *
 *   node --import tsx bench/corpus/cli.ts --seed 1 --size 200000 [--households 400]
 *        [--out var/datasets/planner-corpus] [--datasheet bench/corpus/DATASHEET.md] [--quiet]
 *        [--hold-out TEMPLATE,...]
 *
 * Writes train/val/test/disjoint.jsonl, households.json and stats.json, with
 * a progress bar on stderr; --datasheet rewrites the datasheet's numbers.
 * --hold-out keeps these templates out of training too (besides the seed's
 * own choice), so a model trained in stages on several corpora still has
 * templates none of them trained on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { buildCorpus } from './build.js';
import { renderCorpusStats, replaceDatasheetBlock } from './datasheet.js';
import { allTemplates } from './phrasings.js';
import { modelRenderer } from './render.js';

const USAGE =
  'usage: bench/corpus/cli.ts [--seed N] [--size N] [--households N] [--out DIR] [--datasheet FILE] [--quiet] [--hold-out TEMPLATE,...]';

function wholeNumber(name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be a whole number ≥ ${min} (got ${v})\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      size: { type: 'string' },
      households: { type: 'string' },
      out: { type: 'string' },
      datasheet: { type: 'string' },
      'hold-out': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const seed = wholeNumber('seed', values.seed, 1, 0);
  const size = wholeNumber('size', values.size, 200_000, 1);
  const households = wholeNumber('households', values.households, 400, 2);
  const out = resolve(values.out ?? 'var/datasets/planner-corpus');
  const t0 = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  // The build is synchronous, so cli-progress's timer never fires off a TTY: there a line per 5 % is printed instead.
  const tty = process.stderr.isTTY === true;
  const bar =
    values.quiet === true || !tty
      ? null
      : new cliProgress.SingleBar(
          { stream: process.stderr, format: 'corpus {bar} {percentage}% | {value}/{total} samples | ETA {eta_formatted}', etaBuffer: 2000 },
          cliProgress.Presets.shades_classic,
        );
  bar?.start(size, 0);
  let nextLine = 0;
  const onProgress = (done: number): void => {
    bar?.update(done);
    if (values.quiet === true || tty || done < nextLine) return;
    nextLine = done + Math.ceil(size / 20);
    const eta = done === 0 ? 0 : (elapsed() / done) * (size - done);
    process.stderr.write(
      `corpus ${done}/${size} samples (${Math.floor((100 * done) / size)} %), ${elapsed().toFixed(0)} s, ETA ${eta.toFixed(0)} s\n`,
    );
  };
  const holdOut = (values['hold-out'] ?? '').split(',').filter((x) => x.trim() !== '');
  const known = new Set([...allTemplates().values()].flat());
  const unknown = holdOut.filter((id) => !known.has(id.trim()));
  if (unknown.length > 0) {
    process.stderr.write(`--hold-out: no template ${unknown.join(', ')} (ids as in stats.json held_out_templates)\n${USAGE}\n`);
    process.exit(2);
  }
  const stats = buildCorpus({
    seed,
    size,
    households,
    out,
    renderer: modelRenderer(),
    onProgress,
    heldOutTemplates: holdOut.map((x) => x.trim()),
  });
  bar?.stop();
  const seconds = elapsed();
  if (values.datasheet !== undefined) {
    const path = resolve(values.datasheet);
    writeFileSync(path, replaceDatasheetBlock(readFileSync(path, 'utf8'), renderCorpusStats(stats, seconds)));
  }
  process.stdout.write(
    `${stats.size} samples (${Object.entries(stats.per_split)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}) in ${seconds.toFixed(1)} s → ${out}\n`,
  );
  for (const f of stats.files)
    process.stdout.write(`  ${f.file}  ${f.lines} lines  ${(f.bytes / 1e6).toFixed(1)} MB  sha256 ${f.sha256}\n`);
}

main();
