import type { z } from 'zod';
import { isConnectionError } from '../db/errors';

export interface FieldProblem {
  field: string;
  reason: string;
}

/** The one error body both services answer with. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: FieldProblem[];
}

/** An error that knows its HTTP status and stable code; thrown anywhere, mapped to HTTP in one place. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldProblem[],
  ) {
    super(message);
  }

  static validation(details: FieldProblem[], message = 'the request is not valid'): AppError {
    return new AppError(400, 'validation_failed', message, details);
  }

  static notFound(what: string): AppError {
    return new AppError(404, 'not_found', `${what} was not found`);
  }

  static unavailable(dependency: string): AppError {
    return new AppError(503, 'dependency_unavailable', `${dependency} is unavailable; try again shortly`);
  }
}

export function zodDetails(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(', '), reason: 'is not an allowed field' };
    }
    return { field: issue.path.join('.') || 'body', reason: issue.message };
  });
}

/** Errors raised by body parsers (Express's and Nest's are the same library). */
interface ParserError {
  type?: string;
  status?: number;
  statusCode?: number;
}

/**
 * Maps anything thrown to a status and a body. Unknown errors become a bare 500: no stack, SQL,
 * path or library name ever reaches a client.
 */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    return { status: err.status, body: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
  }
  const parser = (err ?? {}) as ParserError;
  switch (parser.type) {
    case 'entity.parse.failed':
      return { status: 400, body: { code: 'malformed_json', message: 'the request body is not valid JSON' } };
    case 'entity.too.large':
      return { status: 413, body: { code: 'payload_too_large', message: 'the request body is too large' } };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, body: { code: 'unsupported_encoding', message: 'the request body encoding is not supported' } };
    case 'request.aborted':
      return { status: 400, body: { code: 'request_aborted', message: 'the request was aborted' } };
    case undefined: // not a body-parser error
    default:
      break;
  }
  if (isConnectionError(err)) {
    return { status: 503, body: { code: 'dependency_unavailable', message: 'the database is unavailable; try again shortly' } };
  }
  const status = parser.status ?? parser.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { code: 'bad_request', message: 'the request could not be processed' } };
  }
  return { status: 500, body: { code: 'internal_error', message: 'something went wrong on our side' } };
}

export const errors = {
  unsupportedMediaType: () => new AppError(415, 'unsupported_media_type', 'send the body as application/json'),
  routeNotFound: () => new AppError(404, 'not_found', 'no such route'),
};
