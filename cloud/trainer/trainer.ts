import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HomeSightError, isErrorCode } from '../../daemon/system/index.js';

/** The reference trainer script (Python 3 + torch). */
export const TRAIN_SCRIPT = fileURLToPath(new URL('./train_lora.py', import.meta.url));

/** One adapter training job. Paths must be visible to the process that runs the trainer. */
export interface TrainJob {
  /** Base model GGUF (llama architecture). */
  baseModel: string;
  /** Training JSONL (plan records or {prompt, completion}). */
  dataFile: string;
  /** Adapter GGUF to write. */
  outFile: string;
  steps: number;
  rank: number;
  alpha: number;
  seed: number;
  lr?: number;
  batch?: number;
  /** Tokens per sample; longer samples are truncated. */
  maxLen?: number;
  /** Held-out JSONL whose NLL before/after the trainer reports. */
  evalFile?: string;
  /** GGUF projection names to adapt (default: attention q/k/v/output and MLP gate/up/down). */
  targets?: string[];
  /** Extra trainer arguments (e.g. ['--dtype', 'f16']). */
  extraArgs?: string[];
}

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  lossEma: number;
  elapsedS: number;
}

export interface TrainResult {
  adapterFile: string;
  /** sha256 of the adapter file, as the trainer computed it. */
  sha256: string;
  baseSha256: string;
  /** Mean completion-token NLL on the training set before/after training. */
  lossStart: number;
  lossEnd: number;
  evalNllStart: number | null;
  evalNllEnd: number | null;
  steps: number;
  rank: number;
  alpha: number;
  /** Which LoRA implementation ran: 'torch' (built-in) or 'peft'. */
  backend: string;
  device: string;
  trainSeconds: number;
  totalSeconds: number;
}

/** The training seam: the teacher service calls this; implementations run the trainer where the GPUs are. */
export interface Trainer {
  readonly name: string;
  train(job: TrainJob, onProgress?: (p: TrainProgress) => void, signal?: AbortSignal): Promise<TrainResult>;
}

/** The train_lora.py arguments for a job. */
export function trainerArgs(job: TrainJob, threads?: number): string[] {
  const a = [
    '--base',
    job.baseModel,
    '--data',
    job.dataFile,
    '--out',
    job.outFile,
    '--steps',
    String(job.steps),
    '--rank',
    String(job.rank),
    '--alpha',
    String(job.alpha),
    '--seed',
    String(job.seed),
  ];
  if (job.lr !== undefined) a.push('--lr', String(job.lr));
  if (job.batch !== undefined) a.push('--batch', String(job.batch));
  if (job.maxLen !== undefined) a.push('--max-len', String(job.maxLen));
  if (job.evalFile !== undefined) a.push('--eval-data', job.evalFile);
  if (job.targets !== undefined) a.push('--targets', job.targets.join(','));
  if (threads !== undefined) a.push('--threads', String(threads));
  return [...a, ...(job.extraArgs ?? [])];
}

/**
 * A Python that can import torch: `explicit` if given, else $HOMESIGHT_PYTHON, else the first of
 * python3, /usr/bin/python3 that imports torch (a pyenv/venv python3 on PATH often lacks Debian's
 * python3-torch). Throws E_TRAINER_PYTHON when none does.
 */
export function findPython(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const candidates =
    explicit !== undefined ? [explicit] : env['HOMESIGHT_PYTHON'] ? [env['HOMESIGHT_PYTHON']] : ['python3', '/usr/bin/python3'];
  const tried: string[] = [];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch, numpy'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    if (r.status === 0) return py;
    tried.push(`${py}: ${r.error?.message ?? (r.stderr?.toString().trim().split('\n').at(-1) || `exit ${r.status}`)}`);
  }
  throw new HomeSightError('E_TRAINER_PYTHON', `no Python with torch and numpy found (${tried.join('; ')})`, {
    context: { tried: candidates },
    hint: 'apt install python3-torch python3-numpy (Debian), or set HOMESIGHT_PYTHON to a python that has torch',
  });
}

interface TrainerLine {
  type?: string;
  [k: string]: unknown;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * Runs a trainer command, reads its JSON progress lines from stdout and resolves with the 'done' line.
 * Aborting the signal sends SIGTERM (then SIGKILL after 5 s) to the process group.
 */
async function runTrainerProcess(
  name: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  job: TrainJob,
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<TrainResult> {
  signal?.throwIfAborted();
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new HomeSightError('E_TRAINER_COMMAND', `${name}: empty command`);
  return new Promise<TrainResult>((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let buf = '';
    let stderr = '';
    let done: TrainerLine | null = null;
    let error: TrainerLine | null = null;
    let start: TrainerLine | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    const kill = (sig: NodeJS.Signals) => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, sig);
        } catch {
          // already gone
        }
      }
    };
    const onAbort = () => {
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), 5000);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const handle = (line: string) => {
      if (!line.startsWith('{')) return;
      let msg: TrainerLine;
      try {
        msg = JSON.parse(line) as TrainerLine;
      } catch {
        return;
      }
      if (msg.type === 'step' && onProgress !== undefined) {
        onProgress({
          step: num(msg['step']),
          steps: num(msg['steps']),
          loss: num(msg['loss']),
          lossEma: num(msg['loss_ema']),
          elapsedS: num(msg['elapsed_s']),
        });
      } else if (msg.type === 'start') start = msg;
      else if (msg.type === 'done') done = msg;
      else if (msg.type === 'error') error = msg;
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        handle(buf.slice(0, i).trim());
        buf = buf.slice(i + 1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(
        new HomeSightError('E_TRAINER_SPAWN', `${name}: cannot start ${cmd}: ${err.message}`, { context: { command: argv }, cause: err }),
      );
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer !== null) clearTimeout(killTimer);
      if (buf.trim() !== '') handle(buf.trim());
      if (signal?.aborted === true) {
        reject(new HomeSightError('E_TRAINER_ABORTED', `${name}: training aborted`, { context: { job } }));
        return;
      }
      const d = done as TrainerLine | null;
      if (code === 0 && d !== null) {
        const s = start as TrainerLine | null;
        resolve({
          adapterFile: typeof d['adapter'] === 'string' ? d['adapter'] : job.outFile,
          sha256: String(d['sha256'] ?? ''),
          baseSha256: String(d['base_sha256'] ?? ''),
          lossStart: num(d['loss_start']),
          lossEnd: num(d['loss_end']),
          evalNllStart: numOrNull(d['eval_nll_start']),
          evalNllEnd: numOrNull(d['eval_nll_end']),
          steps: num(d['steps']),
          rank: num(d['rank']),
          alpha: num(d['alpha']),
          backend: String(s?.['backend'] ?? 'unknown'),
          device: String(s?.['device'] ?? 'unknown'),
          trainSeconds: num(d['train_s']),
          totalSeconds: num(d['total_s']),
        });
        return;
      }
      const e = error as TrainerLine | null;
      const lineCode = e?.['code'];
      const code2 = isErrorCode(lineCode) ? lineCode : 'E_TRAINER_FAILED';
      const message =
        typeof e?.['message'] === 'string'
          ? (e['message'] as string)
          : stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${code ?? sig}`;
      reject(
        new HomeSightError(code2, `${name}: training failed (exit ${code ?? sig}): ${message}`, {
          context: { job, exitCode: code, signal: sig, stderr: stderr.slice(-1000) },
          hint:
            code2 === 'E_TRAIN_NO_PROGRESS'
              ? 'raise --steps or --lr, or check the data'
              : 'see the trainer output; run cloud/trainer/train_lora.py by hand with the same arguments',
        }),
      );
    });
  });
}

export interface LocalProcessTrainerOptions {
  /** Python with torch; default: findPython(). */
  python?: string;
  /** torch CPU threads (and OMP/OpenBLAS threads); default 1 — on small shared machines more is often slower. */
  threads?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs cloud/trainer/train_lora.py as a local child process. */
export class LocalProcessTrainer implements Trainer {
  readonly name = 'local-process';
  private python: string | undefined;

  constructor(private readonly options: LocalProcessTrainerOptions = {}) {
    this.python = options.python;
  }

  async train(job: TrainJob, onProgress?: (p: TrainProgress) => void, signal?: AbortSignal): Promise<TrainResult> {
    this.python ??= findPython(undefined, this.options.env ?? process.env);
    const threads = this.options.threads ?? 1;
    const env = {
      ...process.env,
      ...this.options.env,
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
      PYTHONUNBUFFERED: '1',
    };
    return runTrainerProcess(this.name, [this.python, TRAIN_SCRIPT, ...trainerArgs(job, threads)], env, job, onProgress, signal);
  }
}

export interface CommandTemplateTrainerOptions {
  /**
   * argv of the command, no shell: each element may contain {python}, {script}, {base}, {data}, {out}, {eval},
   * {steps}, {rank}, {alpha}, {seed}, {lr}; an element that is exactly {args} expands to all trainer arguments.
   * Example (Slurm): ['srun', '--gres=gpu:1', '--time=30', '{python}', '{script}', '{args}']. The command must
   * stream the trainer's stdout (progress lines) and leave the adapter at {out} on a shared filesystem.
   */
  template: string[];
  python?: string;
  /** Path of train_lora.py as the cluster sees it (default: this checkout's). */
  script?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs the trainer through a command template (a cluster scheduler, ssh to a GPU host, a container). */
export class CommandTemplateTrainer implements Trainer {
  readonly name = 'command-template';

  constructor(private readonly options: CommandTemplateTrainerOptions) {
    if (options.template.length === 0) throw new HomeSightError('E_TRAINER_COMMAND', 'command template is empty');
  }

  /** The argv the job would run, for logs and dry runs. */
  command(job: TrainJob): string[] {
    const vars: Record<string, string> = {
      python: this.options.python ?? 'python3',
      script: this.options.script ?? TRAIN_SCRIPT,
      base: job.baseModel,
      data: job.dataFile,
      out: job.outFile,
      eval: job.evalFile ?? '',
      steps: String(job.steps),
      rank: String(job.rank),
      alpha: String(job.alpha),
      seed: String(job.seed),
      lr: job.lr === undefined ? '' : String(job.lr),
    };
    const out: string[] = [];
    for (const part of this.options.template) {
      if (part === '{args}') out.push(...trainerArgs(job));
      else {
        out.push(
          part.replace(/\{(\w+)\}/g, (m, k: string) => {
            const v = vars[k];
            if (v === undefined)
              throw new HomeSightError('E_TRAINER_COMMAND', `unknown placeholder ${m} in the trainer command template`, {
                context: { template: this.options.template },
              });
            return v;
          }),
        );
      }
    }
    return out;
  }

  async train(job: TrainJob, onProgress?: (p: TrainProgress) => void, signal?: AbortSignal): Promise<TrainResult> {
    const argv = this.command(job);
    const result = await runTrainerProcess(
      this.name,
      argv,
      { ...process.env, ...this.options.env, PYTHONUNBUFFERED: '1' },
      job,
      onProgress,
      signal,
    );
    if (!existsSync(job.outFile)) {
      throw new HomeSightError('E_TRAINER_OUTPUT', `${this.name}: the command finished but ${job.outFile} does not exist here`, {
        context: { command: argv },
        hint: 'the trainer must write to a filesystem this host shares, or the template must copy the adapter back',
      });
    }
    return result;
  }
}
