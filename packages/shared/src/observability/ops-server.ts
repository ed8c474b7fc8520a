import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpStatusOf, LIVENESS_ANSWER, readinessOf, type HealthReport } from '../runtime/health';
import type { ServiceMetrics } from './metrics';

export interface OpsServerOptions {
  port: number;
  /** The detailed report; readiness is its verdict (a process without an API needs its broker too). */
  health: () => Promise<HealthReport>;
  metrics: ServiceMetrics;
}

/**
 * The small HTTP server of a process that serves no API (a consumer): liveness on `/livez` (and
 * `/ready`, kept for older probes), readiness on `/readyz`, the detailed report on `/api/health`,
 * and `/metrics`, so Kubernetes can probe it and Prometheus scrape it.
 */
export class OpsServer {
  private server: Server | undefined;

  constructor(private readonly options: OpsServerOptions) {}

  async start(): Promise<number> {
    const { health, metrics } = this.options;
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const answer = async () => {
        if (req.method !== 'GET' && req.method !== 'HEAD')
          return send(405, 'application/json', { code: 'method_not_allowed', message: 'only GET' });
        if (path === '/livez' || path === '/ready') return send(200, 'application/json', LIVENESS_ANSWER);
        if (path === '/readyz') {
          const readiness = readinessOf(await health());
          return send(httpStatusOf(readiness), 'application/json', readiness);
        }
        if (path === '/api/health') {
          const report = await health();
          return send(httpStatusOf(report), 'application/json', report);
        }
        if (path === '/metrics') {
          const { contentType, body } = await metrics.exposition();
          return send(200, contentType, body);
        }
        return send(404, 'application/json', { code: 'not_found', message: 'no such route' });
      };
      const send = (status: number, contentType: string, body: unknown) => {
        res.writeHead(status, { 'content-type': contentType });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      answer().catch(() => send(500, 'application/json', { code: 'internal_error', message: 'something went wrong on our side' }));
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}
