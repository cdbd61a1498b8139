import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HomeSightConfig } from '../config/index.js';
import { HomeSightError, asHomeSightError, errorMessage, type Clock, type Logger } from '../system/index.js';
import { openBundle, sha256File } from './bundle.js';
import { compareVersions, type Manifest } from './manifest.js';
import { reuseNodeModules, type ReleaseStore } from './releases.js';
import type { HealthProbe, Restarter } from './restart.js';

export type UpdateOutcome = 'installed' | 'rolled_back' | 'refused' | 'failed' | 'rollback_failed';

export interface HistoryEntry {
  version: string;
  outcome: UpdateOutcome;
  reason?: string;
  code?: string;
  previous: string | null;
  at: string;
}

export interface FleetState {
  /** Version the last confirmed update switched to. */
  current: string | null;
  previous: string | null;
  /** An apply in progress (switch → restart → health window). */
  pending: { version: string; previous: string | null; started: string; kind: 'update' | 'rollback' } | null;
  history: HistoryEntry[];
  /** How many history entries were already reported on MQTT. */
  reported: number;
}

const EMPTY: FleetState = { current: null, previous: null, pending: null, history: [], reported: 0 };

/** The fleet state file (JSON, atomic replace). */
export class StateFile {
  constructor(readonly file: string) {}

  read(): FleetState {
    try {
      return { ...EMPTY, ...(JSON.parse(readFileSync(this.file, 'utf8')) as Partial<FleetState>) };
    } catch {
      return structuredClone(EMPTY);
    }
  }

  write(s: FleetState): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${randomBytes(4).toString('hex')}`;
    const drop = Math.max(0, s.history.length - 50);
    writeFileSync(tmp, JSON.stringify({ ...s, history: s.history.slice(drop), reported: Math.max(0, s.reported - drop) }, null, 2) + '\n');
    renameSync(tmp, this.file);
  }

  update(fn: (s: FleetState) => void): FleetState {
    const s = this.read();
    fn(s);
    this.write(s);
    return s;
  }
}

export interface UpdaterOptions {
  releases: ReleaseStore;
  state: StateFile;
  restarter: Restarter;
  probe: HealthProbe;
  /** The fleet section as zod parsed it (trusted_keys, keep, health_window_s, self_check_timeout_s), used as is. */
  fleet: HomeSightConfig['fleet'];
  /** The config format version of this device (`version`): a bundle must support it. */
  configVersion: number;
  /** The running installation (node_modules are reused from it). */
  appRoot: string;
  /** Env for the self-check (HOMESIGHT_CONFIG …). */
  selfCheckEnv: NodeJS.ProcessEnv;
  log: Logger;
  clock: Clock;
  pollMs?: number;
}

export interface Prepared {
  version: string;
  manifest: Manifest;
  keyId: string;
  dir: string;
}

export type Progress = (stage: string, detail?: Record<string, unknown>) => void | Promise<void>;

/**
 * Installs a verified bundle and switches to it with a health window and
 * automatic rollback:
 *   prepare: verify (signature, hashes, compatibility) → releases/<v> → self-check;
 *   apply:   switch `current` → restart → wait for /healthz to report the new
 *            version healthy → keep it and prune, or switch back, restart the
 *            old one and report the rollback.
 */
export class Updater {
  constructor(private readonly o: UpdaterOptions) {}

  get state(): FleetState {
    return this.o.state.read();
  }

  /** Verifies and installs a bundle file; runs its self-check. Throws HomeSightError (refused). */
  async prepare(bundle: string, opts: { allowDowngrade?: boolean; progress?: Progress } = {}): Promise<Prepared> {
    const releases = this.o.releases;
    const staging = join(releases.dir, `.staging-${randomBytes(6).toString('hex')}`);
    await opts.progress?.('verifying');
    const opened = await openBundle(bundle, {
      trustedKeys: this.o.fleet.trusted_keys,
      configVersion: this.o.configVersion,
      stagingDir: staging,
    });
    const v = opened.manifest.version;
    try {
      const running = releases.current();
      if (running === v)
        throw new HomeSightError('E_FLEET_RUNNING', `version ${v} is already running`, {
          hint: 'nothing to do; bump the version to ship a change',
        });
      if (running !== null && compareVersions(v, running) < 0 && opts.allowDowngrade !== true) {
        throw new HomeSightError('E_FLEET_DOWNGRADE', `version ${v} is older than the running ${running}`, {
          hint: 'send allow_downgrade: true to install it anyway, or use the rollback command',
        });
      }
      await opts.progress?.('installing', { version: v, key_id: opened.keyId });
      const m = opened.manifest;
      if (m.lock_sha256 !== undefined && !existsSync(join(opened.dir, 'node_modules'))) {
        const lock = join(this.o.appRoot, 'package-lock.json');
        const have = existsSync(lock) ? await sha256File(lock) : null;
        if (have !== m.lock_sha256 || !existsSync(join(this.o.appRoot, 'node_modules'))) {
          throw new HomeSightError(
            'E_BUNDLE_DEPENDENCIES',
            `version ${v} needs different npm dependencies than the running release, and the bundle does not carry node_modules`,
            {
              hint: 'build the bundle with `scripts/make-bundle build --with-node-modules`',
            },
          );
        }
        const how = await reuseNodeModules(this.o.appRoot, opened.dir);
        this.o.log.info({ version: v, how }, 'node_modules taken from the running release');
      }
      const info = releases.install(opened.dir, v, opened.keyId);
      await rm(staging, { recursive: true, force: true });
      if (m.self_check !== undefined) {
        await opts.progress?.('self_check', { argv: m.self_check.argv });
        try {
          await this.selfCheck(info.dir, m.self_check.argv, (m.self_check.timeout_s ?? this.o.fleet.self_check_timeout_s) * 1000);
        } catch (err) {
          releases.remove(v);
          throw err;
        }
      }
      return { version: v, manifest: m, keyId: opened.keyId, dir: info.dir };
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }

  private selfCheck(dir: string, argv: string[], timeoutMs: number): Promise<void> {
    const [cmd, ...args] = argv;
    const bin = cmd === 'node' ? process.execPath : cmd!;
    return new Promise((resolve, reject) => {
      execFile(bin, args, { cwd: dir, env: this.o.selfCheckEnv, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err === null) {
          resolve();
          return;
        }
        const killed = (err as { killed?: boolean }).killed === true;
        const tail = `${stdout}${stderr}`.trim().split('\n').slice(-5).join(' | ').slice(0, 500);
        reject(
          new HomeSightError(
            'E_FLEET_SELF_CHECK',
            `self-check of the new release failed` +
              `${killed ? ` (timed out after ${timeoutMs} ms)` : ` (exit code ${(err as { code?: unknown }).code ?? '?'})`}: ${tail}`,
            {
              context: { argv, dir },
              hint: 'the bundle was not switched to; fix the release (or the device config it checks) and ship again',
            },
          ),
        );
      });
    });
  }

  /** Polls the probe until it reports `version` healthy or the window ends. */
  private async waitHealthy(version: string, windowMs: number): Promise<{ ok: boolean; detail: string }> {
    const deadline = this.o.clock.monotonic() + windowMs;
    let detail = 'no probe ran';
    for (;;) {
      const r = await this.o.probe.check();
      if (r.healthy && r.version === version) return { ok: true, detail: r.detail };
      detail = r.healthy ? `version ${r.version ?? '?'} answered instead of ${version}` : r.detail;
      if (this.o.clock.monotonic() >= deadline) return { ok: false, detail };
      await new Promise((res) => setTimeout(res, this.o.pollMs ?? 500));
    }
  }

  private record(entry: Omit<HistoryEntry, 'at'>): HistoryEntry {
    const full: HistoryEntry = { ...entry, at: new Date(this.o.clock.now()).toISOString() };
    this.o.state.update((s) => {
      s.history.push(full);
      s.pending = null;
      if (entry.outcome === 'installed') {
        s.previous = entry.previous;
        s.current = entry.version;
      }
    });
    return full;
  }

  /**
   * Switches to an installed version and watches it for the health window;
   * rolls back to the previous one when it does not become healthy.
   */
  async apply(version: string, opts: { progress?: Progress; kind?: 'update' | 'rollback' } = {}): Promise<HistoryEntry> {
    const releases = this.o.releases;
    const previous = releases.current();
    const kind = opts.kind ?? 'update';
    this.o.state.update((s) => {
      s.pending = { version, previous, started: new Date(this.o.clock.now()).toISOString(), kind };
    });
    const log = this.o.log.child({ version, previous });
    await opts.progress?.('switching', { version, previous });
    let reason: string;
    try {
      releases.switchTo(version);
      await opts.progress?.('restarting', { version });
      await this.o.restarter.restart();
      await opts.progress?.('health_window', { version, window_s: this.o.fleet.health_window_s });
      const h = await this.waitHealthy(version, this.o.fleet.health_window_s * 1000);
      if (h.ok) {
        const removed = releases.prune(this.o.fleet.keep, [version, previous]);
        log.info({ removed }, kind === 'rollback' ? 'rolled back on request' : 'update installed and healthy');
        return this.record({ version, outcome: 'installed', previous });
      }
      const exit = this.o.restarter.lastExit?.() ?? null;
      reason =
        `version ${version} did not report healthy within ${Math.round(this.o.fleet.health_window_s)} s ` +
        `(${h.detail}${exit === null ? '' : `; process ${exit}`})`;
    } catch (err) {
      reason = `switching to ${version} failed: ${errorMessage(err)}`;
    }
    log.error({ reason }, 'new version unhealthy');
    if (previous === null) return this.record({ version, outcome: 'failed', reason, code: 'E_FLEET_UNHEALTHY', previous });
    await opts.progress?.('rolling_back', { to: previous, reason });
    try {
      releases.switchTo(previous);
      await this.o.restarter.restart();
      const back = await this.waitHealthy(previous, this.o.fleet.health_window_s * 1000);
      if (!back.ok) {
        const r = `${reason}; rollback to ${previous} did not become healthy either (${back.detail})`;
        log.fatal({ reason: r }, 'rollback failed');
        return this.record({ version, outcome: 'rollback_failed', reason: r, code: 'E_FLEET_ROLLBACK_FAILED', previous });
      }
    } catch (err) {
      const r = `${reason}; rollback to ${previous} failed: ${errorMessage(err)}`;
      return this.record({ version, outcome: 'rollback_failed', reason: r, code: 'E_FLEET_ROLLBACK_FAILED', previous });
    }
    log.warn({ to: previous }, 'rolled back');
    return this.record({ version, outcome: 'rolled_back', reason, code: 'E_FLEET_UNHEALTHY', previous });
  }

  /** Switches back to the previous installed release (operator's rollback command). */
  async rollback(opts: { progress?: Progress } = {}): Promise<HistoryEntry> {
    const running = this.o.releases.current();
    const list = this.o.releases.list().map((r) => r.version);
    const s = this.o.state.read();
    const target =
      s.previous !== null && s.previous !== running && list.includes(s.previous) ? s.previous : list.filter((v) => v !== running).pop();
    if (target === undefined)
      throw new HomeSightError('E_FLEET_NO_PREVIOUS', 'there is no other installed release to roll back to', {
        context: { running, installed: list },
      });
    return this.apply(target, { ...opts, kind: 'rollback' });
  }

  /** Records a refused update (bad bundle, failed self-check) in the history. */
  refused(version: string | null, err: unknown): HistoryEntry {
    const e = asHomeSightError(err);
    return this.record({
      version: version ?? 'unknown',
      outcome: 'refused',
      reason: e.message,
      code: e.code,
      previous: this.o.releases.current(),
    });
  }
}
