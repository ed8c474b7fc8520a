import { Router } from 'express';
import { AppError, CLIENT_ADDRESS_HEADER, signClientAddress } from '@catalogue/shared';

/**
 * `POST /api/auth/login` on the storefront's own origin, passed to admin (which owns the users),
 * so the browser needs neither CORS nor admin's address. Only email and password are forwarded,
 * with the caller's address as main reads it (behind its own TRUST_PROXY_HOPS), signed with
 * `clientAddressSecret`, so admin's limits count the person, not this proxy. Whatever the client
 * put in X-Forwarded-For stays here: admin sees only the address main vouches for.
 */
export function loginProxyRouter(adminUrl: string, timeoutMs: number, clientAddressSecret?: string): Router {
  const router = Router();
  const target = new URL('/api/auth/login', adminUrl);
  router.post('/login', async (req, res) => {
    const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
    let answer: Response;
    try {
      answer = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(clientAddressSecret && req.ip ? { [CLIENT_ADDRESS_HEADER]: signClientAddress(req.ip, clientAddressSecret) } : {}),
        },
        body: JSON.stringify({ email, password }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch {
      throw new AppError(503, 'dependency_unavailable', 'sign-in is unavailable right now; try again shortly');
    }
    const body: unknown = await answer.json().catch(() => undefined);
    if (body === undefined || answer.status >= 500) throw new AppError(503, 'dependency_unavailable', 'sign-in is unavailable right now; try again shortly');
    const retryAfter = answer.headers.get('retry-after');
    if (retryAfter) res.set('Retry-After', retryAfter);
    res.status(answer.status).json(body);
  });
  return router;
}
