import { stat, readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import { HomeSightError } from '../../system/index.js';
import { readBaseModelInfo, type BaseModelInfo } from './compat.js';
import type { EvaluationTarget } from './evaluator.js';
import { sha256File } from './manifest.js';

/**
 * Where adapters are loaded and evaluated: the base model plus a way to open a context with (or without)
 * a LoRA adapter. The default is LlamaAdapterRuntime (node-llama-cpp); tests or other engines implement it too.
 */
export interface AdapterRuntime {
  baseModel(): Promise<BaseModelInfo>;
  /** Opens a context with the adapter file applied (null = bare base), runs fn, and closes the context. */
  withTarget<T>(adapter: { id: string; file: string; scale?: number } | null, fn: (t: EvaluationTarget) => Promise<T>): Promise<T>;
}

export interface LlamaAdapterRuntimeOptions {
  /** An already loaded base model (e.g. the planner's), so evaluation runs on a second context of the same weights. */
  model: LlamaModel;
  modelPath: string;
  /** Known digest of the base model; otherwise computed once (and cached in shaCacheFile when given). */
  baseSha256?: string;
  /** JSON file caching the base model digest by path, size and mtime (hashing a multi-GB model takes seconds). */
  shaCacheFile?: string;
  /** llama.cpp threads for evaluation contexts (1 is fastest on small shared boards). */
  threads?: number;
  contextSize?: number;
}

/**
 * node-llama-cpp runtime. Each evaluation opens its own context
 * (`model.createContext({lora: {adapters: [{filePath, scale}]}})`) and disposes it afterwards. Note that
 * llama.cpp keeps a loaded adapter's weights until the model itself is disposed; LoRA files are small, but
 * a daemon that evaluates many adapters should reload the model now and then.
 */
export class LlamaAdapterRuntime implements AdapterRuntime {
  private info: Promise<BaseModelInfo> | null = null;
  private readonly owned: { llama: Llama } | null;

  constructor(
    private readonly options: LlamaAdapterRuntimeOptions,
    owned: { llama: Llama } | null = null,
  ) {
    this.owned = owned;
  }

  /** Loads a base model on the CPU for a runtime of its own (CLI, tests, cloud-side checks). */
  static async load(options: Omit<LlamaAdapterRuntimeOptions, 'model'> & { gpu?: false | 'auto' }): Promise<LlamaAdapterRuntime> {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: options.gpu ?? false, logLevel: 'error' as never });
    try {
      const model = await llama.loadModel({ modelPath: options.modelPath });
      return new LlamaAdapterRuntime({ ...options, model }, { llama });
    } catch (err) {
      await llama.dispose();
      throw new HomeSightError('E_ADAPTER_BASE', `cannot load base model ${options.modelPath}: ${(err as Error).message}`, {
        context: { path: options.modelPath },
        hint: 'check agent.llm.model and paths.models_dir',
        cause: err,
      });
    }
  }

  get model(): LlamaModel {
    return this.options.model;
  }

  baseModel(): Promise<BaseModelInfo> {
    this.info ??= (async () => readBaseModelInfo(this.options.modelPath, this.options.baseSha256 ?? (await this.digest())))();
    return this.info;
  }

  private async digest(): Promise<string> {
    const st = await stat(this.options.modelPath);
    const key = `${this.options.modelPath}|${st.size}|${st.mtimeMs}`;
    const cacheFile = this.options.shaCacheFile;
    if (cacheFile !== undefined) {
      try {
        const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as Record<string, string>;
        const hit = cached[key];
        if (typeof hit === 'string' && /^[0-9a-f]{64}$/.test(hit)) return hit;
      } catch {
        // no cache yet
      }
    }
    const sha = await sha256File(this.options.modelPath);
    if (cacheFile !== undefined) {
      await mkdir(dirname(cacheFile), { recursive: true });
      await writeFile(cacheFile, JSON.stringify({ [key]: sha }) + '\n');
    }
    return sha;
  }

  async withTarget<T>(adapter: { id: string; file: string; scale?: number } | null, fn: (t: EvaluationTarget) => Promise<T>): Promise<T> {
    const model = this.options.model;
    let context;
    try {
      context = await model.createContext({
        contextSize: Math.min(this.options.contextSize ?? 2048, model.trainContextSize),
        threads: this.options.threads ?? 1,
        sequences: 1,
        ...(adapter === null ? {} : { lora: { adapters: [{ filePath: adapter.file, scale: adapter.scale ?? 1 }] } }),
      });
    } catch (err) {
      throw new HomeSightError(
        'E_ADAPTER_LOAD',
        `llama.cpp could not load ${adapter === null ? 'a context' : `adapter ${adapter.id}`}: ${(err as Error).message}`,
        {
          context: { adapter: adapter?.id ?? null, file: adapter?.file ?? null },
          hint: 'the adapter was made for another base model or is damaged',
          cause: err,
        },
      );
    }
    try {
      return await fn({ model, context, sequence: context.getSequence(), adapterId: adapter?.id ?? null });
    } finally {
      await context.dispose();
    }
  }

  /** Disposes the model and llama instance when this runtime loaded them itself. */
  async dispose(): Promise<void> {
    if (this.owned !== null) {
      await this.options.model.dispose();
      await this.owned.llama.dispose();
    }
  }
}
