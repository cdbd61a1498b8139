import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { configSchema } from '../../daemon/config/index.js';
import { silentLogger } from '../../daemon/system/index.js';
import {
  CameraPipeline,
  ImageTensorizer,
  InMemoryGallery,
  VisionEngine,
  decodeImage,
  type Box,
  type OnnxDetector,
  type OnnxFaceEmbedder,
  type OnnxPoseEstimator,
  type RgbImage,
  type YunetFaceDetector,
} from '../../daemon/vision/index.js';
import type { Bench, BenchContext, BenchResult } from '../types.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

type Call = (i: number) => Promise<unknown> | unknown;

/** Per-call wall times (ms) of `fn` and its CPU time per call (ms, all threads of this process), after `warm` unmeasured calls. */
async function times(fn: Call, n: number, warm = 3): Promise<{ wall: number[]; cpu: number }> {
  for (let i = 0; i < warm; i++) await fn(i);
  const wall: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    wall.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 / n };
}

/**
 * Several ways of doing one call, interleaved in rounds so that load from
 * other processes on a shared machine hits them alike: median wall ms per
 * call and mean CPU ms per call of each.
 */
async function compare<K extends string>(calls: Record<K, Call>, n: number): Promise<Record<K, { wall: number; cpu: number }>> {
  const keys = Object.keys(calls) as K[];
  const wall = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const cpu = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const rounds = 10;
  for (let r = 0; r < rounds; r++) {
    for (const k of keys) {
      const t = await times(calls[k], Math.ceil(n / rounds), r === 0 ? 5 : 1);
      wall[k].push(...t.wall);
      cpu[k].push(t.cpu);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, { wall: median(wall[k]), cpu: cpu[k].reduce((a, b) => a + b, 0) / rounds }])) as Record<
    K,
    { wall: number; cpu: number }
  >;
}

function clipFrames(file: string, count: number, W = 768, H = 576): RgbImage[] {
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-vf', `fps=5,scale=${W}:${H}`, '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 1 << 30 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr.toString()}`);
  const size = W * H * 3;
  const out: RgbImage[] = [];
  for (let i = 0; (i + 1) * size <= r.stdout.length; i++)
    out.push({ width: W, height: H, data: r.stdout.subarray(i * size, (i + 1) * size) });
  return out;
}

const r2 = (v: number): number => Math.round(v * 100) / 100;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

interface Experts {
  det: OnnxDetector;
  fd: YunetFaceDetector;
  emb: OnnxFaceEmbedder;
  pose: OnnxPoseEstimator;
}

function expertsOf(engine: VisionEngine): Experts {
  const failed = engine.models.filter((m) => m.state === 'failed');
  if (failed.length > 0) throw new Error(`models not loaded: ${failed.map((m) => `${m.name}: ${m.error?.message}`).join('; ')}`);
  const e = engine.experts;
  return {
    det: e.detector as OnnxDetector,
    fd: e.faceDetector as YunetFaceDetector,
    emb: e.faceEmbedder as OnnxFaceEmbedder,
    pose: e.pose as OnnxPoseEstimator,
  };
}

export const bench: Bench = {
  name: 'vision-pipeline',
  description:
    'Vision experts on onnxruntime-node: bare session.run of the original model on a prepared tensor vs the full step ' +
    '(camera frame → pre-processing + run + decoding) per model, with pre-processing in the ONNX graph (the default) and in JS ' +
    '(the fallback, "before"), and frames/s of the whole chain on the plaza clip both ways',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const n = ctx.quick ? 30 : 150;
    const load0 = loadavg()[0]!;
    const vision = configSchema.parse({}).vision;
    const graphVision = { ...vision, preprocessing: 'graph' as const };
    const jsVision = { ...vision, preprocessing: 'js' as const };
    ctx.progress('loading models', 0);
    const load = (v: typeof vision, dir: string) =>
      VisionEngine.load({
        vision: v,
        modelsDir: join(ctx.sharedDir, 'models'),
        engineCacheDir: join(ctx.workDir, dir),
        log: silentLogger(),
      });
    // Pre-processing in the graph, and the JS path, whose sessions run the original models (bare).
    const engine = await load(graphVision, 'trt-graph');
    const jsEngine = await load(jsVision, 'trt-js');
    const g = expertsOf(engine);
    const j = expertsOf(jsEngine);
    const metrics: BenchResult['metrics'] = {};
    const ratios: BenchResult['ratios'] = {};
    // The default path: vision.preprocessing "auto" runs the graph on a GPU provider and JS on the CPU.
    const defaultWhere = new Map<string, 'graph' | 'js'>();
    for (const m of engine.models) {
      const where = m.info!.preprocessing.where;
      const onGpu = m.info!.provider === 'cuda' || m.info!.provider === 'tensorrt';
      defaultWhere.set(
        m.name,
        where === 'graph' && (vision.preprocessing === 'graph' || (vision.preprocessing === 'auto' && onGpu)) ? 'graph' : 'js',
      );
      metrics[`${m.name}_provider`] = m.info!.provider;
      metrics[`${m.name}_preprocessing`] = defaultWhere.get(m.name)!;
    }
    const byKey = (key: string): string => (key.startsWith('detector') ? 'detector' : key);

    ctx.progress('decoding the clip', 0.05);
    const frames = clipFrames(join(ctx.sharedDir, 'media', 'vtest.avi'), ctx.quick ? 20 : 60);
    const portrait = await decodeImage(join(ctx.sharedDir, 'media', 'obama.jpg'));
    const bareRun = (run: (f: ort.InferenceSession.FeedsType) => Promise<unknown>, feeds: ort.InferenceSession.FeedsType) => () =>
      run(feeds);
    const frame = (i: number): RgbImage => frames[i % frames.length]!;
    /** Records one model's numbers: default path (graph where the model has it) and JS path against bare. */
    const record = (
      key: string,
      c: { bare: { wall: number; cpu: number }; graph: { wall: number; cpu: number }; js: { wall: number; cpu: number } },
    ): void => {
      const step = defaultWhere.get(byKey(key)) === 'graph' ? c.graph : c.js;
      Object.assign(metrics, {
        [`${key}_bare_ms`]: r2(c.bare.wall),
        [`${key}_step_ms`]: r2(step.wall),
        [`${key}_step_graph_ms`]: r2(c.graph.wall),
        [`${key}_step_js_ms`]: r2(c.js.wall),
        [`${key}_bare_cpu_ms`]: r2(c.bare.cpu),
        [`${key}_step_graph_cpu_ms`]: r2(c.graph.cpu),
        [`${key}_step_js_cpu_ms`]: r2(c.js.cpu),
      });
      ratios[`${key}_step_ratio`] = r3(step.wall / c.bare.wall);
      ratios[`${key}_step_ratio_graph`] = r3(c.graph.wall / c.bare.wall);
      ratios[`${key}_step_ratio_js`] = r3(c.js.wall / c.bare.wall);
      ratios[`${key}_step_cpu_ratio_graph`] = r3(c.graph.cpu / c.bare.cpu);
      ratios[`${key}_step_cpu_ratio_js`] = r3(c.js.cpu / c.bare.cpu);
    };

    // Detector: YOLOX-Nano, 768×576 frame → 416×416 letterbox.
    ctx.progress('detector', 0.1);
    {
      const c = await compare(
        {
          bare: bareRun((f) => j.det.infer(f), j.det.prepare(frames[0]!).feeds),
          graph: (i) => g.det.detect(frame(i)),
          js: (i) => j.det.detect(frame(i)),
        },
        n,
      );
      record('detector', c);
      const pre = median((await times((i) => j.det.prepare(frame(i)), n)).wall);
      const { lb, feeds } = j.det.prepare(frames[0]!);
      const out = await j.det.infer(feeds);
      const post = median((await times(() => j.det.decode(out, lb, 768, 576), n)).wall);
      Object.assign(metrics, { detector_pre_ms: r3(pre), detector_post_ms: r3(post) });
      // The same letterbox with nearest-neighbour sampling (not what the expert uses): what bilinear costs.
      const nearest = new ImageTensorizer({ ...j.det.spec.input, layout: 'nchw', dtype: 'float32', resize: 'nearest' });
      metrics.detector_pre_nearest_ms = r3(
        median((await times((i) => nearest.fill(frame(i), j.det.inputWidth, j.det.inputHeight), n)).wall),
      );
      // The camera's default detect size (640×360), and a detect size equal to the model's (416×312: a copy in JS).
      for (const [w, h, key] of [
        [640, 360, 'detector_640'],
        [416, 312, 'detector_416'],
      ] as const) {
        const small = clipFrames(join(ctx.sharedDir, 'media', 'vtest.avi'), 10, w, h);
        const at = (i: number): RgbImage => small[i % small.length]!;
        const cs = await compare(
          {
            bare: bareRun((f) => j.det.infer(f), j.det.prepare(small[0]!).feeds),
            graph: (i) => g.det.detect(at(i)),
            js: (i) => j.det.detect(at(i)),
          },
          n,
        );
        record(key, cs);
        metrics[`${key}_pre_ms`] = r3(median((await times((i) => j.det.prepare(at(i)), n)).wall));
      }
      // Kept under its old name: the detect size equal to the model's input.
      ratios.detector_step_ratio_frames_at_input_size = ratios.detector_416_step_ratio!;
    }

    // Face detector: YuNet on the portrait (longer side → 320, multiples of 32).
    ctx.progress('face detector', 0.3);
    const faces = await j.fd.detect(portrait);
    const face = faces[0]!;
    {
      const { feeds, lb, inW, inH } = j.fd.prepare(portrait);
      const c = await compare(
        { bare: bareRun((f) => j.fd.infer(f), feeds), graph: () => g.fd.detect(portrait), js: () => j.fd.detect(portrait) },
        n,
      );
      record('face_detector', c);
      const pre = median((await times(() => j.fd.prepare(portrait), n)).wall);
      const out = await j.fd.infer(feeds);
      const post = median((await times(() => j.fd.decode(out, lb, inW, inH, portrait.width, portrait.height), n)).wall);
      Object.assign(metrics, { face_detector_pre_ms: r3(pre), face_detector_post_ms: r3(post) });
      metrics.face_detector_input = `${inW}x${inH}`;
    }

    // Face embedder: 5-point alignment warp to 112×112 + run + L2 norm (the warp is JS on both paths).
    ctx.progress('face embedder', 0.45);
    {
      const tensor = j.emb.prepare(portrait, face);
      const c = await compare(
        {
          bare: bareRun((f) => j.emb.model.run(f), { [j.emb.model.inputName]: tensor }),
          graph: () => g.emb.embed(portrait, face),
          js: () => j.emb.embed(portrait, face),
        },
        n,
      );
      record('face_embedder', c);
      const pre = median((await times(() => j.emb.prepare(portrait, face), n)).wall);
      const out = await j.emb.infer(tensor);
      const post = median((await times(() => j.emb.decode(out), n)).wall);
      Object.assign(metrics, { face_embedder_pre_ms: r3(pre), face_embedder_post_ms: r3(post) });
    }

    // Pose: MoveNet Lightning on a person crop of a clip frame (square, 192×192 int32).
    ctx.progress('pose', 0.6);
    {
      const people = (await j.det.detect(frames[0]!)).filter((d) => d.label === 'person');
      const box: Box = people.sort((a, b) => b.box[3] - a.box[3])[0]!.box;
      const { feeds, lb } = j.pose.prepareCrop(frames[0]!, box);
      const c = await compare(
        {
          bare: bareRun((f) => j.pose.run(f), feeds),
          graph: (i) => g.pose.estimateOne(frame(i), box),
          js: (i) => j.pose.estimateOne(frame(i), box),
        },
        n,
      );
      record('pose', c);
      const pre = median((await times((i) => j.pose.prepareCrop(frame(i), box), n)).wall);
      const out = await j.pose.run(feeds);
      const post = median((await times(() => j.pose.decodeOne(out, lb), n)).wall);
      Object.assign(metrics, { pose_pre_ms: r3(pre), pose_post_ms: r3(post) });
      metrics.pose_crop = `${Math.round(box[2])}x${Math.round(box[3])} box → ${g.pose.inputWidth}x${g.pose.inputHeight}`;
    }

    // Whole chain per camera: detect → track → identity → pose → activity on the clip, each path, with and without pose.
    ctx.progress('whole chain', 0.75);
    const chain = async (
      e: VisionEngine,
      chainVision: typeof vision,
    ): Promise<{ fps: number; persons: number; stages: Record<string, number> }> => {
      const p = new CameraPipeline('bench', e.experts, new InMemoryGallery(), chainVision);
      const stages: Record<string, number> = { detect: 0, track: 0, identity: 0, pose: 0, activity: 0 };
      let persons = 0;
      const t0 = performance.now();
      for (let i = 0; i < frames.length; i++) {
        const res = await p.process(frames[i]!, 1_700_000_000_000 + i * 200);
        persons += res.analysis.persons.length;
        for (const k of Object.keys(stages)) stages[k]! += res.timings[k as keyof typeof res.timings];
      }
      const s = (performance.now() - t0) / 1000;
      for (const k of Object.keys(stages)) stages[k] = r2(stages[k]! / frames.length);
      return { fps: r2(frames.length / s), persons: r2(persons / frames.length), stages };
    };
    const noPose = (v: typeof vision): typeof vision => ({ ...v, pose: { ...v.pose, enabled: false } });
    // Interleaved (graph, js, graph, js) and the better of two runs each, so one burst of load does not decide.
    const runs: Record<string, Array<Awaited<ReturnType<typeof chain>>>> = { full: [], noPose: [], fullJs: [], noPoseJs: [] };
    for (let r = 0; r < 2; r++) {
      runs.full!.push(await chain(engine, graphVision));
      runs.fullJs!.push(await chain(jsEngine, jsVision));
      runs.noPose!.push(await chain(engine, noPose(graphVision)));
      runs.noPoseJs!.push(await chain(jsEngine, noPose(jsVision)));
    }
    const best = (k: string) => runs[k]!.reduce((a, b) => (b.fps > a.fps ? b : a));
    const full = best('full');
    const chainDefault = defaultWhere.get('detector') === 'graph' ? '' : 'Js';
    Object.assign(metrics, {
      chain_fps: best(`full${chainDefault}`).fps,
      chain_fps_without_pose: best(`noPose${chainDefault}`).fps,
      chain_fps_graph: full.fps,
      chain_fps_without_pose_graph: best('noPose').fps,
      chain_fps_js: best('fullJs').fps,
      chain_fps_without_pose_js: best('noPoseJs').fps,
      chain_persons_per_frame: best(`full${chainDefault}`).persons,
      chain_persons_per_frame_graph: full.persons,
      chain_persons_per_frame_js: best('fullJs').persons,
      ...Object.fromEntries(Object.entries(best(`full${chainDefault}`).stages).map(([k, v]) => [`chain_${k}_ms`, v])),
      ...Object.fromEntries(Object.entries(full.stages).map(([k, v]) => [`chain_${k}_graph_ms`, v])),
      frames: frames.length,
      calls_per_model: n,
      load_avg_start: r2(load0),
      load_avg_end: r2(loadavg()[0]!),
    });
    ratios.chain_fps_ratio_graph_over_js = r3(Number(metrics.chain_fps_graph) / Number(metrics.chain_fps_js));
    ratios.chain_fps_without_pose_ratio_graph_over_js = r3(
      Number(metrics.chain_fps_without_pose_graph) / Number(metrics.chain_fps_without_pose_js),
    );
    const skipped = engine.models[0]!.info!.attempts.filter((a) => !a.ok).map((a) => `${a.provider}: ${a.reason}`);
    await engine.release();
    await jsEngine.release();
    const result: BenchResult = {
      metrics,
      ratios,
      targets: [
        { key: 'detector_step_ratio', op: '<=', value: 1.05 },
        { key: 'face_detector_step_ratio', op: '<=', value: 1.05 },
        { key: 'face_embedder_step_ratio', op: '<=', value: 1.05 },
        { key: 'pose_step_ratio', op: '<=', value: 1.05 },
      ],
      notes: [
        'bare = session.run of the original model on a tensor prepared once; step = our expert call from the frame ' +
          '(pre-processing + session.run + decoding) on the default path (vision.preprocessing "auto": the graph on a GPU ' +
          'provider, JS on the CPU; *_preprocessing says which); step_graph = with vision.preprocessing "graph" (detector, ' +
          'face detector and pose take the uint8 frame and do letterbox/crop, resize, pad, layout, colour order and ' +
          'normalisation in their graph; the face embedder keeps its JS alignment warp, docs/vision.md); step_js = with ' +
          '"js" (the path before issue #21); medians of per-call wall times over interleaved rounds (bare, graph, js)',
        '*_cpu_ms / *_cpu_ratio: CPU time of this process per call (all onnxruntime threads included), which load from ' +
          'other processes inflates less than wall time',
        `sessions: graph optimisation "all", ${vision.threads} intra-op thread(s), 1 inter-op, ` +
          `spinning ${vision.thread_spinning ? 'on' : 'off'}; *_pre_ms / *_post_ms: the JS pre-processing and decoding alone`,
        `providers tried in order ${vision.providers.join(' → ')}; skipped: ${skipped.join('; ') || 'none'}`,
        `clip: vtest.avi 768×576 at 5 fps, ${frames.length} frames (detector_640: scaled to the default camera detect ` +
          `size 640×360; detector_416: to 416×312); chain = detect → track → identity (no faces enrolled; plaza faces ` +
          `are too small) → MoveNet on up to ${vision.pose.max_persons} persons → activity, the better of two ` +
          'interleaved runs per path',
        `machine shared with other work: 1-min load average ${r2(load0)} at start, ${r2(loadavg()[0]!)} at end`,
      ],
    };
    writeFileSync(join(ctx.resultsDir, 'vision-pipeline.md'), markdown(result));
    ctx.progress('done', 1);
    return result;
  },
};

/** The short note beside the JSON: step/bare per model both ways, and the chain. */
function markdown(r: BenchResult): string {
  const m = r.metrics;
  const q = r.ratios;
  const row = (label: string, key: string): string =>
    `| ${label} | ${m[`${key}_bare_ms`]} | ${m[`${key}_step_graph_ms`]} | ${q[`${key}_step_ratio_graph`]} | ` +
    `${m[`${key}_step_js_ms`]} | ${q[`${key}_step_ratio_js`]} | ${q[`${key}_step_cpu_ratio_graph`]} | ${q[`${key}_step_cpu_ratio_js`]} |`;
  return [
    '# vision-pipeline',
    '',
    `Generated by \`npm run bench -- vision-pipeline\` (${new Date().toISOString().slice(0, 16)} UTC); numbers in vision-pipeline.json.`,
    `1-min load average ${m.load_avg_start} at start, ${m.load_avg_end} at end (2 cores shared with other work): read the ratios, ` +
      'which compare calls measured in the same interleaved rounds.',
    '',
    `Default path on this machine: ${m.detector_preprocessing} (vision.preprocessing "auto", provider ${m.detector_provider}).`,
    '',
    '| model, input | bare ms | graph step ms | graph step / bare | JS step ms | JS step / bare | ' +
      'CPU time graph / bare | CPU time JS / bare |',
    '|---|---|---|---|---|---|---|---|',
    row('detector, 768×576 frame → 416×416', 'detector'),
    row('detector, 640×360 frame (default detect size)', 'detector_640'),
    row('detector, 416×312 frame (copy in JS)', 'detector_416'),
    row(`face detector, portrait → ${m.face_detector_input}`, 'face_detector'),
    row('face embedder, 5-point warp → 112×112', 'face_embedder'),
    row(`pose, ${m.pose_crop}`, 'pose'),
    '',
    '| whole chain (60 frames, 768×576) | graph fps | JS fps | graph / JS |',
    '|---|---|---|---|',
    `| with pose (${m.chain_persons_per_frame_graph} / ${m.chain_persons_per_frame_js} persons/frame) | ${m.chain_fps_graph} | ` +
      `${m.chain_fps_js} | ${q.chain_fps_ratio_graph_over_js} |`,
    `| without pose | ${m.chain_fps_without_pose_graph} | ${m.chain_fps_without_pose_js} | ` +
      `${q.chain_fps_without_pose_ratio_graph_over_js} |`,
    '',
    ...(r.notes ?? []).map((n) => `- ${n}`),
    '',
  ].join('\n');
}

export default bench;
