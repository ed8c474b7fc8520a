import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, errors, toErrorResponse, type Logger } from '@catalogue/shared';

/** The error code a response was answered with (set below), for metrics that count refusals. */
export function errorCodeOf(res: Response): string | undefined {
  return res.locals.errorCode as string | undefined;
}

export const routeNotFound: RequestHandler = (_req, _res, next) => next(errors.routeNotFound());

/** The one place main-service maps errors to HTTP; bodies never carry stacks, SQL or paths. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, body } = toErrorResponse(err);
    // Express types req.route as `any`: it is the matched route (its template in `path`), if any.
    const route = (req.route as { path?: string } | undefined)?.path;
    res.locals.errorCode = body.code;
    if (status >= 500) {
      // Our own errors (a dependency down) are expected states, not bugs: no stack needed.
      if (err instanceof AppError) logger.warn({ code: body.code, method: req.method, route }, body.message);
      else logger.error({ err, method: req.method, route }, 'request failed');
    }
    // RFC 6750: a 401 names the scheme the caller should use.
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(status).json(body);
  };
}
