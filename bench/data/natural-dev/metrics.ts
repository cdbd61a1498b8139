/**
 * The natural set's understanding metrics (refusals, side effects, people, cameras, intervals) on the dev set:
 * bench/jobs/planner/dev-testenv.yaml lists each by name with `url: ../../data/natural-dev/metrics.ts`.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { naturalSetMetrics } from '../natural/metrics.js';

export const { refusal_recall, false_refusal_rate, unrequested_side_effects, people_accuracy, camera_accuracy, interval_accuracy } =
  naturalSetMetrics(dirname(fileURLToPath(import.meta.url)));
