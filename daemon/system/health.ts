import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, Gauge, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { ModuleReport } from './lifecycle.js';

export interface HealthSnapshot {
  status: 'ok' | 'degraded' | 'failed' | 'starting' | 'stopping';
  version: string;
  uptime_s: number;
  modules: ModuleReport[];
}

/**
 * Loopback HTTP endpoint: /healthz (per-module JSON, 200 when ok/degraded,
 * 503 otherwise) and /metrics (Prometheus text). The registry is passed in so
 * modules register their own metrics on it; nothing uses prom-client's global.
 */
export class HealthServer {
  private server: Server | null = null;
  private readonly moduleUp: Gauge;

  constructor(
    private readonly registry: Registry,
    private readonly snapshot: () => HealthSnapshot,
    private readonly log: Logger,
  ) {
    collectDefaultMetrics({ register: registry, prefix: 'homesight_' });
    this.moduleUp = new Gauge({
      name: 'homesight_module_up',
      help: '1 when the module is running (ok or degraded), 0 otherwise',
      labelNames: ['module'],
      registers: [registry],
    });
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (url === '/healthz') {
        const snap = this.snapshot();
        const code = snap.status === 'ok' || snap.status === 'degraded' ? 200 : 503;
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(snap));
        return;
      }
      if (url === '/metrics') {
        const snap = this.snapshot();
        for (const m of snap.modules) this.moduleUp.set({ module: m.name }, m.state === 'running' || m.state === 'degraded' ? 1 : 0);
        this.registry
          .metrics()
          .then((text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text))
          .catch((err: unknown) => {
            this.log.warn({ err: String(err) }, 'metrics collection failed');
            res.writeHead(500).end();
          });
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
