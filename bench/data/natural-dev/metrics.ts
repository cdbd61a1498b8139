/**
 * The natural set's understanding metrics (refusals, side effects, people, cameras, intervals) on the dev set:
 * bench/jobs/planner/dev-testenv.yaml lists each by name with `url: ../../data/natural-dev/metrics.ts`.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { naturalSetMetrics } from '../natural/metrics.js';

const dev = naturalSetMetrics(dirname(fileURLToPath(import.meta.url)));
export const refusal_recall = dev.refusal_recall;
export const false_refusal_rate = dev.false_refusal_rate;
export const unrequested_side_effects = dev.unrequested_side_effects;
export const people_accuracy = dev.people_accuracy;
export const camera_accuracy = dev.camera_accuracy;
export const interval_accuracy = dev.interval_accuracy;
