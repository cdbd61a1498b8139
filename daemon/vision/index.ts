/**
 * Public face of daemon/vision: the vision experts on onnxruntime-node
 * (person detection, tracking, face identity, pose, activity) and the
 * VisionModule that runs them on every camera. Other folders import only
 * from here.
 */

export { VisionModule, enrollFaces } from './module.js';
export { VisionEngine } from './engine.js';
export { CameraPipeline } from './pipeline.js';
export { IouTracker } from './tracker.js';
export { InMemoryGallery } from './identity.js';
export { OnnxDetector } from './experts/detector.js';
export { YunetFaceDetector, OnnxFaceEmbedder } from './experts/face.js';
export { OnnxPoseEstimator } from './experts/pose.js';
export { ACTIVITY_CLASSES, FeatureActivityClassifier } from './experts/activity.js';
export { ImageTensorizer } from './preprocess.js';
export { loadModel } from './runtime.js';
export { DEFAULT_MODELS, resolveModelSpec } from './models.js';
export { decodeImage } from './image.js';
export type { RgbImage, Box } from './types.js';
