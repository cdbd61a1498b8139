/**
 * `homesight dataset build`: generates the Q2A dataset (and the synthetic
 * activity set) and writes every file of it:
 *   q2a.jsonl, train.jsonl, val.jsonl, test.jsonl   samples (TaskBench data.json lines + ours)
 *   households.json                                 household metadata (people, aliases, rooms, cameras, routines, rounds…)
 *   tool_desc.json, graph_desc.json                 TaskBench tool descriptions derived from the catalog
 *   time_expressions.jsonl                          gold intervals of every time phrase (for resolve_time)
 *   stats.json, stats.md                            statistics (stats.md = the datasheet's table)
 * and, in the activity folder, synthetic_keypoints.jsonl (parameterized motion)
 * and with poseClip pose_clip_keypoints.jsonl (the pose expert on the shared clip).
 * Files are written to a temporary name and renamed, so a failed build never
 * leaves a half-written dataset behind.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from './prng.js';
import {
  generate,
  sampleLine,
  allowToolsFor,
  SPLITS,
  type GenerateOptions,
  type Generated,
  type Sample,
  type SampleMeta,
} from './generate.js';
import { householdAt, planContext, routinesAsConfig, type Household } from './households.js';
import { computeStats, renderStatsMarkdown, replaceStatsBlock, type Stats, type TeacherStats } from './stats.js';
import { toolDesc, graphDesc } from './tooldesc.js';
import { teacherParaphrases, emptyTeacherStats, type TeacherOptions } from './teacher.js';
import { syntheticActivitySet, activityLine } from './activity.js';

export interface BuildOptions extends Omit<GenerateOptions, 'onProgress'> {
  out: string;
  teacher?: TeacherOptions;
  /** Rewrite the statistics block of this datasheet (docs/datasets/q2a.md). */
  datasheet?: string;
  /** Where the synthetic activity keypoint set goes (null: not built). */
  activityOut?: string | null;
  /** Also run the vision pose expert on the shared clip (needs ffmpeg and the shared models/media). */
  poseClip?: { sharedDir: string };
  /** Progress: a phase name, done and total units. */
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface BuildResult {
  stats: Stats;
  files: string[];
  samples: number;
  /** Parameterized-motion sequences written. */
  activitySequences: number;
  /** Sequences of real pose outputs on the shared clip written (poseClip). */
  poseClipSequences: number;
}

function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** A person id → the name the config and the harness use. */
function nameOf(h: Household): (id: string) => string {
  return (id) => h.people.find((p) => p.id === id)?.name ?? id;
}

/** Household metadata as written to households.json (full definitions plus the per-round view planners get). */
export function householdsJson(households: readonly Household[]): unknown {
  return {
    households: households.map((h) => ({
      ...h,
      // Routines and groups in the shapes the harness validates (the config's); the generator's own stay in the code.
      routines: routinesAsConfig(h.routines, nameOf(h)),
      groups: h.groups.map((g) => ({ name: g.phrase, aliases: [], members: g.members.map(nameOf(h)) })),
      allow_tools: allowToolsFor(h),
      per_round: h.rounds.map((r) => {
        const at = householdAt(h, r.index);
        return {
          round: r.index,
          introduces: r.introduces,
          planner_context: planContext(at),
          cameras: at.cameras.map((c) => ({ name: c.name, room: c.room })),
        };
      }),
    })),
  };
}

/** Merges teacher samples after their source asks (stable order). */
function mergeTeacher(gen: Generated, extra: Sample[], extraMeta: SampleMeta[]): Generated {
  if (extra.length === 0) return gen;
  const bySource = new Map<string, Array<{ s: Sample; m: SampleMeta }>>();
  extra.forEach((s, i) => {
    const src = s.id.replace(/-t\d+$/, '');
    const list = bySource.get(src) ?? [];
    list.push({ s, m: extraMeta[i]! });
    bySource.set(src, list);
  });
  const samples: Sample[] = [];
  const meta: SampleMeta[] = [];
  gen.samples.forEach((s, i) => {
    samples.push(s);
    meta.push(gen.meta[i]!);
    for (const x of bySource.get(s.id) ?? []) {
      samples.push(x.s);
      meta.push(x.m);
    }
  });
  return { ...gen, samples, meta };
}

export async function buildDataset(o: BuildOptions): Promise<BuildResult> {
  const progress = o.onProgress ?? (() => {});
  let gen = generate({ ...o, onProgress: (d, t) => progress('generate', d, t) });
  let teacherStats: TeacherStats = emptyTeacherStats();
  if (o.teacher !== undefined) {
    const r = await teacherParaphrases(gen, o.teacher, new Rng(gen.seed).fork('teacher'), (d, t) => progress('teacher', d, t));
    teacherStats = r.stats;
    gen = mergeTeacher(gen, r.samples, r.meta);
  }
  const stats = computeStats(gen.samples, gen.meta, gen.seed, teacherStats, gen.refusalsRejectedByCatalog);
  mkdirSync(o.out, { recursive: true });
  const files: string[] = [];
  const put = (name: string, data: string): void => {
    const p = join(o.out, name);
    writeAtomic(p, data);
    files.push(p);
  };
  const lines = (xs: Sample[]): string => xs.map((s) => sampleLine(s) + '\n').join('');
  put('q2a.jsonl', lines(gen.samples));
  for (const split of SPLITS) put(`${split}.jsonl`, lines(gen.samples.filter((s) => s.split === split)));
  put('households.json', JSON.stringify(householdsJson(gen.households), null, 2) + '\n');
  put('tool_desc.json', JSON.stringify(toolDesc(), null, 2) + '\n');
  put('graph_desc.json', JSON.stringify(graphDesc(), null, 2) + '\n');
  const sampleById = new Map(gen.samples.map((s) => [s.id, s]));
  put(
    'time_expressions.jsonl',
    gen.meta
      .filter((m) => m.time !== undefined && m.source === 'template' && m.time.pattern !== 'relative.after_that')
      .map((m) => {
        const s = sampleById.get(m.id)!;
        const t = m.time!;
        return (
          JSON.stringify({
            id: m.id,
            household: s.household,
            timezone: s.context.timezone,
            now: s.context.now,
            phrase: t.text,
            kind: t.kind,
            pattern: t.pattern,
            start: t.start,
            end: t.end,
          }) + '\n'
        );
      })
      .join(''),
  );
  put('stats.json', JSON.stringify(stats, null, 2) + '\n');
  const md = renderStatsMarkdown(stats);
  put('stats.md', md + '\n');
  progress('write', 1, 1);

  if (o.datasheet !== undefined) {
    const doc = readFileSync(o.datasheet, 'utf8');
    writeAtomic(o.datasheet, replaceStatsBlock(doc, md));
    files.push(o.datasheet);
  }

  let activitySequences = 0;
  let poseClipSequences = 0;
  if (o.activityOut !== undefined && o.activityOut !== null) {
    const set = syntheticActivitySet({ seed: gen.seed });
    mkdirSync(o.activityOut, { recursive: true });
    const p = join(o.activityOut, 'synthetic_keypoints.jsonl');
    writeAtomic(p, set.map((x) => activityLine(x) + '\n').join(''));
    files.push(p);
    activitySequences = set.length;
    progress('activity', 1, 1);
    if (o.poseClip !== undefined) {
      const { poseSequencesFromClip } = await import('./poseclip.js');
      progress('pose', 0, 1);
      const real = await poseSequencesFromClip({ sharedDir: o.poseClip.sharedDir });
      const q = join(o.activityOut, 'pose_clip_keypoints.jsonl');
      writeAtomic(q, real.map((x) => activityLine(x) + '\n').join(''));
      files.push(q);
      poseClipSequences = real.length;
      progress('pose', 1, 1);
    }
  }
  return { stats, files, samples: gen.samples.length, activitySequences, poseClipSequences };
}
