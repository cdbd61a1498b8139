/**
 * The cloud teacher service: HTTP API for devices (enroll, samples, pseudo-labels, adapters), storage on SQLite or
 * PostgreSQL behind one interface, a blob store (folder or S3), work as jobs claimed from the store (labelling,
 * training, publishing) so that any number of replicas can share it.
 */
export { buildCloudApp, type CloudApp, type CloudAppOptions, type InlineLabelling } from './app.js';
export {
  hashToken,
  openTeacherStore,
  type DeviceRow,
  type StorageSettings,
  type StoredLabel,
  type StoredSample,
  type TeacherStore,
} from './store/index.js';
export { FsBlobStore, S3BlobStore, type BlobStore } from './blobs/index.js';
export { AdapterJobs, JobRunner, Labeler, LocalTrainingRunner, type AdapterJobOptions, type TrainingRunner } from './jobs/index.js';
export { OracleReplayTeacher, OpenAiTeacher, type TeacherPlanner, type TeacherInput, type OpenAiTeacherOptions } from './teacher.js';
export { ModelTeacher, type ModelTeacherOptions } from './model-teacher.js';
export { AgreementTeacher, agreedLabel, samePlanIgnoringCase } from './agreement-teacher.js';
export { planIssues, voteOnPlans, SELF_CONSISTENCY_DEFAULTS, type SelfConsistency, type TeacherLabel } from './teacher-vote.js';
export { curate, mainTool, type Curated, type CurationOptions, type LabeledPlan } from './curation.js';
export { cloudConfigSchema, loadCloudConfig, type CloudConfig } from './config.js';
export { startCloud, signingKey, teacherFromConfig, withTeacherModel, type RunningCloud } from './server.js';
