import { Router } from 'express';
import { forbidden, type ServiceMessaging } from '@catalogue/shared';
import type { UsersService } from '../users/users.service';

/**
 * What only main can tell the console's operations page: its outbox backlog. Staff only: admin's
 * operations route calls it with the staff member's own token.
 */
export function operationsRouter(messaging: ServiceMessaging, users: UsersService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const identity = await users.verified(req.get('authorization'));
    if (identity.role !== 'staff') throw forbidden('this needs a staff account');
    res.set('Cache-Control', 'no-store');
    res.json({ outbox: messaging.relay ? await messaging.relay.backlog() : null });
  });
  return router;
}
