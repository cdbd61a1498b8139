import t from 'tap';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentService, memoryEvents, type TaskPlan } from '../../daemon/agent/index.js';
import type { AgentDeps, FramesPort, VisionPort } from '../../daemon/agent/execution/index.js';
import { extractFrames, resolveFfmpeg, snapshotJpeg, type Frame } from '../../daemon/ingest/index.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { VisionModule } from '../../daemon/vision/index.js';
import { HOUSEHOLD, NOW, agentConfig, ScriptedPlanner, VTEST, at, makeContext, openStore, seedEvents, tempDir } from './support.js';

// The shared clip (vtest.avi: pedestrians on a plaza) stands in for the demo
// camera's recording of 19:00–19:01:19; frames come through ingest's
// extractor, persons and activities through the real vision experts.

const AGENT = agentConfig({
  planner: 'local',
  max_repairs: 1,
  cloud: { min_confidence: -1.5 },
  node_timeout_ms: 120_000,
  llm: { few_shots: 3 },
});

t.test('who was in view between T1 and T2 and what were they doing: frames → persons → activities, with memory and evidence', async (t) => {
  const dir = tempDir(t);
  const ctx = makeContext('vision:\n  enabled: true\n', dir);
  const vision = new VisionModule({ config: ctx.config, log: silentLogger(), clock: ctx.clock, dependsOn: [] });
  try {
    await vision.start(new AbortController().signal);
  } catch (err) {
    t.fail(`vision models could not load: ${String(err)}`);
    return;
  }
  t.teardown(() => vision.stop());
  const ffmpeg = (await resolveFfmpeg({ env: process.env })).path;
  const T0 = at('19:00');
  const snapDir = join(dir, 'agent-snaps');
  mkdirSync(snapDir, { recursive: true });
  const frames: FramesPort = {
    framesAt: async (camera, start, end, fps, signal) =>
      (await extractFrames({
        ffmpeg,
        camera,
        segments: [{ id: 1, camera, path: VTEST, start: T0, end: T0 + 79_000, bytes: 0, format: 'mkv' }],
        start,
        end,
        fps,
        width: 768,
        height: 576,
        maxFrames: 20,
        log: silentLogger(),
        signal,
      })) as Frame[],
    snapshot: async (frame, boxes) => {
      const jpeg = await snapshotJpeg(
        frame as Frame,
        boxes.map((b) => ({
          box: [b[0] / frame.width, b[1] / frame.height, b[2] / frame.width, b[3] / frame.height] as [number, number, number, number],
        })),
      );
      const file = join(snapDir, `${frame.camera}-${frame.ts}.jpg`);
      writeFileSync(file, jpeg);
      return file;
    },
  };
  const visionPort: VisionPort = {
    analyzeFrames: async (fs) =>
      (await vision.analyzeFrames(fs as Frame[])).map((r) => ({
        ...r,
        persons: r.persons.map((p) => ({
          box: p.box,
          score: p.score,
          identity: p.identity,
          similarity: p.similarity,
          activity: p.activity ?? null,
        })),
      })),
  };
  const clock = new ManualClock(NOW);
  const store = openStore(dir, clock);
  t.teardown(() => store.close());
  seedEvents(store, join(dir, 'snaps'));
  const deps: AgentDeps = { events: memoryEvents(() => store), frames, vision: visionPort };
  const plan: TaskPlan = {
    task_steps: [],
    task_nodes: [
      { task: 'resolve_time', arguments: { phrase: 'between 7 and 8 pm' } },
      { task: 'get_frames', arguments: { camera: 'demo', start: '2024-05-04T19:00:20+02:00', end: '2024-05-04T19:00:23+02:00', fps: 2 } },
      { task: 'detect_persons', arguments: { frames: '<node-1>' } },
      { task: 'recognize_activity', arguments: { frames: '<node-2>' } },
      { task: 'get_snapshot', arguments: { events: '<node-3>', max: 2 } },
      { task: 'who_was_where', arguments: { start: '<node-0>', end: '<node-0>' } },
      { task: 'compose_answer', arguments: { question: 'q', inputs: ['<node-3>', '<node-4>', '<node-5>'] } },
    ],
    task_links: [],
  };
  const svc = new AgentService({
    agent: AGENT,
    householdId: 'home',
    household: HOUSEHOLD,
    deps,
    planners: { local: new ScriptedPlanner(() => plan) },
    clock,
  });
  const r = await svc.ask({ question: 'Who was in view on the demo camera between 7 and 8 pm and what were they doing?' });
  for (const n of r.trace.nodes) t.equal(n.status, 'ok', `${n.task}: ${n.error?.message ?? 'ok'}`);
  t.match(
    r.trace.nodes[1]!.output,
    /"frames":\[\{"camera":"demo","ts":"2024-05-04T19:00:20\+02:00","width":768,"height":576\},"… 6 items"\]/,
    '6 frames at 2 fps from the clip',
  );
  t.match(r.answer, /In 6 frames: \d+ person detections/, 'pedestrians detected in every sampled frame');
  t.match(r.answer, /\((walking|standing)[^)]*\)/, 'with activities from pose');
  t.match(r.answer, /Seen: Alice at plaza from 19:05 to 19:40, sitting and walking; Bob at entrance/, 'and who memory saw in the hour');
  const snaps = r.evidence.map((e) => e.snapshot).filter((s): s is string => s !== null);
  t.equal(snaps.length, 2, 'two evidence snapshots with boxes');
  for (const s of snaps) t.ok(existsSync(s), `${s} written`);
  t.ok(r.evidence.every((e) => e.event?.camera === 'demo'));
  // The vision results were computed once for the three nodes that share the frames.
  t.ok(r.trace.nodes[3]!.ms < r.trace.nodes[2]!.ms + 1000);
});
