import { defineModule } from '../context.js';
import type { McpModule } from './module.js';

/**
 * The mcp module's definition for the composition root (daemon/modules.ts); module.ts loads only when it is
 * enabled. MCP (Model Context Protocol) over Streamable HTTP: the agent's tools, `ask`, watches and recaps for
 * assistants such as Home Assistant's MCP integration.
 */
export const mcpModule = defineModule({
  name: 'mcp',
  dependencies: { memory: 'start-after', agent: 'use', watches: 'use', recaps: 'use' },
  sections: ['mcp'],
  enabled: (config) => config.mcp.enabled,
  create: async (ctx): Promise<McpModule> => (await import('./module.js')).createMcpModule(ctx),
});
