import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { HomeSightEvents } from '../../daemon/contracts/index.js';
import { IngestModule, type Frame } from '../../daemon/ingest/index.js';
import { type CameraStateEvent } from '../../daemon/ingest/types.js';
import { EventBus, systemClock } from '../../daemon/system/index.js';
import {
  captureLogger,
  freeTcpPort,
  freeUdpPort,
  h264Clip,
  makeConfig,
  sleep,
  startPublisher,
  startRtspServer,
  tempDir,
  waitFor,
} from './helpers.js';

// A real RTSP server (GStreamer gst-rtsp-server, TCP-interleaved and UDP) fed by
// ffmpeg publishing a looping H.264 clip; basic auth on.
const USER = 'viewer';
const PASSWORD = 'p@ss:w0rd!';

t.test('RTSP cameras over TCP and UDP: frames, specific errors, outage and recovery', async (t) => {
  const dir = tempDir(t);
  const clip = h264Clip(dir, { width: 320, height: 240, fps: 10, seconds: 10 });
  const udpIn = await freeUdpPort();
  startPublisher(t, clip, udpIn);
  let server = await startRtspServer(t, { udpIn, user: USER, password: PASSWORD });
  const port = server.port;
  const closedPort = await freeTcpPort();
  const pw = join(dir, 'camera.pw');
  const wrong = join(dir, 'wrong.pw');
  writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(wrong, 'guess\n', { mode: 0o600 });

  const common = { detect: { width: 160, height: 120, fps: 5, queue: 8 }, stall_seconds: 3, reconnect: { initial_s: 0.2, max_s: 1 } };
  const url = `rtsp://127.0.0.1:${port}/cam`;
  const config = makeConfig({
    cameras: {
      tcp: { ...common, source: { kind: 'rtsp', url, transport: 'tcp', username: USER, password_file: pw, timeout_s: 3 } },
      udp: { ...common, source: { kind: 'rtsp', url, transport: 'udp', username: USER, password_file: pw, timeout_s: 3 } },
      badauth: { ...common, source: { kind: 'rtsp', url, username: USER, password_file: wrong } },
      badpath: { ...common, source: { kind: 'rtsp', url: `rtsp://127.0.0.1:${port}/nope`, username: USER, password_file: pw } },
      unreachable: { ...common, source: { kind: 'rtsp', url: `rtsp://127.0.0.1:${closedPort}/cam`, timeout_s: 2 } },
    },
  });
  const { log, lines } = captureLogger('debug');
  const bus = new EventBus<HomeSightEvents>((e, err) => t.fail(`listener ${e} threw: ${String(err)}`));
  const events: CameraStateEvent[] = [];
  bus.on('camera.state', {}, (e) => events.push(e));
  const registry = new Registry();
  const ingest = new IngestModule({ config, log, clock: systemClock, bus, metrics: registry, catalog: null, dependsOn: [] });
  t.teardown(() => ingest.stop());
  await ingest.start(new AbortController().signal);
  t.same(ingest.cameras().sort(), ['badauth', 'badpath', 'tcp', 'udp', 'unreachable']);

  await waitFor(
    'tcp and udp streaming',
    () => ingest.stats('tcp').state === 'streaming' && ingest.stats('udp').state === 'streaming',
    20_000,
  );

  await t.test('frames arrive at the detect size and rate on both transports', async (t) => {
    const collect = async (camera: string, ms: number): Promise<Frame[]> => {
      const ac = new AbortController();
      const got: Frame[] = [];
      const timer = setTimeout(() => ac.abort(), ms);
      for await (const f of ingest.frames(camera, { signal: ac.signal })) got.push(f);
      clearTimeout(timer);
      return got;
    };
    const [tcp, udp] = await Promise.all([collect('tcp', 4000), collect('udp', 4000)]);
    // The stats window is 5 s; let it slide past the start-up burst (frames buffered while ffmpeg probed the stream).
    await sleep(2000);
    for (const [name, frames] of [
      ['tcp', tcp],
      ['udp', udp],
    ] as const) {
      // 5 fps for 4 s = 20. Bounds are generous: on a loaded 2-core host the RTSP stream arrives in
      // bursts and ffmpeg's fps filter catches up on stream time, so a 4 s wall window can hold ~1.5× the frames.
      t.ok(frames.length >= 12 && frames.length <= 32, `${name}: ${frames.length} frames in 4 s at 5 fps`);
      t.ok(
        frames.every(
          (f) => f.camera === name && f.width === 160 && f.height === 120 && f.format === 'rgb24' && f.data.length === 160 * 120 * 3,
        ),
        `${name}: every frame is 160×120 rgb24`,
      );
      t.ok(
        frames.every((f, i) => i === 0 || (f.seq > frames[i - 1]!.seq && f.ts >= frames[i - 1]!.ts)),
        `${name}: seq and ts increase`,
      );
      const span = frames.at(-1)!.ts - frames[0]!.ts;
      const fps = ((frames.length - 1) * 1000) / span;
      t.ok(fps > 3.5 && fps < 8.5, `${name}: measured ${fps.toFixed(2)} fps`);
      // testsrc2 is colourful; a black or uniform frame would mean a broken decode.
      const f = frames.at(-1)!.data;
      let min = 255;
      let max = 0;
      for (let i = 0; i < f.length; i += 97) {
        min = Math.min(min, f[i]!);
        max = Math.max(max, f[i]!);
      }
      t.ok(max - min > 100, `${name}: picture has content (range ${min}..${max})`);
      const s = ingest.stats(name);
      t.ok(s.fps_in > 3 && s.fps_in < 7.5, `${name}: stats fps_in ${s.fps_in}`);
      t.ok(s.fps_out > 2, `${name}: stats fps_out ${s.fps_out}`);
    }
  });

  await t.test('wrong credentials, wrong path and a closed port each give their specific error', async (t) => {
    const err = (c: string): string | undefined => ingest.stats(c).last_error?.code;
    await waitFor('badauth error', () => err('badauth') === 'E_CAMERA_AUTH', 15_000);
    await waitFor('badpath error', () => err('badpath') === 'E_CAMERA_NOT_FOUND', 15_000);
    await waitFor('unreachable error', () => err('unreachable') === 'E_CAMERA_UNREACHABLE', 15_000);
    t.equal(ingest.stats('badauth').last_error?.message, 'camera refused the credentials (401 Unauthorized)');
    t.equal(ingest.stats('badpath').last_error?.message, 'stream not found on the camera (404 Not Found)');
    t.match(ingest.stats('unreachable').last_error?.message, /camera unreachable \(connection refused\)/);
    await waitFor('badauth failed state', () => ingest.stats('badauth').state === 'failed' || null, 5000);
    t.ok(['backoff', 'starting'].includes(ingest.stats('unreachable').state), 'network errors are retried (backoff), not "failed"');
    t.ok(ingest.stats('badauth').reconnects >= 1, 'failed cameras are still retried (slowly)');
    t.equal(ingest.stats('tcp').state, 'streaming', 'the good cameras are unaffected');
    t.equal(ingest.stats('udp').state, 'streaming');
    const authEvent = events.find((e) => e.camera === 'badauth' && e.state === 'failed');
    t.match(authEvent, { camera: 'badauth', state: 'failed', error: { code: 'E_CAMERA_AUTH' } }, 'bus event carries the error');
    const h = ingest.health();
    t.equal(h.status, 'degraded');
    t.match(h.details, { badauth: { state: 'failed', error: { code: 'E_CAMERA_AUTH' } }, tcp: { state: 'streaming' } });
    const text = await registry.metrics();
    t.match(text, /homesight_camera_up\{camera="tcp"\} 1/);
    t.match(text, /homesight_camera_up\{camera="badauth"\} 0/);
    t.match(text, /homesight_camera_state\{camera="badauth",state="failed"\} 1/);
  });

  await t.test('the RTSP server dies mid-stream: outage reported, recovery when it is back, reconnect counted', async (t) => {
    const before = { tcp: ingest.stats('tcp').reconnects, udp: ingest.stats('udp').reconnects };
    const mark = events.length;
    await server.stop('SIGKILL');
    await waitFor(
      'both cameras report the outage',
      () => ingest.stats('tcp').state !== 'streaming' && ingest.stats('udp').state !== 'streaming',
      15_000,
    );
    await waitFor('errors recorded', () => ingest.stats('tcp').last_error !== null && ingest.stats('udp').last_error !== null, 15_000);
    const outage = events.slice(mark);
    t.ok(
      outage.some((e) => e.camera === 'tcp' && e.previous === 'streaming'),
      'tcp left streaming (bus event)',
    );
    t.ok(
      outage.some((e) => e.camera === 'udp' && e.previous === 'streaming'),
      'udp left streaming (bus event)',
    );
    t.ok(
      outage.some((e) => e.camera === 'udp' && e.state === 'stalled') || ingest.stats('udp').last_error?.code !== undefined,
      'udp outage noticed',
    );
    t.comment(`tcp error: ${JSON.stringify(ingest.stats('tcp').last_error)}; udp error: ${JSON.stringify(ingest.stats('udp').last_error)}`);
    t.ok(
      ['E_CAMERA_STREAM_LOST', 'E_CAMERA_UNREACHABLE', 'E_CAMERA_STALLED'].includes(ingest.stats('tcp').last_error!.code),
      `tcp outage error ${ingest.stats('tcp').last_error!.code}`,
    );
    await sleep(1500); // a few failed reconnects against the closed port
    server = await startRtspServer(t, { port, udpIn, user: USER, password: PASSWORD });
    t.equal(server.port, port, 'server back on the same port');
    await waitFor(
      'both cameras stream again',
      () => ingest.stats('tcp').state === 'streaming' && ingest.stats('udp').state === 'streaming',
      25_000,
    );
    t.ok(ingest.stats('tcp').reconnects > before.tcp, `tcp reconnects ${before.tcp} → ${ingest.stats('tcp').reconnects}`);
    t.ok(ingest.stats('udp').reconnects > before.udp, `udp reconnects ${before.udp} → ${ingest.stats('udp').reconnects}`);
    t.equal(ingest.stats('tcp').last_error, null, 'error cleared once frames flow');
    const ac = new AbortController();
    let n = 0;
    setTimeout(() => ac.abort(), 1500);
    for await (const f of ingest.frames('tcp', { signal: ac.signal })) if (f.data.length === 160 * 120 * 3) n++;
    t.ok(n >= 3, `frames flow after recovery (${n} in 1.5 s)`);
    const text = await registry.metrics();
    t.match(text, /homesight_camera_reconnects_total\{camera="tcp"\} [1-9]/);
  });

  await t.test('credentials never reach the logs', async (t) => {
    const all = lines.join('\n');
    t.ok(lines.length > 10, `${lines.length} log lines captured (debug level, ffmpeg args and stderr included)`);
    t.notOk(all.includes(PASSWORD), 'raw password absent');
    t.notOk(all.includes(encodeURIComponent(PASSWORD)), 'URL-encoded password absent');
    t.notOk(all.includes('guess'), 'wrong password absent');
    t.match(all, /viewer:\*\*\*@127\.0\.0\.1/, 'URLs with credentials appear redacted');
  });

  await ingest.stop();
  for (const c of ingest.cameras()) t.equal(ingest.stats(c).state, 'stopped', `${c} stopped`);
});
