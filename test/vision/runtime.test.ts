import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { configSchema } from '../../daemon/config/index.js';
import { HomeSightError, silentLogger } from '../../daemon/system/index.js';
import {
  FeatureActivityClassifier,
  OnnxDetector,
  OnnxPoseEstimator,
  VisionEngine,
  loadModel,
  resolveModelSpec,
} from '../../daemon/vision/index.js';
import { OnnxSequenceActivityClassifier } from '../../daemon/vision/experts/activity.js';
import { cropFor } from '../../daemon/vision/experts/pose.js';
import { sha256Hex, type LoaderOptions, type RunnableSession, type SessionFactory } from '../../daemon/vision/runtime.js';
import { type ModelFormat, type ModelKind } from '../../daemon/vision/models.js';
import { constantOutputModel } from './support/onnx-builder.js';
import { MODELS, haveShared } from './support/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'hs-vision-rt-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

const tiny = write(
  'tiny.onnx',
  constantOutputModel({ name: 'x', type: 'float32', dims: [1, 3, 8, 8] }, [
    { name: 'y', dims: [1, 4], data: Float32Array.from([1, 2, 3, 4]) },
  ]),
);
const opts = (o: Partial<LoaderOptions> = {}): LoaderOptions => ({
  providers: ['tensorrt', 'cuda', 'cpu'],
  threads: 1,
  tensorrt: { fp16: true, cacheDir: join(tmp, 'trt') },
  log: silentLogger(),
  env: {},
  ...o,
});
const req = (path: string, sha256?: string) => ({ name: 'tiny', kind: 'detector', format: 'yolox', path, sha256 });

t.test('providers: TensorRT and CUDA absent here → clean fallback to CPU, reasons recorded', async (t) => {
  const m = await loadModel(req(tiny), opts());
  t.equal(m.info.provider, 'cpu');
  t.same(
    m.info.attempts.map((a) => [a.provider, a.ok]),
    [
      ['tensorrt', false],
      ['cuda', false],
      ['cpu', true],
    ],
  );
  t.match(m.info.attempts[0]!.reason, /libonnxruntime_providers_tensorrt\.so is not installed/);
  t.match(m.info.attempts[1]!.reason, /libonnxruntime_providers_cuda\.so/);
  t.equal(m.info.engineCache, null);
  t.same(m.info.inputs, [{ name: 'x', type: 'float32', shape: [1, 3, 8, 8] }]);
  await m.release();
});

t.test('providers: without the library pre-check, onnxruntime itself refuses TensorRT and CUDA; CPU loads', async (t) => {
  const env: NodeJS.ProcessEnv = {};
  const m = await loadModel(req(tiny), opts({ providerLibDir: null, env }));
  t.equal(m.info.provider, 'cpu');
  t.notOk(m.info.attempts[0]!.ok);
  t.ok((m.info.attempts[0]!.reason ?? '').length > 0, `onnxruntime's reason: ${m.info.attempts[0]!.reason}`);
  t.equal(env.ORT_TENSORRT_ENGINE_CACHE_ENABLE, '1', 'TensorRT settings were offered');
  t.match(env.ORT_TENSORRT_CACHE_PATH, /trt\/tiny-[0-9a-f]{16}$/);
  await m.release();
});

t.test('providers: GPU only, none present → E_MODEL_NO_PROVIDER naming every attempt', async (t) => {
  await t.rejects(loadModel(req(tiny), opts({ providers: ['cuda'] })), { code: 'E_MODEL_NO_PROVIDER', hint: /cpu/ });
});

t.test('providers: tried in order with TensorRT fp16 + engine cache per model hash (injected sessions)', async (t) => {
  const cacheDir = join(tmp, 'trt-inj');
  mkdirSync(join(cacheDir, 'tiny-0000000000000000'), { recursive: true });
  mkdirSync(join(cacheDir, 'other-0000000000000000'), { recursive: true });
  const seen: Array<{ provider: string; options: ort.InferenceSession.SessionOptions }> = [];
  const real = await ort.InferenceSession.create(readFileSync(tiny));
  const failTrt: SessionFactory = async (_bytes, options, provider) => {
    seen.push({ provider, options });
    if (provider === 'tensorrt') throw new Error('TensorRT EP: no CUDA-capable device is detected');
    return real as unknown as RunnableSession;
  };
  const env: NodeJS.ProcessEnv = {};
  const m = await loadModel(req(tiny), opts({ factory: failTrt, providerLibDir: null, env, tensorrt: { fp16: true, cacheDir } }));
  t.equal(m.info.provider, 'cuda');
  t.same(
    seen.map((s) => s.provider),
    ['tensorrt', 'cuda'],
    'CPU not tried once CUDA loaded',
  );
  t.same(seen[0]!.options.executionProviders, [{ name: 'tensorrt', deviceId: 0 }]);
  t.equal(seen[0]!.options.intraOpNumThreads, 1);
  t.match(m.info.attempts[0], { provider: 'tensorrt', ok: false, reason: /no CUDA-capable device/ });
  const sha = sha256Hex(readFileSync(tiny));
  const dir = join(cacheDir, `tiny-${sha.slice(0, 16)}`);
  t.equal(env.ORT_TENSORRT_FP16_ENABLE, '1');
  t.equal(env.ORT_TENSORRT_CACHE_PATH, dir);
  t.ok(existsSync(dir), 'engine folder keyed by the model hash');
  t.notOk(existsSync(join(cacheDir, 'tiny-0000000000000000')), 'stale engines of the same model are removed');
  t.ok(existsSync(join(cacheDir, 'other-0000000000000000')), 'other models keep theirs');

  // A TensorRT build that honours the cache leaves an engine there: health says so.
  const trtOk: SessionFactory = async (_b, _o, provider) => {
    if (provider !== 'tensorrt') throw new Error('unexpected');
    return {
      ...(real as unknown as RunnableSession),
      inputNames: real.inputNames,
      outputNames: real.outputNames,
      inputMetadata: real.inputMetadata,
      outputMetadata: real.outputMetadata,
      run: async (feeds) => {
        writeFileSync(join(dir, 'TensorrtExecutionProvider_1_sm80.engine'), 'engine');
        return real.run(feeds);
      },
      release: async () => undefined,
    };
  };
  const m2 = await loadModel(req(tiny), opts({ factory: trtOk, providerLibDir: null, tensorrt: { fp16: false, cacheDir } }));
  t.equal(m2.info.provider, 'tensorrt');
  t.match(m2.info.engineCache, { dir, files: 0, honoured: false });
  await m2.run({ x: new ort.Tensor('float32', new Float32Array(192), [1, 3, 8, 8]) });
  m2.markWarm(1);
  t.match(m2.info.engineCache, { dir, files: 1, honoured: true });
  await real.release();
});

t.test('model files: sha256 mismatch, missing file, truncated (corrupt) model → clear errors', async (t) => {
  const sha = sha256Hex(readFileSync(tiny));
  const ok = await loadModel(req(tiny, sha), opts());
  t.equal(ok.info.sha256, sha);
  await ok.release();
  const bad = '0'.repeat(64);
  const e1 = await loadModel(req(tiny, bad), opts()).catch((e: unknown) => e);
  t.ok(e1 instanceof HomeSightError);
  t.match(e1, { code: 'E_MODEL_SHA256', context: { expected: bad, actual: sha, path: tiny }, hint: /fetch it again/ });
  await t.rejects(loadModel(req(join(tmp, 'nope.onnx')), opts()), { code: 'E_MODEL_MISSING', hint: /fetch-models/ });
  const source = haveShared() ? readFileSync(join(MODELS, 'yolox_nano.onnx')) : Buffer.from(readFileSync(tiny));
  const truncated = write('truncated.onnx', source.subarray(0, Math.floor(source.length / 3)));
  const e2 = await loadModel(req(truncated), opts()).catch((e: unknown) => e);
  t.match(e2, { code: 'E_MODEL_INVALID', message: /onnxruntime cannot load .*truncated\.onnx/, hint: /corrupt, truncated/ });
});

const log = silentLogger();
async function expert(kind: ModelKind, format: ModelFormat, bytes: Uint8Array, extra: Record<string, unknown> = {}) {
  const path = write(`${kind}-${format}-${Math.random().toString(36).slice(2)}.onnx`, bytes);
  const vision = configSchema.parse({}).vision;
  const spec = resolveModelSpec('m', { enabled: true, kind, format, path, input: {}, ...extra }, tmp);
  const model = await loadModel(
    { name: 'm', kind, format, path },
    { providers: ['cpu'], threads: 1, tensorrt: { fp16: false, cacheDir: tmp }, log },
  );
  return { model, spec, vision };
}

t.test('wrong input shape or undecodable output → E_MODEL_INPUT / E_MODEL_OUTPUT', async (t) => {
  const gray = constantOutputModel({ name: 'images', type: 'float32', dims: [1, 1, 64, 64] }, [
    { name: 'o', dims: [1, 84, 2], data: new Float32Array(168) },
  ]);
  const a = await expert('detector', 'yolov8', gray);
  await t.rejects(OnnxDetector.create(a.model, a.spec), {
    code: 'E_MODEL_INPUT',
    message: /float32 \[1, 1, 64, 64\].*needs float32 \[1, 3, H, W\]/,
  });
  const odd = constantOutputModel({ name: 'images', type: 'float32', dims: [1, 3, 64, 64] }, [
    { name: 'o', dims: [1, 10, 7], data: new Float32Array(70) },
  ]);
  const b = await expert('detector', 'yolox', odd);
  await t.rejects(OnnxDetector.create(b.model, b.spec), {
    code: 'E_MODEL_OUTPUT',
    message: /"yolox" decoder cannot read .*10 rows/,
    hint: /format/,
  });
  const c = await expert(
    'pose',
    'movenet',
    constantOutputModel({ name: 'input', type: 'float32', dims: [1, 192, 192, 3] }, [
      { name: 'o', dims: [1, 1, 17, 3], data: new Float32Array(51) },
    ]),
  );
  await t.rejects(OnnxPoseEstimator.create(c.model, c.spec), { code: 'E_MODEL_INPUT', message: /int32/ });
});

t.test('YOLOv8 detector through the whole path: centred letterbox mapped back to image pixels', async (t) => {
  const n = 3,
    per = 84;
  const out = new Float32Array(per * n);
  const cand = [32, 32, 16, 8];
  cand.forEach((v, c) => (out[c * n + 1] = v));
  out[(4 + 0) * n + 1] = 0.9; // person
  out[(4 + 2) * n + 2] = 0.2; // a weak car, under the threshold
  const { model, spec } = await expert(
    'detector',
    'yolov8',
    constantOutputModel({ name: 'images', type: 'float32', dims: [1, 3, 64, 64] }, [{ name: 'output0', dims: [1, per, n], data: out }]),
  );
  const det = await OnnxDetector.create(model, spec);
  t.ok(model.info.warmupMs !== null, 'warmed up at load');
  // 128×64 image → scale 0.5, content 64×32 centred (padY 16).
  const dets = await det.detect({ width: 128, height: 64, data: new Uint8Array(128 * 64 * 3) });
  t.equal(dets.length, 1);
  t.match(dets[0], { label: 'person', classId: 0 });
  t.same(
    dets[0]!.box.map((v) => Math.round(v * 1000) / 1000),
    [48, 24, 32, 16],
  );
  await model.release();
});

t.test('pose decoders through generated models: YOLOv8-pose, heatmap, SimCC, MoveNet MultiPose', async (t) => {
  const img = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) };
  const personBox: [number, number, number, number] = [16, 8, 32, 48];

  const yp = new Float32Array(56 * 2);
  [32, 32, 32, 48, 0.9, ...Array.from({ length: 17 }, (_, k) => [20 + k, 10 + 2 * k, 0.8]).flat()].forEach((v, c) => (yp[c * 2 + 0] = v));
  const y8 = await expert(
    'pose',
    'yolov8-pose',
    constantOutputModel({ name: 'images', type: 'float32', dims: [1, 3, 64, 64] }, [{ name: 'output0', dims: [1, 56, 2], data: yp }]),
  );
  const pe = await OnnxPoseEstimator.create(y8.model, y8.spec);
  const [k8, none] = await pe.estimate(img, [personBox, [0, 0, 4, 4]]);
  t.same(k8![3], [23, 16, Math.fround(0.8)], 'keypoints of the pose matched to the person box');
  t.same(none, [], 'a box no pose overlaps gets none');

  const hm = new Float32Array(17 * 16 * 12);
  for (let j = 0; j < 17; j++) hm[j * 192 + 8 * 12 + 6] = 0.8;
  const h = await expert(
    'pose',
    'heatmap',
    constantOutputModel({ name: 'input', type: 'float32', dims: [1, 3, 64, 48] }, [{ name: 'heatmaps', dims: [1, 17, 16, 12], data: hm }]),
  );
  const he = await OnnxPoseEstimator.create(h.model, h.spec);
  const [kh] = await he.estimate(img, [personBox]);
  const crop = cropFor(personBox, 48 / 64, 0.25);
  const sx = crop[2] / 48;
  t.ok(
    Math.abs(kh![0]![0] - (crop[0] + 26 * sx)) < 1e-3 && Math.abs(kh![0]![1] - (crop[1] + 34 * sx)) < 1e-3,
    `heatmap keypoint ${kh![0]} in the crop`,
  );

  const simX = new Float32Array(17 * 96);
  const simY = new Float32Array(17 * 128);
  for (let j = 0; j < 17; j++) {
    simX[j * 96 + 52] = 0.9;
    simY[j * 128 + 68] = 0.7;
  }
  const sc = await expert(
    'pose',
    'simcc',
    constantOutputModel({ name: 'input', type: 'float32', dims: [1, 3, 64, 48] }, [
      { name: 'simcc_x', dims: [1, 17, 96], data: simX },
      { name: 'simcc_y', dims: [1, 17, 128], data: simY },
    ]),
  );
  const se = await OnnxPoseEstimator.create(sc.model, sc.spec);
  const [ks] = await se.estimate(img, [personBox]);
  t.ok(Math.abs(ks![5]![0] - (crop[0] + 26 * sx)) < 1e-3 && Math.abs(ks![5]![1] - (crop[1] + 34 * sx)) < 1e-3, `simcc keypoint ${ks![5]}`);
  t.ok(Math.abs(ks![5]![2] - 0.7) < 1e-6);

  const mp = new Float32Array(6 * 56);
  mp.set([8 / 64, 16 / 64, 56 / 64, 48 / 64], 1 * 56 + 51);
  mp[1 * 56 + 55] = 0.6;
  mp[1 * 56 + 0] = 0.25;
  mp[1 * 56 + 1] = 0.5;
  const mm = await expert(
    'pose',
    'movenet-multipose',
    constantOutputModel({ name: 'input', type: 'int32', dims: [1, 64, 64, 3] }, [{ name: 'output_0', dims: [1, 6, 56], data: mp }]),
  );
  const me = await OnnxPoseEstimator.create(mm.model, mm.spec);
  const [km] = await me.estimate(img, [personBox]);
  t.same(km![0]!.slice(0, 2), [32, 16], 'MultiPose nose mapped to image pixels');
  for (const m of [y8, h, sc, mm]) await m.model.release();
});

t.test('activity seam: an ONNX sequence model [1, T, 17, 3] → logits', async (t) => {
  const a = await expert(
    'activity',
    'sequence',
    constantOutputModel({ name: 'keypoints', type: 'float32', dims: [1, 8, 17, 3] }, [
      { name: 'logits', dims: [1, 3], data: Float32Array.from([0.1, 2, 0.3]) },
    ]),
    { labels: ['sitting', 'cooking', 'eating'] },
  );
  const c = await OnnxSequenceActivityClassifier.create(a.model, a.spec, new FeatureActivityClassifier(4));
  t.equal(c.minSamples, 4);
  const kps = Array.from({ length: 17 }, (_, i) => [100 + i, 100 + 10 * i, 0.9] as [number, number, number]);
  const samples = Array.from({ length: 6 }, (_, i) => ({
    ts: i * 200,
    box: [90, 90, 60, 200] as [number, number, number, number],
    keypoints: kps,
  }));
  const r = await c.classify(samples, { zones: [], frameWidth: 640, frameHeight: 480 });
  t.equal(r?.activity, 'cooking');
  t.ok(Math.abs(r!.confidence - Math.exp(2) / (Math.exp(0.1) + Math.exp(2) + Math.exp(0.3))) < 1e-3);
  const b = await expert(
    'activity',
    'sequence',
    constantOutputModel({ name: 'k', type: 'float32', dims: [1, 8, 17, 3] }, [{ name: 'l', dims: [1, 3], data: new Float32Array(3) }]),
    { labels: ['a', 'b'] },
  );
  await t.rejects(OnnxSequenceActivityClassifier.create(b.model, b.spec, new FeatureActivityClassifier(4)), {
    code: 'E_MODEL_OUTPUT',
    message: /3 classes; labels list 2/,
  });
  await a.model.release();
  await b.model.release();
});

t.test(
  'engine: a corrupt model is refused, the other experts still load',
  { skip: !haveShared() && 'needs ../shared/models' },
  async (t) => {
    const bad = write('yolox-corrupt.onnx', readFileSync(join(MODELS, 'yolox_nano.onnx')).subarray(0, 100_000));
    const vision = configSchema.parse({
      vision: {
        providers: ['tensorrt', 'cuda', 'cpu'],
        models: {
          detector: { kind: 'detector', path: bad, sha256: 'e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd' },
          pose: { kind: 'pose', path: 'x', enabled: false },
        },
      },
    }).vision;
    const engine = await VisionEngine.load({ vision, modelsDir: MODELS, engineCacheDir: join(tmp, 'trt-e'), log });
    const byName = Object.fromEntries(engine.models.map((m) => [m.name, m]));
    t.match(byName.detector, { state: 'failed', error: { code: 'E_MODEL_SHA256' } });
    t.match(byName.face_detector, { state: 'ready', info: { provider: 'cpu' } });
    t.match(byName.face_embedder, { state: 'ready' });
    t.equal(byName.pose, undefined, 'disabled model not loaded');
    t.equal(engine.experts.detector, null);
    t.ok(engine.experts.faceDetector !== null && engine.experts.faceEmbedder !== null);
    t.ok(engine.experts.activity instanceof FeatureActivityClassifier, 'feature classifier when no activity model');
    await engine.release();
  },
);

t.test('vision.memory_arena: the CPU memory arena follows the option (on when unset), off by default', async (t) => {
  const seen: ort.InferenceSession.SessionOptions[] = [];
  const real = await ort.InferenceSession.create(readFileSync(tiny));
  t.teardown(() => real.release());
  const capture: SessionFactory = async (_bytes, options) => {
    seen.push(options);
    return real as unknown as RunnableSession;
  };
  for (const memoryArena of [false, true, undefined]) {
    await loadModel(req(tiny), opts({ providers: ['cpu'], factory: capture, ...(memoryArena === undefined ? {} : { memoryArena }) }));
  }
  t.same(
    seen.map((o) => [o.enableCpuMemArena, o.enableMemPattern]),
    [
      [false, undefined],
      [true, undefined],
      [true, undefined],
    ],
    'the memory pattern planner keeps its default',
  );
  t.equal(configSchema.parse({}).vision.memory_arena, false, 'off in the config by default (bench/results/vision-arena.md)');
  const off = await loadModel(req(tiny), opts({ providers: ['cpu'], memoryArena: false }));
  t.same(
    Array.from((await off.run({ x: new ort.Tensor('float32', new Float32Array(192), [1, 3, 8, 8]) })).y!.data as Float32Array),
    [1, 2, 3, 4],
  );
});
