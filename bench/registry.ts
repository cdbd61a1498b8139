import type { Bench } from './types.js';

/**
 * Every benchmark `npm run bench` knows. Each capability adds its own with a
 * lazy import, so running one bench does not load every native library.
 */
export const BENCHES: Array<{ name: string; load: () => Promise<Bench> }> = [];
