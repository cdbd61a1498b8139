import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import type { HomeSightEvents } from '../../daemon/contracts/index.js';
import { MemoryStore, newEventId } from '../../daemon/memory/index.js';
import { EventBus, ManualClock, silentLogger } from '../../daemon/system/index.js';
import { VisionModule, decodeImage } from '../../daemon/vision/index.js';
import { imageFrame } from '../../daemon/vision/image.js';
import { type CameraOccupancy, type VisionEventPayload } from '../../daemon/contracts/index.js';
import { type Frame, type FrameFeed } from '../../daemon/vision/types.js';
import { MEDIA, MODELS, haveShared, testConfig, videoFrames } from './support/shared.js';
import { MQTT_REQUESTS, type RouteTopic } from '../../daemon/mqtt/index.js';

if (!haveShared()) throw new Error('test/vision needs ../shared (models and media): set HOMESIGHT_SHARED_DIR');

const tmp = mkdtempSync(join(tmpdir(), 'hs-vision-mod-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const T0 = Date.UTC(2026, 10, 25, 18, 0, 0);
// 30 frames of the plaza clip at 5 fps (6 s), what ingest would deliver for camera "demo".
const clip = videoFrames(join(MEDIA, 'vtest.avi'), { camera: 'demo', fps: 5, count: 30, t0: T0 });

/** A frame feed like ingest's: yields the clip once, then ends (a non-looping file). */
class ClipFeed implements FrameFeed {
  requested: string[] = [];
  async *frames(camera: string, opts: { signal: AbortSignal }): AsyncIterable<Frame> {
    this.requested.push(camera);
    for (const f of clip) {
      if (opts.signal.aborted) return;
      await new Promise((r) => setImmediate(r));
      yield { ...f, camera };
    }
  }
}

function setup(name: string, extra: Parameters<typeof testConfig>[1] = {}) {
  const dir = join(tmp, name);
  const config = testConfig(dir, {
    cameras: {
      demo: {
        source: { kind: 'file', path: 'vtest.avi' },
        zones: [
          {
            name: 'plaza_left',
            polygon: [
              [0, 0],
              [0.5, 0],
              [0.5, 1],
              [0, 1],
            ],
            min_area: 0,
          },
        ],
      },
    },
    ...extra,
  });
  const store = new MemoryStore({ file: join(dir, 'data', 'homesight.db'), log: silentLogger(), clock: new ManualClock(T0) });
  const bus = new EventBus<HomeSightEvents>((ev, err) => {
    throw new Error(`${ev}: ${String(err)}`);
  });
  const events: VisionEventPayload[] = [];
  const occupancy: CameraOccupancy[] = [];
  const frames: Array<{ camera: string; jpeg: Uint8Array }> = [];
  const owner = {};
  bus.on('camera.snapshot', owner, (p) => frames.push(p));
  bus.on('vision.event', owner, (p) => events.push(p));
  bus.on('camera.occupancy', owner, (p) => occupancy.push(p));
  const feed = new ClipFeed();
  const metrics = new Registry();
  const mod = new VisionModule({
    config,
    log: silentLogger(),
    clock: new ManualClock(T0 + 6000),
    bus,
    metrics,
    feed: () => feed,
    events: () => store.events,
    gallery: () => store.identities,
    newId: (ts) => newEventId(ts),
  });
  return { dir, config, store, bus, events, occupancy, frames, feed, metrics, mod };
}

t.test('the plaza clip through the module: person events with tracks, activities, snapshots, occupancy', async (t) => {
  const s = setup('clip', { vision: { pose: { max_persons: 4 } } });
  const ctl = new AbortController();
  await s.mod.start(ctl.signal);
  t.same(s.feed.requested, ['demo']);
  // The clip ends: the camera loop ends every open track.
  const camState = (): string => (s.mod.health().details!.cameras as Record<string, { state: string }>).demo!.state;
  for (let i = 0; i < 1200 && camState() !== 'ended'; i++) await new Promise((r) => setTimeout(r, 50));
  const h = s.mod.health();
  t.equal(h.status, 'ok', h.summary ?? '');
  t.match(h.summary, /4\/4 models on cpu; 1 camera/);
  const models = h.details!.models as Record<string, { provider: string; skipped: string[] }>;
  t.equal(models.detector!.provider, 'cpu');
  t.match(
    models.detector!.skipped,
    [/^tensorrt: libonnxruntime_providers_tensorrt\.so is not installed/, /^cuda: /],
    'why GPU providers were skipped',
  );
  const cam = (h.details!.cameras as Record<string, { frames: number; state: string }>).demo!;
  t.equal(cam.frames, clip.length);
  t.equal(cam.state, 'ended');

  const personNew = s.events.filter((e) => e.change === 'new' && e.event.kind === 'person');
  const personEnd = s.events.filter((e) => e.change === 'end' && e.event.kind === 'person');
  t.ok(personNew.length >= 4, `${personNew.length} people appeared`);
  t.equal(personEnd.length, personNew.length, 'every person left (the clip ended)');
  const tracks = new Set(personNew.map((e) => e.event.track_id));
  t.equal(tracks.size, personNew.length, 'one person event per track');
  for (const e of personEnd) {
    t.ok(e.event.end !== null && e.event.end >= e.event.start && e.event.start >= T0 && e.event.end <= T0 + 6000);
    t.ok(e.event.box !== null && e.event.box.every((v) => v >= 0 && v <= 1), 'box in fractions');
  }
  const long = personEnd.filter((e) => e.event.end! - e.event.start >= 3000);
  t.ok(long.length >= 3, `${long.length} tracks lasted ≥ 3 s (stable ids while people walk)`);
  const acts = s.events.filter((e) => e.change === 'new' && e.event.kind === 'activity');
  t.ok(acts.length >= 2, `${acts.length} activity events`);
  t.ok(
    acts.every((e) => ['walking', 'standing'].includes(e.event.activity!)),
    `plaza pedestrians walk or stand: ${[...new Set(acts.map((e) => e.event.activity))]}`,
  );
  t.ok(acts.some((e) => e.event.activity === 'walking'));
  t.ok(
    personEnd.some((e) => e.event.zones.includes('plaza_left')),
    'zones recorded',
  );

  // Stored in memory (SQLite), as upserted.
  s.store.events.flush();
  const stored = s.store.events.eventsBetween({ start: T0 - 1000, end: T0 + 10_000, camera: 'demo', kind: 'person' });
  t.equal(stored.length, personNew.length);
  t.ok(stored.every((e) => e.end !== null && e.track_id !== null));
  t.ok(s.store.events.eventsBetween({ start: T0 - 1000, end: T0 + 10_000, activity: 'walking' }).length >= 1);

  // Snapshots.
  const snap = stored[0]!.snapshot!;
  t.match(snap, /^snapshots\/demo\/2026-11-25\/.+\.jpg$/);
  await s.mod.stop();
  const meta = await sharp(readFileSync(join(s.config.paths.data_dir, snap))).metadata();
  t.equal(meta.format, 'jpeg');

  t.ok(
    s.occupancy.some((o) => o.camera === 'demo' && o.persons >= 3),
    'occupancy published',
  );
  t.match(s.occupancy.at(-1), { camera: 'demo', persons: 0, identities: [] }, 'empty once the clip ended');
  t.ok(s.frames.length >= 1 && s.frames.every((f) => f.camera === 'demo'), 'whole-frame JPEGs for the camera snapshot topic');
  t.equal((await sharp(Buffer.from(s.frames[0]!.jpeg)).metadata()).width, 768);
  const metricsText = await s.metrics.metrics();
  t.match(metricsText, /homesight_vision_frames_total\{camera="demo"\} 30/);
  t.match(metricsText, /homesight_vision_model_info\{model="detector",kind="detector",provider="cpu"\} 1/);
  s.store.close();
});

t.test('analyzeFrames (agent tool) and enroll (CLI/MQTT) against the memory gallery', async (t) => {
  const s = setup('analyze', { vision: { pose: { max_persons: 3 } } });
  const ctl = new AbortController();
  // No feed: the module still serves analyzeFrames and enroll.
  const mod = new VisionModule({
    config: s.config,
    log: silentLogger(),
    clock: new ManualClock(T0),
    gallery: () => s.store.identities,
    events: () => s.store.events,
  });
  await t.rejects(mod.analyzeFrames([clip[0]!]), { code: 'E_VISION_NOT_READY' });
  await mod.start(ctl.signal);
  t.match(mod.health(), { status: 'degraded', summary: /no frame feed/ }, 'a configured camera without a feed is reported');
  const res = await mod.analyzeFrames([clip[10]!, clip[11]!, clip[12]!]);
  t.equal(res.length, 3);
  t.ok(res.every((r) => r.camera === 'demo' && r.width === 768 && r.persons.length >= 3));
  const ids = (i: number): string[] => res[i]!.persons.map((p) => p.track_id!).sort();
  t.ok(ids(2).filter((id) => ids(0).includes(id)).length >= 3, 'track ids carry across the frames');
  t.ok(res[0]!.persons.filter((p) => p.keypoints !== undefined).length === 3, 'pose on the 3 largest');
  t.ok(res[0]!.persons.every((p) => p.identity === null));

  const r = await mod.enroll('Obama', [readFileSync(join(MEDIA, 'obama.jpg'))]);
  t.equal(r.added, 1);
  t.match(s.store.identities.list(), [{ name: 'Obama', embeddings: 1 }]);
  const probe = imageFrame(await decodeImage(join(MEDIA, 'obama2.jpg')), 'porch', T0);
  const other = imageFrame(await decodeImage(join(MEDIA, 'biden.jpg')), 'porch', T0 + 1);
  const [a, b] = await mod.analyzeFrames([probe, other], { track: false });
  t.equal(a!.persons.length, 1);
  t.equal(a!.persons[0]!.identity, 'Obama');
  t.ok(a!.persons[0]!.similarity! > 0.3);
  t.equal(a!.persons[0]!.track_id, undefined, 'no tracking asked');
  t.equal(b!.persons[0]!.identity, null, 'Biden is not enrolled');
  t.ok(b!.persons[0]!.similarity! < 0.3);
  const [noPose] = await mod.analyzeFrames([probe], { pose: false, identity: false });
  t.equal(noPose!.persons[0]!.keypoints, undefined);
  t.equal(noPose!.persons[0]!.similarity, null);
  t.ok(res[0]!.objects.every((o) => o.label !== 'person'));
  await mod.stop();
  s.store.close();
});

t.test('the MQTT enroll command: served on the bridge at start, removed at stop', async (t) => {
  const s = setup('mqtt');
  const registered = new Map<
    string,
    { schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }; handler: (a: unknown, ctx: unknown) => unknown }
  >();
  let removed = 0;
  const bridge = {
    serve(topic: RouteTopic, handler: never) {
      registered.set(topic.replace(/^command\//, ''), { schema: MQTT_REQUESTS[topic].request, handler });
      return () => removed++;
    },
  };
  const mod = new VisionModule({
    config: s.config,
    log: silentLogger(),
    clock: new ManualClock(T0),
    gallery: () => s.store.identities,
    bridge: () => bridge as never,
  });
  await mod.start(new AbortController().signal);
  const cmd = registered.get('enroll')!;
  t.ok(cmd !== undefined, 'enroll registered');
  t.notOk(cmd.schema.safeParse({ name: 'x' }).success, 'images required');
  const args = cmd.schema.safeParse({ name: ' Obama ', images: [readFileSync(join(MEDIA, 'obama2.jpg')).toString('base64')] });
  t.ok(args.success);
  const r = (await cmd.handler(args.data, {})) as { name: string; added: number };
  t.match(r, { name: 'Obama', added: 1 });
  t.match(s.store.identities.list(), [{ name: 'Obama', embeddings: 1 }]);
  await mod.stop();
  t.equal(removed, 1);
  s.store.close();
});

t.test('a corrupt or wrong model is refused with a clear error; the module stays up', async (t) => {
  const s = setup('corrupt');
  const bad = join(s.dir, 'yolox_truncated.onnx');
  writeFileSync(bad, readFileSync(join(MODELS, 'yolox_nano.onnx')).subarray(0, 50_000));
  const cfg = testConfig(s.dir, {
    cameras: { demo: { source: { kind: 'file', path: 'vtest.avi' } } },
    vision: { models: { detector: { kind: 'detector', path: bad }, pose: { kind: 'pose', path: join(s.dir, 'missing.onnx') } } },
  });
  const mod = new VisionModule({ config: cfg, log: silentLogger(), clock: new ManualClock(T0), feed: () => s.feed });
  await mod.start(new AbortController().signal);
  const h = mod.health();
  t.equal(h.status, 'failed');
  t.match(h.summary, /no person detector \(detector: E_MODEL_INVALID, pose: E_MODEL_MISSING\)/);
  const models = h.details!.models as Record<string, { state: string; error?: { code: string; hint: string } }>;
  t.match(models.detector, { state: 'failed', error: { code: 'E_MODEL_INVALID', hint: /corrupt, truncated/ } });
  t.match(models.face_embedder, { state: 'ready' });
  t.same(s.feed.requested, [], 'no detector → cameras are not read');
  const r = await mod.enroll('Obama', [readFileSync(join(MEDIA, 'obama.jpg'))]);
  t.equal(r.added, 1, 'identity still works without the detector');
  await mod.stop();

  // Only the pose model missing: running, degraded.
  const cfg2 = testConfig(s.dir, { vision: { models: { pose: { kind: 'pose', path: join(s.dir, 'missing.onnx') } } } });
  const mod2 = new VisionModule({ config: cfg2, log: silentLogger(), clock: new ManualClock(T0) });
  await mod2.start(new AbortController().signal);
  t.match(mod2.health(), { status: 'degraded', summary: /3\/4 models on cpu.*pose refused \(E_MODEL_MISSING\)/ });
  const [res] = await mod2.analyzeFrames([clip[0]!]);
  t.ok(res!.persons.length >= 3 && res!.persons.every((p) => p.keypoints === undefined), 'detection without pose');
  await mod2.stop();
  s.store.close();
  t.notOk(existsSync(join(s.dir, 'data', 'snapshots')), 'no snapshots without events');
});
