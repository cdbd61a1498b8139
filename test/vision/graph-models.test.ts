import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../daemon/config/index.js';
import { silentLogger } from '../../daemon/system/index.js';
import { iou } from '../../daemon/vision/geometry.js';
import { GRAPH_INPUTS, type GraphInputSpec } from '../../daemon/vision/graph/image-input.js';
import { encodeModel } from '../../daemon/vision/graph/onnx.js';
import { VisionEngine, decodeImage, loadModel } from '../../daemon/vision/index.js';
import { ortSessionFactory, type LoaderOptions, type SessionFactory } from '../../daemon/vision/runtime.js';
import type { Box, Detection, FaceDetection, RgbImage } from '../../daemon/vision/types.js';
import { MEDIA, MODELS, haveShared, videoFrames } from './support/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'hs-vision-graph-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

const spec: GraphInputSpec = { layout: 'nchw', color: 'bgr', mean: [0, 0, 0], std: [1, 1, 1], pad: 114 };

function identity(opset: number): string {
  const path = join(tmp, `identity-${opset}.onnx`);
  const x = { name: 'x', type: 'float32' as const, dims: [1, 3, 8, 8] };
  writeFileSync(
    path,
    encodeModel({ inputs: [x], outputs: [{ ...x, name: 'y' }], nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }], opset }),
  );
  return path;
}

const opts = (o: Partial<LoaderOptions> = {}): LoaderOptions => ({
  providers: ['cuda', 'cpu'],
  threads: 1,
  tensorrt: { fp16: false, cacheDir: join(tmp, 'trt') },
  log: silentLogger(),
  env: {},
  providerLibDir: null,
  ...o,
});
const req = (path: string) => ({ name: 'm', kind: 'detector', format: 'yolox', path, graphInput: spec });

/** A "cuda" that is the CPU session, so the provider choice can be tested without a GPU. */
const fakeCuda: SessionFactory = (model, options, provider) =>
  ortSessionFactory(model, { ...options, executionProviders: ['cpu'] }, provider);

t.test('the loader puts pre-processing into the graph on the providers asked for, and keeps the JS path otherwise', async (t) => {
  const path = identity(13);
  const everywhere = await loadModel(req(path), opts({ factory: fakeCuda }));
  t.equal(everywhere.info.preprocessing.where, 'graph');
  t.same(
    everywhere.info.inputs,
    [{ name: 'x', type: 'float32', shape: [1, 3, 8, 8] }],
    "info.inputs is the model's own input (what experts check)",
  );
  t.same(
    everywhere.info.preprocessing.sessionInputs?.map((i) => i.name),
    [GRAPH_INPUTS.frame, GRAPH_INPUTS.region, GRAPH_INPUTS.size, GRAPH_INPUTS.pads],
  );
  await everywhere.release();

  // "auto": the graph on a GPU provider only.
  const onGpu = await loadModel({ ...req(path), graphOn: ['cuda'] }, opts({ factory: fakeCuda }));
  t.equal(onGpu.info.provider, 'cuda');
  t.equal(onGpu.info.preprocessing.where, 'graph');
  await onGpu.release();
  const onCpu = await loadModel({ ...req(path), graphOn: ['cuda'] }, opts({ providers: ['cpu'] }));
  t.equal(onCpu.info.preprocessing.where, 'js');
  t.match(onCpu.info.preprocessing.reason, /on cuda; this model runs on cpu/);
  t.same(onCpu.session.inputNames, ['x']);
  await onCpu.release();

  // A provider that refuses the rewritten model: the original loads on it, and the reason is kept.
  const picky: SessionFactory = (model, options, provider) => {
    if (Buffer.from(model).includes(GRAPH_INPUTS.frame)) return Promise.reject(new Error('Resize: unsupported mode'));
    return ortSessionFactory(model, options, provider);
  };
  const refused = await loadModel(req(path), opts({ providers: ['cpu'], factory: picky }));
  t.equal(refused.info.preprocessing.where, 'js');
  t.match(refused.info.preprocessing.reason, /^with pre-processing in the graph: Resize: unsupported mode/);
  t.same(
    refused.info.attempts.map((a) => [a.provider, a.ok]),
    [
      ['cpu', false],
      ['cpu', true],
    ],
  );
  await refused.release();

  // A model whose opset has no Resize with a crop region.
  const old = await loadModel(req(identity(10)), opts({ providers: ['cpu'] }));
  t.equal(old.info.preprocessing.where, 'js');
  t.match(old.info.preprocessing.reason, /opset 10/);
  await old.release();
});

const skip = haveShared() ? false : 'shared models/media not present (../shared or HOMESIGHT_SHARED_DIR)';

function matchBoxes<T extends Detection | FaceDetection>(t: Test, a: T[], b: T[], minScore: number, what: string): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  for (const x of a.filter((d) => d.score >= minScore)) {
    const best = b.reduce<T | null>((m, y) => (m === null || iou(y.box, x.box) > iou(m.box, x.box) ? y : m), null);
    t.ok(best !== null && iou(best.box, x.box) >= 0.9, `${what}: box ${x.box.map(Math.round).join(',')} found by both paths`);
    if (best === null) continue;
    t.ok(Math.abs(best.score - x.score) <= 0.03, `${what}: scores ${x.score.toFixed(3)} / ${best.score.toFixed(3)}`);
    pairs.push([x, best]);
  }
  return pairs;
}

t.test('real models on real frames: the graph path finds what the JS path finds', { skip }, async (t) => {
  const load = (preprocessing: 'graph' | 'js' | 'auto') =>
    VisionEngine.load({
      vision: configSchema.parse({ vision: { preprocessing } }).vision,
      modelsDir: MODELS,
      engineCacheDir: join(tmp, `trt-${preprocessing}`),
      log: silentLogger(),
    });
  const graph = await load('graph');
  const js = await load('js');
  const auto = await load('auto');
  t.teardown(() => Promise.all([graph.release(), js.release(), auto.release()]));
  t.same(
    graph.models.map((m) => [m.name, m.info?.preprocessing.where]),
    [
      ['detector', 'graph'],
      ['face_detector', 'graph'],
      ['face_embedder', 'js'],
      ['pose', 'graph'],
    ],
  );
  t.ok(
    js.models.every((m) => m.info?.preprocessing.where === 'js' && m.info.preprocessing.reason === undefined),
    'vision.preprocessing: js',
  );
  t.ok(
    auto.models.every((m) => m.info?.provider !== 'cpu' || m.info.preprocessing.where === 'js'),
    '"auto" keeps the JS path on the CPU',
  );

  const frames: RgbImage[] = videoFrames(join(MEDIA, 'vtest.avi'), { camera: 'c', fps: 1, count: 4, t0: 0, startSeconds: 20 }).map((f) => ({
    width: f.width,
    height: f.height,
    data: f.data,
  }));
  for (const [i, img] of frames.entries()) {
    const g = await graph.experts.detector!.detect(img);
    const j = await js.experts.detector!.detect(img);
    // Detections near the score threshold (0.35) may come and go; those above 0.45 must be found by both.
    matchBoxes(t, j, g, 0.45, `frame ${i}, JS → graph`);
    matchBoxes(t, g, j, 0.45, `frame ${i}, graph → JS`);
    // Pose on the three largest persons: confident keypoints within 2 px on average.
    const boxes: Box[] = j
      .filter((d) => d.label === 'person')
      .sort((a, b) => b.box[3] - a.box[3])
      .slice(0, 3)
      .map((d) => d.box);
    const pg = await graph.experts.pose!.estimate(img, boxes);
    const pj = await js.experts.pose!.estimate(img, boxes);
    let sum = 0;
    let n = 0;
    let worst = 0;
    let scoreSum = 0;
    let scoreN = 0;
    let scoreWorst = 0;
    for (let p = 0; p < boxes.length; p++)
      for (let k = 0; k < 17; k++) {
        const a = pg[p]![k]!;
        const b = pj[p]![k]!;
        scoreSum += Math.abs(a[2] - b[2]);
        scoreN++;
        scoreWorst = Math.max(scoreWorst, Math.abs(a[2] - b[2]));
        if (a[2] < 0.3 || b[2] < 0.3) continue;
        const d = Math.hypot(a[0] - b[0], a[1] - b[1]);
        sum += d;
        n++;
        worst = Math.max(worst, d);
      }
    // MoveNet's scores of unsure keypoints move with a grey level here and there (uint8 rounding, the frame's edge).
    t.ok(
      scoreSum / scoreN <= 0.05 && scoreWorst <= 0.3,
      `frame ${i}: keypoint scores ${(scoreSum / scoreN).toFixed(3)} apart on average, ${scoreWorst.toFixed(2)} at most`,
    );
    if (n > 0)
      t.ok(sum / n <= 2 && worst <= 6, `frame ${i}: keypoints ${(sum / n).toFixed(2)} px apart on average, ${worst.toFixed(2)} at most`);
  }

  const portrait = await decodeImage(join(MEDIA, 'obama.jpg'));
  for (const roi of [undefined, [250, 50, 500, 500] as Box]) {
    const g = await graph.experts.faceDetector!.detect(portrait, roi);
    const j = await js.experts.faceDetector!.detect(portrait, roi);
    t.ok(j.length >= 1, 'the JS path finds the face');
    for (const [a, b] of matchBoxes(t, j, g, 0.6, `portrait${roi === undefined ? '' : ' region'}`)) {
      const far = Math.max(...a.landmarks.map((p, k) => Math.hypot(p[0] - b.landmarks[k]![0], p[1] - b.landmarks[k]![1])));
      t.ok(far <= 2, `landmarks within ${far.toFixed(2)} px`);
    }
  }
});
