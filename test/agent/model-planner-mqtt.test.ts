import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { AgentClient } from '../../daemon/agent/index.js';
import { type HomeEvent, MemoryModule, newEventId } from '../../daemon/memory/index.js';
import { MODULES } from '../../daemon/modules.js';
import { tinyPlannerModel } from './model-planner-support.js';
import { freePort, makeContext, tempDir, VTEST } from './support.js';

// One question answered end to end over MQTT (embedded broker) with a plan from a planner model: the daemon's
// memory, mqtt and agent modules built by their own factories, agent.planner local, the GGUF a tiny model
// trained on the planner corpus's formats (model-planner-support.ts).

const model = tinyPlannerModel();
/** The planner model HomeSight ships (models/MANIFEST.md). */
const SHIPPED = fileURLToPath(new URL('../../models/planner/homesight-planner-2m-q8_0.gguf', import.meta.url));

async function askOverMqtt(t: Test, modelPath: string): Promise<void> {
  const dir = tempDir(t);
  const port = await freePort();
  const ctx = makeContext(
    `device_id: hub1
household:
  timezone: Europe/Berlin
  people:
    - {name: Katrin, aliases: [Kati]}
    - {name: Jonas, aliases: [my husband]}
  rooms: [kitchen, front door]
cameras:
  kitchen_cam: {room: kitchen, source: {kind: file, path: ${VTEST}}}
  front_door: {room: front door, source: {kind: file, path: ${VTEST}}}
vision: {enabled: false}
agent:
  planner: local
  max_repairs: 0
  llm: {model: ${JSON.stringify(modelPath)}, threads: 1, gpu_layers: 0, context_size: 1024, max_tokens: 160}
mqtt:
  embedded: {port: ${port}}
`,
    dir,
  );
  for (const f of MODULES.filter((m) => ['memory', 'mqtt', 'agent'].includes(m.name))) {
    ctx.container.register(await f.create({ ...ctx, log: ctx.log.child({ module: f.name }) }));
  }
  const started = await ctx.container.startAll();
  t.teardown(() => ctx.container.stopAll());
  t.same(started.failed, [], 'memory, mqtt and agent started');
  const store = ctx.container.find('memory', MemoryModule)!.store;
  store.cameras.sync([
    { name: 'kitchen_cam', room: 'kitchen' },
    { name: 'front_door', room: 'front door' },
  ]);
  const now = Date.now();
  const ev = (camera: string, identity: string, from: number, to: number): HomeEvent => ({
    id: newEventId(now - from),
    camera,
    kind: 'identity',
    label: 'person',
    track_id: null,
    identity,
    activity: 'standing',
    start: now - from,
    end: now - to,
    confidence: 0.9,
    box: [0.1, 0.1, 0.2, 0.5],
    zones: [],
    snapshot: null,
    attributes: {},
  });
  store.events.upsertMany([ev('kitchen_cam', 'Jonas', 40 * 60_000, 30 * 60_000), ev('front_door', 'Katrin', 20 * 60_000, 10 * 60_000)]);
  store.events.flush();

  const client = new AgentClient({ url: `mqtt://127.0.0.1:${port}`, deviceTopic: 'homesight/hub1', protocolVersion: 4 });
  t.teardown(() => client.close());
  const env = await client.ask('who was in the kitchen today?', {}, { timeoutMs: 60_000 });
  t.equal(env.status, 'ok', JSON.stringify(env.error ?? ''));
  const data = env.data as {
    answer: string;
    planner: string;
    plan: { task_nodes: Array<{ task: string; arguments: Record<string, unknown> }> };
  };
  t.equal(data.planner, 'local', 'the plan came from the planner model');
  const tasks = data.plan.task_nodes.map((n) => n.task);
  t.equal(tasks.at(-1), 'compose_answer', `plan: ${tasks.join(' → ')}`);
  t.equal(data.plan.task_nodes.at(-1)!.arguments.question, 'who was in the kitchen today?', 'the question as asked');
  for (const n of data.plan.task_nodes) {
    const cam = n.arguments.camera;
    if (cam !== undefined) t.ok(['kitchen_cam', 'front_door'].includes(cam as string), `camera ${String(cam)} is the household's`);
  }
  t.ok(data.answer.length > 0, `answer: ${data.answer.slice(0, 200)}`);
}

t.test('MQTT ask → plan from a tiny trained model → executed → answer', { skip: 'skip' in model ? model.skip : false }, async (t) => {
  if (!('skip' in model)) await askOverMqtt(t, model.path);
});

t.test(
  'MQTT ask → plan from the shipped planner model → executed → answer',
  { skip: existsSync(SHIPPED) ? false : `${SHIPPED} is missing` },
  async (t) => {
    await askOverMqtt(t, SHIPPED);
  },
);
