import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { offeredCatalog } from '../../daemon/mcp/tools.js';
import { jsonOf, readBytes, startDaemon, textOf } from './support.js';

// `homesight mcp` as a desktop assistant starts it (a subprocess speaking MCP on stdio) through the SDK's own
// client, beside a daemon (memory, embedded MQTT broker, agent with the retrieval planner) on the seeded evening of
// 4 May 2024: tools read the daemon's database read only, ask goes to the daemon over MQTT.

const BIN = fileURLToPath(new URL('../../bin/homesight.js', import.meta.url));

function env(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

t.test('homesight mcp (stdio) beside the running daemon', async (t) => {
  const d = await startDaemon(t, { modules: ['mqtt', 'agent'], allowTools: ['remember'] });
  const client = new Client({ name: 'desktop-assistant', version: '1.0.0' });
  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--config', d.configFile],
    env: env(),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (b: Buffer) => stderr.push(b.toString('utf8')));
  await client.connect(transport);
  t.teardown(() => client.close());

  const { tools } = await client.listTools();
  t.same(
    tools.map((x) => x.name),
    [...offeredCatalog([]).map((x) => x.name), 'ask', 'watch_create', 'watch_list', 'watch_cancel', 'recap'],
    'the read-only tools, ask, and the watch and recap routes of the daemon; no side-effect catalog tool here, whatever ' +
      'mcp.allow_tools says (this process writes nothing)',
  );

  const r = await client.callTool({
    name: 'query_events',
    arguments: { start: '2024-05-04T19:00:00+02:00', end: '2024-05-04T20:00:00+02:00', camera: 'porch' },
  });
  t.notOk(r.isError, textOf(r));
  t.match(jsonOf(r), { events: [{ camera: 'porch', identity: 'Bob', activity: 'standing' }], truncated: false }, 'read from the store');
  const images = await client.callTool({ name: 'last_seen', arguments: { person: 'Bob' } });
  t.same(
    (images.content as Array<{ type: string; data?: string }>).filter((c) => c.type === 'image').map((c) => Buffer.from(c.data!, 'base64')),
    [readBytes(join(d.snapshotDir, 'bob-stand.jpg'))],
    'the snapshot as image content',
  );
  const bad = await client.callTool({ name: 'aggregate', arguments: { start: 'x', end: 'y', group_by: 'identity', metric: 'count' } });
  t.match(textOf(bad), /^\[E_ARG_INVALID\] aggregate: argument "start"/);

  const asked = await client.callTool({ name: 'ask', arguments: { question: 'Who was on the porch between 7 and 8 pm?' } });
  t.notOk(asked.isError, textOf(asked));
  t.match(textOf(asked), /Bob at entrance from 19:30 to 19:50/, "the daemon's answer over MQTT");

  const people = await client.readResource({ uri: 'homesight://household/people' });
  t.match(JSON.parse((people.contents[0] as { text: string }).text), { people: [{ name: 'Alice' }, { name: 'Bob' }] });
  t.notMatch(stderr.join(''), /error/i, 'nothing went wrong on stderr');
});

t.test('homesight mcp without the daemon database says so and exits 66', async (t) => {
  const d = await startDaemon(t, { modules: [] });
  d.store.close();
  rmSync(join(d.ctx.config.paths.data_dir, d.ctx.config.memory.db_file));
  const r = spawnSync(process.execPath, [BIN, 'mcp', '--config', d.configFile], { input: '', encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 66, r.stderr);
  t.match(r.stderr, /homesight mcp: the memory database .+ does not exist \(start the daemon once/);
  t.equal(r.stdout, '', 'stdout stays clean');
});
