import { Router } from 'express';
import { AppError } from '@catalogue/shared';

/**
 * `POST /api/auth/login` on the storefront's own origin, passed to admin (which owns the users),
 * so the browser needs neither CORS nor admin's address. Only email and password are forwarded,
 * with the caller's address so admin's rate limit counts the person, not this proxy.
 */
export function loginProxyRouter(adminUrl: string, timeoutMs: number): Router {
  const router = Router();
  const target = new URL('/api/auth/login', adminUrl);
  router.post('/login', async (req, res) => {
    const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
    let answer: Response;
    try {
      answer = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-forwarded-for': forwardedFor(req.get('x-forwarded-for'), req.socket.remoteAddress) },
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

function forwardedFor(existing: string | undefined, remote: string | undefined): string {
  return [existing, remote].filter(Boolean).join(', ');
}
