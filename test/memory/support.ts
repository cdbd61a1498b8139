import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { MemoryStore, type HomeEvent } from '../../daemon/memory/index.js';
import { type MemoryStoreOptions } from '../../daemon/memory/store.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';

export const repo = new URL('../../', import.meta.url).pathname;

/** A temp folder removed when the test ends. */
export function tempDir(t: Test, prefix = 'hs-memory-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An open store in a temp folder, closed when the test ends. */
export function openStore(
  t: Test,
  options: Partial<MemoryStoreOptions> = {},
): { store: MemoryStore; clock: ManualClock; dir: string; file: string } {
  const dir = tempDir(t);
  const file = join(dir, 'memory.db');
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock(Date.UTC(2026, 5, 1, 12));
  const store = new MemoryStore({ file, log: silentLogger(), clock, ...options });
  t.teardown(() => store.close());
  return { store, clock, dir, file };
}

let n = 0;
/** An event with defaults; override what the test is about. */
export function ev(over: Partial<HomeEvent> & { start: number }): HomeEvent {
  n++;
  return {
    id: over.id ?? `ev-${String(n).padStart(6, '0')}`,
    camera: 'kitchen',
    kind: 'activity',
    label: 'person',
    track_id: null,
    identity: null,
    activity: null,
    end: null,
    confidence: 0.9,
    box: null,
    zones: [],
    snapshot: null,
    attributes: {},
    ...over,
  };
}

export const MIN = 60_000;
export const HOUR = 3_600_000;
