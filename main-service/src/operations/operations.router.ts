import { Router } from 'express';
import type { ServiceMessaging } from '@catalogue/shared';

/**
 * What only main can tell the console's operations page: its outbox backlog. Mounted for staff
 * only; admin's operations route calls it with the staff member's own token.
 */
export function operationsRouter(messaging: ServiceMessaging): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ outbox: messaging.relay ? await messaging.relay.backlog() : null });
  });
  return router;
}
