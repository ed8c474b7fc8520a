import { Router } from 'express';
import { checkHealth, httpStatusOf, LIVENESS_ANSWER, readinessOf, readinessRequires } from '@catalogue/shared';
import type { DataSource } from 'typeorm';

export interface Lifecycle {
  /** True once shutdown has begun: readiness answers 503 so load balancers stop sending traffic. */
  draining: boolean;
}

/**
 * The API's probes. Readiness needs the database only: likes are kept in the outbox while the
 * broker is away, so a broker outage must not take the API out of its load balancer.
 */
export function healthRouter(dataSource: DataSource, broker: { isConnected(): boolean }, lifecycle: Lifecycle): Router {
  const router = Router();
  const report = () => checkHealth({ dataSource, broker, required: readinessRequires('api'), isDraining: () => lifecycle.draining });
  // Liveness (Kubernetes' /livez; /ready kept for older probes): touches nothing, so a slow
  // database never gets a healthy process restarted.
  router.get(['/livez', '/ready'], (_req, res) => {
    res.json(LIVENESS_ANSWER);
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = readinessOf(await report());
    res.status(httpStatusOf(readiness)).json(readiness);
  });
  // The detailed report: every dependency's state, with readiness's verdict as its status.
  router.get(['/api/health', '/flask/api/health'], async (_req, res) => {
    const health = await report();
    res.status(httpStatusOf(health)).json(health);
  });
  return router;
}
