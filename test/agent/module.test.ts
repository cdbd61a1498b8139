import t, { type Test } from 'tap';
import { AgentModule } from '../../daemon/agent/index.js';
import { parseConfigText } from '../../daemon/config/index.js';
import { startsAfter } from '../../daemon/context.js';
import { MODULES } from '../../daemon/modules.js';
import { makeContext, tempDir } from './support.js';

const YAML = (planner: string, model: string) => `household:
  timezone: Europe/Berlin
  people: [{name: Alice}]
vision: {enabled: false}
mqtt: {enabled: false}
agent:
  planner: ${planner}
  llm: {model: ${model}, threads: 1, context_size: 1024, gpu_layers: 0, max_tokens: 120, max_nodes: 3, max_string_chars: 12}
`;

async function start(t: Test, yaml: string) {
  const dir = tempDir(t);
  const ctx = makeContext(yaml, dir);
  for (const f of MODULES.filter((m) => ['memory', 'agent'].includes(m.name))) {
    ctx.container.register(await f.create({ ...ctx, log: ctx.log.child({ module: f.name }), dependsOn: startsAfter(f, ctx.container) }));
  }
  const res = await ctx.container.startAll();
  t.teardown(() => ctx.container.stopAll());
  t.same(res.failed, []);
  const agent = ctx.container.find('agent', AgentModule)!;
  t.ok(agent instanceof AgentModule);
  return { ctx, agent, dir };
}

t.test('missing model: degraded health with the reason; questions still answered by retrieval', async (t) => {
  const { agent } = await start(t, YAML('local', 'missing.gguf'));
  t.same(agent.dependsOn, ['memory'], 'mqtt off: depends on memory only');
  const deadline = Date.now() + 5000;
  while (agent.health().status === 'ok' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const h = agent.health();
  t.equal(h.status, 'degraded');
  t.match(h.summary, /local planner unavailable \(E_MODEL_MISSING\); retrieval planner answers/);
  const r = await agent.service.ask({ question: 'Who was seen today?' });
  t.equal(r.planner, 'retrieval');
  t.match(r.answer, /Nobody was seen/);
});

t.test('the real GGUF loads in the background; reload applies live keys and names those needing a restart', async (t) => {
  const { agent, ctx } = await start(t, YAML('local', 'stories260K.gguf'));
  const deadline = Date.now() + 20_000;
  while (!/local model loaded/.test(agent.health().summary ?? '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.match(agent.health().summary, /local model loaded/);
  const r = await agent.service.ask({ question: 'Who was seen today?', options: { execute: false } });
  // The tiny test model plans junk, which validation against the question may reject (then retrieval answers): the local planner was asked.
  t.equal(r.trace.planning[0]?.planner, 'local');
  const next = parseConfigText(
    `paths: {data_dir: ${ctx.config.paths.data_dir}, models_dir: ${ctx.config.paths.models_dir}}\n` +
      YAML('local', 'stories260K.gguf')
        .replace('planner: local', 'planner: local\n  allow_tools: [remember]\n  max_repairs: 1')
        .replace('threads: 1', 'threads: 2'),
    'next.yaml',
    { env: {} },
  ).config;
  const out = agent.reload(next);
  t.same(out.applied.sort(), ['agent.allow_tools', 'agent.max_repairs']);
  t.ok(out.needsRestart.includes('agent.llm'));
  const mem = await agent.service.ask({ question: 'Remember that the spare key is under the mat', options: { planner: 'retrieval' } });
  t.same(
    mem.plan.task_nodes.map((n) => n.task),
    ['remember', 'compose_answer'],
    'remember is allowed now',
  );
  t.match(mem.answer, /^Noted — I stored this in memory: "the spare key is under the mat"\./);
});
