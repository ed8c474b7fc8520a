import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import { routeTemplateOf } from './http-metrics';

/** Settings both services read for their access log. */
export const accessLogEnvShape = {
  /**
   * The level access lines are written at (`silent` turns the access log off). They show only
   * when LOG_LEVEL lets that level through; answers of 500 and above are always written at error.
   */
  ACCESS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The share of answers below 400 that are logged (0 to 1); 4xx and 5xx answers are always logged. */
  ACCESS_LOG_SAMPLE: z.coerce.number().min(0).max(1).default(1),
} as const;

export interface AccessLogSettings {
  ACCESS_LOG_LEVEL: z.infer<typeof accessLogEnvShape.ACCESS_LOG_LEVEL>;
  ACCESS_LOG_SAMPLE: number;
}

interface Observed {
  traceId?: string;
  bytesBefore: number;
}
const observed = new WeakMap<IncomingMessage, Observed>();

/** Set by `authenticate` (main) or the staff guard (admin) once the token is verified. */
type IdentifiedRequest = IncomingMessage & { identity?: { subject?: string } };

/**
 * One JSON line per answered request (pino-http on the service's own logger): method, route
 * template (never the raw path, which carries ids and whatever a scanner sends), status, duration,
 * bytes sent, trace id and the user when the token named one. Headers, query strings, bodies,
 * tokens and cookies are never logged. Mount after httpMetricsMiddleware, which captures the
 * route template.
 */
export function accessLog(logger: Logger, settings: AccessLogSettings, random: () => number = Math.random): RequestHandler {
  if (settings.ACCESS_LOG_LEVEL === 'silent') return (_req, _res, next) => next();
  const fields = (req: IncomingMessage, res: ServerResponse, durationMs: number) => {
    const seen = observed.get(req);
    const userId = (req as IdentifiedRequest).identity?.subject;
    return {
      log: 'access',
      method: req.method,
      route: routeTemplateOf(req),
      status: res.statusCode,
      durationMs,
      // What went out on the connection for this answer, headers included (content-length may be
      // absent). The request's socket: the response lets go of its own once finished.
      bytes: Math.max(0, (req.socket?.bytesWritten ?? 0) - (seen?.bytesBefore ?? 0)),
      ...(seen?.traceId ? { trace_id: seen.traceId } : {}),
      ...(userId !== undefined ? { userId } : {}),
    };
  };
  const http = pinoHttp({
    logger,
    // Lines carry only the fields chosen below (and pino-http's request counter, reqId): no
    // request or response object, so no header, query or cookie. pino-http still binds the request
    // to a child logger it does not use here; these serializers keep that binding empty and cheap.
    quietReqLogger: true,
    quietResLogger: true,
    serializers: { req: () => ({}), res: () => ({}) },
    customLogLevel: (_req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode < 400 && settings.ACCESS_LOG_SAMPLE < 1 && random() >= settings.ACCESS_LOG_SAMPLE) return 'silent';
      return settings.ACCESS_LOG_LEVEL;
    },
    customSuccessObject: (req, res, value: { responseTime: number }) => fields(req, res, value.responseTime),
    customErrorObject: (req, res, _err, value: { responseTime: number }) => fields(req, res, value.responseTime),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
  return (req, res, next) => {
    const context = trace.getActiveSpan()?.spanContext();
    observed.set(req, {
      traceId: context && isSpanContextValid(context) ? context.traceId : undefined,
      bytesBefore: req.socket?.bytesWritten ?? 0,
    });
    http(req, res, next);
  };
}
