import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliCommand } from '../../daemon/cli.js';
import { EXIT } from '../../daemon/system/index.js';

/**
 * `homesight dataset build`: generates the Q2A task-plan dataset (and the
 * synthetic activity keypoint set). The generator (bench/datasets) is loaded
 * only when the command runs.
 */

function positiveInt(name: string, v: string | boolean | string[] | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a whole number ≥ 0 (got ${String(v)})`);
  return n;
}

class UsageError extends Error {}

export const datasetBuildCommand: CliCommand = {
  name: 'dataset build',
  usage: 'dataset build [--seed N] [--out DIR] [--households N] [--teacher URL]',
  summary: 'generate the Q2A task-plan dataset (default var/datasets/q2a) and the synthetic activity set',
  options: {
    seed: { type: 'string' },
    out: { type: 'string' },
    households: { type: 'string' },
    'per-round': { type: 'string' },
    teacher: { type: 'string' },
    'teacher-model': { type: 'string' },
    'teacher-key-file': { type: 'string' },
    'teacher-asks': { type: 'string' },
    'activity-out': { type: 'string' },
    'no-activity': { type: 'boolean' },
    'pose-clip': { type: 'boolean' },
    'update-datasheet': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run(values) {
    const ds = await import('../datasets/index.js');
    let opts: Parameters<typeof ds.buildDataset>[0];
    try {
      const out = resolve(typeof values.out === 'string' ? values.out : 'var/datasets/q2a');
      opts = {
        seed: positiveInt('seed', values.seed, 1),
        out,
        households: positiveInt('households', values.households, ds.HOUSEHOLDS.length),
        perRound: positiveInt('per-round', values['per-round'], 48),
        activityOut:
          values['no-activity'] === true
            ? null
            : resolve(typeof values['activity-out'] === 'string' ? values['activity-out'] : resolve(out, '..', 'activity')),
      };
      if (opts.households === undefined || opts.households < 1 || opts.households > ds.HOUSEHOLDS.length) {
        throw new UsageError(`--households must be 1..${ds.HOUSEHOLDS.length}`);
      }
      if (typeof values.teacher === 'string') {
        const keyFile = values['teacher-key-file'];
        opts.teacher = {
          url: values.teacher,
          model: typeof values['teacher-model'] === 'string' ? values['teacher-model'] : 'teacher',
          maxAsks: positiveInt('teacher-asks', values['teacher-asks'], 60),
          ...(typeof keyFile === 'string' ? { apiKey: readFileSync(keyFile, 'utf8').trim() } : {}),
        };
      }
      if (values['pose-clip'] === true) {
        if (opts.activityOut === null) throw new UsageError('--pose-clip writes to the activity folder; drop --no-activity');
        opts.poseClip = { sharedDir: resolve(process.env.HOMESIGHT_SHARED_DIR ?? new URL('../../../shared/', import.meta.url).pathname) };
      }
      if (values['update-datasheet'] === true) opts.datasheet = new URL('../../docs/datasets/q2a.md', import.meta.url).pathname;
    } catch (err) {
      process.stderr.write(`homesight dataset build: ${(err as Error).message}\nusage: homesight ${datasetBuildCommand.usage}\n`);
      return EXIT.USAGE;
    }

    const quiet = values.quiet === true;
    const { SingleBar, Presets } = (await import('cli-progress')).default;
    const bar = new SingleBar(
      { format: ' {phase} |{bar}| {value}/{total}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
      Presets.shades_classic,
    );
    let phase = '';
    const started = performance.now();
    try {
      const result = await ds.buildDataset({
        ...opts,
        onProgress(p, done, total) {
          if (quiet) return;
          if (p !== phase) {
            if (phase !== '') bar.stop();
            phase = p;
            bar.start(total, done, { phase: p.padEnd(8) });
          } else bar.update(done);
        },
      });
      if (phase !== '') bar.stop();
      const s = result.stats;
      process.stdout.write(
        `wrote ${result.samples} samples (train ${s.by_split.train ?? 0}, val ${s.by_split.val ?? 0}, test ${s.by_split.test ?? 0}; ` +
          `single ${s.by_type.single ?? 0}, chain ${s.by_type.chain ?? 0}, dag ${s.by_type.dag ?? 0}) to ${opts.out}` +
          (result.activitySequences > 0
            ? `; ${result.activitySequences} synthetic activity sequences` +
              `${result.poseClipSequences > 0 ? ` and ${result.poseClipSequences} from the shared clip` : ''} to ${opts.activityOut}`
            : '') +
          (opts.teacher !== undefined ? `; teacher kept ${s.teacher.kept}/${s.teacher.returned}` : '') +
          ` in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
      return EXIT.OK;
    } catch (err) {
      if (phase !== '') bar.stop();
      process.stderr.write(`homesight dataset build: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.FAILURE;
    }
  },
};

export const datasetCommands: CliCommand[] = [datasetBuildCommand];
