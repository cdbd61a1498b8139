import type { KeyObject } from 'node:crypto';
import { appendFile, copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { HomeSightError, silentLogger, systemClock, type Clock, type Logger } from '../../system/index.js';
import { parseManifest, type AdapterManifest } from './manifest.js';
import { verifyAdapterFile } from './verify.js';
import type { AdapterDecision } from './decision.js';

/** An adopted adapter kept on disk for use and rollback. */
export interface StoredAdapter {
  id: string;
  /** Absolute path of the GGUF file (pass it to createContext({lora})). */
  file: string;
  manifest: AdapterManifest;
  adoptedAt: string;
  /** The evaluation numbers it was adopted with. */
  metrics: Record<string, number>;
  active: boolean;
}

/** Why the active adapter changed. */
export interface AdapterChange {
  previous: string | null;
  active: StoredAdapter | null;
  reason: 'adopted' | 'rollback' | 'external';
}

export type AdapterChangeListener = (change: AdapterChange) => void;

export interface AdapterStoreOptions {
  /** Folder that holds the store (default in the daemon: <paths.data_dir>/adapters). */
  dir: string;
  /** How many adopted adapters to keep (the active one included) for rollback. */
  keep: number;
  /** Keys a kept adapter's manifest must still verify with when rolled back to. */
  trustedKeys: readonly KeyObject[];
  clock?: Clock;
  log?: Logger;
}

const stackEntry = z.object({ id: z.string(), adopted_at: z.string(), metrics: z.record(z.string(), z.number()).default({}) });
const stateSchema = z.object({
  version: z.literal(1),
  stack: z.array(stackEntry),
  /** Ids rolled back from (newest last): the lifecycle refuses them if they are offered again. */
  rolled_back: z.array(z.string()).default([]),
  updated: z.string(),
});
type State = z.infer<typeof stateSchema>;

const STATE_FILE = 'state.json';
const DECISIONS_FILE = 'decisions.jsonl';

/**
 * The device's adapters on disk:
 *   <dir>/state.json        {version, stack: [{id, adopted_at, metrics}] oldest first, rolled_back: [ids],
 *                           updated}; the active adapter is the last of the stack
 *   <dir>/kept/<id>.gguf    adopted adapter files, with <id>.json their signed manifests
 *   <dir>/staging/          candidates while they are verified and evaluated
 *   <dir>/decisions.jsonl   every adopt/reject/rollback decision with its numbers (audit)
 * state.json is replaced atomically, so the `homesight adapter rollback` CLI and the daemon can share the
 * folder; the daemon notices CLI changes through refresh()/watch().
 */
export class AdapterStore {
  private state: State = { version: 1, stack: [], rolled_back: [], updated: '' };
  private readonly listeners = new Set<AdapterChangeListener>();
  private readonly manifests = new Map<string, AdapterManifest>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private lastMtime = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: AdapterStoreOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger();
  }

  static async open(options: AdapterStoreOptions): Promise<AdapterStore> {
    if (!Number.isInteger(options.keep) || options.keep < 1) {
      throw new HomeSightError('E_ADAPTER_CONFIG', `learning.adapters.keep must be >= 1, got ${options.keep}`);
    }
    const s = new AdapterStore(options);
    try {
      await mkdir(s.keptDir, { recursive: true });
      await mkdir(s.stagingDir, { recursive: true });
    } catch (err) {
      throw new HomeSightError('E_ADAPTER_STORE', `cannot create the adapter store at ${options.dir}: ${(err as Error).message}`, {
        context: { dir: options.dir },
        hint: 'check paths.data_dir (or learning.adapters.dir) is writable by the daemon user',
        cause: err,
      });
    }
    await s.load();
    return s;
  }

  get dir(): string {
    return this.options.dir;
  }
  get keptDir(): string {
    return join(this.options.dir, 'kept');
  }
  get stagingDir(): string {
    return join(this.options.dir, 'staging');
  }

  /** The adapter the planner should use now, or null for the bare base model. */
  active(): StoredAdapter | null {
    const top = this.state.stack.at(-1);
    return top === undefined ? null : this.entry(top, true);
  }

  /** `lora` option for node-llama-cpp's createContext, or undefined when no adapter is active. */
  loraOption(scale = 1): { adapters: Array<{ filePath: string; scale: number }> } | undefined {
    const a = this.active();
    return a === null ? undefined : { adapters: [{ filePath: a.file, scale }] };
  }

  /** Kept adapters, newest first. */
  list(): StoredAdapter[] {
    const n = this.state.stack.length;
    return this.state.stack.map((e, i) => this.entry(e, i === n - 1)).reverse();
  }

  has(id: string): boolean {
    return this.state.stack.some((e) => e.id === id);
  }

  /** True when the owner rolled back from this adapter; it is not adopted again. */
  wasRolledBack(id: string): boolean {
    return this.state.rolled_back.includes(id);
  }

  /** Subscribes to active-adapter changes (hot-swap); returns the unsubscribe function. */
  onChange(listener: AdapterChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where a candidate is copied before verification (so the bytes checked are the bytes used). */
  stagingPath(id: string): string {
    return join(this.stagingDir, `${id}.gguf`);
  }

  /** Makes a verified, evaluated candidate (already in staging) the active adapter; prunes beyond `keep`. */
  adopt(manifest: AdapterManifest, stagedFile: string, metrics: Record<string, number>): Promise<StoredAdapter> {
    return this.serial(async () => {
      const previous = this.active()?.id ?? null;
      const dest = this.fileOf(manifest.id);
      await writeFile(this.manifestFileOf(manifest.id) + '.tmp', JSON.stringify(manifest, null, 2) + '\n');
      await rename(this.manifestFileOf(manifest.id) + '.tmp', this.manifestFileOf(manifest.id));
      await rename(stagedFile, dest).catch(async () => {
        await copyFile(stagedFile, dest + '.tmp');
        await rename(dest + '.tmp', dest);
        await rm(stagedFile, { force: true });
      });
      this.manifests.set(manifest.id, manifest);
      const stack = this.state.stack.filter((e) => e.id !== manifest.id);
      stack.push({ id: manifest.id, adopted_at: new Date(this.clock.now()).toISOString(), metrics });
      await this.save(stack);
      await this.prune();
      const active = this.active();
      this.emit({ previous, active, reason: 'adopted' });
      return active as StoredAdapter;
    });
  }

  /**
   * Goes back to an earlier adapter: without a target to the previous one (or the bare base model when
   * there is none), with an id to that kept adapter, with 'base' to no adapter. The target's file is
   * verified again (signature and sha256) before it becomes active. Adapters rolled back from are dropped
   * and remembered, so the same id is not adopted again.
   */
  rollback(target?: string): Promise<{ from: string | null; to: string | null }> {
    return this.serial(async () => {
      await this.load();
      const from = this.active()?.id ?? null;
      if (from === null && target !== 'base') {
        throw new HomeSightError('E_ADAPTER_ROLLBACK', 'no adapter is active; there is nothing to roll back', {
          hint: 'homesight adapter list shows the kept adapters',
        });
      }
      let stack = this.state.stack.slice();
      if (target === undefined) stack.pop();
      else if (target === 'base') stack = [];
      else {
        const i = stack.findIndex((e) => e.id === target);
        if (i < 0) {
          throw new HomeSightError('E_ADAPTER_NOT_FOUND', `adapter ${target} is not kept on this device`, {
            context: { id: target, kept: stack.map((e) => e.id) },
            hint: 'homesight adapter list shows the kept adapters',
          });
        }
        stack = stack.slice(0, i + 1);
      }
      const top = stack.at(-1);
      if (top !== undefined) {
        const m = await this.readManifest(top.id);
        await verifyAdapterFile(m, this.fileOf(top.id), this.options.trustedKeys);
      }
      const dropped = this.state.stack.filter((e) => !stack.some((k) => k.id === e.id)).map((e) => e.id);
      await this.save(stack, [...this.state.rolled_back.filter((id) => !dropped.includes(id)), ...dropped].slice(-100));
      await this.prune();
      const to = this.active()?.id ?? null;
      await this.recordDecision({ kind: 'rollback', at: new Date(this.clock.now()).toISOString(), from, to });
      this.log.info({ from, to }, 'adapter rolled back');
      this.emit({ previous: from, active: this.active(), reason: 'rollback' });
      return { from, to };
    });
  }

  /** Appends a decision (adopt, reject, rollback) to decisions.jsonl. */
  async recordDecision(d: AdapterDecision | { kind: 'rollback'; at: string; from: string | null; to: string | null }): Promise<void> {
    await appendFile(join(this.options.dir, DECISIONS_FILE), JSON.stringify(d) + '\n');
  }

  /** The last `limit` decisions, newest first. */
  async decisions(limit = 20): Promise<Array<Record<string, unknown>>> {
    let text = '';
    try {
      text = await readFile(join(this.options.dir, DECISIONS_FILE), 'utf8');
    } catch {
      return [];
    }
    const out: Array<Record<string, unknown>> = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a torn last line after a crash: skip it
      }
    }
    return out.slice(-limit).reverse();
  }

  /** Re-reads state.json (another process, e.g. the CLI, may have changed it); emits when the active adapter changed. */
  refresh(): Promise<boolean> {
    return this.serial(async () => {
      const before = this.active()?.id ?? null;
      await this.load();
      const after = this.active()?.id ?? null;
      if (before === after) return false;
      this.log.info({ from: before, to: after }, 'active adapter changed on disk');
      this.emit({ previous: before, active: this.active(), reason: 'external' });
      return true;
    });
  }

  /** Polls state.json every intervalMs and calls refresh() when it changed; returns the stop function. */
  watch(intervalMs = 2000): () => void {
    const timer = setInterval(() => {
      stat(join(this.options.dir, STATE_FILE))
        .then((st) => (st.mtimeMs !== this.lastMtime ? this.refresh() : false))
        .catch(() => undefined);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  // ------------------------------------------------------------------ internals

  private fileOf(id: string): string {
    return join(this.keptDir, `${id}.gguf`);
  }
  private manifestFileOf(id: string): string {
    return join(this.keptDir, `${id}.json`);
  }

  private entry(e: State['stack'][number], active: boolean): StoredAdapter {
    const manifest = this.manifests.get(e.id);
    if (manifest === undefined) throw new HomeSightError('E_ADAPTER_STORE', `adapter ${e.id} has no manifest in ${this.keptDir}`);
    return { id: e.id, file: this.fileOf(e.id), manifest, adoptedAt: e.adopted_at, metrics: e.metrics, active };
  }

  private async readManifest(id: string): Promise<AdapterManifest> {
    const file = this.manifestFileOf(id);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new HomeSightError('E_ADAPTER_STORE', `cannot read manifest ${file}: ${(err as Error).message}`, {
        context: { id, file },
        cause: err,
      });
    }
    const m = parseManifest(json, file);
    if (m.id !== id)
      throw new HomeSightError('E_ADAPTER_STORE', `${file} holds manifest ${m.id}, expected ${id}`, { context: { id, file } });
    return m;
  }

  private async load(): Promise<void> {
    const file = join(this.options.dir, STATE_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
      this.lastMtime = (await stat(file)).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.state = { version: 1, stack: [], rolled_back: [], updated: '' };
        return;
      }
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    const parsed = stateSchema.safeParse(json);
    if (!parsed.success) {
      throw new HomeSightError('E_ADAPTER_STORE', `${file} is not a valid adapter state file`, {
        context: { file },
        hint: 'delete it to start over on the bare base model (kept adapters stay in kept/)',
      });
    }
    const stack: State['stack'] = [];
    for (const e of parsed.data.stack) {
      try {
        this.manifests.set(e.id, await this.readManifest(e.id));
        stack.push(e);
      } catch (err) {
        this.log.warn({ id: e.id, err: (err as Error).message }, 'kept adapter has no readable manifest; dropped from the store');
      }
    }
    this.state = { ...parsed.data, stack };
  }

  private async save(stack: State['stack'], rolledBack: string[] = this.state.rolled_back): Promise<void> {
    const state: State = { version: 1, stack, rolled_back: rolledBack, updated: new Date(this.clock.now()).toISOString() };
    const file = join(this.options.dir, STATE_FILE);
    await writeFile(file + '.tmp', JSON.stringify(state, null, 2) + '\n');
    await rename(file + '.tmp', file);
    this.state = state;
    this.lastMtime = (await stat(file)).mtimeMs;
  }

  /** Keeps the newest `keep` stack entries; deletes files of anything else in kept/. */
  private async prune(): Promise<void> {
    const keepN = this.options.keep;
    if (this.state.stack.length > keepN) await this.save(this.state.stack.slice(-keepN));
    const ids = new Set(this.state.stack.map((e) => e.id));
    for (const name of await readdir(this.keptDir)) {
      const id = name.replace(/\.(gguf|json)(\.tmp)?$/, '');
      if (!ids.has(id)) {
        await rm(join(this.keptDir, name), { force: true });
        this.manifests.delete(id);
      }
    }
  }

  private emit(change: AdapterChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'adapter change listener failed');
      }
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
