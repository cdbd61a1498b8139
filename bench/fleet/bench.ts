import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { renderSvg } from '../harness/index.js';
import type { Bench, BenchContext, BenchResult } from '../types.js';
import { type Backend, type BackendFiles, postgresBackend, sqliteBackend } from './backends.js';
import { Fleet, Ledger, type StepStats } from './load.js';
import { goldJsonl, makePopulation } from './population.js';
import { extrapolate, fleetMarkdown, throughputSpec, type BackendReport } from './report.js';

/**
 * Issue #22's load benchmark: 10,000 simulated devices (own token, household and learning cadence) against
 * (a) the embedded default, one teacher process on SQLite, and (b) two teacher replicas on PostgreSQL. Stepped open
 * load on a compressed clock until the teacher saturates; then a fault run at half the last sustained load, in which
 * one replica is SIGKILLed and restarted and PostgreSQL restarts once; at the end every sample the devices sent is
 * looked up in the store (0 lost, 0 duplicated is the claim).
 *
 * Knobs (environment): HS_FLEET_DEVICES (10000; --quick 1000), HS_FLEET_STEP_S (15; --quick 6),
 * HS_FLEET_BACKENDS (sqlite,postgres).
 */
const SEED = 22;
/** Compression factors tried in order (fleet seconds per real second) until a step saturates. */
const COMPRESSIONS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
const ENROLL_CONCURRENCY = 8;
const FAULT_SECONDS = 40;
/** How long the bench waits for the labelling backlog to drain after the fault run. */
const LABEL_DRAIN_LIMIT_S = 90;

type BackendFactory = (f: BackendFiles) => Promise<Backend | string>;

const BACKENDS: Record<string, BackendFactory> = {
  sqlite: sqliteBackend,
  postgres: postgresBackend,
};

async function measure(
  ctx: BenchContext,
  name: string,
  make: BackendFactory,
  files: BackendFiles,
  nDevices: number,
  stepS: number,
): Promise<BackendReport | string> {
  const backend = await make(files);
  if (typeof backend === 'string') return backend;
  try {
    const devices = makePopulation(nDevices, Math.round(nDevices * 0.8), SEED);
    const ledger = new Ledger();
    const fleet = new Fleet({ devices, clients: backend.clients, ledger });
    ctx.progress(`${name}: enrolling ${nDevices} devices`, 0);
    const enrollS = await fleet.enroll('fleet-secret', ENROLL_CONCURRENCY, (n) => ctx.progress(`${name}: enrolled ${n}`, null));
    const steps: StepStats[] = [];
    for (const f of COMPRESSIONS) {
      ctx.progress(`${name}: compression ${f}× (${(nDevices * f).toLocaleString('en')} device-equivalents)`, null);
      const s = await fleet.step(f, stepS, () => backend.cpu());
      steps.push(s);
      ctx.progress(
        `${name}: ${s.completed_cycles_per_s}/${s.offered_cycles_per_s} cycles/s, ${s.samples_per_s} samples/s, ` +
          `label p95 ${s.label_fetch_p95_ms} ms, teacher CPU ${s.teacher_cpu_s} s${s.saturated ? ' — saturated' : ''}`,
        null,
      );
      if (s.saturated) break;
    }
    const sustained = steps.filter((s) => !s.saturated);
    const faultF = Math.max(COMPRESSIONS[0]!, (sustained[sustained.length - 1]?.compression ?? COMPRESSIONS[0]!) / 2);
    const events: Array<{ at_s: number; what: string }> = [];
    ctx.progress(`${name}: fault run at ${faultF}× (kill and restart a replica, restart the store)`, null);
    const faultStart = Date.now();
    const crashesBefore = backend.replicas.map((r) => r.crashes.length);
    const fault = await fleet.step(
      faultF,
      FAULT_SECONDS,
      () => backend.cpu(),
      async (elapsed) => {
        const victim = backend.replicas[0]!;
        await new Promise((r) => setTimeout(r, 8_000));
        events.push({ at_s: elapsed(), what: `SIGKILL ${victim.name}` });
        await victim.kill();
        await new Promise((r) => setTimeout(r, 3_000));
        events.push({ at_s: elapsed(), what: `restart ${victim.name}` });
        await victim.start();
        events.push({ at_s: elapsed(), what: `${victim.name} ready` });
        if (backend.restartStore !== undefined) {
          await new Promise((r) => setTimeout(r, 6_000));
          events.push({ at_s: elapsed(), what: 'restart PostgreSQL' });
          await backend.restartStore();
          events.push({ at_s: elapsed(), what: 'PostgreSQL back' });
        }
      },
    );
    backend.replicas.forEach((r, i) => {
      for (const c of r.crashes.slice(crashesBefore[i])) {
        events.push({ at_s: (c.at - faultStart) / 1000, what: `${r.name} crashed (${c.signal ?? `exit ${c.code}`}; restarted)` });
      }
    });
    events.sort((a, b) => a.at_s - b.at_s);
    // the labelling backlog the run left: how fast the teacher works it off with no upload traffic
    ctx.progress(`${name}: draining the labelling backlog`, null);
    const backlog0 = await backend.totals();
    const drainStart = performance.now();
    let backlog = backlog0;
    while (backlog.labels < backlog.samples && performance.now() - drainStart < LABEL_DRAIN_LIMIT_S * 1000) {
      await new Promise((r) => setTimeout(r, 2000));
      backlog = await backend.totals();
    }
    const drainS = (performance.now() - drainStart) / 1000;
    ctx.progress(`${name}: counting the store`, null);
    const count = await backend.count();
    return {
      backend: name,
      replicas: backend.replicas.length,
      devices: nDevices,
      enroll_s: Math.round(enrollS * 10) / 10,
      steps,
      fault: { ...fault, events, retries: ledger.retries, ...ledger.check(count.samples) },
      labels_stored: count.labels,
      label_backlog_after_run: backlog0.samples - backlog0.labels,
      labels_per_s_draining: Math.round(((backlog.labels - backlog0.labels) / drainS) * 10) / 10,
      label_backlog_left: backlog.samples - backlog.labels,
      bytes_per_sample: Math.round(count.bytesPerSample),
      bytes_per_label: Math.round(count.bytesPerLabel),
      job_bytes_per_sample: Math.round(count.jobBytesPerSample),
    };
  } finally {
    await backend.close();
  }
}

export const fleetLoadBench: Bench = {
  name: 'fleet-load',
  description: '10,000 simulated devices against the teacher: SQLite single process vs two replicas on PostgreSQL',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const nDevices = Number(process.env.HS_FLEET_DEVICES ?? (ctx.quick ? 1000 : 10_000));
    const stepS = Number(process.env.HS_FLEET_STEP_S ?? (ctx.quick ? 6 : 15));
    const wanted = (process.env.HS_FLEET_BACKENDS ?? Object.keys(BACKENDS).join(',')).split(',');
    const files: BackendFiles = {
      workDir: ctx.workDir,
      goldFile: join(ctx.workDir, 'gold.jsonl'),
      secretFile: join(ctx.workDir, 'secret'),
    };
    writeFileSync(files.goldFile, goldJsonl());
    writeFileSync(files.secretFile, 'fleet-secret\n');
    const load = loadavg().map((x) => Math.round(x * 100) / 100);
    const reports: BackendReport[] = [];
    const notes: string[] = [`load average at start: ${load.join(' ')}`];
    for (const name of wanted) {
      const make = BACKENDS[name];
      if (make === undefined) throw new Error(`unknown backend ${name} (known: ${Object.keys(BACKENDS).join(', ')})`);
      const r = await measure(ctx, name, make, files, nDevices, stepS);
      if (typeof r === 'string') notes.push(`${name}: not measured (${r})`);
      else reports.push(r);
    }
    notes.push(
      `load average at end: ${loadavg()
        .map((x) => Math.round(x * 100) / 100)
        .join(' ')}`,
    );
    const paper = extrapolate(reports);
    writeFileSync(join(ctx.resultsDir, 'fleet-load.svg'), await renderSvg(throughputSpec(reports)));
    writeFileSync(join(ctx.resultsDir, 'fleet-load.md'), fleetMarkdown(reports, paper, notes));
    const metrics: Record<string, number | string | boolean> = { devices: nDevices, step_s: stepS };
    const ratios: Record<string, number> = {};
    for (const r of reports) {
      const best = r.steps.filter((s) => !s.saturated).at(-1);
      metrics[`${r.backend}_sustained_samples_per_s`] = best?.samples_per_s ?? 0;
      metrics[`${r.backend}_sustained_requests_per_s`] = best?.requests_per_s ?? 0;
      metrics[`${r.backend}_label_fetch_p95_ms`] = best?.label_fetch_p95_ms ?? -1;
      metrics[`${r.backend}_cpu_ms_per_cycle`] =
        best === undefined
          ? -1
          : Math.round(((best.teacher_cpu_s + best.store_cpu_s) / (best.completed_cycles_per_s * best.seconds)) * 1000 * 100) / 100;
      metrics[`${r.backend}_fault_lost`] = r.fault.lost;
      metrics[`${r.backend}_fault_duplicated`] = r.fault.duplicated;
    }
    const [a, b] = reports;
    if (a !== undefined && b !== undefined) {
      const sa = a.steps.filter((s) => !s.saturated).at(-1)?.samples_per_s ?? 0;
      const sb = b.steps.filter((s) => !s.saturated).at(-1)?.samples_per_s ?? 0;
      if (sa > 0) ratios[`${b.backend}_over_${a.backend}_sustained_samples`] = Math.round((sb / sa) * 100) / 100;
    }
    // the per-step tables and fault runs travel in the json too (bench/run.ts writes the whole result)
    const result: BenchResult & { backends: BackendReport[] } = {
      backends: reports,
      metrics: { ...metrics, ...paper.metrics },
      ratios,
      targets: reports.flatMap((r) => [
        { key: `${r.backend}_fault_lost`, op: '<=' as const, value: 0 },
        { key: `${r.backend}_fault_duplicated`, op: '<=' as const, value: 0 },
      ]),
      notes,
    };
    return result;
  },
};
