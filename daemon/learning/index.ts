/**
 * Edge learning: hard-example mining, privacy filter, persisted upload queue, cloud teacher client, pseudo-labels
 * into long-term memory, feedback/audit over MQTT, and (./adapters) the LoRA adapter lifecycle.
 * This file is the folder's only public surface.
 */
export { HardExampleMiner, planSignature, REASON_VALUE, type AnsweredRequest, type MiningOptions, type MiningReason } from './mining.js';
export {
  PrivacyFilter,
  blurFrame,
  type HouseholdPerson,
  type PrivacyFilterOptions,
  type RawSample,
  type UploadPayload,
} from './privacy.js';
export { AuditLog, type AuditEntry } from './audit.js';
export {
  HttpTeacherClient,
  type HttpTeacherClientOptions,
  type PseudoLabel,
  type TeacherClient,
  type UploadReceipt,
} from './teacher-client.js';
export { Uploader, inWindow, DEFAULT_UPLOAD, type FlushResult, type UploadSettings, type UploaderOptions } from './uploader.js';
export { lifecycleSink, localEvalSets } from './adapter-sink.js';
export { LearningEdge, type AnsweredEvent, type AdapterSink, type Feedback, type LearningEdgeOptions, type SyncResult } from './edge.js';
export { LearningModule, learningDir, auditFile, deviceSecret } from './module.js';
export * from './adapters/index.js';
