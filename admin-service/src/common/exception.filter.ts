import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AppError, errors, toErrorResponse, type Logger } from '@catalogue/shared';
import type { Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { LOGGER } from './tokens';

/**
 * The one place errors become HTTP answers, all in the shared shape. Nest's own HttpExceptions
 * (unknown routes, a bad path encoding) are mapped too. In an event handler the error is
 * passed through untouched, so the consumer can tell a database outage from a poison message.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    const { status, body } = toErrorResponse(fromNest(exception));
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    // RFC 6750: a 401 names the scheme the caller should use.
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(status).json(body);
  }
}

function fromNest(exception: unknown): unknown {
  if (!(exception instanceof HttpException)) return exception;
  const status = exception.getStatus();
  if (status === 404) return errors.routeNotFound();
  if (status === 415) return errors.unsupportedMediaType();
  return new AppError(
    status,
    status >= 500 ? 'internal_error' : 'bad_request',
    status >= 500 ? 'something went wrong on our side' : 'the request could not be processed',
  );
}
