import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import * as ort from 'onnxruntime-node';
import { LocalPlanner, SEED_EXAMPLES, type PlanRequest } from '../../daemon/agent/index.js';
import { EXIT } from '../../daemon/system/index.js';

/**
 * The GPU part of scripts/gpu-check.sh (run there after the providers are installed; never in CI, not in the bench
 * registry, since it fails on a machine without CUDA by design):
 *  - vision: each default model with exactly one execution provider (cpu, cuda, tensorrt with its engine cache), the
 *    provider that loaded, and bare session.run latency on a ready tensor → bench/results/vision-gpu.json;
 *  - planner: the shipped planner model through LocalPlanner with gpu_layers auto vs 0 → bench/results/planner-gpu.json.
 * Exits 69 with one line per missing provider when CUDA or TensorRT do not load.
 * Usage: node --import tsx bench/runtime/gpu.ts [--cache DIR]
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const shared = resolve(process.env.HOMESIGHT_SHARED_DIR ?? join(repo, '../shared'));
const cacheArg = process.argv.indexOf('--cache');
const cacheDir = resolve(cacheArg > 0 ? process.argv[cacheArg + 1]! : join(repo, 'var/cache/trt-engines-gpu-check'));
const results = join(repo, 'bench/results');
const PROVIDERS = ['cpu', 'cuda', 'tensorrt'] as const;
type Provider = (typeof PROVIDERS)[number];
const MODELS = [
  { name: 'detector', file: 'yolox_nano.onnx', shape: [1, 3, 416, 416] },
  { name: 'face_detector', file: 'face_detection_yunet.onnx', shape: [1, 3, 320, 320] },
  { name: 'face_embedder', file: 'mobilefacenet.onnx', shape: [1, 3, 112, 112] },
  { name: 'pose', file: 'movenet_lightning.onnx', shape: null },
] as const;
const RUNS = 50;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function options(p: Provider, model: string): ort.InferenceSession.SessionOptions {
  if (p === 'tensorrt') {
    // Builds that read ORT_TENSORRT_* (as daemon/vision/runtime.ts sets them): fp16 and the engine cache, per model.
    const dir = join(cacheDir, model);
    mkdirSync(dir, { recursive: true });
    process.env.ORT_TENSORRT_FP16_ENABLE = '1';
    process.env.ORT_TENSORRT_ENGINE_CACHE_ENABLE = '1';
    process.env.ORT_TENSORRT_CACHE_PATH = dir;
    process.env.ORT_TENSORRT_ENGINE_CACHE_PATH = dir;
  }
  return {
    executionProviders: [p === 'cpu' ? 'cpu' : { name: p, deviceId: 0 }],
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

async function visionRows(): Promise<{ rows: Record<string, unknown>[]; missing: string[] }> {
  const rows: Record<string, unknown>[] = [];
  const missing = new Set<string>();
  for (const m of MODELS) {
    for (const p of PROVIDERS) {
      const t0 = performance.now();
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(join(shared, 'models', m.file), options(p, m.name));
      } catch (err) {
        missing.add(`${p}: ${(err as Error).message.split('\n')[0]}`);
        rows.push({ model: m.name, provider: p, loaded: false, error: (err as Error).message.slice(0, 300) });
        continue;
      }
      const meta = session.inputMetadata[0]!;
      const shape = (m.shape ?? ('shape' in meta ? meta.shape : [1, 192, 192, 3])).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
      const type = 'type' in meta ? meta.type : 'float32';
      const n = shape.reduce((a, b) => a * b, 1);
      const data = type === 'int32' ? new Int32Array(n) : type === 'uint8' ? new Uint8Array(n) : new Float32Array(n);
      const feeds = { [session.inputNames[0]!]: new ort.Tensor(type as 'float32', data as Float32Array, shape) };
      await session.run(feeds); // first run: TensorRT builds (or loads) its engine here
      const loadMs = performance.now() - t0;
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const a = performance.now();
        await session.run(feeds);
        times.push(performance.now() - a);
      }
      rows.push({ model: m.name, provider: p, loaded: true, load_and_first_run_ms: Math.round(loadMs), bare_ms: r3(median(times)) });
      await session.release();
    }
  }
  for (const m of MODELS) {
    const cpu = rows.find((r) => r.model === m.name && r.provider === 'cpu' && r.loaded === true);
    for (const r of rows.filter((x) => x.model === m.name && x.loaded === true && x.provider !== 'cpu')) {
      if (cpu !== undefined) r.bare_over_cpu = r3(Number(r.bare_ms) / Number(cpu.bare_ms));
    }
  }
  return { rows, missing: [...missing] };
}

async function plannerRows(): Promise<Record<string, unknown>> {
  const modelPath = join(repo, 'models/planner/homesight-planner-2m-q8_0.gguf');
  const llama = await getLlama({ gpu: 'auto', build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
  const request = (question: string): PlanRequest => ({
    question,
    now: '2024-05-04T21:30:00+02:00',
    timezone: 'Europe/Berlin',
    household: { people: [{ name: 'Alice', aliases: ['mum'] }], rooms: ['kitchen', 'hall'], cameras: ['kitchen', 'hall'] },
    examples: SEED_EXAMPLES.slice(0, 3),
  });
  const questions = ['Who was seen in the last hour?', 'When was mum last seen?', 'Who was in the kitchen between 7 and 8 pm?'];
  const out: Record<string, unknown> = { llama_gpu: llama.gpu, model: modelPath };
  const latency: Record<string, number> = {};
  for (const gpuLayers of ['auto', 0] as const) {
    const planner = new LocalPlanner({
      modelPath,
      threads: 2,
      contextSize: 2048,
      gpuLayers,
      maxTokens: 256,
      temperature: 0,
      timeoutMs: 60_000,
      fewShots: 3,
      ...(gpuLayers === 'auto' ? { llama } : {}),
    });
    await planner.load();
    await planner.plan(request('warm up'));
    const times: number[] = [];
    for (let i = 0; i < 15; i++) times.push((await planner.plan(request(questions[i % questions.length]!))).latencyMs);
    const key = gpuLayers === 'auto' ? 'gpu' : 'cpu';
    latency[key] = median(times);
    out[`${key}_device`] = planner.info().gpu;
    out[`${key}_plan_p50_ms`] = r3(latency[key]!);
    await planner.dispose();
  }
  out.gpu_over_cpu_plan_p50 = r3(latency.gpu! / latency.cpu!);
  return out;
}

const date = new Date().toISOString();
const vision = await visionRows();
if (vision.missing.length > 0) {
  // No result file: a GPU result without its GPU would be read as one.
  process.stderr.write(`gpu-check: execution provider(s) did not load:\n${vision.missing.map((m) => `  ${m}`).join('\n')}\n`);
  process.exit(69);
}
writeFileSync(join(results, 'vision-gpu.json'), `${JSON.stringify({ name: 'vision-gpu', date, rows: vision.rows }, null, 2)}\n`);
process.stdout.write(`vision → bench/results/vision-gpu.json\n`);
const planner = await plannerRows();
writeFileSync(join(results, 'planner-gpu.json'), `${JSON.stringify({ name: 'planner-gpu', date, ...planner }, null, 2)}\n`);
process.stdout.write(`planner → bench/results/planner-gpu.json (llama.cpp backend: ${String(planner.llama_gpu)})\n`);
if (planner.llama_gpu !== 'cuda') {
  process.stderr.write(`gpu-check: node-llama-cpp loaded backend "${String(planner.llama_gpu)}", not cuda\n`);
  process.exit(69);
}
process.exitCode = EXIT.OK;
