import t from 'tap';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentService, RetrievalPlanner, SEED_EXAMPLES, memoryEvents, type TaskPlan } from '../../daemon/agent/index.js';
import { CloudPlanner } from '../../daemon/agent/planning/index.js';
import { ManualClock } from '../../daemon/system/index.js';
import { HOUSEHOLD, NOW, agentConfig, ScriptedPlanner, freePort, openStore, planRequest, seedEvents, tempDir } from './support.js';

const WHO_PLAN = SEED_EXAMPLES.find((s) => s.question.startsWith('Who was in view'))!.plan;
const LAST_SEEN: TaskPlan = SEED_EXAMPLES.find((s) => s.question.startsWith('When was Bob'))!.plan;

interface Seen {
  auth: string | undefined;
  body: { model: string; messages: Array<{ role: string; content: string }>; response_format: { json_schema: { schema: unknown } } };
}

/** A small OpenAI-compatible /chat/completions server over real HTTP. */
async function fakeOpenAI(
  reply: (seen: Seen) => { status?: number; content?: string; raw?: string },
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end('{}');
        return;
      }
      const s: Seen = { auth: req.headers.authorization, body: JSON.parse(data) as Seen['body'] };
      seen.push(s);
      const r = reply(s);
      if (r.raw !== undefined) {
        res.writeHead(r.status ?? 200, { 'content-type': 'application/json' }).end(r.raw);
        return;
      }
      res.writeHead(r.status ?? 200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'x',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: r.content ?? '' },
              logprobs: { content: [{ logprob: -0.01 }, { logprob: -0.03 }] },
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 900, completion_tokens: 80 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1`, seen, server };
}

const AGENT = agentConfig({
  planner: 'local',
  max_repairs: 1,
  cloud: { min_confidence: -1.5 },
  node_timeout_ms: 5000,
  llm: { few_shots: 3 },
});

t.test('cloud planner over HTTP: prompt, schema, key, logprob confidence', async (t) => {
  const dir = tempDir(t);
  const keyFile = join(dir, 'key');
  writeFileSync(keyFile, 'sk-test-123\n');
  const api = await fakeOpenAI(() => ({ content: 'Here is the plan:\n```json\n' + JSON.stringify(LAST_SEEN) + '\n```' }));
  t.teardown(() => api.server.close());
  const cloud = new CloudPlanner({ url: api.url, model: 'gpt-test', apiKeyFile: keyFile, timeoutMs: 5000, fewShots: 2 });
  const r = await cloud.plan(planRequest('When was Bob last seen?', { examples: SEED_EXAMPLES.slice(0, 2) }));
  t.same(r.plan, LAST_SEEN, 'the plan inside a code fence is extracted');
  t.equal(r.planner, 'cloud');
  t.ok(Math.abs(r.confidence! - -0.02) < 1e-9, 'mean token log-prob from logprobs');
  t.equal(r.tokens, 80);
  const s = api.seen[0]!;
  t.equal(s.auth, 'Bearer sk-test-123', 'key read from the key file');
  t.equal(s.body.model, 'gpt-test');
  t.match(s.body.messages[1]!.content, /Tools:\nresolve_time\(phrase\) -> time_range: /);
  t.match(s.body.messages[1]!.content, /Q: "When was Bob last seen\?"/);
  t.match(JSON.stringify(s.body.response_format.json_schema.schema), /"const":"who_was_where"/, 'the catalog JSON schema is sent');
});

t.test('errors are typed: HTTP status, bad reply, unreachable', async (t) => {
  const api = await fakeOpenAI((s) =>
    s.body.messages[1]!.content.includes('key-401') ? { status: 401, raw: '{"error":"bad key"}' } : { content: 'I cannot help with that.' },
  );
  t.teardown(() => api.server.close());
  const cloud = new CloudPlanner({ url: api.url, model: 'm', timeoutMs: 5000, fewShots: 0 });
  await t.rejects(cloud.plan(planRequest('key-401')), { code: 'E_CLOUD_HTTP', hint: /API key/ });
  await t.rejects(cloud.plan(planRequest('hello')), { code: 'E_CLOUD_RESPONSE' });
  const port = await freePort();
  const offline = new CloudPlanner({ url: `http://127.0.0.1:${port}/v1`, model: 'm', timeoutMs: 2000, fewShots: 0 });
  await t.rejects(offline.plan(planRequest('hello')), { code: 'E_CLOUD_UNREACHABLE' });
});

t.test(
  'escalation: invalid local plan, low confidence, or on request → cloud; ' + 'offline → local plan, and the answer says so',
  async (t) => {
    const dir = tempDir(t);
    const clock = new ManualClock(NOW);
    const store = openStore(dir, clock);
    t.teardown(() => store.close());
    seedEvents(store, join(dir, 'snaps'));
    const deps = { events: memoryEvents(() => store) };
    const api = await fakeOpenAI(() => ({ content: JSON.stringify(WHO_PLAN) }));
    t.teardown(() => api.server.close());
    const cloud = new CloudPlanner({ url: api.url, model: 'm', timeoutMs: 5000, fewShots: 1 });
    const q = 'Who was in view between 7 and 8 pm and what were they doing?';

    // 1. On request.
    const good = new ScriptedPlanner(() => LAST_SEEN, 'local', -0.2);
    const svc = new AgentService({
      agent: AGENT,
      householdId: 'home',
      household: HOUSEHOLD,
      deps,
      planners: { local: good, cloud, retrieval: new RetrievalPlanner() },
      clock,
    });
    const a = await svc.ask({ question: q, options: { planner: 'cloud' } });
    t.equal(a.planner, 'cloud');
    t.equal(good.calls.length, 0, 'the local planner was not asked');
    t.match(a.answer, /Alice at plaza/);

    // 2. Invalid after repairs.
    const invalid = new ScriptedPlanner(
      () => ({ task_steps: [], task_nodes: [{ task: 'open_door', arguments: {} }], task_links: [] }),
      'local',
      -0.1,
    );
    const svc2 = new AgentService({
      agent: AGENT,
      householdId: 'home',
      household: HOUSEHOLD,
      deps,
      planners: { local: invalid, cloud, retrieval: new RetrievalPlanner() },
      clock,
    });
    const b = await svc2.ask({ question: q });
    t.equal(invalid.calls.length, 2, 'first try + max_repairs (1)');
    t.equal(b.planner, 'cloud');
    t.match(b.notes.join(' '), /stayed invalid after 1 repairs; the cloud planner's plan was used/);

    // 3. Low confidence.
    // (a plan that fits the question: one naming a person the question does not is invalid, not unsure)
    const unsure = new ScriptedPlanner(() => WHO_PLAN, 'local', -3.2);
    const svc3 = new AgentService({
      agent: AGENT,
      householdId: 'home',
      household: HOUSEHOLD,
      deps,
      planners: { local: unsure, cloud },
      clock,
    });
    const c = await svc3.ask({ question: q });
    t.equal(c.planner, 'cloud');
    t.match(c.answer, /low confidence \(-3\.20\); the cloud planner's plan was used/);

    // 4. Offline cloud: the local plan is used and the answer says so.
    api.server.close();
    const port = await freePort();
    const offline = new CloudPlanner({ url: `http://127.0.0.1:${port}/v1`, model: 'm', timeoutMs: 2000, fewShots: 1 });
    const svc4 = new AgentService({
      agent: AGENT,
      householdId: 'home',
      household: HOUSEHOLD,
      deps,
      planners: { local: new ScriptedPlanner(() => WHO_PLAN, 'local', -3.2), cloud: offline },
      clock,
    });
    const d = await svc4.ask({ question: q });
    t.equal(d.planner, 'local');
    t.match(d.answer, /Alice at plaza/);
    t.match(d.answer, /the cloud planner was unreachable; the local plan was used/);
    const svc5 = new AgentService({
      agent: AGENT,
      householdId: 'home',
      household: HOUSEHOLD,
      deps,
      planners: { local: new ScriptedPlanner(() => WHO_PLAN), cloud: offline },
      clock,
    });
    const e = await svc5.ask({ question: q, options: { planner: 'cloud' } });
    t.equal(e.planner, 'local');
    t.match(e.answer, /the cloud planner was unreachable; a local plan was used/);
  },
);
