import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The folder of HomeSight's package.json, ending in '/': its models/, bin/ and package-lock.json. The sources run
 * from <root>/daemon and the build from <root>/dist/daemon (`npm run build`), so a path relative to this file
 * would differ between the two by one level.
 */
function findAppRoot(): string {
  const twoUp = new URL('../../', import.meta.url);
  const root = existsSync(new URL('package.json', twoUp)) ? twoUp : new URL('../', twoUp);
  return fileURLToPath(root);
}

export const APP_ROOT: string = findAppRoot();
