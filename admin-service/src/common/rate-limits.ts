import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { clientAddressKey, rateLimiter, RateLimitCounters } from '@catalogue/shared';
import type { Request, RequestHandler } from 'express';
import { LOGIN_PATH } from '../auth/auth.controller';
import type { AdminConfig } from '../config';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOGIN_WINDOW_MS = 15 * 60_000;

export interface AdminRateLimits {
  /** Brute-force brakes on sign-in: failures per client address and per email (successes do not count). */
  login: RequestHandler[];
  /** Writes per client address (sign-in has its own). */
  writes: RequestHandler;
}

/** admin's rate limits, all built here. `counters` decides where they count (Redis or memory). */
export function adminRateLimits(config: AdminConfig, counters: RateLimitCounters): AdminRateLimits {
  const emailOf = (req: Request): string | undefined => {
    const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' ? `email:${email.trim().toLowerCase()}` : undefined;
  };
  return {
    login: [
      rateLimiter(counters, { name: 'login-address', windowMs: LOGIN_WINDOW_MS, limit: config.LOGIN_FAILURES_PER_ADDRESS, countOnlyFailures: true }),
      rateLimiter(counters, {
        name: 'login-email',
        windowMs: LOGIN_WINDOW_MS,
        limit: config.LOGIN_FAILURES_PER_EMAIL,
        countOnlyFailures: true,
        key: (req) => emailOf(req) ?? clientAddressKey(req),
      }),
    ],
    writes: rateLimiter(counters, { name: 'writes', windowMs: 60_000, limit: config.WRITES_PER_MINUTE, skip: (req) => !WRITE_METHODS.has(req.method) || req.path === LOGIN_PATH }),
  };
}

/** Connects the counters' Redis with the application (waiting at most its connect timeout) and closes it on shutdown. */
@Injectable()
export class RateLimitCountersLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(RateLimitCounters) private readonly counters: RateLimitCounters) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.counters.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.counters.close();
  }
}
