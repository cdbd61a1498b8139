/**
 * Fleet: signed update bundles (tarball + ed25519-signed manifest), install
 * into releases/<version>, atomic `current` switch, restart, health window,
 * automatic rollback; validated config pushes. Commands on the MQTT bridge:
 * `update`, `rollback`, `config`.
 */
export { FleetModule, InProcessLauncher, SystemdRunLauncher, fleetPaths, type FleetDeps, type Launcher } from './module.js';
export {
  Updater,
  StateFile,
  type FleetState,
  type HistoryEntry,
  type UpdateOutcome,
  type Prepared,
  type Progress,
  type UpdaterOptions,
} from './updater.js';
export { ReleaseStore, reuseNodeModules, type ReleaseInfo } from './releases.js';
export {
  ProcessSupervisor,
  SystemdRestarter,
  HttpHealthProbe,
  type Restarter,
  type HealthProbe,
  type ProbeResult,
  type SupervisorOptions,
} from './restart.js';
export {
  buildBundle,
  openBundle,
  listSourceTree,
  sha256File,
  type BuildOptions,
  type OpenOptions,
  type OpenedBundle,
  type SourceTree,
} from './bundle.js';
export {
  manifestSchema,
  versionSchema,
  generateSigningKey,
  loadPrivateKey,
  publicKeyFromBase64,
  publicKeyToBase64,
  keyId,
  signManifest,
  verifyManifestSignature,
  compareVersions,
  type Manifest,
} from './manifest.js';
export { readTarGz, writeTarGz, type TarWriteEntry, type TarReadEntry } from './tar.js';
export { pushConfig, type PushResult } from './configpush.js';
export { download, type DownloadOptions } from './download.js';
