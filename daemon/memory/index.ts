/**
 * Public face of daemon/memory: the SQLite event store and household memory.
 * Other folders import only from here.
 */
export { MemoryStore, backupFile } from './store.js';
export { MemoryModule, memoryDbPath } from './module.js';
export { EventStore, newEventId } from './events.js';
export { LongTermMemory } from './longterm.js';
export { SampleQueue } from './learning.js';
export { configureConnection } from './db.js';
export { MIGRATIONS, migrate } from './migrations.js';
export type { HomeEvent, RecordingSegment, RecordingIndex, LongTermKind } from './types.js';
