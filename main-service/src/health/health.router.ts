import { Router } from 'express';
import { checkHealth } from '@catalogue/shared';
import type { DataSource } from 'typeorm';

export interface Lifecycle {
  /** True once shutdown has begun: readiness answers 503 so load balancers stop sending traffic. */
  draining: boolean;
}

export function healthRouter(dataSource: DataSource, broker: { isConnected(): boolean }, lifecycle: Lifecycle): Router {
  const router = Router();
  // Liveness: touches nothing, so a slow database never gets a healthy process restarted.
  router.get('/ready', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(['/api/health', '/flask/api/health'], async (_req, res) => {
    const report = await checkHealth(dataSource, broker, lifecycle.draining);
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  return router;
}
