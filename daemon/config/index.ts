export { configSchema, CONFIG_VERSION, EMBEDDED_DEFAULT, type HomeSightConfig, type ConfigInput, type CameraConfig } from './schema.js';
export { isLiveKey, liveKeys } from './live.js';
export {
  loadConfig,
  parseConfigText,
  resolveIn,
  ConfigError,
  formatProblem,
  describeIssues,
  locate as locateYamlNode,
  valueAt as valueAtPath,
  type ConfigProblem,
  type LoadedConfig,
  type LoadOptions,
} from './load.js';
export { readSecret } from './secrets.js';
