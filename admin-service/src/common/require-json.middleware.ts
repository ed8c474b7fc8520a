import { Injectable, type NestMiddleware } from '@nestjs/common';
import { errors } from '@catalogue/shared';
import type { NextFunction, Request, Response } from 'express';

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/** A write whose body is not JSON is refused as such, instead of reaching validation as an empty body. */
@Injectable()
export class RequireJsonMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    if (WRITES.has(req.method) && req.is('application/json') === false) throw errors.unsupportedMediaType();
    next();
  }
}
