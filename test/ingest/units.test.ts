import t from 'tap';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { IngestModule, resolveFfmpeg } from '../../daemon/ingest/index.js';
import { Backoff, DropOldestQueue, RateMeter } from '../../daemon/ingest/queue.js';
import { Redactor, withCredentials } from '../../daemon/ingest/ffmpeg.js';
import { diagnose, isDecodeError } from '../../daemon/ingest/diagnose.js';
import { planExtraction } from '../../daemon/ingest/extract.js';
import { type RecordingSegment } from '../../daemon/ingest/types.js';
import { systemClock } from '../../daemon/system/index.js';
import { captureLogger, makeConfig, memoryCatalog, tempDir, waitFor } from './helpers.js';

t.test('DropOldestQueue keeps the newest items, counts drops, ends on close', async (t) => {
  const dropped: number[] = [];
  const q = new DropOldestQueue<number>(3, { onDrop: (n) => dropped.push(n) });
  for (let i = 0; i < 10; i++) q.push(i);
  t.equal(q.size, 3, 'never more than capacity');
  t.equal(q.dropped, 7);
  t.same(dropped, [0, 1, 2, 3, 4, 5, 6], 'oldest first');
  const got: number[] = [];
  const it = q[Symbol.asyncIterator]();
  for (let i = 0; i < 3; i++) got.push((await it.next()).value as number);
  t.same(got, [7, 8, 9]);
  const waiting = it.next();
  q.push(42);
  t.same(await waiting, { value: 42, done: false }, 'a waiting consumer gets the next item directly');
  const pending = it.next();
  q.close();
  t.same(await pending, { value: undefined, done: true });
  q.push(1);
  t.equal(q.size, 0, 'closed queue ignores pushes');
  t.throws(() => new DropOldestQueue(0), RangeError);
});

t.test('DropOldestQueue: size stays bounded for any push/take sequence (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(fc.boolean(), { maxLength: 200 }), async (cap, ops) => {
      const q = new DropOldestQueue<number>(cap);
      let pushed = 0;
      for (const push of ops) {
        if (push) q.push(pushed++);
        else if (q.size > 0) await q.next();
        if (q.size > cap) return false;
      }
      return q.taken + q.dropped + q.size === pushed;
    }),
  );
  t.pass('bounded and conserved');
});

t.test('Backoff doubles up to the cap with jitter in [d/2, d]', async (t) => {
  const lo = new Backoff(100, 1000, () => 0);
  const hi = new Backoff(100, 1000, () => 0.999999);
  const los = Array.from({ length: 6 }, () => lo.next());
  const his = Array.from({ length: 6 }, () => hi.next());
  t.same(los, [50, 100, 200, 400, 500, 500]);
  t.same(his, [100, 200, 400, 800, 1000, 1000]);
  lo.reset();
  t.equal(lo.next(), 50, 'reset starts over');
  const r = new Backoff(1000, 30_000);
  for (let i = 0; i < 50; i++) {
    const d = r.next();
    t.ok(d >= 500 && d <= 30_000, `delay ${d} within bounds`);
  }
});

t.test('RateMeter measures events per second over its window', async (t) => {
  let now = 0;
  const m = new RateMeter(() => now, 5000);
  t.equal(m.rate(), 0);
  for (let i = 0; i < 50; i++) {
    m.mark();
    now += 200;
  }
  t.equal(m.rate(), 5, '5 events per second');
  now += 6000;
  t.equal(m.rate(), 0, 'nothing in the window');
});

t.test('credentials go into the URL for ffmpeg and out of every log line', async (t) => {
  const url = withCredentials('rtsp://10.0.0.5:554/Streaming/Channels/101?transport=tcp', 'admin', 'p@ss:w/rd!');
  t.equal(url, 'rtsp://admin:p%40ss%3Aw%2Frd!@10.0.0.5:554/Streaming/Channels/101?transport=tcp', 'percent-encoded, rest untouched');
  const r = new Redactor(['p@ss:w/rd!']);
  t.equal(
    r.redact(`${url}: Server returned 401 Unauthorized`),
    'rtsp://admin:***@10.0.0.5:554/Streaming/Channels/101?transport=tcp: Server returned 401 Unauthorized',
  );
  t.equal(r.redact('auth with p@ss:w/rd! failed'), 'auth with *** failed', 'raw secret anywhere');
  t.equal(new Redactor([]).redact('http://u:x@h/p and rtsp://h/p'), 'http://u:***@h/p and rtsp://h/p');
  t.equal(withCredentials('rtsp://h/p', undefined, undefined), 'rtsp://h/p');
});

t.test('ffmpeg stderr is classified into specific camera errors', async (t) => {
  const cases: Array<[string[], string]> = [
    [
      [
        '[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized',
        'rtsp://u:***@h/cam: Server returned 401 Unauthorized (authorization failed)',
      ],
      'E_CAMERA_AUTH',
    ],
    [['[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found'], 'E_CAMERA_NOT_FOUND'],
    [['file:/x.mp4: No such file or directory'], 'E_CAMERA_NOT_FOUND'],
    [['file:/x.mp4: Invalid data found when processing input'], 'E_CAMERA_CODEC'],
    [['[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found', 'file:/x.mp4: Invalid data found when processing input'], 'E_CAMERA_CODEC'],
    [["Stream map '0:v:0' matches no streams."], 'E_CAMERA_CODEC'],
    [['[tcp @ 0x1] Connection to tcp://127.0.0.1:1?timeout=0 failed: Connection refused'], 'E_CAMERA_UNREACHABLE'],
    [['[tcp @ 0x1] Failed to resolve hostname cam.invalid: Name or service not known'], 'E_CAMERA_UNREACHABLE'],
    [['[h264 @ 0x1] error while decoding MB 3 4', 'rtsp://h/cam: End of file'], 'E_CAMERA_STREAM_LOST'],
    [
      ['Device creation failed: -542398533.', '[h264 @ 0x1] No device available for decoder: device type cuda needed for codec h264.'],
      'E_CAMERA_HWACCEL',
    ],
    [['[mp4 @ 0x1] Could not find tag for codec msmpeg4v3 in stream #0, codec not currently supported in container'], 'E_RECORD_FORMAT'],
  ];
  for (const [lines, code] of cases) t.equal(diagnose(lines)?.code, code, lines.join(' | '));
  t.equal(diagnose(['something unrelated']), null);
  t.equal(diagnose(['[rtsp] 401'])?.permanent, true, 'auth is permanent');
  t.equal(diagnose(['Connection refused'])?.permanent, false, 'network is transient');
  t.ok(isDecodeError('[h264 @ 0x55] error while decoding MB 12 7, bytestream -5'));
  t.ok(isDecodeError('[h264 @ 0x55] concealing 120 DC, 120 AC, 120 MV errors in P frame'));
  t.notOk(isDecodeError('Connection refused'));
});

t.test('planExtraction splits the time grid over segments, once per point, skipping gaps', async (t) => {
  const seg = (id: number, start: number, end: number): RecordingSegment => ({
    id,
    camera: 'c',
    path: `/r/${id}.mkv`,
    start,
    end,
    bytes: 1,
    format: 'mkv',
  });
  const segs = [seg(1, 0, 2000), seg(2, 2000, 4000), seg(3, 6000, 8000)];
  const { plans, total } = planExtraction(segs, 1000, 7000, 2);
  t.equal(total, 12);
  t.same(
    plans.map((p) => [p.segment.id, p.k0, p.count, p.seekMs]),
    [
      [1, 0, 2, 1000],
      [2, 2, 4, 0],
      [3, 10, 2, 0],
    ],
    'points 6..9 (4000..5500 ms) fall in the gap',
  );
  const overlap = planExtraction([seg(1, 0, 2100), seg(2, 2000, 4000)], 0, 4000, 5);
  const ks = overlap.plans.flatMap((p) => Array.from({ length: p.count }, (_, i) => p.k0 + i));
  t.same(
    ks,
    Array.from({ length: 20 }, (_, i) => i),
    'overlapping segments: each grid point exactly once',
  );
});

t.test('ffmpeg binary: config path, FFMPEG_PATH, PATH, npm fallback, explicit-but-broken is an error', async (t) => {
  const sys = await resolveFfmpeg({ env: process.env });
  t.ok(['system', 'npm'].includes(sys.source));
  t.ok(sys.lavfMajor >= 58, `libavformat ${sys.lavfMajor}`);
  const viaEnv = await resolveFfmpeg({ env: { ...process.env, FFMPEG_PATH: sys.path } });
  t.equal(viaEnv.source, 'env');
  const viaConfig = await resolveFfmpeg({ configPath: sys.path, env: { ...process.env, FFMPEG_PATH: '/nonexistent/ffmpeg' } });
  t.equal(viaConfig.source, 'config', 'config wins over FFMPEG_PATH');
  const npm = await resolveFfmpeg({ env: { PATH: '/nonexistent' } });
  t.equal(npm.source, 'npm', 'without a system ffmpeg the npm-shipped binary is used');
  t.equal(npm.lavfMajor, 58, 'the npm binary is ffmpeg 4.1 (libavformat 58)');
  const dir = tempDir(t);
  const broken = join(dir, 'ffmpeg');
  writeFileSync(broken, '#!/bin/sh\nexit 3\n');
  chmodSync(broken, 0o755);
  await t.rejects(resolveFfmpeg({ configPath: broken, env: process.env }), {
    name: 'HomeSightError',
    code: 'E_FFMPEG_NOT_FOUND',
    message: /ffmpeg\.path/,
  });
});

t.test('ffmpeg is probed on first need, never at start: none without cameras; a broken one fails the cameras after start', async (t) => {
  const dir = tempDir(t);
  const sys = await resolveFfmpeg({ env: process.env });
  const calls = join(dir, 'calls');
  const counting = join(dir, 'ffmpeg-counting');
  writeFileSync(counting, `#!/bin/sh\necho "$@" >> ${calls}\nexec ${sys.path} "$@"\n`);
  chmodSync(counting, 0o755);
  const runs = (): number => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n').length : 0);
  const { catalog } = memoryCatalog(t, dir);
  const quiet = captureLogger('silent').log;
  const idle = new IngestModule({
    config: makeConfig({ ffmpeg: { path: counting }, paths: { recordings_dir: join(dir, 'rec') } }),
    log: quiet,
    clock: systemClock,
    catalog,
    dependsOn: [],
  });
  await idle.start(new AbortController().signal);
  t.equal(runs(), 0, 'no cameras: start runs no ffmpeg');
  t.equal(idle.binary, null);
  t.match(idle.health(), { status: 'ok', summary: 'no cameras configured' });
  t.same(await idle.framesAt('gone', 1000, 2000, 1), [], 'framesAt resolves ffmpeg itself');
  t.equal(idle.binary?.source, 'config');
  t.equal(runs(), 2, 'one probe (-version and -hwaccels)');
  await idle.framesAt('gone', 1000, 2000, 1);
  t.equal(runs(), 2, 'probed once');
  await idle.stop();

  const broken = join(dir, 'ffmpeg-broken');
  writeFileSync(broken, '#!/bin/sh\nexit 3\n');
  chmodSync(broken, 0o755);
  const cams = new IngestModule({
    config: makeConfig({ ffmpeg: { path: broken }, cameras: { porch: { source: { kind: 'rtsp', url: 'rtsp://127.0.0.1:1/s' } } } }),
    log: quiet,
    clock: systemClock,
    catalog: null,
    dependsOn: [],
  });
  t.teardown(() => cams.stop());
  await cams.start(new AbortController().signal);
  const h = await waitFor('health failed', () => (cams.health().status === 'failed' ? cams.health() : null), 10_000);
  t.match(h.summary, /^cameras not started: ffmpeg\.path names an ffmpeg that does not run/);
  t.equal(cams.stats('porch').state, 'stopped');
  await cams.stop();
});

t.test('config section: defaults, reconnect, fractional disk cap, example-compatible', async (t) => {
  const c = makeConfig({ cameras: { porch: { source: { kind: 'rtsp', url: 'rtsp://h/s' } } }, recordings: { max_disk_mb: 0.5 } });
  const porch = c.cameras.porch!;
  t.equal(porch.source.kind === 'rtsp' ? porch.source.timeout_s : -1, 10);
  t.same(porch.reconnect, { initial_s: 1, max_s: 30 });
  t.equal(c.recordings.max_disk_mb, 0.5);
  t.equal(c.recordings.orphan_retain_days, 7);
  t.equal(c.ffmpeg.hwaccel, 'none');
  t.throws(() => makeConfig({ ffmpeg: { decoder: 'h264 cuvid; rm -rf' } }), 'decoder names are checked');
});
