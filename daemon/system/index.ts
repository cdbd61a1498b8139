export { HomeSightError, asHomeSightError, errorMessage, type ErrorContext } from './errors.js';
export { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { LogHub, silentLogger, LOG_LEVELS, type Logger, type LogLevel, type LoggerOptions } from './logger.js';
export {
  ServiceContainer,
  startOrder,
  type ServiceModule,
  type ModuleHealth,
  type ModuleReport,
  type ModuleState,
  type ReloadOutcome,
  type ContainerOptions,
} from './lifecycle.js';
export { SystemdNotifier, watchdogIntervalMs, type Notifier } from './notify.js';
export { HealthServer, type HealthSnapshot } from './health.js';
export { EventBus, type EventMap } from './eventbus.js';
export { VERSION } from './version.js';
export {
  zonedParts,
  zoneOffsetMs,
  zonedToUtc,
  zonedDay,
  formatIsoInZone,
  isValidTimezone,
  type ZonedFields,
  type ZonedParts,
  type IsoInZoneOptions,
} from './zone.js';
