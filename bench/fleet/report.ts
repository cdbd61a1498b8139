import type { TopLevelSpec } from 'vega-lite';
import type { StepStats } from './load.js';
import { FLEET_CYCLES_PER_DEVICE_S } from './population.js';

/** One backend's measurements. */
export interface BackendReport {
  backend: string;
  replicas: number;
  devices: number;
  enroll_s: number;
  steps: StepStats[];
  fault: StepStats & {
    events: Array<{ at_s: number; what: string }>;
    retries: number;
    sent: number;
    stored: number;
    lost: number;
    duplicated: number;
    unacknowledged: number;
  };
  labels_stored: number;
  /** Samples without a label when the fault run ended, how fast they got one afterwards, and how many never did. */
  label_backlog_after_run: number;
  labels_per_s_draining: number;
  label_backlog_left: number;
  bytes_per_sample: number;
  bytes_per_label: number;
  job_bytes_per_sample: number;
}

/** The paper extrapolation to a million devices, from the measured per-cycle cost. */
export interface Extrapolation {
  metrics: Record<string, number>;
  lines: string[];
}

const TARGET_DEVICES = 1_000_000;
const SECONDS_PER_MONTH = 30 * 86_400;
/** A replica's budget: one core (a Node process runs its JavaScript on one), used up to the HPA's 70 % target. */
const REPLICA_CORES = 0.7;
/** Hard examples a device uploads per day in the "typical" column (the load test itself uploads far more). */
const TYPICAL_SAMPLES_PER_DEVICE_DAY = 10;
/** cloud/config.ts trainer.min_labels default: a household's adapter is trained once it has this many new labels. */
const MIN_LABELS = 50;

function lastSustained(r: BackendReport): StepStats | undefined {
  return r.steps.filter((s) => !s.saturated).at(-1);
}

/** Teacher and store CPU seconds per learning cycle at the highest sustained step. */
function costPerCycle(s: StepStats): { teacher: number; store: number } {
  const cycles = s.completed_cycles_per_s * s.seconds;
  return { teacher: s.teacher_cpu_s / cycles, store: s.store_cpu_s / cycles };
}

export function extrapolate(reports: readonly BackendReport[]): Extrapolation {
  const metrics: Record<string, number> = {};
  const lines: string[] = [];
  const cyclesPerS = TARGET_DEVICES * FLEET_CYCLES_PER_DEVICE_S;
  for (const r of reports) {
    const s = lastSustained(r);
    if (s === undefined) continue;
    const c = costPerCycle(s);
    const samplesPerCycle = s.samples_per_s / s.completed_cycles_per_s;
    const requestsPerCycle = s.requests_per_s / s.completed_cycles_per_s;
    const cpuPer1000 = (c.teacher + c.store) * 1000 * FLEET_CYCLES_PER_DEVICE_S;
    const teacherCores = cyclesPerS * c.teacher;
    const storeCores = cyclesPerS * c.store;
    const replicas = Math.max(2, Math.ceil(teacherCores / REPLICA_CORES));
    // the share of samples that get a label (the teacher's valid plans), counted once the backlog has drained
    const labelled = r.fault.stored - r.label_backlog_left;
    const labelYield = labelled > 0 ? Math.min(1, r.labels_stored / labelled) : 1;
    const bytesPerSampleAndLabel = r.bytes_per_sample + labelYield * r.bytes_per_label + r.job_bytes_per_sample;
    const simulatedPerDay = samplesPerCycle * FLEET_CYCLES_PER_DEVICE_S * 86_400;
    const gbMonth = (perDeviceDay: number): number =>
      (TARGET_DEVICES * (perDeviceDay / 86_400) * SECONDS_PER_MONTH * bytesPerSampleAndLabel) / 1e9;
    const households = TARGET_DEVICES * 0.8;
    const jobsPerDay = (perDeviceDay: number): number => Math.min(households, (TARGET_DEVICES * perDeviceDay * labelYield) / MIN_LABELS);
    const k = r.backend;
    const sustainedDevices = Math.floor(s.completed_cycles_per_s / FLEET_CYCLES_PER_DEVICE_S);
    metrics[`${k}_cpu_millicores_per_1000_devices`] = Math.round(cpuPer1000 * 1000 * 10) / 10;
    metrics[`${k}_1m_teacher_cores`] = Math.round(teacherCores * 10) / 10;
    metrics[`${k}_1m_store_cores`] = Math.round(storeCores * 10) / 10;
    metrics[`${k}_sustained_devices`] = sustainedDevices;
    if (k !== 'sqlite') metrics[`${k}_1m_replicas`] = replicas;
    metrics[`${k}_1m_store_gb_per_month_typical`] = Math.round(gbMonth(TYPICAL_SAMPLES_PER_DEVICE_DAY));
    metrics[`${k}_1m_training_jobs_per_day_typical`] = Math.round(jobsPerDay(TYPICAL_SAMPLES_PER_DEVICE_DAY));
    lines.push(
      `### ${k} (${r.replicas} replica${r.replicas > 1 ? 's' : ''})`,
      '',
      `Measured at its highest sustained step (${s.compression}×, ${s.completed_cycles_per_s} cycles/s): ` +
        `${(c.teacher * 1000).toFixed(2)} ms teacher CPU + ${(c.store * 1000).toFixed(2)} ms store CPU per learning cycle ` +
        `(${requestsPerCycle.toFixed(2)} requests, ${samplesPerCycle.toFixed(2)} samples per cycle).`,
      '',
      `Devices this deployment sustains at their real cadence: **${sustainedDevices.toLocaleString('en')}** ` +
        `(its highest sustained cycles/s over ${(FLEET_CYCLES_PER_DEVICE_S * 1000).toFixed(3)} cycles/s per 1,000 devices).`,
      '',
      '| quantity | 1,000,000 devices |',
      '|---|---|',
      `| learning cycles/s (fleet cadence mix, ${(1 / FLEET_CYCLES_PER_DEVICE_S).toFixed(0)} s mean interval) | ${cyclesPerS.toFixed(0)} |`,
      `| CPU per 1,000 devices (teacher + store) | ${(cpuPer1000 * 1000).toFixed(1)} millicores |`,
      k === 'sqlite'
        ? `| teacher CPU | ${teacherCores.toFixed(1)} cores — but one SQLite file takes one process: no scaling out |`
        : `| teacher CPU | ${teacherCores.toFixed(1)} cores → **${replicas} replicas** at ${REPLICA_CORES * 100} % of one core each |`,
      `| store CPU | ${storeCores.toFixed(1)} cores${k === 'sqlite' ? ' (inside the teacher process)' : ''} |`,
      `| store growth, ${TYPICAL_SAMPLES_PER_DEVICE_DAY} hard examples/device/day | ` +
        `${gbMonth(TYPICAL_SAMPLES_PER_DEVICE_DAY).toFixed(0)} GB/month (${r.bytes_per_sample} B/sample + ` +
        `${labelYield.toFixed(2)} × ${r.bytes_per_label} B/label + ${r.job_bytes_per_sample} B of jobs, measured on disk) |`,
      `| store growth at the simulated rate (${simulatedPerDay.toFixed(0)} samples/device/day) | ` +
        `${(gbMonth(simulatedPerDay) / 1000).toFixed(1)} TB/month |`,
      `| training jobs/day (min_labels ${MIN_LABELS}, ${TYPICAL_SAMPLES_PER_DEVICE_DAY} samples/device/day) | ` +
        `${Math.round(jobsPerDay(TYPICAL_SAMPLES_PER_DEVICE_DAY)).toLocaleString('en')} |`,
      '',
    );
  }
  return { metrics, lines };
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Completed vs offered learning cycles/s and label-fetch p95 per step, one line per backend. */
export function throughputSpec(reports: readonly BackendReport[]): TopLevelSpec {
  const rows = reports.flatMap((r) =>
    r.steps.map((s) => ({
      backend: `${r.backend} (${r.replicas} replica${r.replicas > 1 ? 's' : ''})`,
      offered: s.offered_cycles_per_s,
      completed: s.completed_cycles_per_s,
      p95: s.label_fetch_p95_ms ?? 0,
    })),
  );
  const x = { field: 'offered', type: 'quantitative', title: 'offered learning cycles/s' } as const;
  const color = { field: 'backend', type: 'nominal', title: null, legend: { labelLimit: 320 } } as const;
  return {
    $schema: SCHEMA,
    data: { values: rows },
    hconcat: [
      {
        title: 'Completed vs offered cycles/s (a cycle = upload + label pages + manifest)',
        width: 320,
        height: 240,
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'completed', type: 'quantitative', title: 'completed cycles/s' }, color },
      },
      {
        title: 'Label fetch p95 (ms, log scale)',
        width: 320,
        height: 240,
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'p95', type: 'quantitative', title: 'p95 ms', scale: { type: 'log' } }, color },
      },
    ],
  } as TopLevelSpec;
}

function stepTable(r: BackendReport): string[] {
  const rows = [
    '| × | device-equivalents | offered cycles/s | completed cycles/s | requests/s | samples/s | upload p95 ms | ' +
      'label p50 / p95 / p99 ms | lag s | teacher CPU cores | store CPU cores | generator CPU cores |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of r.steps) {
    const cores = (cpuS: number): string => (cpuS / s.seconds).toFixed(2);
    rows.push(
      `| ${s.compression}${s.saturated ? ' (saturated)' : ''} | ${(r.devices * s.compression).toLocaleString('en')} | ` +
        `${s.offered_cycles_per_s} | ` +
        `${s.completed_cycles_per_s} | ${s.requests_per_s} | ${s.samples_per_s} | ${s.upload_p95_ms} | ` +
        `${s.label_fetch_p50_ms} / ${s.label_fetch_p95_ms} / ${s.label_fetch_p99_ms} | ${s.lag_s} | ` +
        `${cores(s.teacher_cpu_s)} | ${cores(s.store_cpu_s)} | ${cores(s.generator_cpu_s)} |`,
    );
  }
  return rows;
}

/** bench/results/fleet-load.md */
export function fleetMarkdown(reports: readonly BackendReport[], paper: Extrapolation, notes: readonly string[]): string {
  const out: string[] = [
    '# Fleet load: the teacher under 10,000 devices (issue #22)',
    '',
    '`npm run bench -- fleet-load` (bench/fleet). Each simulated device has its own token (enrolled through the API), ' +
      'household and learning cadence (learning.upload.interval_s of 300/900/1800/3600 s, + jitter) and runs the ' +
      "daemon's learning cycle: upload its queued hard examples (none in half of the cycles, else 1–5), page through " +
      'new pseudo-labels, read the adapter manifest. The clock is compressed: at N×, 10,000 devices behave like ' +
      '10,000·N devices at their real cadence. A few keep-alive sockets per replica carry everything (the load ' +
      "generator runs in the bench's own process on the same 2-core machine, shared with other work; its CPU is in " +
      'the table). A step is saturated when under 90 % of the offered cycles complete in it, the generator falls ' +
      '2 s behind, or the label-fetch p95 passes 1 s.',
    '',
    'Read the saturation points with the load average below: when other work keeps the 2 cores busy, the teacher ' +
      'processes get a fraction of a core each (the CPU columns) and saturate on scheduling, not on their own cost. ' +
      'Both backends ran in the same bench run, one after the other, so their ratio is the fairer number; the CPU ' +
      'time per learning cycle (what the extrapolation uses) does not depend on how much CPU the machine had left. ' +
      'SQLite commits with synchronous=FULL and PostgreSQL with fsync on (test/fixtures/postgres.ts, durable).',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    '![throughput and label-fetch p95 per step](fleet-load.svg)',
    '',
  ];
  for (const r of reports) {
    const f = r.fault;
    out.push(
      `## ${r.backend}: ${r.replicas} teacher process${r.replicas > 1 ? 'es' : ''}`,
      '',
      `${r.devices.toLocaleString('en')} devices enrolled in ${r.enroll_s} s.`,
      '',
      ...stepTable(r),
      '',
      `**Fault run** (${f.compression}×, ${f.seconds} s): ${f.events.map((e) => `${e.what} at ${e.at_s.toFixed(1)} s`).join('; ')}. ` +
        `${f.sent.toLocaleString('en')} distinct samples sent, ${f.stored.toLocaleString('en')} rows in the store: ` +
        `**${f.lost} lost, ${f.duplicated} duplicated** (${f.unacknowledged} never acknowledged; ${f.retries} requests retried ` +
        `on another replica or after a wait; ${f.errors} failed attempts during the run). ` +
        `Labelling: ${r.label_backlog_after_run.toLocaleString('en')} samples unlabelled when the run ended, labelled at ` +
        `${r.labels_per_s_draining}/s afterwards (${r.label_backlog_left} still unlabelled when the bench stopped waiting); ` +
        `labels stored: ${r.labels_stored.toLocaleString('en')}. ` +
        `On disk: ${r.bytes_per_sample} B per sample, ${r.bytes_per_label} B per label, ${r.job_bytes_per_sample} B of jobs per sample.`,
      '',
    );
  }
  out.push('## Extrapolation to 1,000,000 devices (on paper)', '', ...paper.lines);
  return `${out.join('\n')}\n`;
}
