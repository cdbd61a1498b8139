/**
 * Scenario 1: an RTSP server (GStreamer gst-rtsp-server, test/ingest/fixtures)
 * is SIGKILLed and restarted on the same port; a second camera on its own
 * server keeps streaming without a gap; a third camera whose server never
 * comes back keeps retrying without affecting the others.
 */
import t from 'tap';
import { startRtspServer, freeTcpPort } from '../ingest/helpers.js';
import { report, runDaemon, tempDir, writeConfig } from './support.js';

interface CamDetail {
  state: string;
  fps_in: number;
  reconnects: number;
  last_frame_at: number | null;
}

t.test('scenario 1: RTSP server killed and restarted; the other camera is unaffected', async (t) => {
  const dir = tempDir(t);
  let front = await startRtspServer(t);
  const back = await startRtspServer(t);
  const gonePort = await freeTcpPort(); // nothing ever listens here
  const cam = (name: string, port: number): string => `  ${name}:
    room: plaza
    source: {kind: rtsp, url: "rtsp://127.0.0.1:${port}/cam", transport: tcp, timeout_s: 2}
    detect: {width: 160, height: 120, fps: 5}
    record: {enabled: false}
    stall_seconds: 2
    reconnect: {initial_s: 0.5, max_s: 1}
`;
  const cfg = writeConfig(
    dir,
    `cameras:\n${cam('front', front.port)}${cam('back', back.port)}${cam('gone', gonePort)}vision:\n  ` +
      `enabled: false\nagent:\n  enabled: false\nmqtt:\n  enabled: false\n`,
  );
  const d = await runDaemon(t, dir, cfg);
  const cams = async (): Promise<Record<string, CamDetail>> => {
    const h = await d.healthz();
    const ingest = (h.body.modules as Array<{ name: string; health?: { details?: Record<string, unknown> } }>).find(
      (m) => m.name === 'ingest',
    );
    const det = (ingest?.health?.details ?? {}) as Record<string, unknown>;
    return (det.cameras as Record<string, CamDetail> | undefined) ?? (det as Record<string, CamDetail>);
  };
  // Both healthy cameras deliver frames.
  const until = async (pred: (c: Record<string, CamDetail>) => boolean, ms: number, what: string): Promise<Record<string, CamDetail>> => {
    const end = Date.now() + ms;
    for (;;) {
      const c = await cams();
      if (pred(c)) return c;
      if (Date.now() > end) throw new Error(`timed out: ${what}: ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await until((c) => (c.front?.last_frame_at ?? 0) > 0 && (c.back?.last_frame_at ?? 0) > 0, 30_000, 'frames from front and back');

  // Kill front's server; watch back's frame staleness the whole time.
  // /metrics is computed at scrape time (healthz details are cached per probe interval).
  const lastFrame = async (camera: string): Promise<number> =>
    ((await d.metrics()).get(`homesight_camera_last_frame_timestamp_seconds{camera="${camera}"}`) ?? 0) * 1000;
  let backMaxStaleMs = 0;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const lf = await lastFrame('back');
      if (lf > 0) backMaxStaleMs = Math.max(backMaxStaleMs, Date.now() - lf);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const before = (await cams()).front!.reconnects;
  await front.stop('SIGKILL');
  const killedAt = Date.now();
  await until((c) => c.front!.reconnects > before, 15_000, 'front notices and reconnects');
  await new Promise((r) => setTimeout(r, 3000));
  const restartAt = Date.now();
  front = await startRtspServer(t, { port: front.port });
  let frontFrame = 0;
  const end = Date.now() + 30_000;
  while ((frontFrame = await lastFrame('front')) <= restartAt) {
    if (Date.now() > end) throw new Error('front did not stream again in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const recoveryMs = frontFrame - restartAt;
  watching = false;
  await watch;
  const final = await cams();
  t.ok(final.front!.reconnects > before, `front reconnects counted (${before} → ${final.front!.reconnects})`);
  t.ok(backMaxStaleMs < 3000, `back kept streaming: newest frame never older than ${backMaxStaleMs} ms`);
  t.equal(final.back!.reconnects, 0, 'back never reconnected');
  t.ok(
    (final.gone?.reconnects ?? 0) > 0 && (final.gone?.last_frame_at ?? null) === null,
    `gone keeps retrying (${final.gone?.reconnects} reconnects, state ${final.gone?.state})`,
  );
  t.ok(d.alive());
  t.comment(JSON.stringify(final));
  report({
    scenario: '1 RTSP server killed/restarted (+ a camera that never comes back)',
    result: final.front!.reconnects > before && backMaxStaleMs < 3000 && final.back!.reconnects === 0 ? 'pass' : 'fail',
    expected: 'front reconnects and resumes; back 0 reconnects, no gap; gone retries',
    received:
      `front reconnects ${before}→${final.front!.reconnects}; back reconnects ${final.back!.reconnects}, ` +
      `max frame age ${backMaxStaleMs} ms; gone reconnects ${final.gone?.reconnects}`,
    recovery_ms: recoveryMs,
    notes: `server down ${restartAt - killedAt} ms; first frame ${recoveryMs} ms after the server came back`,
  });
  await d.kill('SIGTERM');
});
