import { Router } from 'express';
import type { ServiceMetrics } from '@catalogue/shared';

/** `GET /metrics`: this process's registry in Prometheus' text format. */
export function metricsRouter(metrics: ServiceMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.exposition();
    res.type(contentType).send(body);
  });
  return router;
}
