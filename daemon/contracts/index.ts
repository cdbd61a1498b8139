/**
 * The leaf every folder may import: bus events and their payloads, the task-plan format and the plan-text sample
 * format that edge (daemon/learning) and cloud (cloud/trainer) share, the standing-watch spec and what a possible fall is
 * (recaps and watches). Imports no feature folder.
 */
export type {
  AnsweredEvent,
  AnsweredRequest,
  CameraError,
  CameraOccupancy,
  CameraState,
  CameraStateEvent,
  ClosedSegment,
  EventChange,
  EventKind,
  HomeEvent,
  HomeSightEvents,
  RecordingSegmentEvent,
  VisionEventPayload,
} from './events.js';
export {
  NODE_REF,
  namedArgumentSchema,
  taskLinkSchema,
  taskNodeSchema,
  taskPlanSchema,
  type TaskLink,
  type TaskNode,
  type TaskPlan,
} from './plan.js';
export { formatPlanSample, toJsonl, type PlanRecord, type TextSample } from './plan-sample.js';
export { isPossibleFall } from './falls.js';
export {
  planContextOf,
  receivedSampleSchema,
  sampleContextSchema,
  sampleRequestContext,
  uploadSampleSchema,
  type PlanContext,
  type SampleContext,
  type UploadSample,
} from './learning-sample.js';
export {
  watchIdSchema,
  watchNotificationSchema,
  watchSchema,
  watchSpecSchema,
  type Watch,
  type WatchNotification,
  type WatchSpec,
  type WatchSpecInput,
  type WatchStatus,
  type WatchTrigger,
} from './watch.js';
