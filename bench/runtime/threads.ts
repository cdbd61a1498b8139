import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { pct } from '../support/stats.js';
import type { Bench, BenchContext, BenchResult } from '../types.js';

/**
 * onnxruntime intra-op threads × concurrent cameras on the real detector (yolox_nano, /work/shared/models/MANIFEST.md):
 * one session per thread count, shared by every camera as in the daemon (VisionEngine loads one session per model
 * and each camera's loop calls it), each camera a loop of back-to-back session.run on a ready [1,3,416,416] tensor.
 * Session options as daemon/vision/runtime.ts sets them (graph optimisation all, 1 inter-op thread, no spinning);
 * the memory arena both ways, and the RSS the four default models cost with and without it.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const DETECTOR = 'yolox_nano.onnx';
const INPUT: readonly number[] = [1, 3, 416, 416];

interface Cell {
  threads: number;
  cameras: number;
  arena: boolean;
  runs: number;
  fps_total: number;
  fps_per_camera: number;
  p50_ms: number;
  p95_ms: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;

function sessionOptions(threads: number, arena: boolean): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableCpuMemArena: arena,
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

async function measure(session: ort.InferenceSession, cameras: number, durationMs: number): Promise<Omit<Cell, 'threads' | 'arena'>> {
  const name = session.inputNames[0]!;
  const data = new Float32Array(INPUT.reduce((a, b) => a * b, 1)).fill(114);
  const tensor = new ort.Tensor('float32', data, [...INPUT]);
  for (let i = 0; i < 2; i++) await session.run({ [name]: tensor }); // warm-up
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const a = performance.now();
      await session.run({ [name]: tensor });
      latencies.push(performance.now() - a);
    }
  };
  await Promise.all(Array.from({ length: cameras }, loop));
  const seconds = (performance.now() - t0) / 1000;
  return {
    cameras,
    runs: latencies.length,
    fps_total: r1(latencies.length / seconds),
    fps_per_camera: r1(latencies.length / seconds / cameras),
    p50_ms: r1(pct(latencies, 50)),
    p95_ms: r1(pct(latencies, 95)),
  };
}

/** RSS of a fresh node process that loaded the four default models (one warm-up run each), in MiB. */
function sessionsRss(modelsDir: string, arena: boolean): number {
  const code = `
    import * as ort from 'onnxruntime-node';
    const base = process.memoryUsage().rss;
    const files = ['yolox_nano.onnx', 'face_detection_yunet.onnx', 'mobilefacenet.onnx', 'movenet_lightning.onnx'];
    for (const f of files) {
      const s = await ort.InferenceSession.create(${JSON.stringify(modelsDir)} + '/' + f, {
        intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableCpuMemArena: ${arena} });
      const m = s.inputMetadata[0];
      const shape = m.shape.map((d, i) => typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : f.startsWith('face_det') ? 320 : 192);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = m.type === 'int32' ? new Int32Array(n) : m.type === 'uint8' ? new Uint8Array(n) : new Float32Array(n);
      await s.run({ [s.inputNames[0]]: new ort.Tensor(m.type, data, shape) });
    }
    process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss, base }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`session RSS probe failed: ${r.stderr}`);
  const { rss, base } = JSON.parse(r.stdout) as { rss: number; base: number };
  return (rss - base) / 2 ** 20;
}

export const visionThreadsBench: Bench = {
  name: 'vision-threads',
  description: 'onnxruntime intra-op threads × concurrent cameras on the detector (fps, latency), memory arena on/off',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const modelsDir = join(ctx.sharedDir, 'models');
    const model = join(modelsDir, DETECTOR);
    if (!existsSync(model)) throw new Error(`${model} is missing (HOMESIGHT_SHARED_DIR)`);
    const threadCounts = [1, 2, 4];
    const cameraCounts = [1, 2, 4];
    const durationMs = ctx.quick ? 1000 : 2000;
    const rounds = ctx.quick ? 1 : 3;
    const load0 = loadavg()[0]!;
    const byCell = new Map<string, Cell[]>();
    const total = rounds * threadCounts.length * 2;
    let done = 0;
    // Rounds interleave every setting, so load from other work on the machine spreads over all cells alike.
    for (let round = 0; round < rounds; round++) {
      for (const arena of [true, false]) {
        for (const threads of threadCounts) {
          ctx.progress(`round ${round + 1}: ${threads} thread(s), arena ${arena ? 'on' : 'off'}`, done++ / total);
          const session = await ort.InferenceSession.create(model, sessionOptions(threads, arena));
          for (const cameras of cameraCounts) {
            const key = `${threads}/${cameras}/${arena}`;
            byCell.set(key, [...(byCell.get(key) ?? []), { threads, arena, ...(await measure(session, cameras, durationMs)) }]);
          }
          await session.release();
        }
      }
    }
    // Per cell: the round with the median total fps.
    const cells = [...byCell.values()].map((rs) => [...rs].sort((a, b) => a.fps_total - b.fps_total)[Math.floor(rs.length / 2)]!);
    ctx.progress('session memory', 0.95);
    const rssArena = sessionsRss(modelsDir, true);
    const rssNoArena = sessionsRss(modelsDir, false);
    const load1 = loadavg()[0]!;

    const metrics: BenchResult['metrics'] = {};
    for (const c of cells) {
      const k = `t${c.threads}_c${c.cameras}${c.arena ? '' : '_noarena'}`;
      metrics[`${k}_fps`] = c.fps_total;
      metrics[`${k}_p50_ms`] = c.p50_ms;
      metrics[`${k}_p95_ms`] = c.p95_ms;
    }
    metrics.sessions_rss_arena_mb = r1(rssArena);
    metrics.sessions_rss_no_arena_mb = r1(rssNoArena);
    metrics.cpus = cpus().length;
    metrics.load_average_start = r1(load0);
    metrics.load_average_end = r1(load1);
    const cell = (t: number, c: number, arena = true): Cell => cells.find((x) => x.threads === t && x.cameras === c && x.arena === arena)!;
    const ratios: BenchResult['ratios'] = {
      t2_over_t1_c1_fps: r2(cell(2, 1).fps_total / cell(1, 1).fps_total),
      t2_over_t1_c4_fps: r2(cell(2, 4).fps_total / cell(1, 4).fps_total),
      t4_over_t2_c1_fps: r2(cell(4, 1).fps_total / cell(2, 1).fps_total),
      noarena_over_arena_t2_c1_p50: r2(cell(2, 1, false).p50_ms / cell(2, 1).p50_ms),
      noarena_over_arena_t1_c4_fps: r2(cell(1, 4, false).fps_total / cell(1, 4).fps_total),
      noarena_over_arena_sessions_rss: r2(rssNoArena / rssArena),
    };
    const result: BenchResult = {
      metrics,
      ratios,
      notes: [
        `detector ${DETECTOR} on a ready float32 ${INPUT.join('×')} tensor (model time only, no pre-processing); ` +
          `${durationMs / 1000} s per cell after 2 warm-up runs, ${rounds} interleaved round(s), the median round's numbers; ` +
          'one session per thread count shared by the cameras',
        `machine: ${cpus().length} CPU(s), shared with other work: 1-min load average ${r1(load0)} at start, ${r1(load1)} at end; ` +
          'compare cells with each other (same run) rather than with other machines',
        'sessions_rss_*: RSS a fresh process gains by loading the four default models with one run each, arena on/off',
      ],
    };
    writeFileSync(join(ctx.resultsDir, 'vision-threads.md'), markdown(cells, result));
    ctx.progress('done', 1);
    return result;
  },
};

function markdown(cells: Cell[], r: BenchResult): string {
  const m = r.metrics;
  const lines = [
    '# Vision: onnxruntime intra-op threads × concurrent cameras (issue #21)',
    '',
    '`npm run bench vision-threads` (bench/runtime/threads.ts). Detector fps summed over the cameras, and per-run latency.',
    '',
    '| intra-op threads | cameras | arena | fps (all cameras) | fps per camera | p50 ms | p95 ms |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of cells) {
    lines.push(
      `| ${c.threads} | ${c.cameras} | ${c.arena ? 'on' : 'off'} | ${c.fps_total} | ${c.fps_per_camera} | ${c.p50_ms} | ${c.p95_ms} |`,
    );
  }
  lines.push(
    '',
    `Session memory of the four default models: ${m.sessions_rss_arena_mb} MiB with the CPU memory arena, ` +
      `${m.sessions_rss_no_arena_mb} MiB without (×${r.ratios.noarena_over_arena_sessions_rss}).`,
    '',
    'Ratios (same run): ' +
      Object.entries(r.ratios)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      '.',
    '',
  );
  for (const n of r.notes ?? []) lines.push(`- ${n}`);
  lines.push('');
  return lines.join('\n');
}
