import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pct } from '../support/stats.js';
import type { Bench, BenchContext, BenchResult } from '../types.js';

/**
 * What vision.memory_arena is decided on: onnxruntime's CPU memory arena (and the memory pattern planner that
 * pre-plans each run's buffers) against plain allocations, on the four default models. Each setting runs in a
 * fresh process (RSS is per process): load the models with the daemon's session options (2 intra-op threads,
 * 1 inter-op, graph optimisation all, no spinning), one warm-up run each, RSS gained, then back-to-back runs of
 * each model on a ready tensor (p50/p95 per model). Settings interleave over the rounds so load from other work on
 * the machine hits each alike.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const MODELS = ['yolox_nano.onnx', 'face_detection_yunet.onnx', 'mobilefacenet.onnx', 'movenet_lightning.onnx'] as const;
const SETTINGS = [
  { key: 'arena', arena: true, pattern: true, label: 'arena on, memory pattern on (onnxruntime default)' },
  { key: 'no_arena', arena: false, pattern: true, label: 'arena off, memory pattern on' },
  { key: 'no_arena_no_pattern', arena: false, pattern: false, label: 'arena off, memory pattern off' },
] as const;

interface ChildResult {
  rss_mb: number;
  /** Per model: latencies in ms of the timed runs. */
  runs: Record<string, number[]>;
}

function child(modelsDir: string, arena: boolean, pattern: boolean, runs: number): ChildResult {
  const code = `
    import * as ort from 'onnxruntime-node';
    const base = process.memoryUsage().rss;
    const sessions = [];
    for (const f of ${JSON.stringify(MODELS)}) {
      const s = await ort.InferenceSession.create(${JSON.stringify(modelsDir)} + '/' + f, {
        executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all',
        enableCpuMemArena: ${arena}, enableMemPattern: ${pattern}, logSeverityLevel: 3,
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } });
      const m = s.inputMetadata[0];
      const shape = m.shape.map((d, i) => typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : f.startsWith('face_det') ? 320 : 192);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = m.type === 'int32' ? new Int32Array(n) : m.type === 'uint8' ? new Uint8Array(n) : new Float32Array(n).fill(0.5);
      const feed = { [s.inputNames[0]]: new ort.Tensor(m.type, data, shape) };
      await s.run(feed);
      sessions.push([f, s, feed]);
    }
    const rss = process.memoryUsage().rss;
    const runs = {};
    for (const [f, s, feed] of sessions) {
      runs[f] = [];
      for (let i = 0; i < ${runs}; i++) { const a = performance.now(); await s.run(feed); runs[f].push(performance.now() - a); }
    }
    process.stdout.write(JSON.stringify({ rss_mb: (rss - base) / 2 ** 20, runs }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`arena probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildResult;
}

const median = (xs: number[]): number => pct(xs, 50);
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;
const short = (f: string): string => f.replace(/\.onnx$/, '');

export const visionArenaBench: Bench = {
  name: 'vision-arena',
  description:
    'onnxruntime CPU memory arena and memory pattern on/off on the four default vision models: RSS they add and per-model ' +
    'latency, same run (what the vision.memory_arena default is chosen from)',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const modelsDir = join(ctx.sharedDir, 'models');
    for (const f of MODELS) if (!existsSync(join(modelsDir, f))) throw new Error(`${modelsDir}/${f} is missing (HOMESIGHT_SHARED_DIR)`);
    const rounds = ctx.quick ? 2 : 5;
    const runs = ctx.quick ? 10 : 30;
    const load0 = loadavg()[0]!;
    const got = new Map<string, ChildResult[]>();
    let done = 0;
    for (let round = 0; round < rounds; round++) {
      // Rotated start so no setting always runs first in a round.
      for (let i = 0; i < SETTINGS.length; i++) {
        const s = SETTINGS[(i + round) % SETTINGS.length]!;
        ctx.progress(`round ${round + 1}: ${s.label}`, done++ / (rounds * SETTINGS.length));
        got.set(s.key, [...(got.get(s.key) ?? []), child(modelsDir, s.arena, s.pattern, runs)]);
      }
    }
    const load1 = loadavg()[0]!;
    const metrics: BenchResult['metrics'] = {};
    for (const s of SETTINGS) {
      const rs = got.get(s.key)!;
      metrics[`${s.key}_rss_mb`] = r1(median(rs.map((r) => r.rss_mb)));
      for (const f of MODELS) {
        const all = rs.flatMap((r) => r.runs[f]!);
        metrics[`${s.key}_${short(f)}_p50_ms`] = r2(median(all));
        metrics[`${s.key}_${short(f)}_p95_ms`] = r2(pct(all, 95));
      }
    }
    metrics.load_average_start = r1(load0);
    metrics.load_average_end = r1(load1);
    const ratios: BenchResult['ratios'] = {};
    for (const s of SETTINGS.slice(1)) {
      ratios[`${s.key}_over_arena_rss`] = r2(Number(metrics[`${s.key}_rss_mb`]) / Number(metrics.arena_rss_mb));
      for (const f of MODELS) {
        ratios[`${s.key}_over_arena_${short(f)}_p50`] = r2(
          Number(metrics[`${s.key}_${short(f)}_p50_ms`]) / Number(metrics[`arena_${short(f)}_p50_ms`]),
        );
      }
    }
    const result: BenchResult = {
      metrics,
      ratios,
      notes: [
        `${rounds} interleaved rounds, a fresh process per setting and round; RSS = what loading the four models with one ` +
          `warm-up run each adds (median of the rounds); latency = ${runs} back-to-back runs per model and round on a ready ` +
          'tensor, pooled over the rounds',
        `machine shared with other work: 1-min load average ${r1(load0)} at start, ${r1(load1)} at end (2 cores); ` +
          'compare the settings with each other (same run)',
      ],
    };
    writeFileSync(join(ctx.resultsDir, 'vision-arena.md'), markdown(result));
    ctx.progress('done', 1);
    return result;
  },
};

function markdown(r: BenchResult): string {
  const m = r.metrics;
  const lines = [
    '# Vision: onnxruntime memory arena on/off (issue #21, vision.memory_arena)',
    '',
    '`npm run bench vision-arena` (bench/runtime/arena.ts). p50 / p95 ms per model; RSS the four models add.',
    '',
    `| setting | RSS MiB | ${MODELS.map(short).join(' | ')} |`,
    `|---|---|${MODELS.map(() => '---').join('|')}|`,
  ];
  for (const s of SETTINGS) {
    const cells = MODELS.map((f) => `${m[`${s.key}_${short(f)}_p50_ms`]} / ${m[`${s.key}_${short(f)}_p95_ms`]}`);
    lines.push(`| ${s.label} | ${m[`${s.key}_rss_mb`]} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    `Ratios (same run, against the arena): ${Object.entries(r.ratios)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
  );
  for (const n of r.notes ?? []) lines.push(`- ${n}`);
  lines.push('');
  return lines.join('\n');
}
