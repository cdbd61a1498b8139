/**
 * The leaf every folder may import: bus events and their payloads, the task-plan format and the plan-text sample
 * format that edge (daemon/learning) and cloud (cloud/trainer) share, and the standing-watch spec. Imports no feature folder.
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
export { formatPlanSample, toJsonl, type PlanRecord } from './plan-sample.js';
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
