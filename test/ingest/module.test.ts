import t from 'tap';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import type { HomeSightEvents } from '../../daemon/contracts/index.js';
import { loadConfig } from '../../daemon/config/index.js';
import { FileFrameSource, IngestModule, type Frame } from '../../daemon/ingest/index.js';
import { type CameraStateEvent } from '../../daemon/ingest/types.js';
import { Daemon } from '../../daemon/main.js';
import { MODULES } from '../../daemon/modules.js';
import { EventBus, systemClock } from '../../daemon/system/index.js';
import { captureLogger, counterClip, ffmpeg, ffmpegRun, makeConfig, sleep, tempDir, vtest, waitFor } from './helpers.js';

/** A multipart MJPEG server (what many IP cameras serve) fed by ffmpeg; basic auth. */
async function mjpegServer(
  t: { teardown(fn: () => unknown): void },
  user: string,
  password: string,
): Promise<{ url: string; server: Server }> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const children = new Set<ReturnType<typeof spawn>>();
  const server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="cam"' }).end('unauthorized');
      return;
    }
    const ff = spawn(
      ffmpeg.path,
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=320x240:r=10',
        '-f',
        'mpjpeg',
        '-q:v',
        '8',
        'pipe:1',
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    children.add(ff);
    ff.on('exit', () => children.delete(ff));
    res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=ffmpeg' });
    ff.stdout.pipe(res);
    res.on('close', () => ff.kill('SIGKILL'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(async () => {
    for (const c of children) c.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/video.mjpg`, server };
}

t.test('file, MJPEG and broken cameras in one module: frames, backpressure, errors, metrics, health', async (t) => {
  const dir = tempDir(t);
  const clip = counterClip(dir, { seconds: 10 });
  const text = join(dir, 'notes.mp4');
  writeFileSync(text, 'this is a shopping list, not a video\n');
  const audio = join(dir, 'tone.wav');
  ffmpegRun(['-f', 'lavfi', '-i', 'sine=d=1', audio]);
  const short = counterClip(dir, { seconds: 2, name: 'short.mkv' });
  const mjpeg = await mjpegServer(t, 'cam', 's3cret');
  const pw = join(dir, 'mjpeg.pw');
  writeFileSync(pw, 's3cret\n');
  const badpw = join(dir, 'bad.pw');
  writeFileSync(badpw, 'nope\n');

  const fast = { reconnect: { initial_s: 0.2, max_s: 1 } };
  const config = makeConfig({
    paths: { media_dir: dir },
    cameras: {
      plaza: { ...fast, source: { kind: 'file', path: vtest }, detect: { width: 384, height: 288, fps: 5 } },
      fast: { ...fast, source: { kind: 'file', path: 'counter.mkv' }, detect: { width: 160, height: 120, fps: 10, queue: 2 } },
      once: { ...fast, source: { kind: 'file', path: short, loop: false }, detect: { width: 64, height: 48, fps: 5 } },
      mjpeg: {
        ...fast,
        source: { kind: 'mjpeg', url: mjpeg.url, username: 'cam', password_file: pw },
        detect: { width: 160, height: 120, fps: 5 },
      },
      mjpegbad: { ...fast, source: { kind: 'mjpeg', url: mjpeg.url, username: 'cam', password_file: badpw } },
      missing: { ...fast, source: { kind: 'file', path: join(dir, 'nope.mp4') } },
      textfile: { ...fast, source: { kind: 'file', path: text } },
      audioonly: { ...fast, source: { kind: 'file', path: audio } },
      off: { enabled: false, source: { kind: 'file', path: clip } },
    },
  });
  const { log, lines } = captureLogger('info');
  const bus = new EventBus<HomeSightEvents>(() => {});
  const events: CameraStateEvent[] = [];
  bus.on('camera.state', {}, (e) => events.push(e));
  const registry = new Registry();
  const ingest = new IngestModule({ config, log, clock: systemClock, bus, metrics: registry, catalog: null, dependsOn: [] });
  t.teardown(() => ingest.stop());
  t.equal(ingest.name, 'ingest');
  t.equal(ingest.essential, false);
  t.notOk(ingest.cameras().includes('off'), 'disabled cameras are not started');
  t.throws(() => ingest.stats('nosuch'), { code: 'E_CAMERA_UNKNOWN' });

  // Subscribed before start: the non-looping file's frames are all seen, then the iteration ends.
  const onceFrames: Frame[] = [];
  const onceDone = (async () => {
    for await (const f of ingest.frames('once', { signal: new AbortController().signal, queue: 100 })) onceFrames.push(f);
  })();
  await ingest.start(new AbortController().signal);

  await t.test('a real clip (vtest.avi, MS-MPEG4 in AVI) decodes at the detect size', async (t) => {
    const ac = new AbortController();
    const got: Frame[] = [];
    for await (const f of ingest.frames('plaza', { signal: ac.signal })) {
      got.push(f);
      if (got.length === 5) ac.abort();
    }
    t.equal(got.length, 5);
    t.ok(got.every((f) => f.width === 384 && f.height === 288 && f.data.length === 384 * 288 * 3));
    const jpeg = await ingest.snapshot(got[4]!, [], { width: 192, quality: 70 });
    const meta = await sharp(jpeg).metadata();
    t.match(meta, { format: 'jpeg', width: 192, height: 144 }, 'snapshot scaled, aspect kept');
  });

  await t.test('a slow consumer: its bounded queue drops the oldest and counts it; another consumer is unaffected', async (t) => {
    const slowAbort = new AbortController();
    const quickAbort = new AbortController();
    const slow: Frame[] = [];
    const quick: Frame[] = [];
    const quickDone = (async () => {
      for await (const f of ingest.frames('fast', { signal: quickAbort.signal, queue: 50 })) quick.push(f);
    })();
    const droppedBefore = ingest.stats('fast').dropped;
    for await (const f of ingest.frames('fast', { signal: slowAbort.signal })) {
      slow.push(f);
      // Fresh, not stale: with 2 queued at 10 fps a frame is at most ~0.3 s old when taken.
      if (slow.length > 1) t.ok(Date.now() - f.ts < 800, `frame ${f.seq} is ${Date.now() - f.ts} ms old when taken`);
      if (slow.length === 5) break;
      await sleep(700); // detection 7× slower than the camera
    }
    slowAbort.abort();
    quickAbort.abort();
    await quickDone;
    const gaps = slow.slice(1).map((f, i) => f.seq - slow[i]!.seq);
    t.ok(
      gaps.every((g) => g >= 3),
      `slow consumer skips frames (seq gaps ${gaps.join(',')})`,
    );
    const dropped = ingest.stats('fast').dropped - droppedBefore;
    t.ok(dropped >= 8, `${dropped} frames dropped and counted`);
    const quickGaps = quick.slice(1).map((f, i) => f.seq - quick[i]!.seq);
    t.ok(quick.length >= 20 && quickGaps.every((g) => g === 1), `the other consumer got every frame (${quick.length})`);
    const m = await registry.metrics();
    const line = /homesight_camera_dropped_frames_total\{camera="fast"\} (\d+)/.exec(m);
    t.ok(line !== null && Number(line[1]) >= dropped, `metric homesight_camera_dropped_frames_total = ${line?.[1]}`);
    const fpsIn = Number(/homesight_camera_fps_in\{camera="fast"\} ([\d.]+)/.exec(m)?.[1]);
    // (-re lets ffmpeg catch up in a burst after the machine was busy, so the short-window rate can overshoot.)
    t.ok(fpsIn > 6 && fpsIn < 16, `metric homesight_camera_fps_in = ${fpsIn} (10 fps camera)`);
  });

  await t.test('MJPEG over HTTP with basic auth', async (t) => {
    await waitFor('mjpeg streaming', () => ingest.stats('mjpeg').state === 'streaming', 20_000);
    const ac = new AbortController();
    const got: Frame[] = [];
    setTimeout(() => ac.abort(), 2000);
    for await (const f of ingest.frames('mjpeg', { signal: ac.signal })) got.push(f);
    t.ok(got.length >= 6 && got.length <= 14, `${got.length} frames in 2 s at 5 fps (wall-clock timestamps)`);
    t.ok(got.every((f) => f.width === 160 && f.height === 120));
    await waitFor('mjpeg auth error', () => ingest.stats('mjpegbad').last_error?.code === 'E_CAMERA_AUTH', 15_000);
  });

  await t.test('missing file, a text file and an audio-only file each give their specific error', async (t) => {
    await waitFor('errors', () => ['missing', 'textfile', 'audioonly'].every((c) => ingest.stats(c).state === 'failed'), 15_000);
    t.match(ingest.stats('missing').last_error, { code: 'E_CAMERA_NOT_FOUND', message: 'video file not found' });
    t.match(ingest.stats('textfile').last_error, {
      code: 'E_CAMERA_CODEC',
      message: 'input is not a video ffmpeg can read (invalid data)',
    });
    t.match(ingest.stats('audioonly').last_error, { code: 'E_CAMERA_CODEC', message: 'input has no video stream' });
    const warn = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((o) => o.camera === 'missing' && o.msg === 'camera failed');
    t.match(warn, { code: 'E_CAMERA_NOT_FOUND', hint: /file path/ }, 'logged with a hint');
    t.match(
      events.find((e) => e.camera === 'textfile' && e.state === 'failed'),
      { error: { code: 'E_CAMERA_CODEC' } },
    );
  });

  await t.test('a non-looping file ends: state stopped, consumers finish', async (t) => {
    await onceDone;
    t.ok(onceFrames.length >= 8 && onceFrames.length <= 11, `${onceFrames.length} frames from a 2 s clip at 5 fps`);
    t.equal(ingest.stats('once').state, 'stopped');
    t.equal(ingest.stats('once').last_error, null);
  });

  await t.test('restartCamera restarts ffmpeg now and counts it', async (t) => {
    const before = ingest.stats('fast').reconnects;
    const mark = events.length;
    await ingest.restartCamera('fast');
    await waitFor(
      'fast streaming again',
      () => ingest.stats('fast').state === 'streaming' && events.slice(mark).some((e) => e.camera === 'fast' && e.state === 'streaming'),
      15_000,
    );
    t.equal(ingest.stats('fast').reconnects, before + 1);
    t.same(
      events
        .slice(mark)
        .filter((e) => e.camera === 'fast')
        .map((e) => e.state),
      ['starting', 'streaming'],
    );
  });

  await t.test('health: degraded while some cameras fail, with per-camera details', async (t) => {
    const h = ingest.health();
    t.equal(h.status, 'degraded');
    t.match(h.summary, /cameras streaming, \d+ failed/);
    t.match(h.details, {
      plaza: { state: 'streaming' },
      missing: { state: 'failed', error: { code: 'E_CAMERA_NOT_FOUND' } },
      ffmpeg: { from: 'system' },
    });
  });

  await ingest.stop();
  t.equal(ingest.stats('plaza').state, 'stopped');
});

t.test('snapshot draws boxes with labels', async (t) => {
  const width = 200;
  const height = 100;
  const data = Buffer.alloc(width * height * 3, 40);
  const frame: Frame = { camera: 'c', ts: 0, seq: 0, width, height, format: 'rgb24', data };
  const ingest = new IngestModule({
    config: makeConfig({}),
    log: captureLogger('silent').log,
    clock: systemClock,
    catalog: null,
    dependsOn: [],
  });
  const jpeg = await ingest.snapshot(frame, [{ box: [0.25, 0.4, 0.5, 0.5], label: 'Alice <kitchen>' }], { quality: 95 });
  t.equal(jpeg.subarray(0, 2).toString('hex'), 'ffd8', 'JPEG');
  const { data: px, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): [number, number, number] => {
    const i = (y * info.width + x) * info.channels;
    return [px[i]!, px[i + 1]!, px[i + 2]!];
  };
  const [r, g, b] = at(50, 70); // on the left edge of the box (x = 0.25·200)
  t.ok(r > 180 && g < 90 && b < 90, `box edge is red (${r},${g},${b})`);
  const inside = at(100, 75);
  t.ok(Math.abs(inside[0] - 40) < 12 && Math.abs(inside[1] - 40) < 12, `inside the box untouched (${inside.join(',')})`);
  const [lr] = at(52, 35); // the label tag above the box
  t.ok(lr > 150, 'label tag drawn above the box');
  await t.rejects(ingest.snapshot({ ...frame, data: Buffer.alloc(10) }), { code: 'E_FRAME_INVALID' });
});

t.test('in the daemon: ingest starts after memory and indexes segments in the memory database', async (t) => {
  const dir = tempDir(t);
  counterClip(dir, { seconds: 6 }); // counter.mkv, the recorded camera below
  // A photo as a still camera: repeated at the detect rate, never recorded.
  await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 200, g: 30, b: 40 } } })
    .png()
    .toFile(join(dir, 'porch.png'));
  const file = join(dir, 'homesight.yaml');
  writeFileSync(
    file,
    [
      `paths: {data_dir: ${dir}/data, cache_dir: ${dir}/cache, recordings_dir: ${dir}/rec, media_dir: ${dir}}`,
      'health: {port: 0}',
      'vision: {enabled: false}',
      'agent: {enabled: false}',
      'mqtt: {enabled: false}',
      'cameras:',
      '  door:',
      '    source: {kind: file, path: counter.mkv}',
      '    detect: {width: 64, height: 48, fps: 2}',
      '    record: {enabled: true, segment_seconds: 1, format: mkv}',
      '  porch:',
      '    source: {kind: file, path: porch.png, realtime: false}',
      '    detect: {width: 160, height: 100, fps: 5}',
      '    record: {enabled: true, segment_seconds: 1, format: mkv}',
    ].join('\n'),
  );
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const daemon = new Daemon(loadConfig({ file, env: {} }), {
    load: { file, env: {} },
    env: { PATH: process.env.PATH ?? '' },
    modules: MODULES.filter((m) => m.name === 'memory' || m.name === 'ingest'),
    logDestination: sink,
  });
  t.teardown(() => daemon.stop());
  t.equal(await daemon.start(), null, 'daemon started');
  const ingest = daemon.module('ingest')!;
  const memory = daemon.module('memory')!;
  t.same(ingest.dependsOn, ['memory']);
  t.equal(ingest.recordings, memory.store.recordings, "ingest uses the memory store's recordings index");
  await waitFor(
    'a segment in the memory database',
    () => (ingest.recordings?.segmentsBetween('door', 0, Date.now() + 60_000).length ?? 0) >= 2,
    20_000,
  );
  const seg = ingest.recordings!.segmentsBetween('door', 0, Date.now() + 60_000)[1]!;
  const frames = await ingest.framesAt('door', seg.start, seg.end, 2);
  t.equal(frames.length, 2, 'framesAt through the daemon');
  const report = (await daemon.container.probe()).find((r) => r.name === 'ingest');
  t.match(report, { state: 'running', health: { status: 'ok', summary: '2/2 cameras streaming' } });

  const ac = new AbortController();
  const still: Frame[] = [];
  const t0 = Date.now();
  for await (const f of ingest.frames('porch', { signal: ac.signal })) {
    still.push(f);
    if (still.length === 6) ac.abort();
  }
  const elapsed = Date.now() - t0;
  t.ok(
    still.every((f) => f.width === 160 && f.height === 100),
    'still frames at the detect size',
  );
  t.ok(elapsed >= 600, `paced at the detect rate even with realtime: false (6 frames at 5 fps took ${elapsed} ms)`);
  const px = still[5]!.data;
  t.same(
    [px[0], px[1], px[2]].map((v) => Math.round(v! / 10)),
    [20, 3, 4],
    "the photo's colour",
  );
  t.same(ingest.recordings!.segmentsBetween('porch', 0, Date.now() + 60_000), [], 'a still camera is not recorded');
  await daemon.stop();
  t.equal(ingest.stats('door').state, 'stopped');
});

t.test('hwaccel cuda: streams on an NVIDIA box, a specific error without one', async (t) => {
  const dir = tempDir(t);
  const clip = counterClip(dir, { seconds: 4 });
  const gpu = existsSync('/dev/nvidia0');
  const config = makeConfig({
    ffmpeg: { hwaccel: 'cuda' },
    cameras: {
      gpu: { source: { kind: 'file', path: clip }, detect: { width: 64, height: 48, fps: 5 }, reconnect: { initial_s: 0.2, max_s: 1 } },
    },
  });
  const ingest = new IngestModule({ config, log: captureLogger('silent').log, clock: systemClock, catalog: null, dependsOn: [] });
  t.teardown(() => ingest.stop());
  await ingest.start(new AbortController().signal);
  if (gpu) {
    await waitFor('streaming with -hwaccel cuda', () => ingest.stats('gpu').state === 'streaming', 20_000);
    t.pass('decoded on the GPU');
  } else {
    await waitFor('hwaccel error', () => ingest.stats('gpu').state === 'failed', 15_000);
    t.match(ingest.stats('gpu').last_error, {
      code: 'E_CAMERA_HWACCEL',
      message: 'hardware decoding is not available with this ffmpeg/device',
    });
  }
  await ingest.stop();
});

t.test('frame buffers are reused only after every consumer that took them released them', async (t) => {
  const dir = tempDir(t);
  const clip = counterClip(dir, { seconds: 10 });
  const config = makeConfig({
    cameras: { c: { source: { kind: 'file', path: clip }, detect: { width: 48, height: 32, fps: 10, queue: 8 } } },
  });
  const ingest = new IngestModule({ config, log: captureLogger('silent').log, clock: systemClock, catalog: null, dependsOn: [] });
  t.teardown(() => ingest.stop());
  const sum = (b: Buffer): string => b.toString('base64');
  const keeperAbort = new AbortController();
  const releaserAbort = new AbortController();
  const kept: Array<{ f: Frame; copy: string }> = [];
  const seen: Frame[] = [];
  const keeper = (async () => {
    for await (const f of ingest.frames('c', { signal: keeperAbort.signal })) if (kept.length < 5) kept.push({ f, copy: sum(f.data) });
  })();
  const releaser = (async () => {
    const stream = ingest.frames('c', { signal: releaserAbort.signal });
    for await (const f of stream) {
      seen.push(f);
      stream.release(f);
      stream.release(f); // a second release of the same frame by the same consumer is ignored
      if (kept[0] !== undefined) stream.release(kept[0].f); // as is one it did not take (or already released)
    }
  })();
  await ingest.start(new AbortController().signal);
  await waitFor('frames', () => seen.length >= 15, 15_000);
  keeperAbort.abort();
  await keeper;
  const keptBuffers = new Set(kept.map((k) => k.f.data));
  const afterKeeper = seen.length;
  await waitFor('more frames with only the releasing consumer', () => seen.length >= afterKeeper + 15, 15_000);
  releaserAbort.abort();
  await releaser;
  t.ok(
    kept.every((k) => sum(k.f.data) === k.copy),
    'frames a consumer still holds are never overwritten',
  );
  t.notOk(
    seen.some((f) => keptBuffers.has(f.data) && f !== kept.find((k) => k.f.data === f.data)?.f),
    'a held buffer never carries a later frame',
  );
  const distinct = new Set(seen.slice(afterKeeper).map((f) => f.data)).size;
  t.ok(distinct <= 10, `${seen.length - afterKeeper} frames released by their only consumer reused ${distinct} buffers`);
  const seqs = seen.map((f) => f.seq);
  t.ok(
    seqs.every((s, i) => i === 0 || s > seqs[i - 1]!),
    'frames still arrive in order',
  );
  await ingest.stop();
});

t.test('socket channel and pipe fallback deliver the same frames', async (t) => {
  const dir = tempDir(t);
  const clip = counterClip(dir, { seconds: 3 });
  const run = async (channel: 'socket' | 'pipe'): Promise<string[]> => {
    const src = new FileFrameSource(
      {
        camera: channel,
        ffmpeg,
        detect: { width: 96, height: 64, fps: 10 },
        hwaccel: 'none',
        stallMs: 20_000,
        reconnect: { initialMs: 200, maxMs: 1000 },
        record: null,
        log: captureLogger('silent').log,
        clock: systemClock,
        channel,
      },
      { path: clip, loop: false, realtime: false },
    );
    const sums: string[] = [];
    src.on('frame', (f) => {
      sums.push(createHash('sha1').update(f.data).digest('hex'));
      src.recycle(f.data); // nobody else holds it: the next frame may reuse the buffer
    });
    const ended = new Promise<void>((r) => src.on('end', () => r()));
    src.start();
    await ended;
    await src.stop();
    return sums;
  };
  const viaSocket = await run('socket');
  const viaPipe = await run('pipe');
  t.equal(viaSocket.length, 30, '3 s at 10 fps');
  t.same(viaSocket, viaPipe, 'identical frames');
  t.ok(new Set(viaSocket).size >= 25, 'and they differ from each other (a moving clip)');
});
