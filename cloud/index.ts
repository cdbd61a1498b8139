/**
 * The cloud teacher service: HTTP API for devices (enroll, samples, pseudo-labels, adapters), SQLite storage,
 * teacher labeling behind the TeacherPlanner seam, per-household curation, adapter jobs through cloud/trainer.
 */
export { buildCloudApp, Labeler, type CloudAppOptions } from './app.js';
export { CloudStore, hashToken, type DeviceRow, type StoredLabel, type StoredSample } from './store.js';
export { OracleReplayTeacher, OpenAiTeacher, type TeacherPlanner, type TeacherInput, type OpenAiTeacherOptions } from './teacher.js';
export { curate, mainTool, type Curated, type CurationOptions, type LabeledPlan } from './curation.js';
export { AdapterJobs, type AdapterJobOptions } from './jobs.js';
export { cloudConfigSchema, loadCloudConfig, type CloudConfig } from './config.js';
export { startCloud, signingKey, teacherFromConfig } from './server.js';
