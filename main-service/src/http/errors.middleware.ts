import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errors, toErrorResponse, type Logger } from '@catalogue/shared';

export const routeNotFound: RequestHandler = (_req, _res, next) => next(errors.routeNotFound());

/** The one place main-service maps errors to HTTP; bodies never carry stacks, SQL or paths. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, body } = toErrorResponse(err);
    if (status >= 500) {
      // Our own errors (a dependency down) are expected states, not bugs: no stack needed.
      if (err instanceof AppError) logger.warn({ code: body.code, method: req.method, route: req.route?.path }, body.message);
      else logger.error({ err, method: req.method, route: req.route?.path }, 'request failed');
    }
    // RFC 6750: a 401 names the scheme the caller should use.
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(status).json(body);
  };
}
