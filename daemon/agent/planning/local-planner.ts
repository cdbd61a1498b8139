import { open, stat } from 'node:fs/promises';
import type {
  GbnfJsonSchema,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
  readGgufFileInfo,
  Token,
} from 'node-llama-cpp';
import { HomeSightError, asHomeSightError, silentLogger, type Logger } from '../../system/index.js';
import {
  catalogGrammarSchema,
  getTool,
  nodeGrammarSchema,
  type CatalogSchemaOptions,
  type OutputKind,
  taskPlanSchema,
  type PlanRequest,
  type PlanResult,
  type Planner,
  type TaskNode,
} from '../catalog/index.js';
import { END_MARKER, planClosed, planTextGrammars } from '../planner-model/index.js';
import {
  marginConfidence,
  modelGrammarOptions,
  modelTurn,
  PLANNER_MODEL_FORMAT,
  planFromModelText,
  renamePeople,
} from './model-planner.js';
import { buildPrompt, type PromptMode } from './prompt.js';
import { planAsAsked } from './question-shape.js';
import { describeSteps, planOfNodes, withAnswer } from './steps.js';

export interface LocalPlannerOptions {
  /** Absolute path of the GGUF file. */
  modelPath: string;
  /** llama.cpp threads (on small boards fewer is often faster). */
  threads: number;
  contextSize: number;
  /** 'auto' = offload what fits when a GPU is there (CPU otherwise); 0 = CPU only. */
  gpuLayers: 'auto' | number;
  /** Most tokens generated for one plan. */
  maxTokens: number;
  temperature: number;
  /** Upper bound for one plan() call. */
  timeoutMs: number;
  fewShots: number;
  /** node (default): one grammar per node, references only to fitting earlier nodes; plan: one grammar for the whole plan. */
  mode?: PromptMode;
  /** Most nodes in a plan (default 6). */
  maxNodes?: number;
  /**
   * What the model reads and writes. plan-text: HomeSight's own planner model (grounded question in the compact
   * prompt, plan text under a per-request grammar; model-planner.ts); json: any instruction model (catalog prompt,
   * few-shots, JSON under the catalog grammar). auto (default): plan-text when the GGUF says it was trained on it.
   */
  format?: 'auto' | LocalPlanFormat;
  /** Longest free string the grammar admits (default 48). */
  maxStringLength?: number;
  /** Most tokens for one node (node mode; default min(maxTokens, 256)). */
  nodeMaxTokens?: number;
  /** Prompt budget in tokens (default contextSize − maxTokens). */
  promptBudget?: number;
  /** A llama.cpp backend to share (not disposed by this planner); default: its own from getLlama(). */
  llama?: Llama;
  /**
   * Where the LoRA adapter to apply comes from (the device's adapter store). On a change the context is recreated
   * with the new adapter between plans: a plan in flight finishes on the old context, the next one uses the new.
   */
  adapters?: PlannerAdapterSource;
  /** LoRA scale of the applied adapter (default 1). */
  adapterScale?: number;
  /** People words → names for a planner on an evaluation target (onContext); the daemon's come with its adapter. */
  people?: Readonly<Record<string, string>>;
  log?: Logger;
}

/** An adapter the planner applies: a GGUF LoRA file made for its base model. */
export interface PlannerAdapter {
  id: string;
  file: string;
  /**
   * How the adapter writes the household's people, word → name: a cloud-trained adapter learnt the pseudonyms of the
   * privacy placeholders (personPseudonym); the grammar admits them and the plan gets the names back.
   */
  people?: Readonly<Record<string, string>>;
}

/** The adapter the local planner should use now, and a way to hear when that changes (AdapterStore implements it). */
export interface PlannerAdapterSource {
  /** null = the bare base model. */
  active(): PlannerAdapter | null;
  /** Subscribes to changes of active(); returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export type LocalPlanFormat = 'plan-text' | 'json';

/** One sampled plan: its temperature and seed (the same seed, request and model give the same plan). */
export interface PlanSampling {
  temperature: number;
  seed: number;
}

/** What the local model is, for health and traces. */
export interface LocalModelInfo {
  path: string;
  loaded: boolean;
  /** The format in use (known once loaded). */
  format: LocalPlanFormat | null;
  gpu: string | false;
  threads: number;
  contextSize: number;
  trainContextSize: number | null;
  loadMs: number | null;
  /** The adapter the context applies (null = the bare base model). */
  adapter: string | null;
}

/** Raw generation stats of one constrained generation. */
export interface GenerationStats {
  tokens: number;
  logProbSum: number;
  firstTokenMs: number | null;
  ms: number;
  /** Stopped because the budget ran out (output incomplete). */
  truncated: boolean;
  /** Input tokens evaluated (the rest of the input was already in the sequence). */
  evaluated: number;
  /** Plan text: best minus second-best probability at each line's first token (the tool choice). */
  margins: number[];
}

/** When a constrained generation is complete: the JSON value closed, or a line of plan text written. */
type StopRule = 'json' | 'plan-line';

const GGUF_MAGIC = Buffer.from('GGUF', 'ascii');

/**
 * node-llama-cpp, imported on first use: loading it costs ≈35 MB of RSS, which a daemon on the retrieval or cloud
 * planner never needs.
 */
let llamaCpp: Promise<typeof import('node-llama-cpp')> | undefined;
function nodeLlamaCpp(): Promise<typeof import('node-llama-cpp')> {
  llamaCpp ??= import('node-llama-cpp');
  return llamaCpp;
}

/** Checks that a file is there and is a readable GGUF; throws a clear HomeSightError otherwise. */
export async function checkGguf(path: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new HomeSightError('E_MODEL_MISSING', `planner model not found: ${path}`, {
      context: { path },
      hint: 'set agent.llm.model to a GGUF file (relative to paths.models_dir) or use agent.planner: retrieval',
    });
  }
  const fh = await open(path, 'r');
  const head = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (size < 32 || !head.equals(GGUF_MAGIC)) {
    throw new HomeSightError('E_MODEL_CORRUPT', `planner model is not a GGUF file: ${path}`, {
      context: { path, size, magic: head.toString('hex') },
      hint: 'the file is damaged or of another format; download the GGUF again',
    });
  }
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await (await nodeLlamaCpp()).readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
  } catch (err) {
    throw new HomeSightError('E_MODEL_CORRUPT', `planner model is damaged: ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      context: { path, size },
      hint: 'the GGUF header or tensor table cannot be read (truncated download?); download it again',
      cause: err,
    });
  }
  // A truncated download keeps a readable header; its tensor data runs past the end of the file.
  let needed = 0;
  for (const ti of info.fullTensorInfo ?? info.tensorInfo ?? []) {
    const elements = ti.dimensions.reduce<number>((a, d) => a * Number(d), 1);
    const perBlock = GGML_BLOCK_BYTES[ti.ggmlType as number];
    const bytes = perBlock === undefined ? 0 : Math.ceil(elements / perBlock[0]) * perBlock[1];
    needed = Math.max(needed, Number(ti.fileOffset) + bytes);
  }
  if (needed > size) {
    throw new HomeSightError('E_MODEL_CORRUPT', `planner model is damaged: ${path} is ${size} bytes but its tensors need ${needed}`, {
      context: { path, size, needed },
      hint: 'the file is truncated (interrupted download?); download it again',
    });
  }
}

/** [elements per block, bytes per block] of common ggml types (others are not size-checked). */
const GGML_BLOCK_BYTES: Record<number, [number, number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  28: [1, 8], // F64
  30: [1, 2], // BF16
};

/** Tracks JSON object depth outside strings, to know when a generated value is complete. */
class JsonCloser {
  private depth = 0;
  private inString = false;
  private escape = false;
  private started = false;
  done = false;
  push(text: string): void {
    for (const ch of text) {
      if (this.done) return;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (ch === '\\') this.escape = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') {
        this.depth++;
        this.started = true;
      } else if (ch === '}' || ch === ']') {
        this.depth--;
        if (this.started && this.depth === 0) this.done = true;
      }
    }
  }
}

/** Probability of the likeliest next token minus the runner-up's (1 when the grammar leaves one choice). */
function topMargin(probabilities: ReadonlyMap<Token, number> | undefined): number {
  if (probabilities === undefined) return 1;
  let first = 0;
  let second = 0;
  for (const p of probabilities.values()) {
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) second = p;
  }
  return first - second;
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const t = AbortSignal.timeout(ms);
  return signal === undefined ? t : AbortSignal.any([signal, t]);
}

function abortError(signal: AbortSignal, what: string): HomeSightError {
  const r: unknown = signal.reason;
  if (r instanceof DOMException && r.name === 'TimeoutError') {
    return new HomeSightError('E_PLANNER_TIMEOUT', `${what} timed out`, {
      hint: 'raise agent.llm.timeout_ms or lower agent.llm.max_tokens',
    });
  }
  return new HomeSightError('E_CANCELLED', `${what} was cancelled`);
}

/**
 * The grammar-constrained local planner on node-llama-cpp. The model and one
 * context stay loaded; plans are generated one at a time on one sequence,
 * whose evaluated prefix (the prompt's fixed part) is reused between calls.
 *
 * Node mode (default) writes `{"task_nodes": [` and lets the model write one
 * node at a time, each under a grammar derived from the catalog for that
 * position: references only to earlier nodes whose output fits. The model
 * cannot produce an invalid plan; it can only run out of budget, in which case
 * the unfinished node is dropped and compose_answer closes the plan.
 */
export class LocalPlanner implements Planner {
  readonly name = 'local';
  private llama: Llama | null = null;
  private model: LlamaModel | null = null;
  /** node-llama-cpp's grammar state class, set when the model loads (the library is imported only then). */
  private grammarState: typeof import('node-llama-cpp').LlamaGrammarEvaluationState | null = null;
  private context: LlamaContext | null = null;
  private sequence: LlamaContextSequence | null = null;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  /** Text of single tokens (for tracking JSON depth without a native call per token). */
  private readonly pieces = new Map<Token, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private loadMs: number | null = null;
  private format: LocalPlanFormat | null = null;
  private readonly textGrammars = new Map<string, Promise<LlamaGrammar>>();
  private loading: Promise<void> | null = null;
  /** The draw of the plan being generated (set by plan() inside exclusive()). */
  private sampling: PlanSampling | null = null;
  private readonly log: Logger;
  /** The adapter the current context was created with (null = none). */
  private applied: PlannerAdapter | null = null;
  /** An adapter whose context could not be created: not tried again until the source names another. */
  private failedAdapter: string | null = null;
  /** False for a planner on someone else's model and context (onContext): it neither loads nor disposes them. */
  private owned = true;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: LocalPlannerOptions) {
    this.log = options.log ?? silentLogger();
    // Swap as soon as the current plan (if any) is done, so the next plan does not pay for the new context.
    this.unsubscribe =
      options.adapters?.onChange(() => {
        if (this.loaded) this.exclusive(() => this.syncAdapter()).catch(() => undefined);
      }) ?? (() => undefined);
  }

  /**
   * A planner on a model and context that are already there (the adapter lifecycle's evaluation target, with the
   * candidate applied): plan() runs the same path as the daemon's planner on them; dispose() leaves them alone.
   */
  static async onContext(
    target: { model: LlamaModel; context: LlamaContext; sequence: LlamaContextSequence },
    options: Omit<LocalPlannerOptions, 'modelPath' | 'llama' | 'adapters' | 'contextSize' | 'gpuLayers' | 'threads'>,
  ): Promise<LocalPlanner> {
    const { LlamaGrammarEvaluationState } = await nodeLlamaCpp();
    const p = new LocalPlanner({
      ...options,
      modelPath: target.model.filename ?? '',
      contextSize: target.context.contextSize,
      gpuLayers: 0,
      threads: 1,
    });
    p.owned = false;
    p.llama = target.model.llama;
    p.model = target.model;
    p.context = target.context;
    p.sequence = target.sequence;
    p.grammarState = LlamaGrammarEvaluationState;
    p.format = p.formatOf(target.model);
    return p;
  }

  get loaded(): boolean {
    return this.sequence !== null;
  }

  info(): LocalModelInfo {
    return {
      path: this.options.modelPath,
      loaded: this.loaded,
      format: this.format,
      adapter: this.applied?.id ?? null,
      gpu: this.llama?.gpu ?? false,
      threads: this.options.threads,
      contextSize: this.context?.contextSize ?? this.options.contextSize,
      trainContextSize: this.model?.trainContextSize ?? null,
      loadMs: this.loadMs,
    };
  }

  /** Loads the model and context (idempotent). Throws E_MODEL_MISSING / E_MODEL_CORRUPT / E_MODEL_LOAD. */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loading ??= this.doLoad().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    const t0 = performance.now();
    await checkGguf(this.options.modelPath);
    const { getLlama, LlamaGrammarEvaluationState, LlamaLogLevel } = await nodeLlamaCpp();
    this.grammarState = LlamaGrammarEvaluationState;
    try {
      this.llama ??=
        this.options.llama ??
        (await getLlama({
          gpu: this.options.gpuLayers === 0 ? false : 'auto',
          build: 'never',
          skipDownload: true,
          progressLogs: false,
          logLevel: LlamaLogLevel.error,
          logger: (level, message) => this.log.debug({ level, message: message.slice(0, 300) }, 'llama.cpp'),
        }));
      this.model = await this.llama.loadModel({
        modelPath: this.options.modelPath,
        gpuLayers: this.options.gpuLayers === 'auto' ? 'auto' : this.options.gpuLayers,
      });
      await this.openContext(this.wantedAdapter());
      this.format = this.formatOf(this.model);
    } catch (err) {
      await this.unload();
      if (err instanceof HomeSightError) throw err;
      throw new HomeSightError(
        'E_MODEL_LOAD',
        `cannot load planner model ${this.options.modelPath}: ${err instanceof Error ? err.message : String(err)}`,
        {
          context: { path: this.options.modelPath },
          hint: 'check the file and that agent.llm.context_size fits in memory',
          cause: err,
        },
      );
    }
    this.loadMs = Math.round(performance.now() - t0);
    this.log.info(
      { model: this.options.modelPath, ms: this.loadMs, gpu: this.llama?.gpu ?? false, threads: this.options.threads },
      'planner model loaded',
    );
  }

  private formatOf(model: LlamaModel): LocalPlanFormat {
    const trained = (model.fileInfo.metadata as { homesight?: { train?: { format?: unknown } } }).homesight?.train?.format;
    const wanted = this.options.format ?? 'auto';
    return wanted !== 'auto' ? wanted : trained === PLANNER_MODEL_FORMAT ? 'plan-text' : 'json';
  }

  /** The adapter the source names, unless it is the one that just failed to load. */
  private wantedAdapter(): PlannerAdapter | null {
    const a = this.options.adapters?.active() ?? null;
    if (a === null || a.file !== this.failedAdapter) this.failedAdapter = null;
    if (a === null || a.file === this.failedAdapter) return null;
    return a.people === undefined ? { id: a.id, file: a.file } : { id: a.id, file: a.file, people: a.people };
  }

  /**
   * (Re)creates the context with the adapter applied as a LoRA. If llama.cpp cannot load the adapter the planner goes
   * on with the bare base model (and says so) rather than not planning at all.
   */
  private async openContext(adapter: PlannerAdapter | null): Promise<void> {
    const model = this.model!;
    const old = this.context;
    this.sequence = null;
    this.context = null;
    await old?.dispose();
    const base = { contextSize: this.options.contextSize, threads: this.options.threads, sequences: 1 };
    if (adapter !== null) {
      try {
        this.context = await model.createContext({
          ...base,
          lora: { adapters: [{ filePath: adapter.file, scale: this.options.adapterScale ?? 1 }] },
        });
      } catch (err) {
        this.failedAdapter = adapter.file;
        this.log.error(
          { adapter: adapter.id, file: adapter.file, err: err instanceof Error ? err.message : String(err) },
          'the planner cannot apply the adapter; planning on the bare base model',
        );
      }
    }
    this.applied = this.context === null ? null : adapter;
    this.context ??= await model.createContext(base);
    this.sequence = this.context.getSequence();
  }

  /** Applies the source's adapter if it changed (runs between plans, inside exclusive()). */
  private async syncAdapter(): Promise<void> {
    if (this.options.adapters === undefined || this.model === null || !this.owned) return;
    const wanted = this.wantedAdapter();
    if ((wanted?.file ?? null) === (this.applied?.file ?? null)) {
      if (wanted !== null && this.applied !== null) this.applied = wanted; // same file, maybe other people words
      return;
    }
    const from = this.applied?.id ?? null;
    const t0 = performance.now();
    await this.openContext(wanted);
    this.log.info({ from, to: this.applied?.id ?? null, ms: Math.round(performance.now() - t0) }, 'planner adapter swapped');
  }

  /** Frees the context, model and backend. plan() loads again on demand. */
  async unload(): Promise<void> {
    if (!this.owned) return;
    const ctx = this.context;
    const model = this.model;
    const llama = this.llama;
    this.sequence = null;
    this.context = null;
    this.model = null;
    this.llama = null;
    this.format = null;
    this.applied = null;
    this.grammars.clear();
    this.textGrammars.clear();
    this.pieces.clear();
    await ctx?.dispose().catch(() => undefined);
    await model?.dispose().catch(() => undefined);
    if (llama !== this.options.llama) await llama?.dispose().catch(() => undefined);
  }

  async dispose(): Promise<void> {
    this.unsubscribe();
    await this.queue.catch(() => undefined);
    await this.unload();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** Tokens of a text for this model (the model must be loaded). */
  countTokens(text: string): number {
    if (this.model === null) throw new HomeSightError('E_MODEL_NOT_LOADED', 'planner model is not loaded');
    return this.model.tokenize(text).length;
  }

  private grammar(schema: unknown): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (g === undefined) {
      if (this.grammars.size > 128) this.grammars.clear();
      const create = this.llama!.createGrammarForJsonSchema.bind(this.llama) as (s: GbnfJsonSchema) => Promise<LlamaGrammar>;
      g = create(schema as GbnfJsonSchema);
      g.catch(() => this.grammars.delete(key));
      this.grammars.set(key, g);
    }
    return g;
  }

  /** A GBNF grammar (plan text), cached by its text: the same household and question give the same grammar. */
  private textGrammar(gbnf: string): Promise<LlamaGrammar> {
    let g = this.textGrammars.get(gbnf);
    if (g === undefined) {
      if (this.textGrammars.size > 32) this.textGrammars.clear();
      g = this.llama!.createGrammar({ grammar: gbnf });
      g.catch(() => this.textGrammars.delete(gbnf));
      this.textGrammars.set(gbnf, g);
    }
    return g;
  }

  /** Serialises use of the one sequence. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Generates from `tokens` (reusing the sequence's evaluated prefix) under a
   * grammar until the output is complete (`stop`), the model ends, or maxTokens.
   */
  async generate(
    tokens: Token[],
    grammar: LlamaGrammar | null,
    maxTokens: number,
    signal: AbortSignal,
    stop: StopRule = 'json',
  ): Promise<{ text: string; tokens: Token[]; stats: GenerationStats }> {
    const seq = this.sequence;
    const model = this.model;
    if (seq === null || model === null) throw new HomeSightError('E_MODEL_NOT_LOADED', 'planner model is not loaded');
    const t0 = performance.now();
    const ctxTokens = seq.contextTokens;
    let common = 0;
    while (common < ctxTokens.length && common < tokens.length && ctxTokens[common] === tokens[common]) common++;
    if (common >= tokens.length) common = tokens.length - 1;
    if (seq.nextTokenIndex > common) await seq.eraseContextTokenRanges([{ start: common, end: seq.nextTokenIndex }]);
    const input = tokens.slice(common);
    const state = grammar === null || this.grammarState === null ? undefined : new this.grammarState({ model, grammar });
    const out: Token[] = [];
    const closer = new JsonCloser();
    const margins: number[] = [];
    let logProbSum = 0;
    let firstTokenMs: number | null = null;
    let truncated = false;
    let done = false;
    const sampling = this.sampling;
    const opts: Parameters<typeof seq.evaluateWithMetadata>[2] = {
      temperature: sampling?.temperature ?? this.options.temperature,
      yieldEogToken: true,
    };
    if (state !== undefined) opts.grammarEvaluationState = state;
    // Plan text: the whole next-token distribution (for the margin) only at each line's first token — asking for it
    // at every token halves decoding speed. The generation is cut into calls at line starts; the grammar state
    // carries over, and a call resumes from the token the previous one sampled.
    let chunk = input;
    let wantProbabilities = stop === 'plan-line';
    while (!done) {
      let resume: Token | null = null;
      // A seeded draw: each call gets its own seed from the draw's and its position, so lines do not share one stream.
      if (sampling !== null) opts.seed = (Math.imul(sampling.seed, 0x9e3779b1) + tokens.length + out.length) >>> 0;
      // Plan text takes its confidence from the margins: the sampled token's probability is not computed per token.
      const metadata = { confidence: stop !== 'plan-line', probabilities: wantProbabilities };
      for await (const step of seq.evaluateWithMetadata(chunk, metadata, opts)) {
        if (signal.aborted) break;
        firstTokenMs ??= performance.now() - t0;
        if (model.isEogToken(step.token)) break;
        if (wantProbabilities) margins.push(topMargin((step as { probabilities?: ReadonlyMap<Token, number> }).probabilities));
        out.push(step.token);
        const confidence = (step as { confidence?: number }).confidence;
        if (confidence !== undefined) logProbSum += Math.log(Math.max(confidence, 1e-12));
        let piece = this.pieces.get(step.token);
        if (piece === undefined) {
          piece = model.detokenize([step.token], false);
          this.pieces.set(step.token, piece);
        }
        if (grammar !== null && stop === 'json') {
          closer.push(piece);
          if (closer.done) break;
        }
        if (stop === 'plan-line' && piece.endsWith('\n')) break;
        if (out.length >= maxTokens) {
          truncated = grammar !== null;
          break;
        }
        if (wantProbabilities) {
          wantProbabilities = false;
          resume = step.token;
          break;
        }
      }
      if (resume === null) done = true;
      else chunk = [resume];
    }
    if (signal.aborted) throw abortError(signal, 'planning');
    return {
      text: model.detokenize(out),
      tokens: out,
      stats: { tokens: out.length, logProbSum, firstTokenMs, ms: performance.now() - t0, truncated, evaluated: input.length, margins },
    };
  }

  /** `sampling`: this plan's draw (a self-consistency teacher's k samples); default options.temperature, unseeded. */
  async plan(req: PlanRequest, signal?: AbortSignal, sampling?: PlanSampling): Promise<PlanResult> {
    const sig = withTimeout(signal, this.options.timeoutMs);
    await this.load();
    if (sig.aborted) throw abortError(sig, 'planning');
    return this.exclusive(async () => {
      if (sig.aborted) throw abortError(sig, 'planning');
      this.sampling = sampling ?? null;
      try {
        await this.syncAdapter();
        if (this.format === 'plan-text') return await this.planText(req, sig);
        return (this.options.mode ?? 'node') === 'plan' ? await this.planWhole(req, sig) : await this.planByNodes(req, sig);
      } catch (err) {
        if (sig.aborted) throw abortError(sig, 'planning');
        throw asHomeSightError(err, 'E_PLANNER');
      } finally {
        this.sampling = null;
      }
    });
  }

  private catalogOptions(req: PlanRequest): CatalogSchemaOptions {
    const people = req.household.people.map((p) => p.name);
    const o: CatalogSchemaOptions = {
      allowTools: req.allowTools ?? [],
      hubTopics: req.hubTopics ?? [],
      maxNodes: this.options.maxNodes ?? 6,
      maxStringLength: this.options.maxStringLength ?? 48,
      maxSteps: 3,
    };
    if (req.household.cameras.length > 0) o.cameras = req.household.cameras;
    if (people.length > 0) o.people = people;
    if (req.household.rooms.length > 0) o.rooms = req.household.rooms;
    return o;
  }

  private prompt(req: PlanRequest, mode: PromptMode, o: CatalogSchemaOptions): ReturnType<typeof buildPrompt> {
    const budget =
      this.options.promptBudget ?? Math.max(64, (this.context?.contextSize ?? this.options.contextSize) - this.options.maxTokens);
    return buildPrompt(req, { countTokens: (t) => this.countTokens(t), budget, fewShots: this.options.fewShots, mode, catalog: o });
  }

  private async planByNodes(req: PlanRequest, signal: AbortSignal): Promise<PlanResult> {
    const t0 = performance.now();
    const model = this.model!;
    const o = this.catalogOptions(req);
    const prompt = this.prompt(req, 'node', o);
    let tokens = model.tokenize(prompt.text);
    const sep = model.tokenize(', ', false, 'trimLeadingSpace');
    const maxNodes = o.maxNodes ?? 6;
    const nodeMax = this.options.nodeMaxTokens ?? Math.min(this.options.maxTokens, 256);
    const nodes: TaskNode[] = [];
    const kinds: OutputKind[] = [];
    const notes: string[] = [];
    let generated = 0;
    let logProbSum = 0;
    let firstTokenMs: number | null = null;
    const decode = { tokens: 0, ms: 0 };
    let promptEvaluated: number | null = null;
    for (let i = 0; i < maxNodes; i++) {
      const remaining = this.options.maxTokens - generated;
      if (remaining <= 8) {
        notes.push(`token budget (${this.options.maxTokens}) used up after ${nodes.length} nodes`);
        break;
      }
      const schema = nodeGrammarSchema(i, kinds, {
        ...o,
        question: req.question,
        final: i === maxNodes - 1 && nodes.length > 0,
        timeFromRefs: true,
      });
      if (schema === null) break;
      const grammar = await this.grammar(schema);
      const g = await this.generate(tokens, grammar, Math.min(nodeMax, remaining), signal);
      generated += g.stats.tokens;
      logProbSum += g.stats.logProbSum;
      promptEvaluated ??= g.stats.evaluated;
      if (g.stats.tokens > 1 && g.stats.firstTokenMs !== null) {
        decode.tokens += g.stats.tokens - 1;
        decode.ms += g.stats.ms - g.stats.firstTokenMs;
      }
      if (firstTokenMs === null && g.stats.firstTokenMs !== null) firstTokenMs = performance.now() - t0 - g.stats.ms + g.stats.firstTokenMs;
      if (g.stats.truncated) {
        notes.push(`node ${i} did not finish within ${Math.min(nodeMax, remaining)} tokens; dropped`);
        break;
      }
      let node: TaskNode;
      try {
        const raw = JSON.parse(g.text) as { task: string; arguments: Record<string, unknown> };
        const args: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(raw.arguments ?? {})) if (v !== null) args[k] = v;
        // The grammar leaves compose_answer's question out; it is the user's question.
        if (raw.task === 'compose_answer') args.question = req.question.slice(0, 280);
        node = { task: raw.task, arguments: args };
      } catch (err) {
        notes.push(`node ${i} is not JSON (${err instanceof Error ? err.message : String(err)}); dropped`);
        break;
      }
      nodes.push(node);
      kinds.push(getTool(node.task)?.kind ?? 'answer');
      tokens = [...tokens, ...g.tokens, ...sep];
      if (node.task === 'compose_answer') break;
    }
    if (nodes.length === 0) {
      throw new HomeSightError('E_PLAN_EMPTY', 'the local model wrote no complete plan node', {
        context: { notes },
        hint: 'raise agent.llm.max_tokens, or the model is not suited for planning',
      });
    }
    const unclosed = nodes[nodes.length - 1]!.task !== 'compose_answer' && nodes.length < maxNodes + 1;
    if (unclosed) notes.push('compose_answer appended');
    const plan = planOfNodes(unclosed ? withAnswer(nodes, req.question) : nodes);
    const result: PlanResult = {
      plan,
      planner: this.name,
      confidence: generated > 0 ? logProbSum / generated : null,
      tokens: generated,
      latencyMs: performance.now() - t0,
      dropped: prompt.dropped,
      notes,
      promptTokens: prompt.tokens,
      decode,
    };
    if (promptEvaluated !== null) result.promptEvaluated = promptEvaluated;
    if (firstTokenMs !== null) result.firstTokenMs = firstTokenMs;
    return result;
  }

  /**
   * HomeSight's planner model: grounded prompt → plan text under this
   * request's grammar → parsed and relexicalised plan (model-planner.ts). The
   * prompt starts with BOS and is tokenized on its own, as in training.
   */
  private async planText(req: PlanRequest, signal: AbortSignal): Promise<PlanResult> {
    const t0 = performance.now();
    const model = this.model!;
    const turn = modelTurn(req);
    const people = this.applied?.people ?? this.options.people;
    const maxNodes = this.options.maxNodes ?? 6;
    const base = modelGrammarOptions(req, turn, maxNodes);
    const options = people === undefined ? base : { ...base, people: [...(base.people ?? []), ...Object.keys(people)] };
    const prompt = [model.tokens.bos ?? (1 as Token), ...model.tokenize(turn.prompt)];
    const groundMs = performance.now() - t0;
    const lineGrammar = planTextGrammars(options);
    // Line by line, each under a grammar that knows the tools already chosen: a reference can only name an
    // earlier node whose output its argument takes.
    let tokens = prompt;
    let text = '';
    const kinds: OutputKind[] = [];
    const margins: number[] = [];
    const decode = { tokens: 0, ms: 0 };
    let generated = 0;
    let firstTokenMs: number | null = null;
    let promptEvaluated: number | null = null;
    for (;;) {
      // A closed plan's grammar admits only the end marker: written, not generated (a choice-free line).
      if (planClosed(kinds, maxNodes)) {
        text += `${END_MARKER}\n`;
        break;
      }
      const remaining = Math.max(1, this.options.maxTokens - generated);
      const grammar = await this.textGrammar(lineGrammar(kinds));
      const g = await this.generate(tokens, grammar, remaining, signal, 'plan-line');
      promptEvaluated ??= g.stats.evaluated;
      if (firstTokenMs === null && g.stats.firstTokenMs !== null) firstTokenMs = performance.now() - t0 - g.stats.ms + g.stats.firstTokenMs;
      if (g.stats.tokens > 1 && g.stats.firstTokenMs !== null) {
        decode.tokens += g.stats.tokens - 1;
        decode.ms += g.stats.ms - g.stats.firstTokenMs;
      }
      generated += g.stats.tokens;
      margins.push(...g.stats.margins);
      text += g.text;
      tokens = [...tokens, ...g.tokens];
      if (!g.text.endsWith('\n')) {
        throw new HomeSightError('E_PLAN_TRUNCATED', `the plan did not finish within ${this.options.maxTokens} tokens`, {
          context: { text: text.slice(0, 400) },
          hint: 'raise agent.llm.max_tokens',
        });
      }
      if (g.text === `${END_MARKER}\n`) break;
      const task = /^[A-Za-z_][A-Za-z0-9_]*/.exec(g.text)?.[0] ?? '';
      kinds.push(getTool(task)?.kind ?? 'answer');
    }
    // The shapes a small model misreads, rewritten to what the request asks (it sees placeholders, not tense, and no
    // hub topics): see planAsAsked.
    // the people an adapter (or the evaluation of one) writes by pseudonym are no invented people
    const parsed = planFromModelText(text, turn, req, Object.keys(people ?? {}));
    // a plan the model ended before its answer is closed by one, as the JSON path closes it
    const closed = parsed.task_nodes.at(-1)?.task === 'compose_answer' ? parsed : planOfNodes(withAnswer(parsed.task_nodes, req.question));
    const written = planAsAsked(closed, req);
    const renamed = people === undefined ? written : renamePeople(written, people);
    const plan = renamed === written ? written : { ...renamed, task_steps: describeSteps(renamed.task_nodes) };
    const result: PlanResult = {
      plan,
      planner: this.name,
      confidence: marginConfidence(margins),
      tokens: generated,
      latencyMs: performance.now() - t0,
      promptTokens: prompt.length,
      notes: [`grounded ${turn.question.mentions.length} mention(s) in ${groundMs.toFixed(1)} ms: ${turn.question.text.slice(0, 160)}`],
    };
    if (promptEvaluated !== null) result.promptEvaluated = promptEvaluated;
    if (firstTokenMs !== null) result.firstTokenMs = firstTokenMs;
    if (decode.tokens > 0) result.decode = decode;
    return result;
  }

  private async planWhole(req: PlanRequest, signal: AbortSignal): Promise<PlanResult> {
    const t0 = performance.now();
    const o = this.catalogOptions(req);
    const prompt = this.prompt(req, 'plan', o);
    const grammar = await this.grammar(catalogGrammarSchema(o));
    const g = await this.generate(this.model!.tokenize(prompt.text), grammar, this.options.maxTokens, signal);
    if (g.stats.truncated) {
      throw new HomeSightError('E_PLAN_TRUNCATED', `the plan did not finish within ${this.options.maxTokens} tokens`, {
        hint: 'raise agent.llm.max_tokens or use agent.llm.grammar: node',
      });
    }
    const parsed = taskPlanSchema.parse(JSON.parse(g.text));
    // The grammar writes null for optional arguments that are not given.
    for (const n of parsed.task_nodes) {
      if (!Array.isArray(n.arguments)) for (const [k, v] of Object.entries(n.arguments)) if (v === null) delete n.arguments[k];
    }
    const result: PlanResult = {
      plan: parsed,
      planner: this.name,
      confidence: g.stats.tokens > 0 ? g.stats.logProbSum / g.stats.tokens : null,
      tokens: g.stats.tokens,
      latencyMs: performance.now() - t0,
      dropped: prompt.dropped,
      promptTokens: prompt.tokens,
    };
    result.promptEvaluated = g.stats.evaluated;
    if (g.stats.firstTokenMs !== null) {
      result.firstTokenMs = g.stats.firstTokenMs;
      if (g.stats.tokens > 1) result.decode = { tokens: g.stats.tokens - 1, ms: g.stats.ms - g.stats.firstTokenMs };
    }
    return result;
  }
}
