import type { readGgufFileInfo } from 'node-llama-cpp';
import { HomeSightError } from '../../system/index.js';

/** What the device knows about its base model, to decide whether an adapter fits it. */
export interface BaseModelInfo {
  path: string;
  sha256: string;
  architecture: string;
  /** Tensor name -> ggml dimensions (ne0 first). */
  tensors: ReadonlyMap<string, readonly number[]>;
}

/** What an adapter GGUF says about itself. */
export interface AdapterFileInfo {
  architecture: string;
  generalType: string;
  adapterType: string;
  alpha: number | null;
  /** homesight.base_model.sha256 written by the trainer, when present. */
  baseSha256: string | null;
  tensors: ReadonlyMap<string, readonly number[]>;
  metadata: Record<string, unknown>;
}

const IGNORE_KEYS = ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges'];

function dig(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

async function readInfo(path: string, what: string) {
  try {
    const { readGgufFileInfo } = await import('node-llama-cpp');
    return await readGgufFileInfo(path, { logWarnings: false, ignoreKeys: IGNORE_KEYS, sourceType: 'filesystem' });
  } catch (err) {
    throw new HomeSightError('E_ADAPTER_GGUF', `${what} ${path} is not a readable GGUF file: ${(err as Error).message}`, {
      context: { path },
      hint: 'the file is damaged or not GGUF; fetch it again',
      cause: err,
    });
  }
}

function tensorMap(info: Awaited<ReturnType<typeof readGgufFileInfo>>): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const t of info.tensorInfo ?? [])
    m.set(
      t.name,
      t.dimensions.map((d) => Number(d)),
    );
  return m;
}

export async function readBaseModelInfo(path: string, sha256: string): Promise<BaseModelInfo> {
  const info = await readInfo(path, 'base model');
  const architecture = String(dig(info.metadata, 'general.architecture') ?? '');
  return { path, sha256, architecture, tensors: tensorMap(info) };
}

/**
 * `homesight.train.format` of a GGUF (null when it has none): 'homesight-planner-v1' for HomeSight's planner model,
 * whose adapters are trained and evaluated on its own prompt and plan text.
 */
export async function readTrainFormat(path: string): Promise<string | null> {
  const f = dig((await readInfo(path, 'base model')).metadata, 'homesight.train.format');
  return typeof f === 'string' ? f : null;
}

export async function readAdapterFileInfo(path: string): Promise<AdapterFileInfo> {
  const info = await readInfo(path, 'adapter');
  const md = info.metadata as unknown as Record<string, unknown>;
  const alpha = dig(md, 'adapter.lora.alpha');
  const base = dig(md, 'homesight.base_model.sha256');
  return {
    architecture: String(dig(md, 'general.architecture') ?? ''),
    generalType: String(dig(md, 'general.type') ?? ''),
    adapterType: String(dig(md, 'adapter.type') ?? ''),
    alpha: typeof alpha === 'number' ? alpha : null,
    baseSha256: typeof base === 'string' ? base : null,
    tensors: tensorMap(info),
    metadata: md,
  };
}

/**
 * Problems that make an adapter unusable on this base model (empty = compatible). Mirrors the checks
 * llama.cpp's llama_adapter_lora_init makes (general.type, adapter.type, architecture, each
 * `<base tensor>.lora_a|lora_b` pair present, lora_a ne = [n_in, r], lora_b ne = [r, n_out]) and adds
 * the base-model digest: `expectedBaseSha256` (from the signed manifest) and the adapter's own
 * homesight.base_model.sha256 must both name this base model.
 */
export function compatibilityProblems(base: BaseModelInfo, adapter: AdapterFileInfo, expectedBaseSha256: string): string[] {
  const problems: string[] = [];
  if (expectedBaseSha256 !== base.sha256) {
    problems.push(
      `manifest base_model_sha256 ${expectedBaseSha256.slice(0, 12)}… is not this device's base model ${base.sha256.slice(0, 12)}…`,
    );
  }
  if (adapter.baseSha256 !== null && adapter.baseSha256 !== base.sha256) {
    problems.push(`adapter file names base model ${adapter.baseSha256.slice(0, 12)}…, not ${base.sha256.slice(0, 12)}…`);
  }
  if (adapter.generalType !== 'adapter') problems.push(`general.type is "${adapter.generalType}", expected "adapter"`);
  if (adapter.adapterType !== 'lora') problems.push(`adapter.type is "${adapter.adapterType}", expected "lora"`);
  if (adapter.architecture !== base.architecture) {
    problems.push(`architecture "${adapter.architecture}" does not match the base model's "${base.architecture}"`);
  }
  const pairs = new Map<string, { a?: readonly number[]; b?: readonly number[] }>();
  for (const [name, dims] of adapter.tensors) {
    const m = /^(.*)\.lora_([ab])$/.exec(name);
    if (m === null) {
      if (!name.endsWith('_norm.weight')) problems.push(`tensor ${name} is not a LoRA tensor`);
      continue;
    }
    const key = m[1] as string;
    const p = pairs.get(key) ?? {};
    if (m[2] === 'a') p.a = dims;
    else p.b = dims;
    pairs.set(key, p);
  }
  if (pairs.size === 0) problems.push('the adapter has no lora_a/lora_b tensors');
  for (const [name, { a, b }] of pairs) {
    const w = base.tensors.get(name);
    if (a === undefined || b === undefined) {
      problems.push(`${name}: lora_${a === undefined ? 'a' : 'b'} is missing`);
      continue;
    }
    if (w === undefined) {
      problems.push(`${name}: no such tensor in the base model`);
      continue;
    }
    const fits = name.endsWith('token_embd.weight')
      ? w[0] === b[1] && w[1] === a[1] // llama.cpp flips A and B for the embedding (llm_build_inp_embd)
      : a[0] === w[0] && b[1] === w[1] && a[1] === b[0];
    if (!fits) {
      problems.push(`${name}: lora_a [${a.join(',')}] / lora_b [${b.join(',')}] do not fit base [${w.join(',')}]`);
    }
    if (problems.length > 20) break;
  }
  return problems;
}
