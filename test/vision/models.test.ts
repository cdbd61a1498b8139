import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { configSchema } from '../../daemon/config/index.js';
import { silentLogger } from '../../daemon/system/index.js';
import { InMemoryGallery, VisionEngine, decodeImage, enrollFaces, type Box, type RgbImage } from '../../daemon/vision/index.js';
import { KP } from '../../daemon/vision/decoders/pose.js';
import { matchFace } from '../../daemon/vision/identity.js';
import { MEDIA, MODELS, haveShared } from './support/shared.js';

if (!haveShared()) throw new Error('test/vision needs ../shared (models and media): set HOMESIGHT_SHARED_DIR');

const near = (a: Box, b: readonly number[], tol: number): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= tol);
const vision = configSchema.parse({}).vision;
const engine = await VisionEngine.load({ vision, modelsDir: MODELS, engineCacheDir: '/nonexistent', log: silentLogger() });
t.teardown(() => engine.release());
const img = async (f: string): Promise<RgbImage> => decodeImage(join(MEDIA, f));

t.test('the default models load on CPU, pinned by sha256, warmed up', async (t) => {
  t.same(
    engine.models.map((m) => [m.name, m.state, m.info?.provider]),
    [
      ['detector', 'ready', 'cpu'],
      ['face_detector', 'ready', 'cpu'],
      ['face_embedder', 'ready', 'cpu'],
      ['pose', 'ready', 'cpu'],
    ],
  );
  for (const m of engine.models) t.ok((m.info?.warmupMs ?? -1) >= 0, `${m.name} warmed up`);
});

t.test('YOLOX-Nano on messi5.jpg: the players and the ball', async (t) => {
  const dets = await engine.experts.detector!.detect(await img('messi5.jpg'));
  const persons = dets.filter((d) => d.label === 'person');
  const ball = dets.filter((d) => d.label === 'sports ball');
  t.equal(persons.filter((p) => p.score >= 0.5).length, 4, 'four confident persons');
  t.ok(persons.length >= 5 && persons.length <= 7, `${persons.length} persons ≥ 0.35 after NMS`);
  t.equal(ball.length, 1);
  t.ok(Math.abs(ball[0]!.score - 0.88) < 0.03, `ball score ${ball[0]!.score}`);
  t.ok(near(ball[0]!.box, [338, 291, 49, 46], 4), `ball box ${ball[0]!.box}`);
  const top = persons.reduce((a, b) => (a.score > b.score ? a : b));
  t.ok(top.score > 0.8 && near(top.box, [66, 59, 422, 277], 6), `main player ${top.score} ${top.box}`);
});

t.test('two_people.jpg: two persons side by side; grayscale basketball1.png: two players', async (t) => {
  const two = (await engine.experts.detector!.detect(await img('two_people.jpg')))
    .filter((d) => d.label === 'person')
    .sort((a, b) => a.box[0] - b.box[0]);
  t.equal(two.length, 2);
  t.ok(two.every((p) => p.score > 0.9));
  t.ok(near(two[0]!.box, [10, 6, 553, 650], 8) && near(two[1]!.box, [574, 7, 545, 642], 8), `${two.map((p) => p.box.map(Math.round))}`);
  const gray = await img('basketball1.png');
  t.equal(gray.data.length, 640 * 480 * 3, 'grayscale PNG decoded to RGB');
  const bb = (await engine.experts.detector!.detect(gray)).filter((d) => d.label === 'person');
  t.equal(bb.length, 2);
});

t.test('YuNet finds 1/1/1/2 faces with landmarks in order (right eye left of the left eye in the image)', async (t) => {
  for (const [f, n] of [
    ['obama.jpg', 1],
    ['obama2.jpg', 1],
    ['biden.jpg', 1],
    ['two_people.jpg', 2],
  ] as const) {
    const faces = await engine.experts.faceDetector!.detect(await img(f));
    t.equal(faces.length, n, f);
    for (const face of faces) {
      t.ok(face.score > 0.85, `${f} score ${face.score}`);
      t.ok(face.landmarks[0]![0] < face.landmarks[1]![0] && face.landmarks[2]![1] > face.landmarks[0]![1], `${f} landmarks`);
    }
  }
});

t.test('identity: enrol obama.jpg, recognise obama2.jpg; biden.jpg stays unknown', async (t) => {
  const gallery = new InMemoryGallery();
  const threshold = vision.identity.threshold;
  const r = await enrollFaces(engine, gallery, 24, 'Obama', [readFileSync(join(MEDIA, 'obama.jpg'))]);
  t.equal(r.added, 1);
  const embedOf = async (f: string, pick: 'left' | 'right' = 'left'): Promise<Float32Array> => {
    const im = await img(f);
    const faces = (await engine.experts.faceDetector!.detect(im)).sort((a, b) => a.box[0] - b.box[0]);
    return engine.experts.faceEmbedder!.embed(im, pick === 'left' ? faces[0]! : faces[faces.length - 1]!);
  };
  const o2 = matchFace(await embedOf('obama2.jpg'), gallery, threshold);
  t.equal(o2.name, 'Obama', `obama2 similarity ${o2.similarity}`);
  t.ok(o2.similarity! > 0.5, 'well above the threshold with 5-point alignment');
  const b = matchFace(await embedOf('biden.jpg'), gallery, threshold);
  t.equal(b.name, null, `biden similarity ${b.similarity}`);
  t.ok(b.similarity! < 0.2);
  t.equal(matchFace(await embedOf('two_people.jpg', 'left'), gallery, threshold).name, 'Obama', 'Obama in the two-person photo');
  t.equal(matchFace(await embedOf('two_people.jpg', 'right'), gallery, threshold).name, null);
  await enrollFaces(engine, gallery, 24, 'Biden', [readFileSync(join(MEDIA, 'biden.jpg'))]);
  t.equal(matchFace(await embedOf('two_people.jpg', 'right'), gallery, threshold).name, 'Biden', 'once enrolled, Biden is recognised');
});

t.test('enrol refuses photos without a usable face, and ambiguous group photos', async (t) => {
  const gallery = new InMemoryGallery();
  const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 90 } } })
    .png()
    .toBuffer();
  await t.rejects(enrollFaces(engine, gallery, 24, 'Nobody', [blank]), {
    code: 'E_ENROLL_NO_FACE',
    context: { skipped: [{ index: 0, reason: 'no face found' }] },
  });
  const r = await enrollFaces(engine, gallery, 24, 'Obama', [
    readFileSync(join(MEDIA, 'two_people.jpg')),
    readFileSync(join(MEDIA, 'obama.jpg')),
    Buffer.from('not an image'),
  ]);
  t.equal(r.added, 1);
  t.match(r.skipped, [
    { index: 0, reason: /2 faces of similar size/ },
    { index: 2, reason: /cannot decode image/ },
  ]);
  await t.rejects(enrollFaces(engine, gallery, 24, '  ', [blank]), { code: 'E_ENROLL_NAME' });
  // Only JPEG, PNG and WebP reach the decoder: a TIFF (which libvips would read) is refused by its magic bytes.
  const tiff = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .tiff()
    .toBuffer();
  await t.rejects(decodeImage(tiff), { code: 'E_IMAGE_DECODE', message: /not a JPEG, PNG or WebP image/ });
  const webp = await decodeImage(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 1, g: 2, b: 3 } } })
      .webp()
      .toBuffer(),
  );
  t.match(webp, { width: 64, height: 48 }, 'WebP decodes');
});

t.test('MoveNet pose on the detected person in biden.jpg is anatomically plausible', async (t) => {
  const im = await img('biden.jpg');
  const person = (await engine.experts.detector!.detect(im)).find((d) => d.label === 'person')!;
  const [k] = await engine.experts.pose!.estimate(im, [person.box]);
  t.equal(k!.length, 17);
  const y = (i: number): number => k![i]![1];
  const shoulders = (y(KP.left_shoulder) + y(KP.right_shoulder)) / 2;
  const hips = (y(KP.left_hip) + y(KP.right_hip)) / 2;
  t.ok(y(KP.nose) < shoulders && shoulders < hips, `head ${y(KP.nose)} above shoulders ${shoulders} above hips ${hips}`);
  t.ok(k![KP.nose]![2] > 0.3 && k![KP.left_shoulder]![2] > 0.3, 'confident head and shoulders');
  const [x0, y0, w, h] = person.box;
  t.ok(
    k!.filter((p) => p[2] > 0.3).every((p) => p[0] >= x0 - 0.1 * w && p[0] <= x0 + 1.1 * w && p[1] >= y0 - 0.1 * h && p[1] <= y0 + 1.1 * h),
    'confident keypoints lie on the person',
  );
  const noise = { width: 300, height: 300, data: Uint8Array.from({ length: 300 * 300 * 3 }, (_, i) => (i * 7919) % 251) };
  const [kn] = await engine.experts.pose!.estimate(noise, [[50, 50, 200, 200]]);
  t.ok(
    kn!.every((p) => p[2] < 0.3),
    'noise gives no confident keypoints',
  );
});
