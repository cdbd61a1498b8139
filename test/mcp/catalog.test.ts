import t from 'tap';
import { CATALOG } from '../../daemon/agent/index.js';
import { ConfigError, configSchema, parseConfigText } from '../../daemon/config/index.js';
import { mcpSchema } from '../../daemon/config/sections/mcp.js';
import { NOT_OFFERED, offeredCatalog } from '../../daemon/mcp/tools.js';

// What the MCP server offers is derived from the agent catalog: every tool is offered or excluded with a reason,
// side-effect tools only when allow-listed, and the config's allow list names exactly the catalog's side-effect tools.

t.test('every catalog tool is offered or excluded with a reason', (t) => {
  const names = CATALOG.map((x) => x.name as string);
  for (const name of Object.keys(NOT_OFFERED)) t.ok(names.includes(name), `${name} (not offered) is a catalog tool`);
  const offered = offeredCatalog(['remember', 'publish_to_hub']).map((x) => x.name);
  t.same([...offered, ...Object.keys(NOT_OFFERED)].sort(), [...names].sort(), 'offered ∪ not offered = the catalog');
  t.same(
    offeredCatalog([]).filter((x) => x.sideEffects),
    [],
    'no side-effect tool without the allow list',
  );
  t.end();
});

t.test("mcp.allow_tools names exactly the catalog's side-effect tools", (t) => {
  const allowed = mcpSchema.parse({}).allow_tools;
  t.same(allowed, [], 'none by default');
  const options = (mcpSchema.unwrap().shape.allow_tools.unwrap().element as { options: string[] }).options;
  t.same(
    [...options].sort(),
    CATALOG.filter((x) => x.sideEffects)
      .map((x) => x.name)
      .sort(),
  );
  t.end();
});

t.test('defaults: off, loopback; enabled needs a token file', (t) => {
  const c = configSchema.parse({});
  t.match(c.mcp, { enabled: false, host: '127.0.0.1', port: 8733, allow_tools: [] });
  const err = t.throws(() => parseConfigText('mcp: {enabled: true}\n', 'x.yaml', { env: {} })) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.match(
    err.problems.map((p) => `${p.path}: ${p.message}`),
    ['mcp.token_file: mcp is enabled but no token_file is set'],
  );
  t.end();
});
