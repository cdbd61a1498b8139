/**
 * Cloud-side adapter training: the Trainer seam (local process or a cluster command template running
 * cloud/trainer/train_lora.py), the plan-text format adapters are trained on, and the signing step that
 * publishes an adapter for devices.
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
export { PLAN_FORMAT, formatPlanSample, toJsonl, type PlanRecord, type TextSample } from './format.js';
export { publishAdapter, type PublishOptions } from './publish.js';
