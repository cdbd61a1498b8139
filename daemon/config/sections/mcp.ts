import { z } from 'zod';
import { port, secretFile } from './common.js';

/**
 * The MCP server (Model Context Protocol): HomeSight's tools, `ask` and its resources for assistants such as
 * Home Assistant's MCP integration or a desktop assistant. This section configures the Streamable HTTP endpoint
 * on the daemon; `homesight mcp` (stdio) reads the same allow list.
 */
export const mcpSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('serve MCP over Streamable HTTP on the daemon (http://host:port/mcp)'),
    host: z.string().default('127.0.0.1').describe('bind address; loopback by default (a LAN address only with a reason)'),
    port: port.default(8733).describe('0 picks a free port (tests)'),
    token_file: secretFile
      .optional()
      .describe('bearer token every HTTP request must carry (Authorization: Bearer …); required when enabled'),
    allow_tools: z
      .array(z.enum(['remember', 'publish_to_hub']))
      .default([])
      .describe(
        'side-effect tools MCP clients may call (publish_to_hub also needs the topic in agent.hub_topics); read-only tools always may',
      ),
    max_body_bytes: z.number().int().min(1024).max(16_777_216).default(1_048_576).describe('larger HTTP request bodies are refused'),
  })
  .superRefine((m, ctx) => {
    if (m.enabled && m.token_file === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['token_file'],
        message: 'mcp is enabled but no token_file is set',
        params: { hint: 'write a random token to a file (mode 0600), e.g. `openssl rand -hex 32 > mcp.token`, and set mcp.token_file' },
      });
    }
  })
  .prefault({});

export type McpConfig = z.infer<typeof mcpSchema>;
