/**
 * Public face of daemon/memory: the SQLite event store and household memory.
 * Other folders import only from here.
 */
export { MemoryStore, backupDatabase, backupFile, type MemoryStoreOptions, type MemoryStats, type BackupResult } from './store.js';
export { MemoryModule, memoryDbPath, effectiveRetainDays, type MemoryModuleContext } from './module.js';
export { EventStore, newEventId, validateEvent, type FlushInfo, type EventStoreOptions } from './events.js';
export { SqliteRecordingIndex } from './recordings.js';
export { IdentityStore, FACE_EMBEDDING_DIM } from './identities.js';
export { ConversationStore } from './conversations.js';
export { LongTermMemory, ftsQuery } from './longterm.js';
export { LearningQueues, SampleQueue, type SampleInput } from './learning.js';
export { CameraRegistry } from './cameras.js';
export { LexicalEmbedder, cosine, type Embedder } from './embedder.js';
export { localDayRange, localTimeRange, addDays } from './time.js';
export { openDatabase, isCorruption, configureConnection, type RecoveryInfo, type IntegrityCheckMode, type OpenOptions } from './db.js';
export { MIGRATIONS, SCHEMA_VERSION, APPLICATION_ID, migrate, schemaVersion, type Migration } from './migrations.js';
export {
  EVENT_KINDS,
  LONG_TERM_KINDS,
  type HomeEvent,
  type EventKind,
  type RecordingSegment,
  type RecordingIndex,
  type EventQuery,
  type WhoWasWhereQuery,
  type Presence,
  type PresenceByCamera,
  type ActivitySpan,
  type TimelineOptions,
  type AggregateQuery,
  type AggregateRow,
  type CameraInfo,
  type IdentityInfo,
  type IdentityMatch,
  type ConversationTurn,
  type LongTermKind,
  type LongTermInput,
  type LongTermItem,
  type LongTermHit,
  type UploadSample,
} from './types.js';
