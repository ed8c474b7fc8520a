import type { Request, RequestHandler } from 'express';
import { forbidden, isPersonRole, type Identity, type Role } from '@catalogue/shared';
import type { UsersService } from '../users/users.service';

/** A request whose caller has been identified by `authenticate`. */
export type AuthenticatedRequest = Request & { identity?: Identity };

/**
 * Identifies the caller from the bearer token (401 without a valid one) and keeps it on the
 * request. Only people pass: a service's credential (e.g. the snapshot reader main itself holds)
 * opens nothing here, so it can never like, read likes or reach staff routes (403).
 */
export function authenticate(users: UsersService): RequestHandler {
  return async (req: AuthenticatedRequest, _res, next) => {
    req.identity ??= await users.identify(req.get('authorization'));
    if (!isPersonRole(req.identity.role)) throw forbidden('this credential is for a service and opens no route here');
    next();
  };
}

/** After `authenticate`: only callers with this role get through (403 otherwise), e.g. operations routes for staff. */
export function requireRole(role: Role): RequestHandler {
  return (req: AuthenticatedRequest, _res, next) => {
    if (req.identity?.role !== role) throw forbidden(`this needs a ${role} account`);
    next();
  };
}

export function identityOf(req: Request): Identity {
  const identity = (req as AuthenticatedRequest).identity;
  // A route that reads the identity is mounted behind authenticate; reaching here without one is a wiring bug.
  if (!identity) throw new Error('route mounted without authenticate');
  return identity;
}
