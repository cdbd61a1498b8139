import t from 'tap';
import {
  CameraPipeline,
  FeatureActivityClassifier,
  InMemoryGallery,
  IouTracker,
  type Box,
  type RgbImage,
} from '../../daemon/vision/index.js';
import { CameraEventWriter } from '../../daemon/vision/events.js';
import { IdentityVoter, matchFace } from '../../daemon/vision/identity.js';
import {
  type Detection,
  type Detector,
  type FaceDetection,
  type FaceDetector,
  type FaceEmbedder,
  type HomeEvent,
  type Keypoint,
  type PoseSample,
} from '../../daemon/vision/types.js';
import { type Experts } from '../../daemon/vision/engine.js';
import { configSchema } from '../../daemon/config/index.js';

const person = (box: Box, score = 0.9): Detection => ({ box, score, classId: 0, label: 'person' });

t.test('tracker: stable ids for moving boxes, new ids for new people, ended after max missed', async (t) => {
  const tr = new IouTracker({ idPrefix: 'cam', iouThreshold: 0.3, highScore: 0.5, minHits: 2, maxMissedMs: 1000 });
  const ids: string[][] = [];
  for (let i = 0; i < 10; i++) {
    const dets = [person([100 + i * 8, 100, 50, 120]), person([400 - i * 6, 80, 60, 150])];
    if (i >= 5) dets.push(person([600, 300, 40, 90]));
    const tracks = tr.update(dets, i * 200).filter((x) => x.missed === 0);
    ids.push(tracks.map((x) => x.id).sort());
  }
  t.same(ids[0], ['cam-1', 'cam-2']);
  t.same(ids[9], ['cam-1', 'cam-2', 'cam-3'], 'same ids after 10 frames, one new person');
  t.notOk(tr.update([], 2000).some((x) => x.missed === 0));
  t.equal(tr.ended.length, 0, 'not ended before max_missed');
  tr.update([], 3100);
  t.same(tr.ended.map((e) => e.id).sort(), ['cam-1', 'cam-2', 'cam-3'], 'ended after max_missed');
});

t.test('tracker: low-score detections continue a confirmed track (ByteTrack), never start one', async (t) => {
  const tr = new IouTracker({ idPrefix: 'c', iouThreshold: 0.3, highScore: 0.5, minHits: 2, maxMissedMs: 500 });
  tr.update([person([0, 0, 50, 100])], 0);
  tr.update([person([2, 0, 50, 100])], 100);
  const occluded = tr.update([person([4, 0, 50, 100], 0.3)], 200);
  t.same(
    occluded.map((x) => [x.id, x.missed, x.confirmed]),
    [['c-1', 0, true]],
    'weak detection kept the track',
  );
  const fresh = tr.update([person([300, 0, 50, 100], 0.3)], 300);
  t.equal(fresh.filter((x) => x.missed === 0).length, 0, 'a weak detection alone starts nothing');
  const tentative = new IouTracker({ idPrefix: 'd', iouThreshold: 0.3, highScore: 0.5, minHits: 3, maxMissedMs: 500 });
  tentative.update([person([0, 0, 50, 100])], 0);
  t.equal(tentative.update([], 100).length, 0, 'an unconfirmed track that misses is dropped');
  const other = tr.update([{ box: [4, 0, 50, 100], score: 0.9, classId: 2, label: 'car' }], 400);
  t.ok(
    other.some((x) => x.label === 'car' && x.id !== 'c-1'),
    'tracks are per class',
  );
});

t.test('identity: matching with threshold and voting over a track', async (t) => {
  const g = new InMemoryGallery();
  g.add('alice', Float32Array.from([1, 0, 0]));
  g.add('bob', Float32Array.from([0, 1, 0]));
  t.match(matchFace(Float32Array.from([0.9, 0.1, 0]), g, 0.5), { name: 'alice', nearest: 'alice' });
  const unk = matchFace(Float32Array.from([0, 0, 1]), g, 0.5);
  t.equal(unk.name, null);
  t.equal(unk.similarity, 0);
  t.same(matchFace(Float32Array.from([1, 0, 0]), new InMemoryGallery(), 0.5), { name: null, similarity: null, nearest: null });

  const v = new IdentityVoter(2);
  t.equal(v.add({ name: 'alice', similarity: 0.7 }).state, 'pending');
  t.match(v.add({ name: 'alice', similarity: 0.5 }), { state: 'resolved', name: 'alice', votes: 2, similarity: 0.6 });
  const u = new IdentityVoter(2);
  u.add({ name: null, similarity: 0.1 });
  t.match(u.add({ name: null, similarity: 0.2 }), { state: 'unknown', name: null });
  u.add({ name: 'bob', similarity: 0.6 });
  u.add({ name: 'bob', similarity: 0.6 });
  t.match(u.decision(), { state: 'resolved', name: 'bob' }, 'a name can overturn unknown');
  const tie = new IdentityVoter(2);
  for (const n of ['alice', 'bob', 'alice', 'bob']) tie.add({ name: n, similarity: 0.6 });
  t.equal(tie.decision().state, 'pending', 'no winner while two names tie');
});

/** A synthetic 17-keypoint skeleton (COCO order), standing upright, height h, top at y, centred on x. */
function skeleton(
  x: number,
  y: number,
  h: number,
  opts: { sit?: boolean; lie?: boolean; lw?: [number, number]; rw?: [number, number] } = {},
): { box: Box; kps: Keypoint[] } {
  const P = (dx: number, dy: number): Keypoint => [x + dx * h, y + dy * h, 0.9];
  const k: Keypoint[] = [
    P(0, 0.07),
    P(0.02, 0.05),
    P(-0.02, 0.05),
    P(0.05, 0.06),
    P(-0.05, 0.06),
    P(0.12, 0.2),
    P(-0.12, 0.2),
    P(0.15, 0.35),
    P(-0.15, 0.35),
    opts.lw === undefined ? P(0.15, 0.48) : P(...opts.lw),
    opts.rw === undefined ? P(-0.15, 0.48) : P(...opts.rw),
    P(0.08, 0.52),
    P(-0.08, 0.52),
    opts.sit === true ? P(0.3, 0.56) : P(0.08, 0.75),
    opts.sit === true ? P(0.2, 0.56) : P(-0.08, 0.75),
    opts.sit === true ? P(0.3, 0.8) : P(0.08, 0.97),
    opts.sit === true ? P(0.2, 0.8) : P(-0.08, 0.97),
  ];
  let box: Box = opts.sit === true ? [x - 0.2 * h, y, 0.55 * h, 0.82 * h] : [x - 0.2 * h, y, 0.4 * h, h];
  if (opts.lie === true) {
    // Rotate 90° about (x, y): the body lies along the x axis.
    for (const p of k) {
      const dx = p[0] - x,
        dy = p[1] - y;
      p[0] = x + dy;
      p[1] = y - dx;
    }
    box = [x, y - 0.2 * h, h, 0.4 * h];
  }
  return { box, kps: k };
}

function seq(n: number, make: (i: number) => { box: Box; kps: Keypoint[] }, dtMs = 200): PoseSample[] {
  return Array.from({ length: n }, (_, i) => {
    const s = make(i);
    return { ts: i * dtMs, box: s.box, keypoints: s.kps };
  });
}

t.test('feature activity classifier: posture and hand classes from synthetic keypoints', async (t) => {
  const c = new FeatureActivityClassifier(4);
  const ctx = { zones: [] as string[], frameWidth: 1920, frameHeight: 1080 };
  const H = 300;
  t.equal(
    c.classify(
      seq(3, () => skeleton(500, 100, H)),
      ctx,
    ),
    null,
    'too few samples',
  );
  t.match(
    c.classify(
      seq(10, () => skeleton(500, 100, H)),
      ctx,
    ),
    { activity: 'standing', posture: 'standing' },
  );
  t.match(
    c.classify(
      seq(10, (i) => skeleton(500 + i * 0.2 * 0.8 * H, 100, H)),
      ctx,
    ),
    { activity: 'walking', posture: 'walking' },
  );
  t.match(
    c.classify(
      seq(10, () => skeleton(500, 100, H, { sit: true })),
      ctx,
    ),
    { posture: 'sitting' },
  );
  t.match(
    c.classify(
      seq(10, () => skeleton(500, 400, H, { lie: true })),
      ctx,
    ),
    { activity: 'lying_down' },
  );
  const eat = c.classify(
    seq(12, (i) => skeleton(500, 100, H, { sit: true, rw: i % 4 < 2 ? [0.01, 0.1] : [-0.1, 0.45] })),
    ctx,
  );
  t.match(eat, { activity: 'eating', posture: 'sitting', alternatives: ['drinking'] });
  const drink = c.classify(
    seq(12, (i) => skeleton(500, 100, H, { rw: i >= 4 && i < 9 ? [0.01, 0.1] : [-0.15, 0.48] })),
    ctx,
  );
  t.match(drink, { activity: 'drinking', alternatives: ['eating'] });
  const phone = c.classify(
    seq(10, () => skeleton(500, 100, H, { sit: true, lw: [0.03, 0.38], rw: [-0.03, 0.38] })),
    ctx,
  );
  t.match(phone, { activity: 'using_phone', alternatives: ['reading'] });
  const busy = (zones: string[]): ReturnType<FeatureActivityClassifier['classify']> =>
    c.classify(
      seq(10, (i) => skeleton(500, 100, H, { lw: [0.1 + (i % 2) * 0.06, 0.4], rw: [-0.1 - (i % 3) * 0.05, 0.42] })),
      { ...ctx, zones },
    );
  t.match(busy(['stove']), { activity: 'cooking', posture: 'standing' });
  t.match(busy(['sink']), { activity: 'washing_dishes' });
  t.match(busy(['dining_table']), { activity: 'laying_table', alternatives: ['clearing_table', 'eating'] });
  const sweep = c.classify(
    seq(10, (i) => skeleton(500, 100, H, { lw: i % 2 === 0 ? [0.45, 0.5] : [-0.3, 0.55] })),
    ctx,
  );
  t.match(sweep, { activity: 'cleaning', posture: 'standing' });
  const small = c.classify(
    seq(10, (i) => skeleton(500, 100, 60, { lw: i % 2 === 0 ? [0.45, 0.5] : [-0.3, 0.55] })),
    ctx,
  );
  t.match(small, { activity: 'standing' }, 'no hand classes for a small person (noisy wrists)');
  t.ok(typeof sweep?.features.wristRange === 'number', 'features are reported');
});

/** Scripted detector: one person walking right, a second appearing later. */
class ScriptDetector implements Detector {
  readonly modelName = 'script';
  frame = 0;
  async detect(): Promise<Detection[]> {
    const i = this.frame++;
    const out = [person([100 + i * 10, 100, 120, 300])];
    if (i >= 3 && i < 6) out.push(person([600, 100, 120, 300], 0.8));
    return out;
  }
}

/** Faces at the top of each person box; the embedding says who by the box's x. */
class FakeFaces implements FaceDetector, FaceEmbedder {
  readonly modelName = 'fake';
  readonly dimension = 2;
  async detect(_img: RgbImage, roi?: Box): Promise<FaceDetection[]> {
    const [x, y, w] = roi!;
    const b: Box = [x + w * 0.3, y + 10, w * 0.4, w * 0.4];
    return [
      {
        box: b,
        score: 0.9,
        landmarks: [
          [b[0], b[1]],
          [b[0] + b[2], b[1]],
          [b[0], b[1]],
          [b[0], b[1]],
          [b[0], b[1]],
        ],
      },
    ];
  }
  async embed(_img: RgbImage, face: FaceDetection): Promise<Float32Array> {
    return face.box[0] < 500 ? Float32Array.from([1, 0]) : Float32Array.from([0, 1]);
  }
}

t.test('pipeline + events: person new/update/end, identity resolved, one event per track', async (t) => {
  const config = configSchema.parse({ vision: { events: { update_interval_s: 0.5 }, identity: { votes: 2 } } });
  const faces = new FakeFaces();
  const experts: Experts = { detector: new ScriptDetector(), faceDetector: faces, faceEmbedder: faces, pose: null, activity: null };
  const gallery = new InMemoryGallery();
  gallery.add('alice', Float32Array.from([1, 0]));
  const zones = [
    {
      name: 'left',
      polygon: [
        [0, 0],
        [0.5, 0],
        [0.5, 1],
        [0, 1],
      ] as Array<[number, number]>,
      min_area: 0,
    },
  ];
  const p = new CameraPipeline('cam', experts, gallery, config.vision, { zones, room: null });
  const log: Array<[string, HomeEvent]> = [];
  let n = 0;
  const w = new CameraEventWriter({
    camera: 'cam',
    minScore: 0.5,
    updateIntervalMs: 500,
    newId: () => `e${n++}`,
    emit: (c, e) => log.push([c, e]),
  });
  const img: RgbImage = { width: 1000, height: 600, data: new Uint8Array(1000 * 600 * 3) };
  let last = null;
  for (let i = 0; i < 12; i++) {
    // Frames 0..7 at 200 ms; then a gap so tracks end (max_missed 2 s).
    const res = await p.process(img, i < 8 ? i * 200 : 4000 + i * 200);
    w.onStep(img, res);
    last = res;
  }
  t.equal(last!.analysis.persons.length, 1);
  const news = log.filter(([c, e]) => c === 'new' && e.kind === 'person');
  t.equal(news.length, 3, 'alice (twice: her track ended in the gap and restarted) and the unknown second person');
  const first = news[0]![1];
  t.match(first, { camera: 'cam', label: 'person', track_id: 'cam-1', start: 0, end: null });
  const idNew = log.find(([c, e]) => c === 'new' && e.kind === 'identity');
  t.match(idNew?.[1], { identity: 'alice', label: 'alice', track_id: 'cam-1' }, 'identity event once resolved');
  const ends = log.filter(([c, e]) => c === 'end' && e.kind === 'person');
  t.ok(
    ends.some(([, e]) => e.track_id === 'cam-1' && e.end === 1400 && e.identity === 'alice'),
    'person left at its last sighting, with its identity',
  );
  const second = ends.find(([, e]) => e.track_id === 'cam-2')?.[1];
  t.match(second, { identity: null, attributes: { identity_state: 'unknown' } }, 'a face not in the gallery stays unknown');
  t.same(first.box?.length, 4);
  t.ok(
    log.some(([c, e]) => c === 'update' && e.kind === 'person' && e.zones.includes('left')),
    'zones entered are recorded',
  );
  t.equal(w.openCount, 1, 'the restarted track is still open');
  for (const s of p.flush()) w.endTrack(s);
  t.equal(w.openCount, 0);
});

t.test('pipeline: a one-frame false detection leaves no state behind', async (t) => {
  const config = configSchema.parse({});
  let i = 0;
  const flicker: Detector = {
    modelName: 'flicker',
    detect: async () => (i++ === 0 ? [person([10, 10, 50, 120]), person([400, 10, 50, 120])] : [person([12, 10, 50, 120])]),
  };
  const p = new CameraPipeline(
    'cam',
    { detector: flicker, faceDetector: null, faceEmbedder: null, pose: null, activity: null },
    null,
    config.vision,
  );
  const img: RgbImage = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3) };
  await p.process(img, 0);
  t.equal(p.live.length, 2);
  await p.process(img, 200);
  t.same(
    p.live.map((s) => s.id),
    ['cam-1'],
    'the unconfirmed second track is forgotten',
  );
  await t.rejects(p.process({ width: 640, height: 480, data: new Uint8Array(640 * 480 * 4) }, 400), { code: 'E_VISION_FRAME' });
});
