import t from 'tap';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { HomeSightEvents } from '../../daemon/contracts/index.js';
import { IngestModule, resolveFfmpeg, type Frame } from '../../daemon/ingest/index.js';
import { RecordingKeeper, probeDuration } from '../../daemon/ingest/recordings.js';
import { type RecordingSegmentEvent } from '../../daemon/ingest/types.js';
import { EventBus, systemClock } from '../../daemon/system/index.js';
import {
  captureLogger,
  counterClip,
  counterDelta,
  ffmpeg,
  ffmpegRun,
  frameIndex,
  makeConfig,
  memoryCatalog,
  tempDir,
  vtest,
  waitFor,
} from './helpers.js';

const DAY = 86_400_000;

t.test('recordings: segments indexed as they close, framesAt across boundaries, corrupt segments, retention, repair', async (t) => {
  const dir = tempDir(t);
  const recRoot = join(dir, 'recordings');
  const clip = counterClip(dir, { width: 160, height: 120, fps: 10, seconds: 20 });
  const { catalog } = memoryCatalog(t, dir);

  // Out-of-step state left by a crash: a row without file, a readable file without row, a garbage file.
  const camDir = join(recRoot, 'rec');
  mkdirSync(camDir, { recursive: true });
  const hourAgo = Date.now() - 3_600_000;
  catalog.addSegment({
    camera: 'rec',
    path: join(camDir, 'gone-00000.mkv'),
    start: hourAgo - 60_000,
    end: hourAgo - 58_000,
    bytes: 1234,
    format: 'mkv',
  });
  const orphan = join(camDir, '1000-00000.mkv');
  ffmpegRun(['-i', clip, '-t', '2', '-c', 'copy', orphan]);
  utimesSync(orphan, new Date(hourAgo), new Date(hourAgo));
  const garbage = join(camDir, '999-00000.mkv');
  writeFileSync(garbage, 'not a video');
  // Older than the camera's retain_days (7), and segments of a camera no longer configured.
  const now0 = Date.now();
  const oldFile = join(camDir, 'old-00000.mkv');
  copyFileSync(orphan, oldFile);
  const oldId = catalog.addSegment({
    camera: 'rec',
    path: oldFile,
    start: now0 - 10 * DAY,
    end: now0 - 10 * DAY + 2000,
    bytes: statSync(oldFile).size,
    format: 'mkv',
  });
  mkdirSync(join(recRoot, 'gonecam'), { recursive: true });
  const goneOld = join(recRoot, 'gonecam', 'a-00000.mkv');
  const goneNew = join(recRoot, 'gonecam', 'b-00000.mkv');
  copyFileSync(orphan, goneOld);
  copyFileSync(orphan, goneNew);
  catalog.addSegment({ camera: 'gonecam', path: goneOld, start: now0 - 8 * DAY, end: now0 - 8 * DAY + 2000, bytes: 10, format: 'mkv' });
  catalog.addSegment({ camera: 'gonecam', path: goneNew, start: now0 - 6 * DAY, end: now0 - 6 * DAY + 2000, bytes: 10, format: 'mkv' });

  const config = makeConfig({
    paths: { recordings_dir: recRoot },
    recordings: { max_disk_mb: 1000, check_interval_s: 3600 },
    cameras: {
      rec: {
        source: { kind: 'file', path: clip, loop: true, realtime: true },
        detect: { width: 160, height: 120, fps: 5, queue: 64 },
        record: { enabled: true, segment_seconds: 2, format: 'mkv', retain_days: 7 },
        stall_seconds: 5,
      },
      recmp4: {
        source: { kind: 'file', path: clip, loop: true, realtime: true },
        detect: { width: 80, height: 60, fps: 2 },
        record: { enabled: true, segment_seconds: 2, format: 'mp4' },
      },
      // MS-MPEG4v3 in AVI does not fit in mp4: recording falls back to mkv.
      vtest: {
        source: { kind: 'file', path: vtest, loop: true, realtime: true },
        detect: { width: 96, height: 72, fps: 1 },
        record: { enabled: true, segment_seconds: 2, format: 'mp4' },
      },
    },
  });
  const { log, lines } = captureLogger('info');
  const bus = new EventBus<HomeSightEvents>(() => {});
  const indexed: RecordingSegmentEvent[] = [];
  bus.on('recording.segment', {}, (e) => indexed.push(e));
  const ingest = new IngestModule({ config, log, clock: systemClock, bus, catalog: () => catalog, dependsOn: [] });
  t.teardown(() => ingest.stop());

  const live: Frame[] = [];
  const liveAbort = new AbortController();
  const consuming = (async () => {
    for await (const f of ingest.frames('rec', { signal: liveAbort.signal })) live.push(f);
  })();
  await ingest.start(new AbortController().signal);

  await t.test('orphans repaired at start', async (t) => {
    const rows = catalog.allSegments();
    t.notOk(
      rows.some((r) => r.path.endsWith('gone-00000.mkv')),
      'row whose file is gone: removed',
    );
    const adopted = rows.find((r) => r.path === orphan);
    t.ok(adopted, 'readable file without row: indexed');
    t.ok(
      adopted !== undefined && Math.abs(adopted.end - adopted.start - 2000) <= 150,
      `adopted duration ${adopted === undefined ? '?' : adopted.end - adopted.start} ms`,
    );
    t.notOk(existsSync(garbage), 'unreadable file without row: deleted');
  });

  await t.test('retention by age at start: per camera, and for cameras no longer configured', async (t) => {
    t.notOk(existsSync(oldFile), '10-day-old rec file deleted (retain_days 7)');
    t.notOk(
      catalog.allSegments().some((s) => s.id === oldId),
      'its row deleted',
    );
    t.notOk(existsSync(goneOld), '8-day-old segment of a removed camera deleted (orphan_retain_days 7)');
    t.ok(existsSync(goneNew), '6-day-old one kept');
    t.ok(
      catalog.allSegments().some((s) => s.path === goneNew),
      'and still indexed',
    );
  });

  const recSegs = (): ReturnType<typeof catalog.allSegments> => catalog.segmentsBetween('rec', Date.now() - 600_000, Date.now() + 600_000);
  await waitFor('3 closed segments of rec', () => recSegs().length >= 3, 30_000);
  const segs = recSegs().slice(0, 3);

  await t.test('segments are indexed as they close, contiguous, with their bytes', async (t) => {
    for (const [i, s] of segs.entries()) {
      t.equal(s.format, 'mkv');
      t.ok(s.path.startsWith(join(recRoot, 'rec')), `segment ${i} in the camera folder`);
      t.equal(s.bytes, statSync(s.path).size, `segment ${i} bytes = file size`);
      t.ok(Math.abs(s.end - s.start - 2000) <= 150, `segment ${i} lasts ${s.end - s.start} ms (segment_time 2 s, keyframe every 1 s)`);
      if (i > 0)
        t.ok(Math.abs(s.start - segs[i - 1]!.end) <= 50, `segment ${i} starts where ${i - 1} ended (gap ${s.start - segs[i - 1]!.end} ms)`);
      const probe = await probeDuration(ffmpeg.path, s.path);
      t.ok(probe.ok, `segment ${i} is a playable file`);
      t.ok(
        indexed.some((e) => e.id === s.id && e.path === s.path),
        `recording.segment event for segment ${i}`,
      );
    }
    t.ok(segs[0]!.start > Date.now() - 30_000 && segs[2]!.end <= Date.now() + 100, 'on the wall clock');
  });

  await t.test('framesAt across a segment boundary returns the right frames with correct timestamps', async (t) => {
    const boundary = segs[1]!.start;
    const frames = await ingest.framesAt('rec', boundary - 1000, boundary + 1000, 5);
    t.equal(frames.length, 10, '2 s at 5 fps');
    t.same(
      frames.map((f) => f.ts),
      Array.from({ length: 10 }, (_, k) => boundary - 1000 + k * 200),
      'timestamps on the requested grid',
    );
    t.ok(
      frames.every((f) => f.camera === 'rec' && f.width === 160 && f.height === 120 && f.data.length === 160 * 120 * 3),
      'detect size',
    );
    const idx = frames.map((f) => frameIndex(f.data));
    const deltas = idx.slice(1).map((v, i) => counterDelta(idx[i]!, v));
    t.comment(`source frame numbers: ${idx.join(' ')}`);
    // 10 fps source at 5 fps: two source frames per step, including the step across the boundary (4 → 5).
    t.ok(
      deltas.every((d) => d >= 1 && d <= 3),
      `steps ${deltas.join(',')} are ~2 source frames`,
    );
    t.ok(Math.abs(deltas[4]! - 2) <= 1, `step across the boundary is ${deltas[4]} source frames`);
    t.ok(Math.abs(idx.length > 0 ? deltas.reduce((a, b) => a + b, 0) - 18 : 99) <= 2, 'no frame lost or repeated over the range');
    // The same instants seen live: live ts are arrival times (decode latency later than capture), so the
    // recording is at most a few source frames ahead, never a segment (20 frames) off.
    let compared = 0;
    for (const f of frames) {
      const near = live.reduce<Frame | null>(
        (best, l) => (best === null || Math.abs(l.ts - f.ts) < Math.abs(best.ts - f.ts) ? l : best),
        null,
      );
      if (near === null || Math.abs(near.ts - f.ts) > 150) continue;
      const d = counterDelta(frameIndex(near.data), frameIndex(f.data));
      t.ok(d >= -3 && d <= 14, `at ${f.ts}: recording is ${d} source frames from the live frame`);
      compared++;
    }
    t.ok(compared >= 5, `${compared} frames compared with live frames`);
    const sparse = await ingest.framesAt('rec', segs[0]!.start, segs[2]!.end, 0.5);
    t.equal(sparse.length, Math.ceil((segs[2]!.end - segs[0]!.start) / 2000), 'one frame every 2 s over three segments');
    await t.rejects(ingest.framesAt('rec', boundary, boundary - 1, 5), { code: 'E_FRAMES_RANGE' });
    await t.rejects(ingest.framesAt('rec', 0, 3_600_000, 10), { code: 'E_FRAMES_TOO_MANY' });
    t.same(await ingest.framesAt('rec', hourAgo - 10 * DAY, hourAgo - 9 * DAY, 0.001), [], 'nothing recorded then: no frames');
  });

  await t.test('a corrupt segment is skipped with a warning, the others still deliver', async (t) => {
    const bad = segs[2]!;
    writeFileSync(bad.path, randomBytes(bad.bytes));
    const frames = await ingest.framesAt('rec', segs[1]!.start, bad.end, 2);
    const fromGood = frames.filter((f) => f.ts < segs[1]!.end);
    t.ok(fromGood.length >= 3, `${fromGood.length} frames from the good segment`);
    t.equal(frames.filter((f) => f.ts >= bad.start).length, 0, 'none from the corrupt one');
    const warn = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((o) => o.msg === 'recording segment unreadable; skipped');
    t.match(warn, { level: 40, camera: 'rec', path: bad.path, segment: bad.id }, 'warning names the segment');
  });

  await t.test('mp4 segments; a codec mp4 cannot hold falls back to mkv', async (t) => {
    await waitFor('an mp4 segment', () => catalog.segmentsBetween('recmp4', 0, Date.now() + 60_000).length >= 1, 20_000);
    const s = catalog.segmentsBetween('recmp4', 0, Date.now() + 60_000)[0]!;
    t.equal(s.format, 'mp4');
    t.match(s.path, /\.mp4$/);
    const frames = await ingest.framesAt('recmp4', s.start, s.end, 2);
    t.ok(frames.length >= 3 && frames[0]!.width === 80, `${frames.length} frames from the mp4 segment`);
    await waitFor('vtest streaming', () => ingest.stats('vtest').state === 'streaming', 20_000);
    t.ok(
      lines.some((l) => l.includes('"camera":"vtest"') && l.includes('recording as mkv instead')),
      'fallback logged',
    );
    t.ok(
      readdirSync(join(recRoot, 'vtest')).some((n) => n.endsWith('.mkv')),
      'vtest writes mkv',
    );
  });

  await t.test('retention: the disk cap deletes the oldest first, index and files together', async (t) => {
    const before = catalog.oldestSegments(1000);
    const total = catalog.totalBytes();
    const newest = before.at(-1)!;
    const capBytes = Math.floor(total / 3);
    const outcome = ingest.reload(
      makeConfig({ ...configInputOf(config), recordings: { max_disk_mb: capBytes / (1024 * 1024), check_interval_s: 3600 } }),
    );
    t.same(outcome.applied, ['recordings'], 'recordings settings apply live');
    t.ok(catalog.totalBytes() <= capBytes, `index total ${catalog.totalBytes()} ≤ cap ${capBytes}`);
    const after = catalog.oldestSegments(1000);
    const removed = before.filter((b) => !after.some((a) => a.id === b.id));
    t.ok(removed.length > 0, `${removed.length} segments deleted`);
    const keptOldest = after[0]!;
    t.ok(
      removed.every((r) => r.start <= keptOldest.start),
      'the deleted ones are the oldest',
    );
    t.ok(after.some((a) => a.id === newest.id) || newest.start < keptOldest.start, 'the newest survives');
    t.ok(
      removed.every((r) => !existsSync(r.path)),
      'their files are gone',
    );
    t.ok(
      after.every((a) => existsSync(a.path)),
      'every remaining row has its file',
    );
  });

  liveAbort.abort();
  await consuming;
  await ingest.stop();

  await t.test('after stop: every recording file is indexed and every row has its file', async (t) => {
    const rows = catalog.allSegments();
    const files = ['rec', 'recmp4', 'vtest', 'gonecam'].flatMap((c) => {
      try {
        return readdirSync(join(recRoot, c)).map((n) => join(recRoot, c, n));
      } catch {
        return [];
      }
    });
    const rowPaths = new Set(rows.map((r) => r.path));
    t.same(
      files.filter((f) => !rowPaths.has(f)),
      [],
      'no unindexed file',
    );
    t.same(
      rows.filter((r) => !existsSync(r.path)).map((r) => r.path),
      [],
      'no row without file',
    );
  });
});

t.test('a run killed mid-segment: its unannounced files are recovered or deleted', async (t) => {
  const dir = tempDir(t);
  const clip = counterClip(dir, { seconds: 4 });
  const { catalog } = memoryCatalog(t, dir);
  const camDir = join(dir, 'rec', 'cam');
  mkdirSync(camDir, { recursive: true });
  const good = join(camDir, '5000-00003.mkv');
  ffmpegRun(['-i', clip, '-t', '2', '-c', 'copy', good]);
  writeFileSync(join(camDir, '5000-00004.mkv'), '');
  const other = join(camDir, '4000-00000.mkv');
  ffmpegRun(['-i', clip, '-t', '1', '-c', 'copy', other]);
  const { log } = captureLogger('silent');
  const keeper = new RecordingKeeper({ catalog, root: join(dir, 'rec'), ffmpeg: async () => ffmpeg.path, log, clock: systemClock });
  const lastEnd = Date.now() - 2100;
  const segs = await keeper.recoverRun({ camera: 'cam', runId: '5000', dir: camDir, announced: [], lastEnd });
  t.equal(segs.length, 1, 'the readable tail segment');
  t.equal(segs[0]!.path, good);
  t.equal(segs[0]!.start, lastEnd, "continues the run's timeline");
  t.ok(Math.abs(segs[0]!.end - segs[0]!.start - 2000) <= 150);
  t.notOk(existsSync(join(camDir, '5000-00004.mkv')), 'the empty one is deleted');
  t.ok(existsSync(other), 'files of other runs are left alone');
  t.equal(catalog.allSegments().length, 1);
});

// The HomeSightConfig is also a valid input (defaults already applied).
function configInputOf(c: ReturnType<typeof makeConfig>): Parameters<typeof makeConfig>[0] {
  return JSON.parse(JSON.stringify(c)) as Parameters<typeof makeConfig>[0];
}

t.test('the npm-shipped ffmpeg (4.1, the offline fallback) runs the same pipeline', async (t) => {
  const dir = tempDir(t);
  const clip = counterClip(dir, { seconds: 4 });
  const { catalog } = memoryCatalog(t, dir);
  const npm = await resolveFfmpeg({ env: { PATH: '/nonexistent' } });
  t.equal(npm.source, 'npm');
  const config = makeConfig({
    paths: { recordings_dir: join(dir, 'rec') },
    cameras: {
      old: {
        source: { kind: 'file', path: clip },
        detect: { width: 64, height: 48, fps: 5 },
        record: { enabled: true, segment_seconds: 1 },
      },
    },
  });
  const logger = captureLogger('warn');
  const ingest = new IngestModule({ config, log: logger.log, clock: systemClock, catalog, dependsOn: [], env: { PATH: '/nonexistent' } });
  t.teardown(() => ingest.stop());
  await ingest.start(new AbortController().signal);
  await waitFor('streaming', () => ingest.stats('old').state === 'streaming', 15_000);
  t.equal(ingest.binary?.source, 'npm');
  t.match(
    logger.entries(),
    [{ level: 40, msg: /using the 2018 static ffmpeg .* install a current ffmpeg/ }],
    'the old fallback is a warning',
  );
  await waitFor('two segments', () => catalog.segmentsBetween('old', 0, Date.now() + 60_000).length >= 2, 15_000);
  const seg = catalog.segmentsBetween('old', 0, Date.now() + 60_000)[1]!;
  const frames = await ingest.framesAt('old', seg.start, seg.end, 5);
  t.ok(
    frames.length >= 4 && frames.every((f) => f.data.length === 64 * 48 * 3),
    `${frames.length} frames from a segment written by ffmpeg 4.1`,
  );
  await ingest.stop();
});
