import type { Bench } from './types.js';

/**
 * Every benchmark `npm run bench` knows. Each capability adds its own with a
 * lazy import, so running one bench does not load every native library.
 */
export const BENCHES: Array<{ name: string; load: () => Promise<Bench> }> = [
  { name: 'memory-store', load: async () => (await import('./memory/store.js')).memoryStoreBench },
  { name: 'ingest-decode', load: async () => (await import('./ingest/decode.js')).ingestDecodeBench },
  { name: 'vision-pipeline', load: async () => (await import('./vision/pipeline.js')).bench },
  { name: 'mqtt-publish', load: async () => (await import('./mqtt/publish.js')).mqttBench },
  { name: 'bench-harness', load: async () => (await import('./harness/overhead.bench.js')).harnessBench },
  { name: 'agent-planner', load: async () => (await import('./agent/planner.js')).agentPlannerBench },
  { name: 'planner-model', load: async () => (await import('./agent/planner-model.js')).plannerModelBench },
  { name: 'soak', load: async () => (await import('./faults/soak.js')).soakBench },
  { name: 'runtime', load: async () => (await import('./runtime/startup.js')).runtimeBench },
  { name: 'vision-threads', load: async () => (await import('./runtime/threads.js')).visionThreadsBench },
  { name: 'vision-arena', load: async () => (await import('./runtime/arena.js')).visionArenaBench },
  { name: 'fleet-load', load: async () => (await import('./fleet/bench.js')).fleetLoadBench },
  { name: 'mcp', load: async () => (await import('./mcp/rtt.js')).mcpBench },
  { name: 'watches', load: async () => (await import('./watches/bench.js')).watchesBench },
];
