import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MemoryStore } from '../../daemon/memory/index.js';
import { silentLogger, systemClock } from '../../daemon/system/index.js';
import type { Bench, BenchContext, BenchResult } from '../types.js';

/**
 * Cold start to READY and idle RSS of `homesight run` as a child process: no cameras, the retrieval planner, the
 * embedded broker; vision off, and vision on with the four default models loaded. Three ways to run it:
 *   source  — the TypeScript sources through tsx (what bin/homesight.js did before the build)
 *   dist    — the compiled tree (`npm run build`), plain node
 *   service — dist with what systemd/homesight.service adds (SERVICE_NODE_FLAGS, SERVICE_ENV)
 * Rounds are interleaved so load from other work on the machine hits every variant alike. Every start above creates
 * its database; one more variant (service, vision off) restarts on a database that already holds a month-sized
 * history (EXISTING_EVENTS events), where the integrity check at open is what costs.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** V8 and glibc settings of the unit (systemd/homesight.service); test/build/dist.test.ts keeps the two equal. */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1'];
export const SERVICE_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' };

/** Events in the existing database of the restart variant (≈270 bytes each with indexes, docs/memory.md). */
const EXISTING_EVENTS = 500_000;

type Runtime = 'source' | 'dist' | 'service';
const RUNTIMES: readonly Runtime[] = ['source', 'dist', 'service'];
const VISION = ['off', 'on'] as const;
type Vision = (typeof VISION)[number];

interface Sample {
  readyMs: number;
  rssMb: number;
  heapMb: number | null;
}

/** VmRSS of a process in MiB. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

/** A memory database with `n` events (four cameras, an event every 2 s), made through this code's migrations. */
function seedDatabase(file: string, n: number): number {
  new MemoryStore({ file, log: silentLogger(), clock: systemClock }).close();
  const db = new Database(file);
  db.exec(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${n})
    INSERT INTO events (id, camera, kind, label, track_id, identity, t_start, t_end, confidence, box_x, box_y, box_w, box_h)
    SELECT printf('%032x', i), 'cam' || (i % 4), 'person', 'person', 't' || (i / 50),
      CASE WHEN i % 3 = 0 THEN 'anna' ELSE NULL END, 1700000000000 + i * 2000, 1700000000000 + i * 2000 + 1500,
      0.8, 0.1, 0.1, 0.2, 0.3 FROM c`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return statSync(file).size;
}

function writeConfig(dir: string, vision: Vision, sharedDir: string): string {
  const file = join(dir, `homesight-${vision}.yaml`);
  writeFileSync(
    file,
    [
      'version: 1',
      'cameras: {}',
      'health: {port: 0}',
      'mqtt: {embedded: {port: 0}}',
      'agent: {planner: retrieval}',
      `vision: {enabled: ${vision === 'on'}}`,
      `paths: {data_dir: ${dir}/data, cache_dir: ${dir}/cache, recordings_dir: ${dir}/rec, ` +
        `models_dir: ${sharedDir}/models, media_dir: ${sharedDir}/media}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Starts the daemon, times spawn → "HomeSight ready", waits `settleMs`, reads RSS (/proc) and the V8 heap (SIGUSR2 hook). */
async function startOnce(runtime: Runtime, config: string, dir: string, settleMs: number): Promise<Sample> {
  const flags = runtime === 'service' ? SERVICE_NODE_FLAGS : [];
  const env = {
    ...process.env,
    ...(runtime === 'service' ? SERVICE_ENV : {}),
    HOMESIGHT_CONFIG: '',
    HOMESIGHT_RUNTIME: runtime === 'source' ? 'source' : 'dist',
  };
  const heapFile = join(dir, 'heap.json');
  rmSync(heapFile, { force: true });
  // Writes process.memoryUsage() on SIGUSR2 (installed before the daemon loads; it does not use that signal).
  const hook = `data:text/javascript,${encodeURIComponent(
    `import { writeFileSync } from 'node:fs'; process.on('SIGUSR2', () => writeFileSync(${JSON.stringify(heapFile)}, ` +
      'JSON.stringify(process.memoryUsage())));',
  )}`;
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...flags, '--import', hook, join(repo, 'bin/homesight.js'), 'run', '--config', config], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const tail: string[] = [];
  const readyMs = await new Promise<number>((resolve, reject) => {
    for (const s of [proc.stdout, proc.stderr]) {
      createInterface({ input: s }).on('line', (l) => {
        tail.push(l);
        if (tail.length > 20) tail.shift();
        if (l.includes('"HomeSight ready"')) resolve(performance.now() - t0);
      });
    }
    void exited.then((code) => reject(new Error(`daemon (${runtime}) exited ${code} before READY: ${tail.join('\n')}`)));
  });
  await new Promise((r) => setTimeout(r, settleMs));
  const rssMb = rssOf(proc.pid!);
  proc.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 300));
  let heapMb: number | null = null;
  try {
    heapMb = (JSON.parse(readFileSync(heapFile, 'utf8')) as { heapUsed: number }).heapUsed / 2 ** 20;
  } catch {
    heapMb = null;
  }
  proc.kill('SIGTERM');
  await exited;
  return { readyMs, rssMb, heapMb };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export const runtimeBench: Bench = {
  name: 'runtime',
  description:
    'cold start to READY and idle RSS of homesight run (no cameras, retrieval planner, embedded broker), vision off and with ' +
    'the four vision models, from the TypeScript sources through tsx, from dist/, and from dist/ with the unit’s V8/glibc settings',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
    const rounds = ctx.quick ? 1 : 3;
    const settleMs = ctx.quick ? 1500 : 3000;
    const seed = join(ctx.workDir, 'seed.db');
    const seedBytes = seedDatabase(seed, EXISTING_EVENTS);
    const load0 = loadavg()[0]!;
    const samples = new Map<string, Sample[]>();
    const total = rounds * (RUNTIMES.length * VISION.length + 1);
    let done = 0;
    for (let round = 0; round < rounds; round++) {
      for (const vision of VISION) {
        for (const runtime of RUNTIMES) {
          const dir = join(ctx.workDir, `${runtime}-${vision}-${round}`);
          mkdirSync(dir, { recursive: true });
          ctx.progress(`round ${round + 1}: ${runtime}, vision ${vision}`, done / total);
          const s = await startOnce(runtime, writeConfig(dir, vision, ctx.sharedDir), dir, settleMs);
          const key = `${runtime}_vision_${vision}`;
          samples.set(key, [...(samples.get(key) ?? []), s]);
          done++;
        }
      }
      const dir = join(ctx.workDir, `existing-${round}`);
      mkdirSync(join(dir, 'data'), { recursive: true });
      copyFileSync(seed, join(dir, 'data', 'homesight.db'));
      ctx.progress(`round ${round + 1}: service, vision off, existing database`, done / total);
      const s = await startOnce('service', writeConfig(dir, 'off', ctx.sharedDir), dir, settleMs);
      samples.set('service_vision_off_existing_db', [...(samples.get('service_vision_off_existing_db') ?? []), s]);
      done++;
    }
    const metrics: BenchResult['metrics'] = {};
    const ratios: BenchResult['ratios'] = {};
    for (const [key, ss] of samples) {
      metrics[`${key}_ready_ms`] = Math.round(median(ss.map((s) => s.readyMs)));
      metrics[`${key}_rss_mb`] = r1(median(ss.map((s) => s.rssMb)));
      const heaps = ss.map((s) => s.heapMb).filter((h): h is number => h !== null);
      if (heaps.length > 0) metrics[`${key}_heap_used_mb`] = r1(median(heaps));
    }
    for (const vision of VISION) {
      for (const what of ['ready_ms', 'rss_mb'] as const) {
        const before = Number(metrics[`source_vision_${vision}_${what}`]);
        ratios[`dist_over_source_vision_${vision}_${what}`] = r3(Number(metrics[`dist_vision_${vision}_${what}`]) / before);
        ratios[`service_over_source_vision_${vision}_${what}`] = r3(Number(metrics[`service_vision_${vision}_${what}`]) / before);
      }
    }
    ratios.existing_db_over_new_db_service_vision_off_ready_ms = r3(
      Number(metrics.service_vision_off_existing_db_ready_ms) / Number(metrics.service_vision_off_ready_ms),
    );
    metrics.existing_db_events = EXISTING_EVENTS;
    metrics.existing_db_mb = r1(seedBytes / 2 ** 20);
    const load1 = loadavg()[0]!;
    metrics.load_average_start = r1(load0);
    metrics.load_average_end = r1(load1);
    const result: BenchResult = {
      metrics,
      ratios,
      targets: [
        { key: 'service_vision_off_rss_mb', op: '<=', value: 120 },
        { key: 'service_vision_on_rss_mb', op: '<=', value: 200 },
        { key: 'service_vision_off_ready_ms', op: '<=', value: 2000 },
      ],
      notes: [
        `medians of ${rounds} interleaved round(s); ready = spawn of node → the "HomeSight ready" log line (process start, ` +
          'module loading, config, every module started); RSS = VmRSS ' +
          `${settleMs / 1000} s after READY; heap = process.memoryUsage().heapUsed at the same moment`,
        `existing database: the service restarting on a ${r1(seedBytes / 2 ** 20)} MiB database of ${EXISTING_EVENTS} events ` +
          '(memory.integrity_check auto = the full integrity_check below 1 GiB); every other row creates its database',
        `service = dist with node ${SERVICE_NODE_FLAGS.join(' ')} and ${Object.entries(SERVICE_ENV)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} (systemd/homesight.service)`,
        `machine shared with other work: 1-min load average ${r1(load0)} at start, ${r1(load1)} at end (2 cores); ` +
          'compare the ratios, which were measured in the same rounds',
        'the "before" rows already have the lazy imports (node-llama-cpp, sharp, fleet/ and learning/ only when used); ' +
          'measured before any of this work (commit c7ddb9c, tsx, 2 runs each, load average 2.8): 187–192 MiB vision off, ' +
          '291–296 MiB vision on, READY 3.0–3.3 s',
        "this bench's previous run (024cb81, before the ffmpeg probe left the start path, vision.memory_arena off and the " +
          'small page cache for the check at open; load average 15.6, so compare with care): service READY 3444 ms vision ' +
          'off, 6470 ms vision on; RSS 101.3 MiB vision off, 200.8 MiB vision on; no restart row',
      ],
    };
    writeFileSync(join(ctx.resultsDir, 'runtime.md'), markdown(result, rounds));
    ctx.progress('done', 1);
    return result;
  },
};

/** The before/after table beside the JSON. */
function markdown(r: BenchResult, rounds: number): string {
  const m = r.metrics;
  const row = (label: string, runtime: Runtime, vision: Vision): string => {
    const k = `${runtime}_vision_${vision}`;
    const ratio = (what: string): string =>
      runtime === 'source' ? '1' : String(r.ratios[`${runtime}_over_source_vision_${vision}_${what}`]);
    return (
      `| ${label} | ${vision} | ${m[`${k}_ready_ms`]} | ${ratio('ready_ms')} | ${m[`${k}_rss_mb`]} | ${ratio('rss_mb')} | ` +
      `${m[`${k}_heap_used_mb`] ?? 'n/a'} |`
    );
  };
  const lines = [
    '# Runtime: cold start and idle RSS (issue #21)',
    '',
    '`npm run bench runtime` (bench/runtime/startup.ts). `homesight run` with no cameras, the retrieval planner and the',
    `embedded broker; medians of ${rounds} interleaved rounds. Ratios are against the tsx row of the same vision setting,`,
    'measured in the same rounds.',
    '',
    '| run | vision | ready ms | ×tsx | RSS MiB | ×tsx | V8 heap used MiB |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const vision of VISION) {
    lines.push(row('before: sources through tsx', 'source', vision));
    lines.push(row('dist/ (node)', 'dist', vision));
    lines.push(row('after: dist/ + unit settings', 'service', vision));
  }
  const e = 'service_vision_off_existing_db';
  lines.push(
    `| after, restart on a ${m.existing_db_mb} MiB database | off | ${m[`${e}_ready_ms`]} | ` +
      `${r3(Number(m[`${e}_ready_ms`]) / Number(m.source_vision_off_ready_ms))} | ${m[`${e}_rss_mb`]} | ` +
      `${r3(Number(m[`${e}_rss_mb`]) / Number(m.source_vision_off_rss_mb))} | ${m[`${e}_heap_used_mb`] ?? 'n/a'} |`,
  );
  lines.push('', 'Targets: RSS ≤ 120 MiB with vision off, ≤ 200 MiB with the vision models loaded, READY ≤ 2 s.', '');
  for (const n of r.notes ?? []) lines.push(`- ${n}`);
  lines.push('');
  return lines.join('\n');
}
