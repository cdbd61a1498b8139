import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HomeSightError, errorMessage, silentLogger, type Logger } from '../system/index.js';

/** The endpoint's path: `/mcp` with `Authorization: Bearer <token>`, or `/mcp/<token>` for clients that take only a URL. */
export const MCP_PATH = '/mcp';

export interface McpHttpOptions {
  host: string;
  port: number;
  /** Every request must carry `Authorization: Bearer <token>`. */
  token: string;
  maxBodyBytes: number;
  /** A fresh server per request (stateless Streamable HTTP: no sessions to keep or leak). */
  server: () => McpServer;
  log?: Logger;
}

export interface McpHttpStats {
  requests: number;
  unauthorized: number;
  failed: number;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/**
 * MCP over Streamable HTTP on the daemon: POST /mcp with a bearer token (or POST /mcp/<token>), JSON responses, no sessions (each request
 * gets its own server and transport, as the SDK's stateless mode intends). GET and DELETE (the server-sent event
 * stream and session end of stateful servers) are answered 405.
 */
export class McpHttpEndpoint {
  private http: Server | null = null;
  private readonly log: Logger;
  private readonly token: Buffer;
  readonly stats: McpHttpStats = { requests: 0, unauthorized: 0, failed: 0 };

  constructor(private readonly o: McpHttpOptions) {
    this.log = o.log ?? silentLogger();
    this.token = digest(o.token);
  }

  /** Listens; resolves with the bound address (port 0 picks a free one). */
  async listen(): Promise<{ host: string; port: number; url: string }> {
    const http = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      http.once('error', (err) =>
        reject(
          new HomeSightError('E_MCP_LISTEN', `the MCP endpoint cannot listen on ${this.o.host}:${this.o.port}: ${errorMessage(err)}`, {
            context: { host: this.o.host, port: this.o.port },
            hint: 'another process uses the port; set mcp.port to a free one',
          }),
        ),
      );
      http.listen(this.o.port, this.o.host, () => resolve());
    });
    this.http = http;
    const { port } = http.address() as AddressInfo;
    const host = this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
    return { host: this.o.host, port, url: `http://${host}:${port}${MCP_PATH}` };
  }

  async close(): Promise<void> {
    const http = this.http;
    this.http = null;
    if (http === null) return;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  /**
   * The bearer token from the Authorization header, or from the path (`/mcp/<token>`) for clients that take only a
   * URL: Home Assistant's MCP integration sends no static header (it knows OAuth only).
   */
  private authorized(req: IncomingMessage, pathToken: string | null): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const token = m?.[1] ?? pathToken;
    // Compared as digests: equal length, constant time.
    return token !== null && token !== undefined && timingSafeEqual(digest(token), this.token);
  }

  /** The path's token (`/mcp/<token>`), null for `/mcp`, undefined for any other path. */
  private static pathToken(url: string | undefined): string | null | undefined {
    const path = (url ?? '/').split('?')[0]!;
    if (path === MCP_PATH) return null;
    if (!path.startsWith(`${MCP_PATH}/`) || path.length === MCP_PATH.length + 1) return undefined;
    try {
      return decodeURIComponent(path.slice(MCP_PATH.length + 1));
    } catch {
      return undefined;
    }
  }

  private async body(req: IncomingMessage): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.o.maxBodyBytes) return null;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const pathToken = McpHttpEndpoint.pathToken(req.url);
    if (pathToken === undefined) return jsonRpcError(res, 404, -32601, `not found; the MCP endpoint is ${MCP_PATH}`);
    if (!this.authorized(req, pathToken)) {
      this.stats.unauthorized++;
      return jsonRpcError(res, 401, -32001, 'unauthorized: send Authorization: Bearer <the token in mcp.token_file>', {
        'www-authenticate': 'Bearer realm="homesight"',
      });
    }
    if (req.method !== 'POST') return jsonRpcError(res, 405, -32000, 'method not allowed (stateless server: POST only)', { allow: 'POST' });
    let parsed: unknown;
    try {
      const raw = await this.body(req);
      if (raw === null) return jsonRpcError(res, 413, -32600, `request body larger than ${this.o.maxBodyBytes} bytes`);
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return jsonRpcError(res, 400, -32700, `parse error: ${errorMessage(err)}`);
    }
    const server = this.o.server();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed);
    } catch (err) {
      this.stats.failed++;
      this.log.warn({ err: errorMessage(err) }, 'MCP request failed');
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'internal error');
    }
  }
}
