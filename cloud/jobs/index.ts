/** Teacher work as jobs claimed from the store: labelling, training (a separate trainer process), publishing. */
export { JobRunner, type JobContext, type JobHandler, type JobRunnerOptions } from './runner.js';
export { Labeler, type TrainingPolicy } from './label.js';
export { AdapterJobs, LocalTrainingRunner, type AdapterJobOptions, type TrainingRunner, type TrainingSpec } from './adapters.js';
