import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { getTool } from '../../daemon/agent/index.js';
import { MQTT_REQUESTS } from '../../daemon/mqtt/index.js';
import { NOT_OFFERED, offeredCatalog } from '../../daemon/mcp/tools.js';
import { TOKEN, jsonOf, readBytes, startDaemon, textOf, type TestDaemon } from './support.js';

// The MCP server on the daemon (mcp module, Streamable HTTP) through the SDK's own client: memory, agent (retrieval
// planner) and mcp built by their factories, the seeded evening of 4 May 2024 (test/agent/support.ts), 21:30 Berlin.

async function connect(t: Test, d: TestDaemon, token = TOKEN): Promise<Client> {
  const client = new Client({ name: 'homesight-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(d.mcpUrl!), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  t.teardown(() => client.close());
  return client;
}

const EVENING = { start: '2024-05-04T19:00:00+02:00', end: '2024-05-04T20:00:00+02:00' };

t.test('over Streamable HTTP with the bearer token', async (t) => {
  const d = await startDaemon(t, { modules: ['agent', 'mcp'] });
  t.match(d.mcpUrl, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/, 'bound to loopback by default');
  const client = await connect(t, d);

  t.test('tools/list: the read-only catalog tools with their zod schemas, ask; no side-effect tool unless allow-listed', async (t) => {
    const { tools } = await client.listTools();
    const names = tools.map((x) => x.name);
    t.same(names, [...offeredCatalog([]).map((x) => x.name), 'ask']);
    t.notOk(names.includes('remember') || names.includes('publish_to_hub'), 'side-effect tools need mcp.allow_tools');
    for (const name of Object.keys(NOT_OFFERED)) t.notOk(names.includes(name), `${name} is not offered`);
    const query = tools.find((x) => x.name === 'query_events')!;
    t.same(
      query.inputSchema,
      z.toJSONSchema(getTool('query_events')!.input, { target: 'draft-7', io: 'input', unrepresentable: 'any' }),
      'the input schema is the catalog zod schema',
    );
    t.same(query.annotations?.readOnlyHint, true);
    t.ok(query.outputSchema, 'catalog tools declare their output schema');
    t.match(tools.find((x) => x.name === 'get_snapshot')!.description, /`events`: pass the result of query_events, who_was_where/);
  });

  t.test('a store-backed tool on the seeded store', async (t) => {
    const r = await client.callTool({ name: 'who_was_where', arguments: EVENING });
    t.notOk(r.isError, textOf(r));
    const presence = (r.structuredContent as { presence: Array<{ identity: string; camera: string; activities: string[] }> }).presence;
    t.same(
      presence.map((p) => `${p.identity}@${p.camera}`).sort(),
      ['Alice@demo', 'Bob@porch', 'unknown@demo'],
      'who was where between 7 and 8 pm',
    );
    t.same(presence.find((p) => p.identity === 'Alice')!.activities, ['sitting', 'walking']);
    t.same(jsonOf(r), r.structuredContent, 'the same JSON as text for clients that read text only');
    const last = await client.callTool({ name: 'last_seen', arguments: { person: 'mum' } });
    t.match(last.structuredContent, { person: 'Alice', seen: { camera: 'porch', room: 'entrance' } }, 'aliases resolve');
  });

  t.test('a bad argument is a tool error with the code, the argument and a hint', async (t) => {
    const bad = await client.callTool({ name: 'query_events', arguments: { start: 'yesterday', end: EVENING.end } });
    t.equal(bad.isError, true);
    t.match(textOf(bad), /^\[E_ARG_INVALID\] query_events: argument "start": .+\(hint: see the inputSchema of query_events/);
    t.match(bad._meta, { 'homesight/error': { code: 'E_ARG_INVALID', context: { tool: 'query_events', argument: 'start' } } });
    const unknown = await client.callTool({ name: 'count_events', arguments: { ...EVENING, person: 'Bob' } });
    t.match(
      textOf(unknown),
      /^\[E_ARG_UNKNOWN\] count_events: unknown argument "person" \(hint: count_events takes: start, end, camera, identity/,
    );
    const missing = await client.callTool({ name: 'last_seen', arguments: {} });
    t.match(textOf(missing), /\[E_ARG_INVALID\] last_seen: argument "person"/);
    const none = await client.callTool({ name: 'detect_persons', arguments: {} });
    t.match(textOf(none), /^\[E_TOOL_UNKNOWN\] no tool "detect_persons"/);
  });

  t.test('snapshots come back as image content (base64 JPEG); only stored JPEGs under paths.data_dir are read', async (t) => {
    const events = await client.callTool({ name: 'query_events', arguments: { ...EVENING, identity: 'Alice' } });
    const r = await client.callTool({ name: 'get_snapshot', arguments: { events: events.structuredContent } });
    t.notOk(r.isError, textOf(r));
    const images = (r.content as Array<{ type: string; data?: string; mimeType?: string }>).filter((c) => c.type === 'image');
    t.equal(images.length, 1, "Alice's walk has a snapshot");
    t.equal(images[0]!.mimeType, 'image/jpeg');
    t.same(Buffer.from(images[0]!.data!, 'base64'), readBytes(join(d.snapshotDir, 'alice-walk.jpg')));
    const forged = await client.callTool({
      name: 'get_snapshot',
      arguments: { events: { events: [{ id: 'x', camera: 'demo', start: EVENING.start, snapshot: '/etc/passwd' }] } },
    });
    t.equal((forged.content as Array<{ type: string }>).filter((c) => c.type === 'image').length, 0, 'a path from the client is not read');
    const seen = await client.callTool({ name: 'last_seen', arguments: { person: 'Bob' } });
    t.equal((seen.content as Array<{ type: string }>).filter((c) => c.type === 'image').length, 1, 'a sighting carries its snapshot');
  });

  t.test('ask: the whole agent end to end (retrieval planner), answer with evidence and its snapshots', async (t) => {
    const r = await client.callTool({ name: 'ask', arguments: { question: 'Who was on the porch between 7 and 8 pm?' } });
    t.notOk(r.isError, textOf(r));
    const data = r.structuredContent as { answer: string; planner: string };
    t.equal(data.planner, 'retrieval');
    t.match(data.answer, /Bob at entrance from 19:30 to 19:50/);
    t.equal(textOf(r), data.answer, 'the answer is the first text block');
    const pictures = await client.callTool({ name: 'ask', arguments: { question: 'Show me pictures of who came by this evening' } });
    const evidence = (
      pictures.structuredContent as { evidence: Array<{ event: { identity: string | null } | null; snapshot: string | null }> }
    ).evidence;
    t.same(
      evidence.filter((e) => e.snapshot !== null).map((e) => e.event?.identity),
      ['Alice', 'Bob'],
      'the evening events with snapshots',
    );
    const images = (pictures.content as Array<{ type: string; data?: string }>).filter((c) => c.type === 'image');
    t.same(
      images.map((i) => Buffer.from(i.data!, 'base64')),
      ['alice-walk.jpg', 'bob-stand.jpg'].map((f) => readBytes(join(d.snapshotDir, f))),
      'attached as images',
    );
    const refused = await client.callTool({ name: 'ask', arguments: { question: '' } });
    t.match(textOf(refused), /\[E_ARG_INVALID\] ask: argument "question"/);
  });

  t.test('resources: people, cameras, today', async (t) => {
    const { resources } = await client.listResources();
    t.same(resources.map((r) => r.uri).sort(), ['homesight://cameras', 'homesight://household/people', 'homesight://timeline/today']);
    const read = async (uri: string): Promise<unknown> => {
      const r = await client.readResource({ uri });
      return JSON.parse((r.contents[0] as { text: string }).text);
    };
    t.match(await read('homesight://household/people'), {
      household: 'home',
      timezone: 'Europe/Berlin',
      people: [
        { name: 'Alice', aliases: ['mum'], relation: 'mother', last_seen: { camera: 'porch' } },
        { name: 'Bob', relation: null, last_seen: { camera: 'porch', activity: 'standing' } },
      ],
    });
    t.same(await read('homesight://cameras'), [
      { name: 'demo', room: 'plaza', source: 'file', zones: ['bench'], records: true },
      { name: 'porch', room: 'entrance', source: 'file', zones: [], records: false },
    ]);
    const today = (await read('homesight://timeline/today')) as { start: string; events: Array<{ identity: string | null }> };
    t.equal(today.start, '2024-05-04T00:00:00+02:00');
    t.equal(today.events.length, d.events.length, 'every event of the seeded day');
  });
});

t.test('auth: no token or a wrong one is refused with 401', async (t) => {
  const d = await startDaemon(t, { modules: ['mcp'] });
  const init = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
  };
  const post = (headers: Record<string, string>) =>
    fetch(d.mcpUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(init),
    });
  const none = await post({});
  t.equal(none.status, 401);
  t.equal(none.headers.get('www-authenticate'), 'Bearer realm="homesight"');
  t.equal((await post({ authorization: 'Bearer wrong' })).status, 401);
  t.equal((await post({ authorization: TOKEN })).status, 401, 'the token without the Bearer scheme');
  t.equal((await post({ authorization: `Bearer ${TOKEN}` })).status, 200, 'the right token');
  await t.rejects(connect(t, d, 'wrong'), /401|nauthorized/, "the SDK client's connect fails");
  const at = (path: string) =>
    fetch(d.mcpUrl!.replace(/\/mcp$/, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(init),
    });
  t.equal((await at('/mcp/wrong')).status, 401, 'a wrong token in the path');
  t.equal((await at('/other')).status, 404);
  t.equal((await at(`/mcp/${TOKEN}`)).status, 200, "the token in the path, for clients that take only a URL (Home Assistant's)");
  const byUrl = new Client({ name: 'url-only', version: '1' });
  await byUrl.connect(new StreamableHTTPClientTransport(new URL(`${d.mcpUrl!}/${TOKEN}`)));
  t.teardown(() => byUrl.close());
  t.ok((await byUrl.listTools()).tools.length > 0, 'the SDK client with the token in the URL');
  t.match(d.mcp!.health(), { status: 'ok', details: { unauthorized: 5 } });
  const client = await connect(t, d);
  const { tools } = await client.listTools();
  t.notOk(
    tools.some((x) => x.name === 'ask'),
    'without the agent module there is no ask',
  );
});

t.test('allow-listed side-effect tools are offered and run', async (t) => {
  const d = await startDaemon(t, { modules: ['agent', 'mcp'], allowTools: ['remember'] });
  const client = await connect(t, d);
  const { tools } = await client.listTools();
  const remember = tools.find((x) => x.name === 'remember');
  t.ok(remember, 'remember is offered');
  t.equal(remember?.annotations?.readOnlyHint, false);
  t.notOk(
    tools.some((x) => x.name === 'publish_to_hub'),
    'publish_to_hub is not allow-listed',
  );
  const r = await client.callTool({ name: 'remember', arguments: { fact: 'the spare key is under the blue pot' } });
  t.match(r.structuredContent, { stored: true, fact: 'the spare key is under the blue pot' });
  const recalled = await client.callTool({ name: 'recall_memory', arguments: { query: 'spare key' } });
  t.match(recalled.structuredContent, { items: [{ text: 'the spare key is under the blue pot' }] });
});

t.test("the watch tools and recap: the services of the daemon, with their MQTT routes' schemas", async (t) => {
  const d = await startDaemon(t, { modules: ['watches', 'recaps', 'mcp'] });
  const client = await connect(t, d);
  const { tools } = await client.listTools();
  const byName = new Map(tools.map((x) => [x.name, x]));
  t.same(
    ['watch_create', 'watch_list', 'watch_cancel', 'recap'].filter((n) => byName.has(n)),
    ['watch_create', 'watch_list', 'watch_cancel', 'recap'],
  );
  t.same(
    byName.get('watch_create')!.inputSchema,
    z.toJSONSchema(MQTT_REQUESTS['watch/create'].request, { target: 'draft-7', io: 'input', unrepresentable: 'any' }),
    "watch_create takes watch/create's request",
  );
  t.equal(byName.get('watch_list')!.annotations?.readOnlyHint, true);

  const created = await client.callTool({
    name: 'watch_create',
    arguments: { spec: { trigger: { who: { kind: 'unknown' }, cameras: ['porch'] }, once: true }, question: 'tell me if a stranger comes' },
  });
  t.notOk(created.isError, textOf(created));
  const watch = created.structuredContent as { id: string; status: string; question: string | null };
  t.match(watch, { id: /^w_/, status: 'active', question: 'tell me if a stranger comes' });
  const listed = await client.callTool({ name: 'watch_list', arguments: {} });
  t.same(
    (listed.structuredContent as { watches: Array<{ id: string }> }).watches.map((w) => w.id),
    [watch.id],
  );
  const bad = await client.callTool({ name: 'watch_create', arguments: { spec: { trigger: { who: { kind: 'somebody' } } } } });
  t.match(textOf(bad), /^\[E_ARG_INVALID\] watch_create: argument "spec\.trigger\.who\.kind"/);
  const cancelled = await client.callTool({ name: 'watch_cancel', arguments: { watch_id: watch.id } });
  t.same(cancelled.structuredContent, { cancelled: true, watch_id: watch.id });
  const again = await client.callTool({ name: 'watch_cancel', arguments: { watch_id: watch.id } });
  t.same(again.structuredContent, { cancelled: false, watch_id: watch.id }, 'no longer active');

  const recap = await client.callTool({ name: 'recap', arguments: { when: 'today' } });
  t.notOk(recap.isError, textOf(recap));
  const data = recap.structuredContent as { text: string; people: Array<{ name: string }> };
  t.equal(textOf(recap), data.text, 'the recap text first');
  t.same(data.people.map((p) => p.name).sort(), ['Alice', 'Bob']);
  const images = (recap.content as Array<{ type: string }>).filter((c) => c.type === 'image');
  t.ok(images.length >= 1, 'evidence snapshots as images');
  const both = await client.callTool({ name: 'recap', arguments: { when: 'today', from: '2024-05-04T08:00:00+02:00' } });
  t.match(textOf(both), /^\[E_ARG_INVALID\] recap: argument "arguments": give exactly one of when, from or away_of/);
});
