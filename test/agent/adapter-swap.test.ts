import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import t from 'tap';
import { AdapterRelay, LocalPlanner, type PlannerAdapterSource } from '../../daemon/agent/index.js';
import { modelRequest } from './model-planner-support.js';
import { tempDir } from './support.js';

// The local planner's adapter seam without a trainer (test/learning/adapter-new-name.test.ts trains a real one): the
// relay forwards a source connected after the planner was built, and an adapter llama.cpp cannot load leaves the
// planner planning on the bare model instead of failing.

t.test('AdapterRelay: names nothing until connected, forwards changes, forgets a disconnected source', async (t) => {
  const relay = new AdapterRelay();
  let heard = 0;
  relay.onChange(() => heard++);
  t.equal(relay.active(), null);
  let current: { id: string; file: string } | null = { id: 'a', file: '/x/a.gguf' };
  const listeners = new Set<() => void>();
  const source: PlannerAdapterSource = {
    active: () => current,
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  const disconnect = relay.connect(source);
  t.equal(heard, 1, 'connecting is a change');
  t.same(relay.active(), { id: 'a', file: '/x/a.gguf' });
  current = null;
  for (const l of listeners) l();
  t.equal(heard, 2, "the source's change is forwarded");
  t.equal(relay.active(), null);
  current = { id: 'b', file: '/x/b.gguf' };
  disconnect();
  t.equal(heard, 3);
  t.equal(relay.active(), null, 'disconnected: no adapter');
  t.equal(listeners.size, 0, 'and no listener left on the source');
});

const SHIPPED = fileURLToPath(new URL('../../models/planner/homesight-planner-2m-q8_0.gguf', import.meta.url));

t.test(
  'an adapter llama.cpp refuses: the planner plans on the bare model and says so',
  {
    skip: existsSync(SHIPPED) ? false : `${SHIPPED} is missing`,
  },
  async (t) => {
    const broken = join(tempDir(t), 'broken.gguf');
    writeFileSync(broken, 'GGUF but not really');
    const relay = new AdapterRelay();
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
    const opts = {
      llama,
      modelPath: SHIPPED,
      threads: 1,
      contextSize: 1024,
      gpuLayers: 0 as const,
      maxTokens: 160,
      temperature: 0,
      timeoutMs: 30_000,
      fewShots: 0,
    };
    const plain = new LocalPlanner(opts);
    const planner = new LocalPlanner({ ...opts, adapters: relay });
    t.teardown(async () => {
      await plain.dispose();
      await planner.dispose();
      await llama.dispose();
    });
    const q = modelRequest('who was in the kitchen last night?');
    const expected = (await plain.plan(q)).plan;
    t.same((await planner.plan(q)).plan, expected, 'unconnected: the bare model');
    const listeners = new Set<() => void>();
    relay.connect({ active: () => ({ id: 'broken-1', file: broken }), onChange: (l) => (listeners.add(l), () => listeners.delete(l)) });
    t.same((await planner.plan(q)).plan, expected, 'a broken adapter: still the bare model’s plan');
    t.equal(planner.info().adapter, null, 'no adapter applied');
    t.same((await planner.plan(q)).plan, expected, 'and it is not retried on every plan');
  },
);
