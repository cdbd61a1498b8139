import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { HomeSightError, errorMessage, type Logger } from '../system/index.js';
import { withImageInput, type GraphInputSpec } from './graph/image-input.js';

/**
 * Loading ONNX models on onnxruntime-node: sha256 check, execution providers
 * tried one at a time in the configured order (onnxruntime-node treats a
 * requested-but-missing provider as a hard error, so a list cannot be handed
 * over as is), TensorRT engine cache per model hash, and a record of which
 * provider each model runs on and why the others were skipped.
 */

export type ProviderName = 'tensorrt' | 'cuda' | 'cpu';

export interface TensorMeta {
  name: string;
  /** 'float32', 'int32', … ('' for non-tensors). */
  type: string;
  /** Dimensions; symbolic ones are strings. */
  shape: Array<number | string>;
}

/** The part of an onnxruntime InferenceSession the experts use (a seam for tests). */
export interface RunnableSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  run(feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.ReturnType>;
  release(): Promise<void>;
}

/** Creates a session for one provider; the default wraps ort.InferenceSession.create. */
export type SessionFactory = (
  model: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  provider: ProviderName,
) => Promise<RunnableSession>;

export const ortSessionFactory: SessionFactory = (model, options) => ort.InferenceSession.create(model, options);

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  /** Why it was skipped or failed. */
  reason?: string;
  ms?: number;
}

export interface EngineCacheInfo {
  dir: string;
  /** Engine files present after warm-up. */
  files: number;
  /** false when TensorRT ran but wrote no engine (this onnxruntime build ignores the cache settings). */
  honoured: boolean;
}

export interface ModelInfo {
  name: string;
  kind: string;
  format: string;
  path: string;
  sha256: string;
  bytes: number;
  /** The provider the session runs on. */
  provider: ProviderName;
  attempts: ProviderAttempt[];
  inputs: TensorMeta[];
  outputs: TensorMeta[];
  loadMs: number;
  warmupMs: number | null;
  engineCache: EngineCacheInfo | null;
  /**
   * Where the image pre-processing runs: 'graph' when the session's model takes
   * the camera frame (its own input, in `inputs`, is computed by nodes put in
   * front of its graph; the session's inputs are in `sessionInputs`), 'js' when
   * the expert fills the model's input itself (with the reason when the graph
   * path was asked for and could not be used).
   */
  preprocessing: { where: 'graph' | 'js'; reason?: string; sessionInputs?: TensorMeta[] };
}

export interface LoaderOptions {
  providers: readonly ProviderName[];
  threads: number;
  /** Busy-waiting worker threads between runs (onnxruntime's default); off unless asked for. */
  spinning?: boolean;
  /** onnxruntime's CPU memory arena (vision.memory_arena); on unless turned off. */
  memoryArena?: boolean;
  tensorrt: { fp16: boolean; cacheDir: string };
  log: Logger;
  factory?: SessionFactory;
  /**
   * Folder of the onnxruntime-node binding, checked for the provider shared
   * libraries before trying a GPU provider (null: do not check, just try).
   */
  providerLibDir?: string | null;
  /** Environment the TensorRT settings are written to (process.env by default). */
  env?: NodeJS.ProcessEnv;
}

export interface ModelRequest {
  name: string;
  kind: string;
  format: string;
  path: string;
  sha256?: string | undefined;
  /** Pre-processing to put into the model's graph (absent: the expert pre-processes in JS). */
  graphInput?: GraphInputSpec | undefined;
  /** The providers on which the model runs with `graphInput` in its graph (default: every provider). */
  graphOn?: readonly ProviderName[] | undefined;
}

function metaOf(m: ort.InferenceSession.ValueMetadata): TensorMeta {
  if (!m.isTensor) return { name: m.name, type: '', shape: [] };
  return { name: m.name, type: m.type, shape: [...m.shape] };
}

/** A loaded model: its session and what is known about it. */
export class LoadedModel {
  constructor(
    readonly info: ModelInfo,
    readonly session: RunnableSession,
  ) {}

  get inputName(): string {
    return this.session.inputNames[0]!;
  }

  run(feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.ReturnType> {
    return this.session.run(feeds);
  }

  /** Called by the expert after its warm-up ran through pre-processing, the session and the decoder. */
  markWarm(ms: number): void {
    this.info.warmupMs = Math.round(ms * 10) / 10;
    if (this.info.engineCache !== null) {
      const files = countFiles(this.info.engineCache.dir);
      this.info.engineCache = { ...this.info.engineCache, files, honoured: files > 0 };
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The folder where onnxruntime-node keeps its native binding (and the GPU provider libraries, when installed). */
export function defaultProviderLibDir(): string | null {
  try {
    const req = createRequire(import.meta.url);
    const main = req.resolve('onnxruntime-node');
    return join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

const PROVIDER_LIB: Record<Exclude<ProviderName, 'cpu'>, string> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

function countFiles(dir: string): number {
  try {
    return readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()).length;
  } catch {
    return 0;
  }
}

export function sha256Hex(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * TensorRT engines live in `<cacheDir>/<model name>-<first 16 hex of sha256>`;
 * folders of the same model with another hash are removed, so a changed model
 * gets its engine rebuilt once and stale engines do not pile up.
 */
export function engineCacheDir(cacheDir: string, name: string, sha256: string): string {
  const dir = join(cacheDir, `${name}-${sha256.slice(0, 16)}`);
  if (existsSync(cacheDir)) {
    for (const entry of readdirSync(cacheDir)) {
      const full = join(cacheDir, entry);
      if (entry.startsWith(`${name}-`) && /^[0-9a-f]{16}$/.test(entry.slice(name.length + 1)) && full !== dir) {
        rmSync(full, { recursive: true, force: true });
      }
    }
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Reads, verifies and opens one model. Providers are tried in order; each
 * skip/failure is recorded with its reason. Throws HomeSightError with a code,
 * the file and a hint when the model cannot be used.
 */
export async function loadModel(req: ModelRequest, opts: LoaderOptions): Promise<LoadedModel> {
  const t0 = performance.now();
  let bytes: Buffer;
  try {
    bytes = await readFile(req.path);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new HomeSightError(
      missing ? 'E_MODEL_MISSING' : 'E_MODEL_READ',
      `${req.name}: cannot read model file ${req.path}: ${errorMessage(err)}`,
      {
        context: { model: req.name, path: req.path },
        hint: missing
          ? 'put the file there (scripts/fetch-models.sh fetches the default models), ' +
            'point paths.models_dir at the folder, or disable the model (vision.models.<name>.enabled: false)'
          : 'check the file permissions for the homesight user',
        cause: err,
      },
    );
  }
  const sha = sha256Hex(bytes);
  if (req.sha256 !== undefined && req.sha256 !== sha) {
    throw new HomeSightError('E_MODEL_SHA256', `${req.name}: ${req.path} has sha256 ${sha}, expected ${req.sha256}`, {
      context: { model: req.name, path: req.path, expected: req.sha256, actual: sha, bytes: bytes.length },
      hint:
        'the file is corrupt, truncated or a different model: fetch it again (scripts/fetch-models.sh), ' +
        'or update vision.models.<name>.sha256 if you replaced the model on purpose',
    });
  }
  let preprocessing: ModelInfo['preprocessing'] = { where: 'js' };
  const graphOn = req.graphOn ?? opts.providers;
  // Rewritten only when a provider that takes the graph is tried (tens of ms for a large model on a busy CPU).
  type GraphModel = { bytes: Uint8Array; inputs: TensorMeta[]; key: string };
  let graph: GraphModel | null | undefined;
  let graphRefused: string | null = null;
  const graphModel = (): GraphModel | null => {
    if (graph !== undefined || req.graphInput === undefined) return graph ?? null;
    try {
      const g = withImageInput(bytes, req.graphInput);
      const key = createHash('sha256').update(sha).update(JSON.stringify(req.graphInput)).digest('hex');
      graph = { bytes: g.bytes, inputs: [{ name: g.original.name, type: g.original.type, shape: g.original.dims }], key };
    } catch (err) {
      if (!(err instanceof HomeSightError && err.code === 'E_MODEL_GRAPH_INPUT')) throw err;
      graph = null;
      graphRefused = err.message;
      opts.log.warn({ model: req.name, reason: err.message }, 'pre-processing stays in JS for this model');
    }
    return graph;
  };
  const attempts: ProviderAttempt[] = [];
  const original = { model: bytes as Uint8Array, key: sha, graph: false };
  const opened = await openSession(req, opts, attempts, (p) => {
    const g = graphOn.includes(p) ? graphModel() : null;
    return g === null ? [original] : [{ model: g.bytes, key: g.key, graph: true }, original];
  });
  if (req.graphInput !== undefined && !opened.graph) {
    const refused = attempts.find((a) => !a.ok && a.reason?.startsWith(GRAPH_REFUSED));
    preprocessing = {
      where: 'js',
      reason:
        graphRefused ??
        refused?.reason ??
        `pre-processing goes into the graph on ${graphOn.join(', ') || 'no provider'}; this model runs on ${opened.provider ?? 'none'}`,
    };
    if (refused !== undefined) opts.log.warn({ model: req.name, reason: refused.reason }, 'pre-processing stays in JS for this model');
  }
  const { session, provider, engineCache, cpuError } = opened;
  if (session === null || provider === null) {
    if (cpuError !== null) {
      throw new HomeSightError('E_MODEL_INVALID', `${req.name}: onnxruntime cannot load ${req.path}: ${cpuError}`, {
        context: { model: req.name, path: req.path, sha256: sha, bytes: bytes.length, attempts },
        hint:
          'the file is corrupt, truncated or not an ONNX model: fetch it again (scripts/fetch-models.sh) ' +
          'and set vision.models.<name>.sha256 to catch this at load',
      });
    }
    throw new HomeSightError(
      'E_MODEL_NO_PROVIDER',
      `${req.name}: no execution provider could load ${req.path} (tried ${opts.providers.join(', ')})`,
      {
        context: { model: req.name, path: req.path, attempts },
        hint: 'add "cpu" to vision.providers as the last resort, or install the GPU providers (docs/vision.md, "Execution providers")',
      },
    );
  }
  const sessionInputs = session.inputMetadata.map(metaOf);
  const used = opened.graph ? graphModel() : null;
  if (used !== null) preprocessing = { where: 'graph', sessionInputs };
  const info: ModelInfo = {
    name: req.name,
    kind: req.kind,
    format: req.format,
    path: req.path,
    sha256: sha,
    bytes: bytes.length,
    provider,
    attempts,
    inputs: used === null ? sessionInputs : used.inputs,
    outputs: session.outputMetadata.map(metaOf),
    loadMs: Math.round(performance.now() - t0),
    warmupMs: null,
    engineCache,
    preprocessing,
  };
  const skipped = attempts.filter((a) => !a.ok).map((a) => ({ provider: a.provider, reason: a.reason }));
  opts.log.info(
    { model: req.name, provider, skipped, sha256: sha.slice(0, 16), preprocessing: preprocessing.where, ms: info.loadMs },
    'model loaded',
  );
  return new LoadedModel(info, session);
}

interface OpenedSession {
  session: RunnableSession | null;
  provider: ProviderName | null;
  engineCache: EngineCacheInfo | null;
  cpuError: string | null;
  /** Whether the session runs the model with the pre-processing in its graph. */
  graph: boolean;
}

/** Start of an attempt's reason when onnxruntime refused the rewritten model (the original is tried next). */
const GRAPH_REFUSED = 'with pre-processing in the graph: ';

/**
 * Opens a session on the first provider that loads the model, recording each
 * attempt. Per provider, `variants` lists the model bytes to try in order (the
 * rewritten model first, then the original), each with the key that names its
 * TensorRT engine folder.
 */
async function openSession(
  req: ModelRequest,
  opts: LoaderOptions,
  attempts: ProviderAttempt[],
  variants: (p: ProviderName) => Array<{ model: Uint8Array; key: string; graph: boolean }>,
): Promise<OpenedSession> {
  const factory = opts.factory ?? ortSessionFactory;
  const libDir = opts.providerLibDir === undefined ? defaultProviderLibDir() : opts.providerLibDir;
  const env = opts.env ?? process.env;
  let cpuError: string | null = null;
  for (const p of opts.providers) {
    if (p !== 'cpu' && libDir !== null && !existsSync(join(libDir, PROVIDER_LIB[p]))) {
      attempts.push({
        provider: p,
        ok: false,
        reason:
          `${PROVIDER_LIB[p]} is not installed next to the onnxruntime-node binding (npm ci skipped the GPU ` +
          `download; see docs/vision.md, "Execution providers")`,
      });
      continue;
    }
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [p === 'cpu' ? 'cpu' : { name: p, deviceId: 0 }],
      intraOpNumThreads: opts.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // The memory pattern planner stays on: turning it off saved no memory and cost latency (vision-arena bench).
      enableCpuMemArena: opts.memoryArena !== false,
      logSeverityLevel: 3,
      extra: {
        session: {
          intra_op: { allow_spinning: opts.spinning === true ? '1' : '0' },
          inter_op: { allow_spinning: opts.spinning === true ? '1' : '0' },
        },
      },
    };
    for (const v of variants(p)) {
      let cacheDir: string | null = null;
      if (p === 'tensorrt') {
        // onnxruntime-node passes only deviceId to TensorRT; builds that read the
        // ORT_TENSORRT_* variables pick fp16 and the engine cache up from here.
        // Whether the cache was honoured is checked after warm-up (engineCache.honoured).
        cacheDir = engineCacheDir(opts.tensorrt.cacheDir, req.name, v.key);
        env.ORT_TENSORRT_FP16_ENABLE = opts.tensorrt.fp16 ? '1' : '0';
        env.ORT_TENSORRT_ENGINE_CACHE_ENABLE = '1';
        env.ORT_TENSORRT_CACHE_PATH = cacheDir;
        env.ORT_TENSORRT_ENGINE_CACHE_PATH = cacheDir;
      }
      const ta = performance.now();
      try {
        const session = await factory(v.model, options, p);
        attempts.push({ provider: p, ok: true, ms: Math.round(performance.now() - ta) });
        const engineCache = cacheDir === null ? null : { dir: cacheDir, files: countFiles(cacheDir), honoured: false };
        return { session, provider: p, engineCache, cpuError: null, graph: v.graph };
      } catch (err) {
        const msg = errorMessage(err).split('\n')[0]!.slice(0, 300);
        attempts.push({ provider: p, ok: false, reason: v.graph ? GRAPH_REFUSED + msg : msg, ms: Math.round(performance.now() - ta) });
        if (p === 'cpu' && !v.graph) cpuError = msg;
      }
    }
  }
  return { session: null, provider: null, engineCache: null, cpuError, graph: false };
}

/** Throws E_MODEL_INPUT unless the model's first input matches what the expert feeds. */
export function expectInput(
  model: LoadedModel,
  want: { rank: number; type: string; fixed?: Record<number, number>; describe: string },
): TensorMeta {
  const inp = model.info.inputs[0];
  const found = inp === undefined ? 'no input' : `${inp.type} [${inp.shape.join(', ')}]`;
  const bad =
    inp === undefined ||
    inp.type !== want.type ||
    inp.shape.length !== want.rank ||
    Object.entries(want.fixed ?? {}).some(([i, v]) => {
      const d = inp.shape[Number(i)];
      return typeof d === 'number' && d !== v;
    });
  if (bad) {
    throw new HomeSightError(
      'E_MODEL_INPUT',
      `${model.info.name}: input is ${found}; a ${model.info.kind} with format "${model.info.format}" needs ${want.describe}`,
      {
        context: { model: model.info.name, path: model.info.path, found, expected: want.describe },
        hint: 'check vision.models.<name>.kind/format, or the model file is not the one the config describes',
      },
    );
  }
  return inp!;
}

/** Wraps a decoder failure during warm-up as E_MODEL_OUTPUT. */
export function outputError(model: LoadedModel, err: unknown): HomeSightError {
  if (err instanceof HomeSightError && err.code.startsWith('E_MODEL_')) return err;
  const outs = model.info.outputs.map((o) => `${o.name} ${o.type} [${o.shape.join(', ')}]`).join('; ');
  return new HomeSightError(
    'E_MODEL_OUTPUT',
    `${model.info.name}: the "${model.info.format}" decoder cannot read this model's output (${outs}): ${errorMessage(err)}`,
    {
      context: { model: model.info.name, path: model.info.path, outputs: model.info.outputs },
      hint: 'set vision.models.<name>.format to the decoder matching the model (yolox, yolov8, yunet, …)',
      cause: err,
    },
  );
}
