import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import cors from 'cors';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { slowDown } from 'express-slow-down';
import helmet from 'helmet';
import { z } from 'zod';
import { AppError } from './errors';
import type { RateLimitCounters } from './rate-limit-counters';

const originList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url().refine((origin) => new URL(origin).origin === origin, 'must be an origin: scheme://host[:port], no path')));

/** Settings both services read for their HTTP edge. */
export const httpSecurityEnvShape = {
  /** Comma-separated origins allowed to call the API from a browser; empty allows none. */
  CORS_ORIGINS: originList,
  /** Other origins pages served by this service may call (CSP connect-src), e.g. admin's sign-in from the storefront. */
  CSP_CONNECT_SRC: originList,
  /**
   * How many reverse proxies in front of us append to X-Forwarded-For; 0 trusts none (the socket
   * address counts). Count only the proxies every request passes (on admin: the ingress, not main,
   * whose sign-ins carry their client address in a header of their own).
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
} as const;

/**
 * Security headers (helmet's defaults: no sniffing, no framing, HSTS, a strict CSP for anything
 * rendered) and CORS for the configured origins only.
 */
export function securityHeaders(settings: { CORS_ORIGINS: readonly string[]; CSP_CONNECT_SRC: readonly string[] }): RequestHandler[] {
  const origins = settings.CORS_ORIGINS;
  return [
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Product images live on other hosts (their URLs are data); scripts and styles stay same-origin.
          'img-src': ["'self'", 'data:', 'https:'],
          'connect-src': ["'self'", ...settings.CSP_CONNECT_SRC],
          // TLS ends at the proxy in production (HSTS covers it); upgrading would break plain-HTTP development.
          'upgrade-insecure-requests': null,
        },
      },
    }),
    cors({
      origin: origins.length === 0 ? false : [...origins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
      exposedHeaders: ['link', 'ratelimit', 'ratelimit-policy', 'retry-after'],
      maxAge: 600,
    }),
  ];
}

export interface RateLimitOptions {
  /** Names the policy in the RateLimit header. */
  name: string;
  windowMs: number;
  limit: number;
  /** The bucket a request counts against; by default the client address (behind the trusted proxies only). */
  key?: (req: Parameters<RequestHandler>[0]) => string | undefined;
  /** Requests that never count (e.g. reads, when only writes are limited). */
  skip?: (req: Parameters<RequestHandler>[0]) => boolean;
  /** Count only answers of 400 and above (brute-force brakes: a user who signs in fine never hits them). */
  countOnlyFailures?: boolean;
}

/** Keys longer than this are stored as their SHA-256: a client cannot make one key cost more memory than this. */
export const RATE_LIMIT_KEY_MAX = 64;

/** A key of bounded length: itself when short, otherwise its SHA-256 (base64url). */
export function boundedKey(key: string): string {
  return key.length <= RATE_LIMIT_KEY_MAX ? key : `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

/**
 * A fixed-window limiter that answers 429 in the shared error shape with the IETF `RateLimit` and
 * `RateLimit-Policy` headers and `Retry-After`. Counts live where `counters` keeps them: in Redis,
 * shared by every replica, or in this process (a bounded number of keys); a failing store lets the
 * request through (see RateLimitCounters).
 */
export function rateLimiter(counters: RateLimitCounters, options: RateLimitOptions): RequestHandler {
  return rateLimit({
    ...commonLimiterOptions(counters, options),
    limit: options.limit,
    identifier: options.name,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError(429, 'rate_limited', 'too many requests; try again later')),
  });
}

export interface SlowDownOptions extends Omit<RateLimitOptions, 'limit'> {
  /** Requests counted in a window before answers are delayed. */
  delayAfter: number;
  /** The delay of the first request over `delayAfter`; it doubles with each one after, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Told of each delay applied, in ms (metrics). */
  onDelay?: (delayMs: number) => void;
}

/** The delay for the `over`-th request past the threshold (1 for the first): doubling from `firstMs`, never above `maxMs`. */
export function progressiveDelayMs(over: number, firstMs: number, maxMs: number): number {
  if (over < 1) return 0;
  return Math.min(maxMs, firstMs * 2 ** Math.min(over - 1, 30));
}

/**
 * Like `rateLimiter`, but over the threshold it answers *later* instead of refusing: a brake for
 * keys an attacker can share with the rightful client (an email), where a refusal would lock the
 * owner out. The delay is bounded, so the owner waits at most `maxDelayMs`.
 */
export function slowDownLimiter(counters: RateLimitCounters, options: SlowDownOptions): RequestHandler {
  return slowDown({
    ...commonLimiterOptions(counters, options),
    identifier: options.name,
    delayAfter: options.delayAfter,
    delayMs: (used: number) => {
      const delay = progressiveDelayMs(used - options.delayAfter, options.firstDelayMs, options.maxDelayMs);
      options.onDelay?.(delay);
      return delay;
    },
    maxDelayMs: options.maxDelayMs,
  });
}

function commonLimiterOptions(counters: RateLimitCounters, options: Omit<RateLimitOptions, 'limit'> & { windowMs: number }) {
  return {
    store: counters.storeFor(options.name),
    passOnStoreError: true,
    logger: counters.libraryLogger,
    windowMs: options.windowMs,
    keyGenerator: (req: Parameters<RequestHandler>[0]) => boundedKey(options.key?.(req) ?? ipKeyGenerator(req.ip ?? 'unknown')),
    ...(options.skip ? { skip: options.skip } : {}),
    skipSuccessfulRequests: options.countOnlyFailures ?? false,
  };
}

/** The client address as express sees it after applying TRUST_PROXY_HOPS, IPv6 grouped by /56. */
export function clientAddressKey(req: Parameters<RequestHandler>[0]): string {
  return addressKey(req.ip);
}

/** A limit key for a client address: IPv4 as is, IPv6 grouped by /56 (one subscriber's usual allocation). */
export function addressKey(address: string | undefined): string {
  return ipKeyGenerator(address ?? 'unknown');
}

/**
 * Explicit limits so slow clients cannot hold connections (slowloris). An idle keep-alive
 * connection is kept longer than the load balancers in front keep theirs (HAProxy's
 * http-keep-alive, an ALB's or nginx's 60 s): the side that may reuse a connection must be the
 * one that closes it, or a request sent as the service closes it fails (a 502 or a reset).
 */
export const SERVER_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 65_000 } as const;

export function applyServerTimeouts(server: Server): Server {
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
  return server;
}
