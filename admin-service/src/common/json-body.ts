import { AppError, toErrorResponse } from '@catalogue/shared';
import express, { type RequestHandler } from 'express';

/**
 * The JSON body parser, with its failures turned into AppErrors before Nest sees them: Nest would
 * otherwise rewrap malformed JSON as a generic BadRequestException and lose what went wrong.
 */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      const { status, body } = toErrorResponse(err);
      next(new AppError(status, body.code, body.message));
    });
  };
}
