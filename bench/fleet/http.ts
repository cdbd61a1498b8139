import { Agent, request } from 'node:http';

/** One answered request: status, parsed JSON body, milliseconds from send to the last byte. */
export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

/**
 * A JSON client over node:http with a keep-alive agent: a few sockets carry every simulated device's requests, as a
 * load balancer's connection pool would (10,000 devices never mean 10,000 sockets on this 2-core machine).
 */
export class KeepAliveClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly baseUrl: string,
    sockets: number,
  ) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  /** Rejects on a network error (connection refused or reset: the replica is gone) or after `timeoutMs`. */
  call(method: 'GET' | 'POST', path: string, token: string | null, body?: unknown, timeoutMs = 30_000): Promise<Answer> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            ...(token === null ? {} : { authorization: `Bearer ${token}` }),
            ...(data === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(data.length) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : null;
            } catch {
              // a non-JSON answer (a proxy's error page) stays text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
