import { Router, type Response as ExpressResponse } from 'express';
import { AppError, CLIENT_ADDRESS_HEADER, DependencyBreakerOpen, signClientAddress, type DependencyBreaker } from '@catalogue/shared';

const unavailable = () => new AppError(503, 'dependency_unavailable', 'sign-in is unavailable right now; try again shortly');

/**
 * `POST /api/auth/login` on the storefront's own origin, passed to admin (which owns the users),
 * so the browser needs neither CORS nor admin's address. Only email and password are forwarded,
 * with the caller's address as main reads it (behind its own TRUST_PROXY_HOPS), signed with
 * `clientAddressSecret`, so admin's limits count the person, not this proxy. Whatever the client
 * put in X-Forwarded-For stays here: admin sees only the address main vouches for.
 *
 * The call goes through `breaker` (its timeout is LOGIN_TIMEOUT_MS): admin unreachable, too slow
 * or answering 5xx counts as a failure; its refusals (400, 401, 429) are answers, passed on as
 * they are. While the breaker is open, sign-ins answer 503 at once with a Retry-After.
 */
export function loginProxyRouter(
  adminUrl: string,
  breaker: DependencyBreaker,
  retryAfterSeconds: number,
  clientAddressSecret?: string,
): Router {
  const router = Router();
  const target = new URL('/api/auth/login', adminUrl);
  router.post('/login', async (req, res) => {
    const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
    let answer: { status: number; body: unknown; retryAfter: string | null };
    try {
      answer = await breaker.execute(async (signal) => {
        const response = await fetch(target, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(clientAddressSecret && req.ip ? { [CLIENT_ADDRESS_HEADER]: signClientAddress(req.ip, clientAddressSecret) } : {}),
          },
          body: JSON.stringify({ email, password }),
          signal,
          redirect: 'error',
        });
        const body: unknown = await response.json().catch(() => undefined);
        if (body === undefined || response.status >= 500) throw new Error(`admin answered ${response.status}`);
        return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
      });
    } catch (err) {
      if (err instanceof DependencyBreakerOpen) retryLater(res, retryAfterSeconds);
      throw unavailable();
    }
    if (answer.retryAfter) res.set('Retry-After', answer.retryAfter);
    res.status(answer.status).json(answer.body);
  });
  return router;
}

function retryLater(res: ExpressResponse, seconds: number): void {
  res.set('Retry-After', String(seconds));
}
