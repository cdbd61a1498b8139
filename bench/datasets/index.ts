/**
 * Datasets for training, evaluating and personalizing HomeSight's planner and
 * activity expert: the Q2A task-plan dataset (generated, deterministic) and the
 * DAHLIA-format activity loader with a synthetic keypoint set. Public surface.
 */
export { Rng, hash32 } from './prng.js';
export {
  HOUSEHOLDS,
  LOCALES,
  householdAt,
  planContext,
  checkHousehold,
  routinesAsConfig,
  type ConfigRoutine,
  type Locale,
  type Household,
  type Person,
  type Room,
  type Camera,
  type Routine,
  type Round,
  type Alias,
  type Group,
  type VocabularyEntry,
} from './households.js';
export {
  sampleTimeExpression,
  resolvePattern,
  pickNow,
  formatClock,
  TIME_PATTERN_NAMES,
  type TimeExpression,
  type TimeKind,
} from './timeexpr.js';
export { formatIso } from './tz.js';
export { expand, finish, STYLES, type Style } from './text.js';
export { PlanBuilder, planType, referenceEdges, type GoldPlan, type PlanType } from './planbuilder.js';
export {
  INTENTS,
  MORE_QUESTION_INTENTS,
  INJECTION_REFUSALS,
  REFUSALS,
  FOLLOWUP_TEMPLATES,
  ACTIVITY_IDS,
  ACTIVITY_PHRASES,
  draw,
  confirmNode,
  drawFollowup,
  drawRefusal,
  intentPhrasings,
  personRef,
  type Category,
  type Draft,
  type Phrasing,
  type IntentDef,
  type IntentContext,
  type FollowupKind,
  type RefusalDef,
} from './intents.js';
export { refusalPlan, isRefusal, refusalIssuesTolerated, REFUSAL_REASONS, type RefusalReason } from './refusal.js';
export {
  generate,
  sampleLine,
  normalise,
  validationContext,
  allowToolsFor,
  GoldPlanError,
  SPLITS,
  type Sample,
  type SampleMeta,
  type Split,
  type Generated,
  type GenerateOptions,
} from './generate.js';
export {
  computeStats,
  renderStatsMarkdown,
  replaceStatsBlock,
  extractStatsBlock,
  argumentType,
  STATS_BEGIN,
  STATS_END,
  type Stats,
  type TeacherStats,
} from './stats.js';
export { toolDesc, graphDesc, type ToolDescNode } from './tooldesc.js';
export { teacherParaphrases, extractJson, emptyTeacherStats, type TeacherOptions, type TeacherResult } from './teacher.js';
export { buildDataset, householdsJson, type BuildOptions, type BuildResult } from './build.js';
export {
  ACTIVITY_CLASSES,
  VISION_TO_DAHLIA,
  toDahliaClass,
  parseDahlia,
  loadDahlia,
  parseLabel,
  framesToSegments,
  evaluateFrames,
  type ActivityClass,
  type DahliaSequence,
  type Segment,
  type FrameEvaluation,
  type ParseOptions,
} from './dahlia.js';
export {
  syntheticActivitySet,
  activityLine,
  motionFeatures,
  COCO_KEYPOINTS,
  type ActivitySequence,
  type KeypointFrame,
  type SyntheticOptions,
} from './activity.js';
export { poseSequencesFromClip, type PoseClipOptions } from './poseclip.js';
