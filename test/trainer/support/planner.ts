/**
 * A tiny planner corpus in the corpus contract ({id, prompt, target, delex, household, template, intent, plan}),
 * generated from a seeded PRNG, and helpers that run cloud/trainer's Python scripts on it: the tests train a
 * ~100k-parameter model for a few dozen steps (seconds), never a real one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython } from '../../../cloud/trainer/index.js';

export const TRAINER_DIR = fileURLToPath(new URL('../../../cloud/trainer/', import.meta.url));
export const TRAIN_PLANNER = join(TRAINER_DIR, 'train_planner.py');
export const SCORE_GGUF = join(TRAINER_DIR, 'score_gguf.py');
export const TOKENIZE_TEXT = join(TRAINER_DIR, 'tokenize_text.py');

/** The Python with torch, numpy and sentencepiece, or the reason there is none (the tests then skip visibly). */
export function plannerPython(): { python: string } | { skip: string } {
  let python: string;
  try {
    python = findPython();
  } catch (err) {
    return { skip: (err as Error).message };
  }
  const r = spawnSync(python, ['-c', 'import sentencepiece'], { encoding: 'utf8' });
  return r.status === 0 ? { python } : { skip: `${python} cannot import sentencepiece (apt install python3-sentencepiece)` };
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CorpusLine {
  id: string;
  prompt: string;
  target: string;
  delex: boolean;
  household: string;
  template: string;
  intent: string;
  plan: { task_nodes: { task: string; arguments: Record<string, string> }[]; task_links: { source: string; target: string }[] };
}

const NAMES = ['Zoë', 'Jürgen', 'Øyvind', 'Łukasz', 'José', 'Ngọc', 'Анна', 'Aiko', 'Mía', 'Grandpa Joe'];
const ROOMS = ['kitchen', 'living room', 'front door', 'garage', 'back garden', 'hallway'];
const TIMES = ['today', 'this morning', 'last night', 'around 5', 'after dinner', 'at 19:30', 'yesterday at 7pm'];
const TEMPLATES: { intent: string; text: (p: string, r: string, t: string) => string; tasks: string[] }[] = [
  { intent: 'who_in_room', text: (_p, r, t) => `who was in the ${r} ${t}?`, tasks: ['resolve_time', 'query_events', 'compose_answer'] },
  { intent: 'person_seen', text: (p, _r, t) => `did you see ${p} ${t}`, tasks: ['resolve_time', 'find_person', 'compose_answer'] },
  {
    intent: 'clip',
    text: (p, r, t) => `send me a clip of ${p} in the ${r} ${t} pls`,
    tasks: ['resolve_time', 'query_events', 'make_clip', 'compose_answer'],
  },
  {
    intent: 'count',
    text: (_p, r, t) => `How many people came through the ${r} ${t}?`,
    tasks: ['resolve_time', 'count_persons', 'compose_answer'],
  },
  { intent: 'remember', text: (p, _r, _t) => `remember that ${p} has a dentist appointment`, tasks: ['remember'] },
];

/** Deterministic samples: half delexicalised (`<person-1>`, `<room-1>`, `<time-1>`), half raw. */
export function tinyCorpus(n: number, seed: number): CorpusLine[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const out: CorpusLine[] = [];
  for (let i = 0; i < n; i++) {
    const tpl = pick(TEMPLATES);
    const delex = i % 2 === 0;
    const person = delex ? '<person-1>' : pick(NAMES);
    const room = delex ? `<room-${1 + Math.floor(rnd() * 2)}>` : pick(ROOMS);
    const time = delex ? '<time-1>' : pick(TIMES);
    const question = tpl.text(person, room, time);
    const args: Record<string, string> = { person, room, time };
    const nodes = tpl.tasks.map((task) => ({
      task,
      arguments: task === 'resolve_time' ? { phrase: time } : task === 'remember' ? { text: question } : args,
    }));
    const links = tpl.tasks.slice(1).map((task, k) => ({ source: tpl.tasks[k] as string, target: task }));
    const target =
      nodes
        .map(
          (nd, k) =>
            `${k + 1} ${nd.task}(${Object.entries(nd.arguments)
              .map(([a, v]) => `${a}=${v}`)
              .join(', ')})`,
        )
        .join('\n') + '\n<end>';
    out.push({
      id: `tiny-${seed}-${i}`,
      prompt: `now 2026-12-06T16:05 Europe/Berlin\nQ: ${question}\n`,
      target,
      delex,
      household: `h${i % 3}`,
      template: tpl.intent,
      intent: tpl.intent,
      plan: { task_nodes: nodes, task_links: links },
    });
  }
  return out;
}

/** A temp folder removed when the test ends. */
export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'hs-trainer-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes train.jsonl and val.jsonl of the tiny corpus into dir/corpus and returns that folder. */
export function writeTinyCorpus(dir: string, train = 400, val = 24, seed = 11): { dir: string; train: CorpusLine[]; val: CorpusLine[] } {
  const corpus = join(dir, 'corpus');
  mkdirSync(corpus, { recursive: true });
  const rows = { train: tinyCorpus(train, seed), val: tinyCorpus(val, seed + 1) };
  for (const [name, lines] of Object.entries(rows))
    writeFileSync(join(corpus, `${name}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return { dir: corpus, ...rows };
}

/** Tiny model arguments: dim 64, 2 layers, 4 heads, ff 128, vocab ≈ 600 (≈ 100k parameters). */
export const TINY_MODEL = [
  '--dim',
  '64',
  '--layers',
  '2',
  '--heads',
  '4',
  '--ff',
  '128',
  '--vocab',
  '600',
  '--batch',
  '8',
  '--lr',
  '3e-3',
  '--warmup',
  '5',
];

export interface TrainerLine {
  type: string;
  [k: string]: unknown;
}

/** Runs train_planner.py synchronously on one thread; returns the exit status and the parsed JSON lines. */
export function runTrainPlanner(python: string, args: string[]): { status: number | null; lines: TrainerLine[]; stderr: string } {
  const r = spawnSync(python, [TRAIN_PLANNER, '--threads', '1', ...args], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    maxBuffer: 64 << 20,
  });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TrainerLine);
  return { status: r.status, lines, stderr: r.stderr };
}

/** A status assertion's message: short when the script exited 0, its stderr and last JSON line when it did not. */
export function exitMessage(r: { status: number | null; stderr: string; lines?: TrainerLine[] }): string {
  return r.status === 0 ? 'exit 0' : `exit ${r.status}: ${r.stderr.slice(-2000)} ${JSON.stringify(r.lines?.at(-1) ?? null)}`;
}
