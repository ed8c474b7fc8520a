import express from 'express';
import type { DataSource } from 'typeorm';
import { createTransactionRunner, crashAt, messagingSettingsFrom, securityHeaders, ServiceMessaging, TokenVerifier, type Logger } from '@catalogue/shared';
import type { MainConfig } from './config';
import { healthRouter, type Lifecycle } from './health/health.router';
import { authenticate, requireRole } from './http/auth.middleware';
import { errorHandler, routeNotFound } from './http/errors.middleware';
import { LikesRepository } from './likes/likes.repository';
import { likeRateLimits, likesRouter } from './likes/likes.router';
import { meRouter } from './likes/me.router';
import { operationsRouter } from './operations/operations.router';
import { LikesService } from './likes/likes.service';
import { productEventHandlers } from './products/products.consumer';
import { ProductsRepository } from './products/products.repository';
import { productsRouter } from './products/products.router';
import { ProductsService } from './products/products.service';
import { AdminUsersClient } from './users/users.client';
import { loginProxyRouter } from './auth/login.proxy';
import { DEFAULT_STOREFRONT_ROOT, storefrontRouter } from './web/storefront.static';
import { UsersService } from './users/users.service';

/** The old system's paths keep working for existing clients. */
const API_PREFIXES = ['/api', '/flask/api'];

export interface MainService {
  app: express.Express;
  /** Checks bearer tokens; main.ts awaits `ready()` so a malformed key stops start-up. */
  tokens: TokenVerifier;
  messaging: ServiceMessaging;
  lifecycle: Lifecycle;
}

export interface MainOptions {
  /** The built storefront; tests may point elsewhere. */
  storefrontRoot?: string;
}

/** Wires main-service from explicit dependencies; starts nothing (main.ts and tests do). */
export function buildMainService(config: MainConfig, dataSource: DataSource, logger: Logger, options: MainOptions = {}): MainService {
  const crash = crashAt(config.CRASH_POINT);
  const products = new ProductsService(new ProductsRepository(dataSource));
  const messaging = new ServiceMessaging({
    service: 'main',
    settings: messagingSettingsFrom(config),
    dataSource,
    logger,
    runRelay: config.RUN_RELAY,
    runConsumer: config.RUN_CONSUMER,
    handlers: productEventHandlers(products),
    crash,
  });
  const likes = new LikesService(new LikesRepository(dataSource), createTransactionRunner(dataSource, { idempotent: true }), () => messaging.announce(), crash);
  const tokens = new TokenVerifier({ key: config.tokenKey, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const users = new UsersService(
    tokens,
    new AdminUsersClient(config.ADMIN_URL, config.ADMIN_TIMEOUT_MS),
    config.DEV_RANDOM_USER,
  );
  const lifecycle: Lifecycle = { draining: false };
  // One set of counters for both path prefixes, so the old paths are no way around the limits.
  const likeLimits = likeRateLimits(config);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  app.use(...securityHeaders(config));
  app.use(express.json({ limit: '16kb' }));
  const authenticated = authenticate(users);
  // Public: probes and the product list. Everything else needs a signed-in caller.
  app.use(healthRouter(dataSource, messaging, lifecycle));
  for (const prefix of API_PREFIXES) {
    app.use(`${prefix}/products`, productsRouter(products), likesRouter(likes, authenticated, likeLimits));
  }
  // Public too: the sign-in pass-through and the storefront's files (API paths fall through).
  app.use('/api/auth', loginProxyRouter(config.ADMIN_URL, config.ADMIN_TIMEOUT_MS));
  app.use(storefrontRouter(options.storefrontRoot ?? DEFAULT_STOREFRONT_ROOT, logger));
  // Closed by default: a route mounted below this line answers only callers with a valid token
  // (add requireRole('staff') for staff-only ones); unknown routes answer 401 to anonymous callers.
  app.use(authenticated);
  app.use('/api/me', meRouter(likes));
  app.use('/api/operations', requireRole('staff'), operationsRouter(messaging));
  app.use(routeNotFound);
  app.use(errorHandler(logger));
  return { app, tokens, messaging, lifecycle };
}
