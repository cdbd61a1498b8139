/**
 * Edge learning: hard-example mining, privacy filter, persisted upload queue, cloud teacher client, pseudo-labels
 * into long-term memory, feedback/audit over MQTT, and (./adapters) the LoRA adapter lifecycle.
 * This file is the folder's only public surface.
 */
export { HardExampleMiner } from './mining.js';
export { PrivacyFilter } from './privacy.js';
export { AuditLog } from './audit.js';
export { HttpTeacherClient } from './teacher-client.js';
export { Uploader, DEFAULT_UPLOAD } from './uploader.js';
export { LearningEdge } from './edge.js';
export type { AdapterSink } from './edge.js';
export { auditFile } from './module.js';
export { openAdapterStoreFromConfig } from './adapters/index.js';
export { LOCAL_LABEL_KINDS, lifecycleSink, localEvalSets } from './adapter-sink.js';
