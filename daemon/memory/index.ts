/**
 * Public face of daemon/memory: the SQLite event store and household memory.
 * Other folders import only from here.
 */
import type { ServiceContainer } from '../system/index.js';
import { MemoryModule } from './module.js';
import type { MemoryStore } from './store.js';

export { MemoryStore, backupFile } from './store.js';
export { MemoryModule, memoryDbPath } from './module.js';
export { EventStore, newEventId } from './events.js';
export { localDayRange } from './time.js';
export { LongTermMemory } from './longterm.js';
export { SampleQueue } from './learning.js';
export { configureConnection } from './db.js';
export { MIGRATIONS, migrate } from './migrations.js';
export type { HomeEvent, RecordingSegment, RecordingIndex, LongTermKind } from './types.js';

/**
 * A getter for the memory store of a running daemon: null while the memory module is off, failed to build or is not
 * running (its store throws then), so a module that only uses memory keeps working without it.
 */
export function memoryStoreGetter(container: ServiceContainer): () => MemoryStore | null {
  const memory = container.find('memory', MemoryModule);
  return () => {
    try {
      return memory?.store ?? null;
    } catch {
      return null;
    }
  };
}
