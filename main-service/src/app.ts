import express from 'express';
import type { DataSource } from 'typeorm';
import {
  accessLog,
  apiDocsRouter,
  combineObservers,
  createTransactionRunner,
  crashAt,
  DependencyBreaker,
  httpMetricsMiddleware,
  requestTracing,
  messagingMetrics,
  messagingSettingsFrom,
  RateLimitCounters,
  readOutboxBacklog,
  securityHeaders,
  ServiceMessaging,
  ServiceMetrics,
  TokenVerifier,
  type Logger,
  type MessagingObserver,
} from '@catalogue/shared';
import type { MainConfig } from './config';
import { healthRouter, type Lifecycle } from './health/health.router';
import { authenticate, requireRole } from './http/auth.middleware';
import { errorHandler, routeNotFound } from './http/errors.middleware';
import { LEGACY_PREFIX, mainApiDocument } from './http/openapi';
import { LikesRepository } from './likes/likes.repository';
import { likeRateLimits, likesRouter, unlikesRouter } from './likes/likes.router';
import { meRouter } from './likes/me.router';
import { operationsRouter } from './operations/operations.router';
import { metricsRouter } from './metrics/metrics.router';
import { LikesService } from './likes/likes.service';
import { UnlikesService } from './likes/unlikes.service';
import { likesInternalRouter } from './likes/likes.internal.router';
import { LiveStreams, type LiveSettings } from './live/live-streams';
import { liveRouter, streamOpenLimit } from './live/live.router';
import { AdminSnapshotClient } from './products/admin-snapshot.client';
import { ProductChanges } from './products/product-changes';
import { ProductChangeMetrics } from './products/product-changes.metrics';
import { ProductChangesRepository } from './products/product-changes.repository';
import { productEventHandlers } from './products/products.consumer';
import { productsInternalRouter } from './products/products.internal.router';
import { ProductsResync } from './products/products.resync';
import { ProductsRepository } from './products/products.repository';
import { productsRouter, searchRateLimit } from './products/products.router';
import { ProductsService } from './products/products.service';
import { AdminUsersClient } from './users/users.client';
import { loginProxyRouter } from './auth/login.proxy';
import { DEFAULT_STOREFRONT_ROOT, storefrontRouter } from './web/storefront.static';
import { RevokedUsers } from './users/revocations';
import { userEventHandlers } from './users/users.consumer';
import { UsersService } from './users/users.service';

/** The old system's paths keep working for existing clients (the products, the like and the health report). */
const API_PREFIXES = ['/api', LEGACY_PREFIX];
/** How long a browser waits before it reconnects a live stream that ended. */
const LIVE_RETRY_MS = 2000;

export interface MainService {
  app: express.Express;
  /** Checks bearer tokens; main.ts awaits `ready()` so a malformed key stops start-up. */
  tokens: TokenVerifier;
  messaging: ServiceMessaging;
  lifecycle: Lifecycle;
  metrics: ServiceMetrics;
  resync: ProductsResync;
  /** The change feed as this replica hears it; main.ts starts it in API processes (it clears the list cache). */
  changes: ProductChanges;
  /** Where the rate limits count (Redis when REDIS_URL is set); main.ts connects and closes it. */
  rateLimitCounters: RateLimitCounters;
  /** The open live streams; shutdown ends them (see stopServing) before the server can close. */
  live: LiveStreams;
  /** Users whose earlier tokens admin revoked; refreshed in the background once first used (stop it on shutdown). */
  revokedUsers: RevokedUsers;
}

function liveSettingsFrom(config: MainConfig): LiveSettings {
  return {
    maxStreams: config.LIVE_STREAMS_MAX,
    maxPerAddress: config.LIVE_STREAMS_PER_ADDRESS,
    coalesceMs: config.LIVE_COALESCE_MS,
    heartbeatMs: config.LIVE_HEARTBEAT_SECONDS * 1000,
    maxBufferBytes: config.LIVE_STREAM_MAX_BUFFER_KB * 1024,
    retryMs: LIVE_RETRY_MS,
  };
}

/**
 * A timeout and a circuit breaker for one kind of call main makes to admin (each kind its own, as
 * each fails for its own reasons), with its state in `metrics` when given.
 */
export function adminBreaker(config: MainConfig, dependency: string, timeoutMs: number, metrics?: ServiceMetrics): DependencyBreaker {
  return new DependencyBreaker(
    dependency,
    { timeoutMs, failures: config.ADMIN_BREAKER_FAILURES, halfOpenAfterMs: config.ADMIN_BREAKER_HALF_OPEN_MS },
    metrics,
  );
}

/** The resync on its own, for `npm run resync`, which needs neither HTTP nor the broker. */
export function buildResync(
  config: MainConfig,
  dataSource: DataSource,
  logger: Logger,
  productsRepository = new ProductsRepository(dataSource, config.SEARCH_TIME_LIMIT_MS),
  products = new ProductsService(productsRepository, new ProductChangesRepository(dataSource)),
  metrics?: ServiceMetrics,
): ProductsResync {
  const source = new AdminSnapshotClient(
    config.ADMIN_URL,
    adminBreaker(config, 'admin_snapshot', config.ADMIN_TIMEOUT_MS, metrics),
    config.ADMIN_TOKEN,
  );
  return new ProductsResync(
    source,
    products,
    productsRepository,
    createTransactionRunner(dataSource, { idempotent: true }),
    logger,
    config.RESYNC_PAGE_SIZE,
  );
}

export interface MainOptions {
  /** The built storefront; tests may point elsewhere. */
  storefrontRoot?: string;
  /** Told about every publish and delivery, besides the metrics (tests). */
  observer?: MessagingObserver;
}

/** Wires main-service from explicit dependencies; starts nothing (main.ts and tests do). */
export function buildMainService(config: MainConfig, dataSource: DataSource, logger: Logger, options: MainOptions = {}): MainService {
  const crash = crashAt(config.CRASH_POINT);
  const metrics = new ServiceMetrics('main', { outboxBacklog: () => readOutboxBacklog(dataSource) });
  const productsRepository = new ProductsRepository(dataSource, config.SEARCH_TIME_LIMIT_MS);
  const changeFeed = new ProductChangesRepository(dataSource);
  const changes = new ProductChanges(
    changeFeed,
    { pollMs: config.PRODUCT_CHANGES_POLL_MS, retentionSeconds: config.PRODUCT_CHANGES_RETENTION_SECONDS },
    new ProductChangeMetrics(metrics),
    logger,
  );
  const products = new ProductsService(
    productsRepository,
    changeFeed,
    config.PRODUCT_LIST_CACHE_MS,
    () => changes.position,
    config.PRODUCT_LIST_CACHE_MAX_BYTES,
  );
  // Changes committed by other processes (the consumer apart, other replicas' likes) reach the cache here,
  // first: a page read once the live stream has told of a change shows it.
  changes.subscribe(() => products.listChanged());
  const live = new LiveStreams(changes, liveSettingsFrom(config), metrics, logger);
  // Changes committed in this process clear the cache at once and wake the feed for its listeners.
  const changedHere = () => {
    products.listChanged();
    changes.wake();
  };
  const messaging = new ServiceMessaging({
    service: 'main',
    settings: messagingSettingsFrom(config),
    dataSource,
    logger,
    runRelay: config.RUN_RELAY,
    runConsumer: config.RUN_CONSUMER,
    // Product and user events need no memory beyond the inbox's retention: versions (and
    // tombstones) make a late one a no-op.
    pruneInbox: config.RUN_CONSUMER,
    handlers: { ...productEventHandlers(products, (type) => metrics.eventsStale.inc({ event_type: type })), ...userEventHandlers() },
    // The handlers clear the list cache inside their transaction; clearing again after the commit
    // drops any page read in between (which still showed the old state).
    observer: combineObservers(
      messagingMetrics(metrics),
      { consumed: ({ outcome }) => outcome === 'applied' && changedHere() },
      options.observer,
    ),
    crash,
  });
  const likesRepository = new LikesRepository(dataSource);
  const likesCommitted = () => {
    changedHere();
    messaging.announce();
  };
  const likes = new LikesService(
    likesRepository,
    changeFeed,
    dataSource,
    createTransactionRunner(dataSource, { idempotent: true }),
    likesCommitted,
    crash,
  );
  const unlikes = new UnlikesService(
    likesRepository,
    changeFeed,
    createTransactionRunner(dataSource, { idempotent: true }),
    likesCommitted,
    crash,
  );
  // Every call to admin has its timeout and breaker: the JWKS (integrated with its own cooldown),
  // the development users call, the sign-in pass-through and the resync's snapshot.
  const tokenKey =
    config.tokenKey.kind === 'jwks'
      ? { ...config.tokenKey, breaker: adminBreaker(config, 'admin_jwks', config.ADMIN_TIMEOUT_MS, metrics) }
      : config.tokenKey;
  const tokens = new TokenVerifier({ key: tokenKey, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const revokedUsers = new RevokedUsers(dataSource, logger, config.REVOCATION_REFRESH_MS);
  const users = new UsersService(
    tokens,
    new AdminUsersClient(config.ADMIN_URL, adminBreaker(config, 'admin_users', config.ADMIN_TIMEOUT_MS, metrics)),
    config.DEV_RANDOM_USER,
    revokedUsers,
  );
  const lifecycle: Lifecycle = { draining: false };
  const resync = buildResync(config, dataSource, logger, productsRepository, products, metrics);
  // One set of counters for both path prefixes, so the old paths are no way around the limits.
  const rateLimitCounters = new RateLimitCounters({
    url: config.REDIS_URL,
    service: 'main',
    logger,
    metrics,
    memoryKeys: config.RATE_LIMIT_MEMORY_KEYS,
  });
  const likeLimits = likeRateLimits(config, rateLimitCounters);
  const searchLimit = searchRateLimit(products, rateLimitCounters, config.SEARCHES_PER_MINUTE_PER_ADDRESS);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  // The request's span (only when it is sampled), then metrics: they capture the route template
  // the access log and the span report.
  app.use(requestTracing(), httpMetricsMiddleware(metrics), accessLog(logger, config));
  app.use(...securityHeaders(config));
  app.use(express.json({ limit: '16kb' }));
  const authenticated = authenticate(users);
  // Public: probes and the product list. Everything else needs a signed-in caller.
  app.use(healthRouter(dataSource, messaging, lifecycle));
  app.use(metricsRouter(metrics));
  app.use(apiDocsRouter(mainApiDocument()));
  // Before the products router, whose /:id would take "stream" for an id. New with the stream: /api only.
  app.use('/api/products', liveRouter(live, streamOpenLimit(config, rateLimitCounters)));
  for (const prefix of API_PREFIXES) {
    app.use(`${prefix}/products`, productsRouter(products, searchLimit), likesRouter(likes, authenticated, likeLimits, metrics));
  }
  app.use('/api/products', unlikesRouter(unlikes, authenticated, likeLimits, metrics));
  // Public too: the sign-in pass-through and the storefront's files (API paths fall through).
  const signInBreaker = adminBreaker(config, 'admin_sign_in', config.LOGIN_TIMEOUT_MS, metrics);
  app.use(
    '/api/auth',
    loginProxyRouter(
      config.ADMIN_URL,
      signInBreaker,
      Math.ceil(config.ADMIN_BREAKER_HALF_OPEN_MS / 1000),
      config.CLIENT_ADDRESS_SECRET?.[0],
    ),
  );
  app.use(storefrontRouter(options.storefrontRoot ?? DEFAULT_STOREFRONT_ROOT, logger));
  // Closed by default: a route mounted below this line answers only callers with a valid token
  // (add requireRole('staff') for staff-only ones); unknown routes answer 401 to anonymous callers.
  app.use(authenticated);
  app.use('/api/me', meRouter(likes));
  app.use('/api/operations', requireRole('staff'), operationsRouter(messaging));
  app.use('/internal/products', requireRole('staff'), productsInternalRouter(products), likesInternalRouter(likes, unlikes));
  app.use(routeNotFound);
  app.use(errorHandler(logger));
  return { app, tokens, messaging, lifecycle, metrics, resync, changes, live, rateLimitCounters, revokedUsers };
}
