import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { rateLimiter, RateLimitCounters, slowDownLimiter, type ServiceMetrics } from '@catalogue/shared';
import type { Request, RequestHandler } from 'express';
import { LOGIN_PATH } from '../auth/auth.controller';
import type { AdminConfig } from '../config';
import { forwardedClientAddress, signInClientKey } from './client-address';
import { SignInMetrics } from './sign-in.metrics';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOGIN_WINDOW_MS = 15 * 60_000;
/** The first delayed sign-in for an email waits this long; each one after, twice the one before. */
const FIRST_DELAY_MS = 250;

export interface AdminRateLimits {
  /**
   * Sign-in, in order: who the client is (main's proven forwarded address, or admin's own reading),
   * then brakes on failures (successes never count): refusal per address and per email from one
   * address; a bounded delay per email from every address, which an attacker elsewhere cannot turn
   * into a lockout of its owner (docs/decisions/0021).
   */
  login: RequestHandler[];
  /** Writes per client address (sign-in has its own). */
  writes: RequestHandler;
  /** Searches per client address, mounted on the product list: admin has no list cache, so every search reaches the database. */
  searches: RequestHandler;
}

/** admin's rate limits, all built here. `counters` decides where they count (Redis or memory). */
export function adminRateLimits(config: AdminConfig, counters: RateLimitCounters, metrics: ServiceMetrics): AdminRateLimits {
  const signIn = new SignInMetrics(metrics);
  const skipWithoutEmail = (req: Request) => emailOf(req) === undefined;
  return {
    login: [
      forwardedClientAddress(config.CLIENT_ADDRESS_SECRET, (outcome) => signIn.clientAddress(outcome)),
      rateLimiter(counters, {
        name: 'login-address',
        windowMs: LOGIN_WINDOW_MS,
        limit: config.LOGIN_FAILURES_PER_ADDRESS,
        countOnlyFailures: true,
        key: signInClientKey,
      }),
      rateLimiter(counters, {
        name: 'login-email-address',
        windowMs: LOGIN_WINDOW_MS,
        limit: config.LOGIN_FAILURES_PER_EMAIL,
        countOnlyFailures: true,
        key: (req) => `email-address:${digest(`${emailOf(req)}\n${signInClientKey(req)}`)}`,
        skip: skipWithoutEmail,
      }),
      slowDownLimiter(counters, {
        name: 'login-email',
        windowMs: LOGIN_WINDOW_MS,
        delayAfter: config.LOGIN_DELAY_AFTER_FAILURES,
        firstDelayMs: FIRST_DELAY_MS,
        maxDelayMs: config.LOGIN_DELAY_MAX_MS,
        countOnlyFailures: true,
        key: (req) => `email:${digest(emailOf(req)!)}`,
        skip: skipWithoutEmail,
        onDelay: (ms) => signIn.delayed(ms),
      }),
    ],
    writes: rateLimiter(counters, {
      name: 'writes',
      windowMs: 60_000,
      limit: config.WRITES_PER_MINUTE,
      skip: (req) => !WRITE_METHODS.has(req.method) || req.path === LOGIN_PATH,
    }),
    searches: rateLimiter(counters, {
      name: 'searches',
      windowMs: 60_000,
      limit: config.SEARCHES_PER_MINUTE_PER_ADDRESS,
      skip: (req) => req.method !== 'GET' || req.path !== '/' || !isSearch(req.query.q),
    }),
  };
}

const isSearch = (q: unknown): boolean => typeof q === 'string' && q.trim() !== '';

/** The email a sign-in names, as sign-in compares it (before validation: any string the client sent). */
function emailOf(req: Request): string | undefined {
  const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : undefined;
}

/** Emails become fixed-length digests: no address in Redis, and a 16 KB email costs a key of 43 characters. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
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
