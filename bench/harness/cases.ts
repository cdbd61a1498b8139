import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AlgorithmDecl, ModuleDecl } from './declarations.js';

/** Bumped when the meaning of cached records changes. */
export const CACHE_VERSION = 1;

/** One algorithm with one value per hyperparameter: what the controller runs. */
export interface TestCase {
  /** sha256 of what determines the planner outputs (16 hex). */
  id: string;
  algorithm: AlgorithmDecl;
  plannerSettings: Record<string, unknown>;
  updaterSettings: Record<string, unknown>;
  /** Swept values as "module type-key" → value (Ianvs rank columns). */
  hyperparameters: Record<string, unknown>;
  /** Short display name: the algorithm, plus the swept values when it has several cases. */
  label: string;
  /** <workspace>/<job>/<algorithm>/<id> */
  dir: string;
}

function cartesian(hps: ReadonlyArray<{ key: string; values: unknown[] }>): Array<Record<string, unknown>> {
  let out: Array<Record<string, unknown>> = [{}];
  for (const { key, values } of hps) out = out.flatMap((o) => values.map((v) => ({ ...o, [key]: v })));
  return out;
}

const BIG_FILE = 16 * 2 ** 20;

/** Content identity of a file: sha256 for small files, size + mtime for big ones (models). */
export function fileFingerprint(path: string): string {
  const st = statSync(path);
  if (st.size > BIG_FILE) return `size:${st.size}:mtime:${Math.round(st.mtimeMs)}`;
  return 'sha256:' + createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Settings with every string that names an existing file (relative to the algorithm file, else in one
 * of `searchDirs`, e.g. the models folder) replaced by its fingerprint.
 */
function fingerprintSettings(settings: Record<string, unknown>, baseDir: string, searchDirs: readonly string[]): Record<string, unknown> {
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string' && v.length > 0 && v.length < 4096) {
      for (const dir of [baseDir, ...searchDirs]) {
        const p = resolve(dir, v);
        try {
          if (existsSync(p) && statSync(p).isFile()) return { value: v, file: fileFingerprint(p) };
        } catch {
          return v;
        }
      }
      return v;
    }
    if (Array.isArray(v)) return v.map(visit);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return Object.fromEntries(
    Object.keys(settings)
      .sort()
      .map((k) => [k, visit(settings[k])]),
  );
}

function moduleIdentity(m: ModuleDecl | null, settings: Record<string, unknown>, searchDirs: readonly string[]): unknown {
  if (m === null) return null;
  return {
    type: m.type,
    name: m.name,
    url: m.url === null ? null : fileFingerprint(m.url),
    settings: fingerprintSettings(settings, m.baseDir, searchDirs),
  };
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 24 ? s.slice(0, 21) + '…' : s;
}

/**
 * Expands each algorithm's hyperparameter lists into test cases (cartesian
 * product, planner keys first, in file order). The id hashes the algorithm,
 * its modules (module files by content), the chosen values (files they name by
 * content; models by size and mtime), the dataset fingerprint and, for
 * lifelong runs, the rounds. Harness code is not hashed: bump CACHE_VERSION or
 * run with --force when a change alters what planners are asked.
 */
export function expandTestCases(
  algorithms: readonly AlgorithmDecl[],
  opts: { workspace: string; job: string; datasetFingerprint: string; rounds: number | null; searchDirs?: readonly string[] },
): TestCase[] {
  const out: TestCase[] = [];
  for (const a of algorithms) {
    const pGrid = cartesian(a.planner.hyperparameters);
    const uGrid = a.updater === null ? [{}] : cartesian(a.updater.hyperparameters);
    const swept = new Set([
      ...a.planner.hyperparameters.filter((h) => h.values.length > 1).map((h) => `planner-${h.key}`),
      ...(a.updater?.hyperparameters ?? []).filter((h) => h.values.length > 1).map((h) => `updater-${h.key}`),
    ]);
    const multiple = pGrid.length * uGrid.length > 1;
    for (const p of pGrid) {
      for (const u of uGrid) {
        const identity = {
          v: CACHE_VERSION,
          algorithm: a.name,
          paradigm: a.paradigm,
          planner: moduleIdentity(a.planner, p, opts.searchDirs ?? []),
          updater: moduleIdentity(a.updater, u, opts.searchDirs ?? []),
          dataset: opts.datasetFingerprint,
          rounds: a.paradigm === 'lifelonglearning' ? opts.rounds : null,
        };
        const id = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
        const hyperparameters: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(p)) hyperparameters[`planner-${k}`] = v;
        for (const [k, v] of Object.entries(u)) hyperparameters[`updater-${k}`] = v;
        const parts = Object.entries(hyperparameters)
          .filter(([k]) => swept.has(k))
          .map(([k, v]) => `${k.replace(/^(planner|updater)-/, '')}=${short(v)}`);
        out.push({
          id,
          algorithm: a,
          plannerSettings: p,
          updaterSettings: u,
          hyperparameters,
          label: multiple ? `${a.name}[${parts.join(',')}]` : a.name,
          dir: join(opts.workspace, opts.job, a.name, id),
        });
      }
    }
  }
  return out;
}
