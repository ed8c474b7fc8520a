import { Router, type Request, type RequestHandler } from 'express';
import { AppError, clientAddressKey, rateLimiter, type RateLimitCounters } from '@catalogue/shared';
import type { LiveStreams } from './live-streams';

/** Opening a stream may replay up to thousands of changes from the database: opens are braked per address. */
export function streamOpenLimit(limits: { LIVE_STREAM_OPENS_PER_MINUTE_PER_ADDRESS: number }, counters: RateLimitCounters): RequestHandler {
  return rateLimiter(counters, { name: 'stream-opens-address', windowMs: 60_000, limit: limits.LIVE_STREAM_OPENS_PER_MINUTE_PER_ADDRESS });
}

/** `GET /api/products/stream`: anonymous and read-only (docs/openapi.yaml). */
export function liveRouter(live: LiveStreams, openLimit: RequestHandler): Router {
  const router = Router();
  router.get('/stream', openLimit, async (req, res) => {
    await live.open(res, clientAddressKey(req), lastSeen(req));
  });
  return router;
}

const POSITION = /^\d{1,15}$/;

/**
 * The id of the last message the reader saw: the Last-Event-ID header a browser's EventSource sends
 * when it reconnects by itself, else `?after=` (a page that opens a new EventSource after one failed
 * carries it there; the header cannot be set from script).
 */
function lastSeen(req: Request): number | undefined {
  const unknown = Object.keys(req.query).filter((name) => name !== 'after');
  if (unknown.length > 0) throw AppError.validation(unknown.map((field) => ({ field, reason: 'is not a parameter of the stream' })));
  const header = req.get('last-event-id');
  const query = req.query.after;
  const [field, value] = header !== undefined && header !== '' ? ['Last-Event-ID', header] : ['after', query];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !POSITION.test(value))
    throw AppError.validation([{ field, reason: 'must be the id of a message of this stream (a whole number)' }]);
  return Number(value);
}
