/**
 * MCP (Model Context Protocol) server: the agent catalog's tools (schemas derived from its zod), `ask`, watches
 * and recaps, and resources (people, cameras, today's timeline), over Streamable HTTP on the daemon (the mcp module)
 * and over stdio (`homesight mcp`).
 */
export { McpModule } from './module.js';
export { serveStdio } from './stdio.js';
