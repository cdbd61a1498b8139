/**
 * Fleet: signed update bundles (tarball + ed25519-signed manifest), install
 * into releases/<version>, atomic `current` switch, restart, health window,
 * automatic rollback; validated config pushes. Commands on the MQTT bridge:
 * `update`, `rollback`, `config`.
 */
export { fleetPaths } from './module.js';
export { Updater, StateFile, type UpdaterOptions } from './updater.js';
export { ReleaseStore } from './releases.js';
export { SystemdRestarter, HttpHealthProbe } from './restart.js';
export { buildBundle, openBundle, listSourceTree } from './bundle.js';
export { generateSigningKey, loadPrivateKey, publicKeyToBase64, keyId } from './manifest.js';
