/**
 * A tiny planner model for the model-planner tests: a small corpus in the
 * planner model's real formats (bench/corpus, 600 samples), and a ~120k-parameter
 * model trained on it by cloud/trainer/train_planner.py for 150 steps on one
 * thread (tens of seconds). Training is deterministic per seed, so the GGUF is
 * built once per machine and kept in the temp folder for the next test file.
 * It plans badly (it is tiny); it proves the pipeline: grounding, prompt,
 * per-request grammar, parsing, relexicalisation, confidence.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCorpus } from '../../bench/corpus/build.js';
import { modelRenderer } from '../../bench/corpus/render.js';
import type { PlanRequest } from '../../daemon/agent/index.js';
import { plannerPython, TRAIN_PLANNER } from '../trainer/support/planner.js';

const VERSION = 'v1';
const CACHE = join(tmpdir(), `homesight-test-model-planner-${VERSION}`);
export const TINY_MODEL_FILE = 'planner-custom-q8_0.gguf';

/** The tiny model's path, or the reason it cannot be built here (the tests then skip visibly). */
export function tinyPlannerModel(): { path: string } | { skip: string } {
  const done = join(CACHE, TINY_MODEL_FILE);
  if (existsSync(done)) return { path: done };
  const py = plannerPython();
  if ('skip' in py) return py;
  const work = mkdtempSync(join(tmpdir(), 'hs-model-planner-'));
  try {
    const corpus = join(work, 'corpus');
    mkdirSync(corpus);
    buildCorpus({ seed: 3, size: 600, households: 8, out: corpus, renderer: modelRenderer() });
    const out = join(work, 'run');
    // biome-ignore format: one option and its value per line pair would be longer, not clearer
    const args = ['--threads', '1', '--corpus', corpus, '--out', out, '--dim', '64', '--layers', '2', '--heads', '4', '--ff', '128',
      '--vocab', '600', '--batch', '16', '--lr', '3e-3', '--warmup', '5', '--steps', '150', '--eval-every', '150',
      '--ckpt-every', '1000', '--export', 'q8_0', '--quiet', '--seed', '0'];
    const r = spawnSync(py.python, [TRAIN_PLANNER, ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (r.status !== 0) throw new Error(`train_planner.py exit ${r.status}: ${r.stderr.slice(-2000)}`);
    mkdirSync(CACHE, { recursive: true });
    // rename is atomic: a concurrent test file either sees the whole GGUF or none
    renameSync(join(out, TINY_MODEL_FILE), done);
    return { path: done };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A household the corpus never saw, shaped as the daemon hands it to planners. */
export const MODEL_HOUSEHOLD: PlanRequest['household'] = {
  people: [
    { name: 'Katrin', aliases: ['Kati'], relation: 'owner' },
    { name: 'Jonas', aliases: ['my husband'], relation: 'husband' },
    { name: 'Lene', aliases: ['my daughter', 'Lenchen'], relation: 'daughter' },
    { name: 'Mats', aliases: ['my son'], relation: 'son' },
  ],
  rooms: ['kitchen', 'living room', 'front door', 'garage'],
  cameras: ['kitchen_cam', 'living_room', 'front_door', 'garage_cam'],
  cameraRooms: { kitchen_cam: 'kitchen', living_room: 'living room', front_door: 'front door', garage_cam: 'garage' },
  groups: [{ name: 'the kids', aliases: ['the children'], members: ['Lene', 'Mats'] }],
  asker: 'Katrin',
};

export function modelRequest(question: string, extra: Partial<PlanRequest> = {}): PlanRequest {
  return { question, now: '2026-12-06T21:30:00+01:00', timezone: 'Europe/Berlin', household: MODEL_HOUSEHOLD, ...extra };
}

/** 40 questions as people type them: names, nicknames, kinship words, groups, rooms, cameras, times, typos. */
export function modelQuestions(): string[] {
  const who = ['Jonas', 'my daughter', 'Kati', 'the kids', 'Mats', 'someone'];
  const where = ['kitchen', 'living room', 'front door', 'garage'];
  const when = ['last night', 'today', 'this morning', 'between 7 and 8 pm', 'yesterday evening'];
  const templates = [
    (w: string, r: string, t: string) => `who was in the ${r} ${t}?`,
    (w: string, r: string, t: string) => `did ${w} come in through the ${r} ${t}`,
    (w: string, _r: string, _t: string) => `when did you last see ${w}?`,
    (_w: string, r: string, t: string) => `how many people were in the ${r} ${t}`,
    (w: string, r: string, t: string) => `show me a pic of ${w} in the ${r} from ${t}`,
    (w: string, _r: string, t: string) => `what did ${w} do ${t}`,
    (_w: string, r: string, _t: string) => `is anyone in the ${r} right now?`,
    (w: string, _r: string, _t: string) => `remember that ${w} has a dentist appointment on friday`,
  ];
  const out: string[] = [];
  for (let i = 0; i < 40; i++) {
    out.push(templates[i % templates.length]!(who[i % who.length]!, where[(i >> 1) % where.length]!, when[(i >> 2) % when.length]!));
  }
  return out;
}
