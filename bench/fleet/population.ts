import { Rng } from '../datasets/index.js';

/**
 * The simulated fleet: devices with their own id, household, token and learning cadence (learning.upload.interval_s
 * plus jitter, as the daemon's Uploader schedules it), and the samples they upload (shaped like the daemon's
 * UploadPayload after the privacy filter: names as <person-…> placeholders, tool outputs as metadata only).
 */
export interface SimDevice {
  readonly index: number;
  readonly id: string;
  readonly household: string;
  /** learning.upload.interval_s of this device (s). */
  readonly intervalS: number;
  /** learning.upload.jitter_s (s). */
  readonly jitterS: number;
  /** When its first cycle falls (s after the start). */
  readonly phaseS: number;
  /** The bearer token from enrollment. */
  token: string;
  /** Pseudo-label cursor, as the daemon keeps it. */
  since: number;
  /** Learning cycles run so far (names the samples, so a retried cycle re-sends the same ids). */
  cycles: number;
}

/** Gold plans the oracle teacher replays (Q2A JSONL lines); questions name a person the devices mask. */
const GOLD = [
  {
    instruction: 'When was Bob last seen?',
    task_nodes: [{ task: 'last_seen', arguments: { person: 'Bob' } }],
    task_links: [],
  },
  {
    instruction: 'Who was home between 7 and 8 pm?',
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'between 7 and 8 pm' } },
      { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>' } },
      { task: 'compose_answer', arguments: { question: 'Who was home between 7 and 8 pm?', inputs: ['<node-1>'] } },
    ],
    task_links: [
      { source: 'resolve_time', target: 'who_was_where' },
      { source: 'who_was_where', target: 'compose_answer' },
    ],
  },
  {
    instruction: 'How many events were there today?',
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'today' } },
      { task: 'count_events', arguments: { start: '<node-0>', end: '<node-0>' } },
    ],
    task_links: [{ source: 'resolve_time', target: 'count_events' }],
  },
  {
    instruction: 'Who was in the kitchen between 7 and 8 pm?',
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'between 7 and 8 pm' } },
      { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>', room: 'kitchen' } },
      { task: 'compose_answer', arguments: { question: 'Who was in the kitchen between 7 and 8 pm?', inputs: ['<node-1>'] } },
    ],
    task_links: [
      { source: 'resolve_time', target: 'who_was_where' },
      { source: 'who_was_where', target: 'compose_answer' },
    ],
  },
] as const;

/** The oracle teacher's dataset file content. */
export function goldJsonl(): string {
  return `${GOLD.map((g, i) => JSON.stringify({ id: `fleet-${i}`, ...g })).join('\n')}\n`;
}

/** A fleet's cadence mix: most devices keep the default 900 s, some were configured faster or slower. */
const INTERVALS: ReadonlyArray<readonly [number, number]> = [
  [300, 1],
  [900, 6],
  [1800, 2],
  [3600, 1],
];

/** `n` devices over `households` households (some homes have two devices), deterministic for a seed. */
export function makePopulation(n: number, households: number, seed: number): SimDevice[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const intervalS = rng.weighted(INTERVALS);
    return {
      index: i,
      id: `dev-${String(i).padStart(6, '0')}`,
      household: `home-${String(i % households).padStart(6, '0')}`,
      intervalS,
      jitterS: 60,
      phaseS: rng.next() * intervalS,
      token: '',
      since: 0,
      cycles: 0,
    };
  });
}

/** The upload payload of one sample (what the privacy filter lets out), about 0.9 KB of JSON. */
export interface SimSample {
  id: string;
  question: string;
  plan: unknown;
  planner: string;
  confidence: number | null;
  reasons: string[];
  nodes: Array<{ task: string; status: string; ms: number | null; output_bytes: number; error_code: string | null }>;
  at: string;
}

function placeholder(device: SimDevice): string {
  return `<person-${((device.index * 2654435761) >>> 0).toString(16).padStart(8, '0')}>`;
}

/**
 * The hard examples a device has queued for its `cycle`-th learning cycle: none in about half of the cycles (the
 * daemon then sends no upload, only the label and manifest requests), else 1 to 5. Deterministic per (device, cycle),
 * so a retried cycle sends the same ids and the server's idempotence is what keeps them single.
 */
export function samplesOf(device: SimDevice, cycle: number, at: number): SimSample[] {
  const rng = new Rng((device.index * 7919 + cycle * 104729) >>> 0);
  if (rng.chance(0.5)) return [];
  const n = rng.int(1, 5);
  return Array.from({ length: n }, (_, k) => {
    const g = rng.pick(GOLD);
    const question = g.instruction.replace('Bob', placeholder(device));
    const plan = JSON.parse(
      JSON.stringify({ task_nodes: g.task_nodes, task_links: g.task_links, task_steps: [] }).replace(/Bob/g, placeholder(device)),
    );
    return {
      id: `${device.id}-c${cycle}-s${k}`,
      question,
      plan,
      planner: 'local-llm',
      confidence: Math.round(rng.next() * 100) / 100,
      reasons: ['low_logprob'],
      nodes: g.task_nodes.map((t) => ({
        task: t.task,
        status: 'done',
        ms: rng.int(1, 40),
        output_bytes: rng.int(20, 600),
        error_code: null,
      })),
      at: new Date(at).toISOString(),
    };
  });
}

/** Learning cycles per device per second of the cadence mix (the mean of 1/interval_s). */
export const FLEET_CYCLES_PER_DEVICE_S =
  INTERVALS.reduce((s, [interval, w]) => s + w / interval, 0) / INTERVALS.reduce((s, [, w]) => s + w, 0);
