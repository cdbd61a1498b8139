import t, { type Test } from 'tap';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AgentService, SEED_EXAMPLES, memoryEvents } from '../../daemon/agent/index.js';
import { PlanExecutor, createToolImpls, type AgentDeps, type ToolImpls } from '../../daemon/agent/execution/index.js';
import { ManualClock } from '../../daemon/system/index.js';
import { HOUSEHOLD, NOW, agentConfig, ScriptedPlanner, openStore, seedEvents, tempDir } from './support.js';

/**
 * Issue 12 (soak, scenario 8): every ask leaked its plan run. The executor
 * gave each node AbortSignal.any([caller, node]) and left an 'abort' listener
 * on it; Node keeps such a composite signal strongly reachable until it
 * aborts, so every node that finished normally stayed in memory with its run
 * context (RSS +44 MB/min under 4 askers). These tests count what a run
 * leaves behind after many asks instead of timing or measuring RSS.
 */

/** Runs through the executor alone (fast) and whole asks through the agent service. */
const RUNS = 2000;
const ASKS = 1000;

const AGENT = agentConfig({
  planner: 'retrieval',
  max_repairs: 0,
  cloud: { min_confidence: -10 },
  node_timeout_ms: 10_000,
  llm: { few_shots: 1 },
});

const WHO_PLAN = SEED_EXAMPLES.find((s) => s.question.startsWith('Who was in view'))!.plan;

/** A full, synchronous major GC (the flag is set at run time, so no node option is needed). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The tool implementations, each recording (weakly) the signal its node was given. */
function recordingImpls(seen: Array<WeakRef<AbortSignal>>, live: AbortSignal[]): ToolImpls {
  const base = createToolImpls();
  const out: Record<string, unknown> = {};
  for (const [name, impl] of Object.entries(base)) {
    out[name] = (args: unknown, ctx: { signal: AbortSignal }): Promise<unknown> => {
      seen.push(new WeakRef(ctx.signal));
      live.push(ctx.signal);
      return (impl as (a: unknown, c: unknown) => Promise<unknown>)(args, ctx);
    };
  }
  return out as ToolImpls;
}

function setup(t: Test) {
  const dir = tempDir(t, 'hs-agent-mem-');
  const clock = new ManualClock(NOW);
  const store = openStore(dir, clock);
  t.teardown(() => store.close());
  seedEvents(store, join(dir, 'snaps'));
  const deps: AgentDeps = { events: memoryEvents(() => store) };
  return { clock, deps };
}

t.test(`${ASKS} asks: no listener left on any signal, every node's signal and run context collectable`, async (t) => {
  const gc = collector();
  const { clock, deps } = setup(t);
  const seen: Array<WeakRef<AbortSignal>> = [];
  let live: AbortSignal[] = [];
  const executor = new PlanExecutor({ impls: recordingImpls(seen, live), nodeTimeoutMs: AGENT.node_timeout_ms, clock });
  const planner = new ScriptedPlanner(() => WHO_PLAN, 'retrieval');
  const svc = new AgentService({
    agent: AGENT,
    householdId: 'home',
    household: HOUSEHOLD,
    deps,
    planners: { retrieval: planner },
    clock,
    executor,
  });

  let listenersLeft = 0;
  for (let i = 0; i < ASKS; i++) {
    // One controller per ask, as the MQTT handler makes them.
    const ac = new AbortController();
    const r = await svc.ask({ question: 'Who was in view between 7 and 8 pm and what were they doing?' }, { signal: ac.signal });
    if (i === 0)
      t.same(
        r.trace.nodes.map((n) => n.status),
        WHO_PLAN.task_nodes.map(() => 'ok'),
        'the plan runs',
      );
    listenersLeft += getEventListeners(ac.signal, 'abort').length;
    for (const s of live) listenersLeft += getEventListeners(s, 'abort').length;
    live.length = 0;
  }
  planner.calls.length = 0;
  live = [];
  t.equal(seen.length, ASKS * WHO_PLAN.task_nodes.length, 'every node of every ask ran a tool');
  t.equal(listenersLeft, 0, "no abort listener stays on the ask's signal or on a node's signal after the run");

  // WeakRefs hold their target until the current job ends: let it end, then collect.
  await new Promise((r) => setImmediate(r));
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const alive = seen.filter((w) => w.deref() !== undefined).length;
  t.ok(
    alive <= WHO_PLAN.task_nodes.length,
    `node signals still reachable after ${ASKS} asks and a GC: ${alive} of ${seen.length} (at most one ask's worth)`,
  );
});

t.test('a long-lived caller signal gains no listeners from the runs under it', async (t) => {
  const { deps } = setup(t);
  const executor = new PlanExecutor({ impls: createToolImpls(), nodeTimeoutMs: 10_000 });
  const daemonWide = new AbortController();
  for (let i = 0; i < RUNS; i++) {
    const r = await executor.execute(WHO_PLAN, {
      deps,
      household: HOUSEHOLD,
      now: NOW,
      question: 'who?',
      allowTools: [],
      hubTopics: [],
      signal: daemonWide.signal,
    });
    if (i === 0) t.same(r.errors, [], 'the plan runs');
  }
  t.equal(getEventListeners(daemonWide.signal, 'abort').length, 0, `no abort listener left on the caller's signal after ${RUNS} runs`);

  // Cancelling still reaches a running node through its own signal.
  const ac = new AbortController();
  const impls: ToolImpls = {
    ...createToolImpls(),
    who_was_where: ((_a: never, c: { signal: AbortSignal }) =>
      new Promise((_, reject) =>
        c.signal.addEventListener('abort', () => reject(c.signal.reason as Error), { once: true }),
      )) as unknown as ToolImpls['who_was_where'],
  };
  const ex = new PlanExecutor({ impls, nodeTimeoutMs: 10_000 });
  const run = ex.execute(WHO_PLAN, {
    deps,
    household: HOUSEHOLD,
    now: NOW,
    question: 'who?',
    allowTools: [],
    hubTopics: [],
    signal: ac.signal,
    onNode: (e) => e.task === 'who_was_where' && e.status === 'running' && ac.abort(new Error('stop')),
  });
  const r = await run;
  t.ok(r.cancelled, 'the run reports cancellation');
  t.ok(
    r.trace.some((n) => n.task === 'who_was_where' && n.status === 'cancelled'),
    'the running node was cancelled',
  );
  t.equal(getEventListeners(ac.signal, 'abort').length, 0, 'and left no listener behind');
});
