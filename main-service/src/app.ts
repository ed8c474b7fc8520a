import express from 'express';
import type { DataSource } from 'typeorm';
import {
  combineObservers,
  createTransactionRunner,
  crashAt,
  httpMetricsMiddleware,
  messagingMetrics,
  messagingSettingsFrom,
  readOutboxBacklog,
  ServiceMessaging,
  ServiceMetrics,
  type Logger,
  type MessagingObserver,
} from '@catalogue/shared';
import type { MainConfig } from './config';
import { healthRouter, type Lifecycle } from './health/health.router';
import { errorHandler, routeNotFound } from './http/errors.middleware';
import { LikesRepository } from './likes/likes.repository';
import { likesRouter } from './likes/likes.router';
import { metricsRouter } from './metrics/metrics.router';
import { LikesService } from './likes/likes.service';
import { likesInternalRouter } from './likes/likes.internal.router';
import { AdminSnapshotClient } from './products/admin-snapshot.client';
import { productEventHandlers } from './products/products.consumer';
import { productsInternalRouter } from './products/products.internal.router';
import { ProductsResync } from './products/products.resync';
import { ProductsRepository } from './products/products.repository';
import { productsRouter } from './products/products.router';
import { ProductsService } from './products/products.service';
import { AdminUsersClient } from './users/users.client';
import { UsersService } from './users/users.service';

/** The old system's paths keep working for existing clients. */
const API_PREFIXES = ['/api', '/flask/api'];

export interface MainService {
  app: express.Express;
  messaging: ServiceMessaging;
  lifecycle: Lifecycle;
  metrics: ServiceMetrics;
  resync: ProductsResync;
}

/** The resync on its own, for `npm run resync`, which needs neither HTTP nor the broker. */
export function buildResync(
  config: MainConfig,
  dataSource: DataSource,
  logger: Logger,
  productsRepository = new ProductsRepository(dataSource),
  products = new ProductsService(productsRepository),
): ProductsResync {
  const source = new AdminSnapshotClient(config.ADMIN_URL, config.ADMIN_TIMEOUT_MS);
  return new ProductsResync(source, products, productsRepository, createTransactionRunner(dataSource, { idempotent: true }), logger, config.RESYNC_PAGE_SIZE);
}

/** Wires main-service from explicit dependencies; starts nothing (main.ts and tests do). */
export function buildMainService(config: MainConfig, dataSource: DataSource, logger: Logger, options: { observer?: MessagingObserver } = {}): MainService {
  const crash = crashAt(config.CRASH_POINT);
  const metrics = new ServiceMetrics('main', { outboxBacklog: () => readOutboxBacklog(dataSource) });
  const productsRepository = new ProductsRepository(dataSource);
  const products = new ProductsService(productsRepository);
  const messaging = new ServiceMessaging({
    service: 'main',
    settings: messagingSettingsFrom(config),
    dataSource,
    logger,
    runRelay: config.RUN_RELAY,
    runConsumer: config.RUN_CONSUMER,
    handlers: productEventHandlers(products),
    observer: combineObservers(messagingMetrics(metrics), options.observer),
    crash,
  });
  const likes = new LikesService(new LikesRepository(), createTransactionRunner(dataSource, { idempotent: true }), () => messaging.announce(), crash);
  const users = new UsersService(
    { jwtSecret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
    new AdminUsersClient(config.ADMIN_URL, config.ADMIN_TIMEOUT_MS),
  );
  const lifecycle: Lifecycle = { draining: false };
  const resync = buildResync(config, dataSource, logger, productsRepository, products);

  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetricsMiddleware(metrics));
  app.use(express.json({ limit: '16kb' }));
  app.use(healthRouter(dataSource, messaging, lifecycle));
  app.use(metricsRouter(metrics));
  for (const prefix of API_PREFIXES) {
    app.use(`${prefix}/products`, productsRouter(products), likesRouter(likes, users, metrics));
  }
  app.use('/internal/products', productsInternalRouter(products), likesInternalRouter(likes));
  app.use(routeNotFound);
  app.use(errorHandler(logger));
  return { app, messaging, lifecycle, metrics, resync };
}
