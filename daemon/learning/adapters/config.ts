import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import type { HomeSightConfig } from '../../config/index.js';
import type { Logger } from '../../system/index.js';
import { parsePublicKey } from './manifest.js';
import { AdapterStore } from './store.js';

/** <learning.adapters.dir> or <paths.data_dir>/adapters, absolute. */
export function adapterStoreDir(config: HomeSightConfig): string {
  return resolve(config.learning.adapters.dir ?? resolve(config.paths.data_dir, 'adapters'));
}

/** learning.adapters.trusted_keys parsed (throws E_ADAPTER_KEY naming the bad entry). */
export function trustedKeysFromConfig(config: HomeSightConfig): KeyObject[] {
  return config.learning.adapters.trusted_keys.map((k) => parsePublicKey(k));
}

export function openAdapterStoreFromConfig(config: HomeSightConfig, log?: Logger): Promise<AdapterStore> {
  return AdapterStore.open({
    dir: adapterStoreDir(config),
    keep: config.learning.adapters.keep,
    trustedKeys: trustedKeysFromConfig(config),
    ...(log === undefined ? {} : { log }),
  });
}
