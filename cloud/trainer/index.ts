/**
 * Cloud-side adapter training: the Trainer seam (local process or a cluster command template running
 * cloud/trainer/train_lora.py) and the signing step that publishes an adapter for devices. The plan-text format
 * adapters are trained on is shared with the device: daemon/contracts (formatPlanSample, toJsonl).
 */
export {
  CommandTemplateTrainer,
  LocalProcessTrainer,
  TRAIN_SCRIPT,
  findPython,
  trainerArgs,
  type CommandTemplateTrainerOptions,
  type LocalProcessTrainerOptions,
  type TrainJob,
  type TrainProgress,
  type TrainResult,
  type Trainer,
} from './trainer.js';
export { publishAdapter, type PublishOptions } from './publish.js';
