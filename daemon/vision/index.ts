/**
 * Public face of daemon/vision: the vision experts on onnxruntime-node
 * (person detection, tracking, face identity, pose, activity) and the
 * VisionModule that runs them on every camera. Other folders import only
 * from here.
 */

export { VisionModule, enrollFaces, type VisionDeps, type AnalyzeOptions, type EnrollResult } from './module.js';
export type { CameraOccupancy, VisionEventPayload } from '../contracts/index.js';
export { VisionEngine, type Experts, type ModelStatus, type EngineOptions } from './engine.js';
export { CameraPipeline, headRegion, faceOfPerson, type CameraPlace, type StepResult, type TrackState } from './pipeline.js';
export { CameraEventWriter, type EventWriterOptions } from './events.js';
export { IouTracker, type TrackerOptions } from './tracker.js';
export { IdentityVoter, InMemoryGallery, cosine, matchFace, type FaceMatch, type IdentityDecision } from './identity.js';
export { OnnxDetector } from './experts/detector.js';
export { YunetFaceDetector, OnnxFaceEmbedder, ARCFACE_TEMPLATE, alignmentFor, l2normalize } from './experts/face.js';
export { OnnxPoseEstimator, assignPoses, cropFor } from './experts/pose.js';
export {
  ACTIVITY_CLASSES,
  FeatureActivityClassifier,
  OnnxSequenceActivityClassifier,
  poseFeatures,
  HAND_KP,
  MIN_HAND_COVERAGE,
  STILL_EXCURSION,
  STILL_SPEED,
  WALK_SPEED,
  type ActivityName,
  type PoseFeatures,
} from './experts/activity.js';
export { decodeYolox, decodeYolov8, decodeYunet, gridAnchors, type RawDetection, type RawFace } from './decoders/detection.js';
export {
  decodeMovenet,
  decodeMovenetMultipose,
  decodeYolov8Pose,
  decodeHeatmaps,
  decodeSimcc,
  COCO_KEYPOINTS,
  KP,
} from './decoders/pose.js';
export { iou, nms, clipBox, toFractions, pointInPolygon, zonesOf, filterDetections, type ZoneSpec } from './geometry.js';
export {
  ImageTensorizer,
  similarityTransform,
  invertAffine,
  warpAffineNchw,
  squareAround,
  toImage,
  type Letterbox,
  type TensorSpec,
  type Affine,
} from './preprocess.js';
export {
  loadModel,
  LoadedModel,
  engineCacheDir,
  sha256Hex,
  defaultProviderLibDir,
  ortSessionFactory,
  type ProviderName,
  type ModelInfo,
  type ProviderAttempt,
  type SessionFactory,
  type RunnableSession,
  type LoaderOptions,
} from './runtime.js';
export { COCO_LABELS, DEFAULT_MODELS, resolveModelSpec, selectModels, type ModelSpec, type ModelKind, type ModelFormat } from './models.js';
export { decodeImage, imageFrame, encodeJpeg } from './image.js';
export type {
  Frame,
  FrameFeed,
  RgbImage,
  Box,
  Keypoint,
  Detection,
  FaceDetection,
  PoseDetection,
  Detector,
  FaceDetector,
  FaceEmbedder,
  PoseEstimator,
  PoseSample,
  ActivityClassifier,
  ActivityContext,
  ActivityResult,
  Tracker,
  TrackedObject,
  Gallery,
  GalleryMatch,
  HomeEvent,
  EventSink,
  EventChange,
  PersonAnalysis,
  FrameAnalysis,
} from './types.js';
